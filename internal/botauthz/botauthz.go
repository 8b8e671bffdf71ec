// Package botauthz answers the bot's permission questions with Bastion's
// permission service: in-process (an *authz.Engine) or remote (a client
// Checker), through one small interface.
package botauthz

import (
	"context"
	"fmt"

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
	return bot.Decision{Allowed: d.Allowed, Reason: d.Reason.Message}, nil
}
