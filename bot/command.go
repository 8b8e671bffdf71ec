package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/bot/pattern"
)

// Command is one back-office command a team registers.
type Command struct {
	// Pattern is what a message must look like, e.g.
	// "set <subdomain> trial remaining to <days:int> days"; see package pattern.
	Pattern string
	// Description says in one sentence what the command does; help shows it.
	Description string
	// Group heads the command's section in help; "General" when empty.
	Group string
	// Channels limits the command to these channel ids; empty allows every
	// channel the bot is in, direct messages included.
	Channels []string
	// Permission is checked with the permission service for the caller on
	// the channel; empty means anyone who can reach the command may run it.
	Permission string
	// Approvals is how many people besides the caller must approve before
	// the command runs; it needs an ApprovalGate on the Router. The caller
	// must approve too. See also Risk: the larger requirement wins.
	Approvals int
	// Risk rates how destructive the command is; the Router's RiskPolicy
	// maps it to a number of approvals. Zero means not rated: Approvals
	// alone decides.
	Risk Risk
	// ApprovalPermission is the permission an approver must hold on the
	// channel; empty means Permission. When both are empty anyone in the
	// channel other than the caller may approve.
	ApprovalPermission string
	// DryRun says what the command would do, computed without side
	// effects; it is posted with the request for approval. Optional.
	DryRun func(ctx context.Context, req *Request) (string, error)
	// Handler does the work. It replies through req.Reply; a returned error
	// is shown to the caller and recorded as the result.
	Handler func(ctx context.Context, req *Request) error
}

// approvalPermission is the permission approvers must hold.
func (c *Command) approvalPermission() string {
	if c.ApprovalPermission != "" {
		return c.ApprovalPermission
	}
	return c.Permission
}

// Usage returns the command's pattern as the user types it.
func (c *Command) Usage() string { return strings.Join(strings.Fields(c.Pattern), " ") }

// group returns the help section the command is listed under.
func (c *Command) group() string {
	if c.Group == "" {
		return "General"
	}
	return c.Group
}

// AllowedIn reports whether the command may run in channelID.
func (c *Command) AllowedIn(channelID string) bool {
	return len(c.Channels) == 0 || slices.Contains(c.Channels, channelID)
}

// validate checks what the pattern compiler does not.
func (c *Command) validate() error {
	switch {
	case c.Handler == nil:
		return fmt.Errorf("no handler")
	case strings.TrimSpace(c.Description) == "":
		return fmt.Errorf("no description: help needs one")
	case c.Approvals < 0:
		return fmt.Errorf("approvals %d is negative", c.Approvals)
	case strings.ContainsAny(c.Permission, " \t\n"):
		return fmt.Errorf("permission %q contains spaces", c.Permission)
	case strings.ContainsAny(c.ApprovalPermission, " \t\n"):
		return fmt.Errorf("approval permission %q contains spaces", c.ApprovalPermission)
	case c.Risk < 0 || c.Risk > Destructive:
		return fmt.Errorf("risk %d is not Safe, Sensitive or Destructive", c.Risk)
	}
	for _, ch := range c.Channels {
		if strings.TrimSpace(ch) == "" || strings.ContainsAny(ch, " <>#|") {
			return fmt.Errorf("channel %q is not a channel id (want e.g. C0123ABC)", ch)
		}
	}
	return nil
}

// compiled is a registered command with its compiled pattern.
type compiled struct {
	cmd     Command
	pattern *pattern.Pattern
}
