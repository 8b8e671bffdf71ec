package builtin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
)

// whoami shows the caller's account type, roles and, per command usable in
// the channel, whether the caller may run it.
func (c *commands) whoami(ctx context.Context, req *bot.Request) error {
	p, err := c.place(ctx, req)
	if err != nil {
		return err
	}
	perms, err := c.engine.ListUserPermissions(ctx, p.workspace, req.UserID)
	if err != nil {
		return fmt.Errorf("permissions of %s: %w", req.UserID, err)
	}
	assignments, err := c.engine.Assignments(ctx, authz.AssignmentFilter{UserID: req.UserID})
	if err != nil {
		return fmt.Errorf("roles of %s: %w", req.UserID, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "You are %s, %s in %s.", userMention(req.UserID), accountName(perms.AccountType), c.describe(ctx, p.workspace))
	if perms.AccountType == authz.AccountNone || perms.AccountType.Restricted() {
		b.WriteString(" Roles do not apply to guests or to people without an account here.")
	}
	b.WriteString("\n*Your roles*")
	shown := 0
	for _, a := range assignments {
		in, err := within(ctx, c.engine, a.EntityID, p.root())
		if err != nil {
			return err
		}
		if !in {
			continue // another organisation's business
		}
		shown++
		fmt.Fprintf(&b, "\n• `%s` on %s", a.Role, c.describe(ctx, a.EntityID))
		if a.GrantedBy != "" {
			fmt.Fprintf(&b, " (granted by %s)", actor(a.GrantedBy))
		}
	}
	if shown == 0 {
		b.WriteString("\nnone")
	}
	if c.list != nil {
		c.writeRunnable(ctx, &b, req.Message, p)
	}
	return req.Reply(ctx, b.String())
}

// writeRunnable lists the commands usable in the channel, split by whether
// the caller may run them, asking the engine once for every permission.
func (c *commands) writeRunnable(ctx context.Context, b *strings.Builder, msg bot.Message, p place) {
	var cmds []bot.Command
	var perms []string
	for _, cmd := range c.list() {
		if !cmd.AllowedIn(msg.ChannelID) {
			continue
		}
		cmds = append(cmds, cmd)
		if cmd.Permission != "" && !slices.Contains(perms, cmd.Permission) {
			perms = append(perms, cmd.Permission)
		}
	}
	allowed := map[string]bool{}
	var checkErr error
	if len(perms) > 0 {
		res, err := c.engine.Check(ctx, authz.EligibilityRequest{TeamID: msg.TeamID, UserID: msg.UserID, EntityID: p.here(), Permissions: perms})
		if err != nil {
			checkErr = err
		}
		for _, d := range res.Decisions {
			allowed[d.Permission] = d.Allowed
		}
	}
	var may, mayNot []string
	for _, cmd := range cmds {
		switch {
		case cmd.Permission == "" || allowed[cmd.Permission]:
			may = append(may, "`"+cmd.Usage()+"`")
		default:
			mayNot = append(mayNot, fmt.Sprintf("`%s` (needs %s)", cmd.Usage(), cmd.Permission))
		}
	}
	fmt.Fprintf(b, "\n*You may run here*\n%s", joinOrNone(may))
	if checkErr != nil {
		fmt.Fprintf(b, "\n*Could not check the others*: %v", checkErr)
		return
	}
	fmt.Fprintf(b, "\n*You may not run here*\n%s", joinOrNone(mayNot))
}

func joinOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

// accountName reads an account type for people.
func accountName(t authz.AccountType) string {
	if t == authz.AccountNone {
		return "without an account"
	}
	name := strings.ReplaceAll(t.String(), "_", " ")
	if strings.ContainsAny(name[:1], "aeiou") {
		return "an " + name
	}
	return "a " + name
}
