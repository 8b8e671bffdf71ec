// Package botauthz answers the bot's permission questions with Bastion's
// permission service: in-process (an *authz.Engine) or remote (a client
// Checker), through one small interface.
package botauthz

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
)

// Checker is the permission service's check, as *authz.Engine and the
// client package's checkers offer it.
type Checker interface {
	Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error)
}

// Authorizer implements bot.Authorizer with authoritative checks on the
// channel a command is used in.
type Authorizer struct {
	checker Checker
}

var _ bot.Authorizer = (*Authorizer)(nil)

// New returns an Authorizer asking checker.
func New(checker Checker) *Authorizer { return &Authorizer{checker: checker} }

// CheckPermission implements bot.Authorizer. Any error (the service is
// down, the channel or team is unknown) is returned for the bot to deny.
func (a *Authorizer) CheckPermission(ctx context.Context, teamID, userID, channelID, permission string) (bot.Decision, error) {
	res, err := a.checker.Check(ctx, authz.EligibilityRequest{TeamID: teamID, UserID: userID, EntityID: channelID, Permissions: []string{permission}})
	if err != nil {
		return bot.Decision{}, fmt.Errorf("check %s for %s in %s: %w", permission, userID, channelID, err)
	}
	if len(res.Decisions) != 1 {
		return bot.Decision{}, fmt.Errorf("check %s: %d decisions for one permission", permission, len(res.Decisions))
	}
	d := res.Decisions[0]
	if d.Reason.Kind == authz.ReasonError {
		return bot.Decision{}, fmt.Errorf("check %s: %s", permission, d.Reason.Message)
	}
	return bot.Decision{Allowed: d.Allowed, Reason: reason(d, userID, channelID, permission)}, nil
}

// reason says in Slack's words why a check decided, naming people and
// channels as mentions (Slack shows their names) instead of by id.
func reason(d authz.Decision, userID, channelID, permission string) string {
	switch {
	case d.Reason.Kind == authz.ReasonDefault:
		return "No role of theirs grants " + permission + " in this channel or above it."
	case d.Reason.Rule == authz.RuleDenyIfActorRestricted && strings.Contains(d.Reason.Message, "has no account"):
		return "<@" + userID + "> has no account in this workspace, so no role counts here."
	case d.Reason.Rule == authz.RuleDenyIfActorRestricted:
		return "<@" + userID + "> is a guest in this workspace: guests never pass on a role alone."
	case d.Reason.Grant != nil:
		g := d.Reason.Grant
		if g.EntityID == channelID {
			return "Role `" + g.Role + "` in <#" + channelID + "> grants it."
		}
		return "Role `" + g.Role + "`, held above this channel, grants it."
	}
	return d.Reason.Message
}
