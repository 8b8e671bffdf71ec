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
