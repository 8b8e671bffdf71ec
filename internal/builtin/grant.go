package builtin

import (
	"context"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
)

// change is one grant or revoke, resolved.
type change struct {
	user, role, entity string
}

// resolveChange resolves the target of grant or revoke: the entity named
// by the "where" argument, which must belong to this organisation. A
// target that cannot be used is replied and reported as ok=false with a
// nil error.
func (c *commands) resolveChange(ctx context.Context, req *bot.Request, verb string) (change, bool, error) {
	p, err := c.place(ctx, req)
	if err != nil {
		return change{}, false, err
	}
	target, err := p.target(req.Args.String("where"))
	if err != nil {
		return change{}, false, req.Reply(ctx, fmt.Sprintf("Cannot %s: %v.", verb, err))
	}
	in, err := within(ctx, c.engine, target, p.root())
	if err != nil {
		return change{}, false, err
	}
	if !in {
		return change{}, false, req.Reply(ctx, fmt.Sprintf("Cannot %s on %s: it is not part of this organisation.", verb, c.describe(ctx, target)))
	}
	return change{user: req.Args.String("user"), role: roleName(req.Args.String("role")), entity: target}, true, nil
}

// denied replies to a grant or revoke the engine refused for lack of a
// permission (by the rule the permission server and console apply,
// authz.AuthorizeAdminWrite: ASSIGN_ROLES on the target), and reports
// whether err was such a refusal.
func (c *commands) denied(ctx context.Context, req *bot.Request, verb string, err error) (bool, error) {
	var denied *authz.DeniedError
	if !errors.As(err, &denied) {
		return false, nil
	}
	return true, req.Reply(ctx, fmt.Sprintf("Denied: you need %s on %s to %s roles there. %s",
		denied.Permission, c.describe(ctx, denied.EntityID), verb, denied.Reason))
}

// callerOf is the caller of req as the engine's admin writes name them.
func callerOf(req *bot.Request) authz.Actor {
	return authz.Actor{TeamID: req.TeamID, UserID: req.UserID}
}

// grant assigns a role, with the caller as the actor.
func (c *commands) grant(ctx context.Context, req *bot.Request) error {
	ch, ok, err := c.resolveChange(ctx, req, "grant")
	if err != nil || !ok {
		return err
	}
	rev, err := c.engine.AssignAs(ctx, callerOf(req), ch.user, ch.role, ch.entity)
	if was, rerr := c.denied(ctx, req, "grant", err); was {
		return rerr
	}
	if errors.Is(err, authz.ErrNotFound) || errors.Is(err, authz.ErrInvalidRequest) {
		return req.Reply(ctx, fmt.Sprintf("Cannot grant `%s`: %v. Say `roles` for the list.", ch.role, err))
	}
	if err != nil {
		return fmt.Errorf("grant %s to %s on %s: %w", ch.role, ch.user, ch.entity, err)
	}
	return req.Reply(ctx, fmt.Sprintf("Granted `%s` to %s on %s (revision %d).", ch.role, userMention(ch.user), c.describe(ctx, ch.entity), rev))
}

// revoke removes an assignment, with the caller as the actor.
func (c *commands) revoke(ctx context.Context, req *bot.Request) error {
	ch, ok, err := c.resolveChange(ctx, req, "revoke")
	if err != nil || !ok {
		return err
	}
	rev, err := c.engine.RevokeAs(ctx, callerOf(req), ch.user, ch.role, ch.entity)
	if was, rerr := c.denied(ctx, req, "revoke", err); was {
		return rerr
	}
	if errors.Is(err, authz.ErrNotFound) {
		return req.Reply(ctx, fmt.Sprintf("%s does not hold `%s` on %s; nothing to revoke.", userMention(ch.user), ch.role, c.describe(ctx, ch.entity)))
	}
	if errors.Is(err, authz.ErrInvalidRequest) {
		return req.Reply(ctx, fmt.Sprintf("Cannot revoke `%s`: %v.", ch.role, err))
	}
	if err != nil {
		return fmt.Errorf("revoke %s from %s on %s: %w", ch.role, ch.user, ch.entity, err)
	}
	return req.Reply(ctx, fmt.Sprintf("Revoked `%s` from %s on %s (revision %d).", ch.role, userMention(ch.user), c.describe(ctx, ch.entity), rev))
}
