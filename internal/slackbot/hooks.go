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

// RenameEvent is a name that changed in Slack: a user's profile
// (user_change), a channel's (channel_rename, group_rename) or a
// workspace's (team_rename).
type RenameEvent struct {
	TeamID string
	// Kind is "user", "channel" or "team".
	Kind string
	// ID is the user, channel or workspace, and Name its new name (a
	// user's user name).
	ID, Name string
	// RealName and DisplayName are a user's, from their profile.
	RealName, DisplayName string
}

// RenameHook receives renames, e.g. to keep a directory of display
// names current.
type RenameHook interface {
	HandleRename(ctx context.Context, ev RenameEvent) error
}
