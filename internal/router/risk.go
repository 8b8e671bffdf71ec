package router

import (
	"fmt"

	"github.com/bastionhq/bastion/bot"
)

// RiskPolicy is the operator's setting that maps risk levels to the
// number of approvers, besides the caller, a command needs.
type RiskPolicy struct {
	Safe, Sensitive, Destructive int
}

// DefaultRiskPolicy maps Safe, Sensitive and Destructive to 0, 1 and 2.
func DefaultRiskPolicy() RiskPolicy { return RiskPolicy{Safe: 0, Sensitive: 1, Destructive: 2} }

// For returns the approvals a level needs; 0 for unrated commands.
func (p RiskPolicy) For(r bot.Risk) int {
	switch r {
	case bot.Safe:
		return max(p.Safe, 0)
	case bot.Sensitive:
		return max(p.Sensitive, 0)
	case bot.Destructive:
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
