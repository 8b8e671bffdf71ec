package builtin

import (
	"context"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
)

// change is one grant or revoke, resolved and authorized.
type change struct {
	user, role, entity string
}

// authorizeChange resolves the target of grant or revoke (kind is
// authz.WriteAssign or authz.WriteRevoke) and checks, through the engine
// and by the rule the permission server and console apply
// (authz.AuthorizeAdminWrite), that the caller may make it: ASSIGN_ROLES
// on the target. A denial is replied and reported as ok=false with a nil
// error.
func (c *commands) authorizeChange(ctx context.Context, req *bot.Request, kind authz.AdminWriteKind, verb string) (change, bool, error) {
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
		return change{}, false, req.Reply(ctx, fmt.Sprintf("Cannot %s on %s: it is not part of this organisation.", verb, describe(ctx, c.engine, target)))
	}
	w := authz.AdminWrite{Kind: kind, EntityID: target}
	err = authz.AuthorizeAdminWrite(ctx, c.engine, authz.Actor{TeamID: req.TeamID, UserID: req.UserID}, w)
	var denied *authz.DeniedError
	switch {
	case errors.As(err, &denied):
		return change{}, false, req.Reply(ctx, fmt.Sprintf("Denied: you need %s on %s to %s roles there. %s",
			denied.Permission, describe(ctx, c.engine, denied.EntityID), verb, denied.Reason))
	case err != nil:
		return change{}, false, fmt.Errorf("%s on %s: %w", verb, target, err)
	}
	return change{user: req.Args.String("user"), role: roleName(req.Args.String("role")), entity: target}, true, nil
}

// grant assigns a role, recording the caller as the actor.
func (c *commands) grant(ctx context.Context, req *bot.Request) error {
	ch, ok, err := c.authorizeChange(ctx, req, authz.WriteAssign, "grant")
	if err != nil || !ok {
		return err
	}
	rev, err := c.engine.Assign(ctx, ch.user, ch.role, ch.entity, actor(req.Message))
	if errors.Is(err, authz.ErrNotFound) || errors.Is(err, authz.ErrInvalidRequest) {
		return req.Reply(ctx, fmt.Sprintf("Cannot grant `%s`: %v. Say `roles` for the list.", ch.role, err))
	}
	if err != nil {
		return fmt.Errorf("grant %s to %s on %s: %w", ch.role, ch.user, ch.entity, err)
	}
	return req.Reply(ctx, fmt.Sprintf("Granted `%s` to %s on %s (revision %d).", ch.role, userMention(ch.user), describe(ctx, c.engine, ch.entity), rev))
}

// revoke removes an assignment, recording the caller as the actor.
func (c *commands) revoke(ctx context.Context, req *bot.Request) error {
	ch, ok, err := c.authorizeChange(ctx, req, authz.WriteRevoke, "revoke")
	if err != nil || !ok {
		return err
	}
	rev, err := c.engine.Revoke(ctx, ch.user, ch.role, ch.entity, actor(req.Message))
	if errors.Is(err, authz.ErrNotFound) {
		return req.Reply(ctx, fmt.Sprintf("%s does not hold `%s` on %s; nothing to revoke.", userMention(ch.user), ch.role, describe(ctx, c.engine, ch.entity)))
	}
	if errors.Is(err, authz.ErrInvalidRequest) {
		return req.Reply(ctx, fmt.Sprintf("Cannot revoke `%s`: %v.", ch.role, err))
	}
	if err != nil {
		return fmt.Errorf("revoke %s from %s on %s: %w", ch.role, ch.user, ch.entity, err)
	}
	return req.Reply(ctx, fmt.Sprintf("Revoked `%s` from %s on %s (revision %d).", ch.role, userMention(ch.user), describe(ctx, c.engine, ch.entity), rev))
}
