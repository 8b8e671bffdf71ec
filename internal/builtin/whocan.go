package builtin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
)

// maxListedUsers bounds the members who can listed in one reply.
const maxListedUsers = 50

// whoCan lists the members of the channel's workspace whose roles give
// them a permission in the channel (this one, or the one named).
func (c *commands) whoCan(ctx context.Context, req *bot.Request) error {
	msg := req.Message
	if ch := req.Args.String("channel"); ch != "" {
		msg.ChannelID = ch
	}
	p, err := resolvePlace(ctx, c.engine, msg)
	if err != nil {
		return err
	}
	if p.channel == "" && msg.ChannelID != req.ChannelID {
		return req.Reply(ctx, fmt.Sprintf("The permission service does not know <#%s>.", msg.ChannelID))
	}
	permission := roleName(req.Args.String("permission"))
	// Ask for the caller first: an unknown or inapplicable permission is
	// then explained instead of answered with an empty list.
	res, err := c.engine.Check(ctx, authz.EligibilityRequest{TeamID: p.workspace, UserID: req.UserID, EntityID: p.here(), Permissions: []string{permission}})
	if errors.Is(err, authz.ErrInvalidRequest) {
		return req.Reply(ctx, fmt.Sprintf("`%s` is not a permission name (they look like EXTEND_TRIAL).", permission))
	}
	if err != nil {
		return fmt.Errorf("who can %s: %w", permission, err)
	}
	if d := res.Decisions[0]; d.Reason.Kind == authz.ReasonError {
		return req.Reply(ctx, fmt.Sprintf("Cannot answer: %s.", d.Reason.Message))
	}
	users, _, err := c.engine.LookupUsers(ctx, p.workspace, p.here(), permission)
	if err != nil {
		return fmt.Errorf("who can %s on %s: %w", permission, p.here(), err)
	}
	where := c.describe(ctx, p.here())
	if len(users) == 0 {
		return req.Reply(ctx, fmt.Sprintf("Nobody's roles give %s on %s.", permission, where))
	}
	mentions := make([]string, 0, min(len(users), maxListedUsers))
	for i, u := range users {
		if i == maxListedUsers {
			break
		}
		mentions = append(mentions, userMention(u))
	}
	more := ""
	if len(users) > maxListedUsers {
		more = fmt.Sprintf(" and %d more", len(users)-maxListedUsers)
	}
	return req.Reply(ctx, fmt.Sprintf("%d member(s) can %s on %s through their roles: %s%s.",
		len(users), permission, where, strings.Join(mentions, ", "), more))
}
