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
	// the command runs. The caller must approve too. See also Risk: the
	// larger requirement wins.
	Approvals int
	// Risk rates how destructive the command is; the operator's risk
	// policy maps it to a number of approvals (by default Safe 0,
	// Sensitive 1, Destructive 2). Zero means not rated: Approvals alone
	// decides.
	Risk Risk
	// ApprovalPermission is the permission an approver must hold on the
	// channel; empty means Permission. When both are empty anyone in the
	// channel other than the caller may approve.
	ApprovalPermission string
	// DryRun says what the command would do, computed without side
	// effects; it is posted with the request for approval, and may run
	// more than once. Optional.
	DryRun func(ctx context.Context, req *Request) (string, error)
	// Handler does the work. It replies through req.Reply; a returned error
	// is shown to the caller and recorded as the result. It runs at most
	// once per message, and only after the approvals the command needs; a
	// panic is reported as an error.
	Handler func(ctx context.Context, req *Request) error
}

// Usage returns the command's pattern as the user types it.
func (c *Command) Usage() string { return strings.Join(strings.Fields(c.Pattern), " ") }

// AllowedIn reports whether the command may run in channelID.
func (c *Command) AllowedIn(channelID string) bool {
	return len(c.Channels) == 0 || slices.Contains(c.Channels, channelID)
}

// Validate reports what is wrong with the command, as registering it
// would: no handler or description, a pattern that does not compile, a
// negative number of approvals, an unknown risk, or a permission or
// channel that cannot be one. It does not see clashes with other
// commands; the bot refuses those when it starts.
func (c *Command) Validate() error {
	if _, err := pattern.Compile(c.Pattern); err != nil {
		return err
	}
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
