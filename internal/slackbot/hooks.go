package slackbot

import "context"

// ReactionEvent is a reaction added to or removed from a message.
type ReactionEvent struct {
	TeamID string
	// EnterpriseID is the workspace's Enterprise Grid organisation, when
	// the event names one.
	EnterpriseID string
	// UserID reacted.
	UserID   string
	Reaction string
	// ItemUser posted the message reacted to; empty for bot posts.
	ItemUser  string
	ChannelID string
	// MessageTS is the message reacted to.
	MessageTS string
	EventTS   string
	Added     bool
}

// ReactionHook receives reactions, e.g. approvals on the bot's posts.
type ReactionHook interface {
	HandleReaction(ctx context.Context, ev ReactionEvent) error
}

// ActionEvent is a click on a Block Kit button of one of the bot's
// messages, delivered by Slack as a block_actions interaction.
type ActionEvent struct {
	TeamID       string
	EnterpriseID string
	UserID       string
	ChannelID    string
	// MessageTS is the message holding the button.
	MessageTS string
	ActionID  string
	// Value is the button's value.
	Value    string
	ActionTS string
}

// ActionHook receives button clicks, e.g. approvals where reactions are
// not available.
type ActionHook interface {
	HandleAction(ctx context.Context, ev ActionEvent) error
}
