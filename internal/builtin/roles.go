package builtin

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/bot"
)

// roles lists the system roles and the custom roles of the caller's
// organisation, with their permissions.
func (c *commands) roles(ctx context.Context, req *bot.Request) error {
	p, err := c.place(ctx, req)
	if err != nil {
		return err
	}
	list, err := c.engine.Roles(ctx)
	if err != nil {
		return fmt.Errorf("list roles: %w", err)
	}
	var b strings.Builder
	b.WriteString("Roles (grant one with `grant @someone ROLE`):")
	for _, r := range list {
		kind := "system"
		if !r.System && r.Scope != "" {
			in, err := within(ctx, c.engine, r.Scope, p.root())
			if err != nil {
				return err
			}
			if !in {
				continue // a custom role of another organisation
			}
			kind = "custom, " + c.describe(ctx, r.Scope)
		}
		fmt.Fprintf(&b, "\n• `%s` (%s)", r.Name, kind)
		if r.Description != "" {
			fmt.Fprintf(&b, ": %s", r.Description)
		}
		fmt.Fprintf(&b, "\n    %s", strings.Join(r.Permissions, ", "))
	}
	return req.Reply(ctx, b.String())
}
