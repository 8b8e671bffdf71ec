package bot

import "fmt"

// Risk rates how destructive a command is. The zero value means the
// command is not rated and Command.Approvals alone decides.
type Risk int

// Risk levels, mapped to a number of approvals by a RiskPolicy.
const (
	// Safe commands read or change nothing that matters (default: 0 approvals).
	Safe Risk = iota + 1
	// Sensitive commands change customer data (default: 1 approval).
	Sensitive
	// Destructive commands cannot be undone (default: 2 approvals).
	Destructive
)

// String names the level.
func (r Risk) String() string {
	switch r {
	case 0:
		return "unrated"
	case Safe:
		return "safe"
	case Sensitive:
		return "sensitive"
	case Destructive:
		return "destructive"
	}
	return fmt.Sprintf("risk(%d)", int(r))
}

// RiskPolicy is the operator's setting that maps risk levels to the
// number of approvers, besides the caller, a command needs.
type RiskPolicy struct {
	Safe, Sensitive, Destructive int
}

// DefaultRiskPolicy maps Safe, Sensitive and Destructive to 0, 1 and 2.
func DefaultRiskPolicy() RiskPolicy { return RiskPolicy{Safe: 0, Sensitive: 1, Destructive: 2} }

// For returns the approvals a level needs; 0 for unrated commands.
func (p RiskPolicy) For(r Risk) int {
	switch r {
	case Safe:
		return max(p.Safe, 0)
	case Sensitive:
		return max(p.Sensitive, 0)
	case Destructive:
		return max(p.Destructive, 0)
	}
	return 0
}

// validate rejects negative counts.
func (p RiskPolicy) validate() error {
	if p.Safe < 0 || p.Sensitive < 0 || p.Destructive < 0 {
		return fmt.Errorf("risk policy %+v: approvals must not be negative", p)
	}
	return nil
}
