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
	// BotUserFor returns the bot's user id in teamID, "" when it knows
	// none (the configured BotUserID then applies).
	BotUserFor(ctx context.Context, teamID string) (string, error)
}

// BotUserIn is the bot's user in teamID: the one src names, else
// fallback. A workspace without a client has none of its own.
func BotUserIn(ctx context.Context, src BotUserSource, teamID, fallback string) (string, error) {
	if src == nil {
		return fallback, nil
	}
	id, err := src.BotUserFor(ctx, teamID)
	switch {
	case errors.Is(err, ErrNoChat):
		return fallback, nil
	case err != nil:
		return "", fmt.Errorf("bot user of team %s: %w", teamID, err)
	case id == "":
		return fallback, nil
	}
	return id, nil
}

// team is the workspace an incoming event came from.
func (in incoming) team() string {
	switch {
	case in.message != nil:
		return in.message.TeamID
	case in.reaction != nil:
		return in.reaction.TeamID
	case in.action != nil:
		return in.action.TeamID
	}
	return ""
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
