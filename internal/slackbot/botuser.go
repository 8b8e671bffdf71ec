package slackbot

import (
	"context"
	"errors"
	"fmt"
)

// BotUserSource names the bot's user in a workspace: an app installed
// into several workspaces has a bot user of its own in each, and people
// mention that one.
type BotUserSource interface {
	// BotUserFor returns the bot's user id in ws, "" when it knows none
	// (the configured BotUserID then applies).
	BotUserFor(ctx context.Context, ws Workspace) (string, error)
}

// BotUserIn is the bot's user in ws: the one src names, else
// fallback. A workspace without a client has none of its own.
func BotUserIn(ctx context.Context, src BotUserSource, ws Workspace, fallback string) (string, error) {
	if src == nil {
		return fallback, nil
	}
	id, err := src.BotUserFor(ctx, ws)
	switch {
	case errors.Is(err, ErrNoChat):
		return fallback, nil
	case err != nil:
		return "", fmt.Errorf("bot user of team %s: %w", ws.TeamID, err)
	case id == "":
		return fallback, nil
	}
	return id, nil
}

// workspace is where an incoming event came from.
func (in incoming) workspace() Workspace {
	switch {
	case in.message != nil:
		return Workspace{TeamID: in.message.TeamID, EnterpriseID: in.message.EnterpriseID}
	case in.reaction != nil:
		return Workspace{TeamID: in.reaction.TeamID, EnterpriseID: in.reaction.EnterpriseID}
	case in.action != nil:
		return Workspace{TeamID: in.action.TeamID, EnterpriseID: in.action.EnterpriseID}
	}
	return Workspace{}
}

// byUser reports whether userID wrote the message, reacted or clicked.
func (in incoming) byUser(userID string) bool {
	switch {
	case userID == "":
		return false
	case in.message != nil:
		return in.message.UserID == userID
	case in.reaction != nil:
		return in.reaction.UserID == userID
	case in.action != nil:
		return in.action.UserID == userID
	}
	return false
}
