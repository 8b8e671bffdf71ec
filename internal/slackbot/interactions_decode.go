package slackbot

import (
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"
)

// click is the part of a block_actions payload (a button click) the bot
// uses, read from slack-go's decoding of the interaction.
type click struct {
	TeamID       string
	EnterpriseID string
	UserID       string
	ChannelID    string
	// MessageTS is the message holding the button.
	MessageTS string
	ActionID  string
	Value     string
	ActionTS  string
}

// decodeClick decodes an interaction payload with slack-go. blockActions
// reports whether it is a block_actions interaction, the only kind the bot
// acts on; c is its first action.
func decodeClick(payload []byte) (c click, blockActions bool, err error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(payload, &cb); err != nil {
		return click{}, false, fmt.Errorf("parse interaction: %w", err)
	}
	if cb.Type != slack.InteractionTypeBlockActions {
		return click{}, false, nil
	}
	c = click{TeamID: cb.Team.ID, EnterpriseID: cb.Enterprise.ID, UserID: cb.User.ID, ChannelID: cb.Container.ChannelID,
		MessageTS: cb.Container.MessageTs}
	if c.ChannelID == "" {
		c.ChannelID = cb.Channel.ID
	}
	if acts := cb.ActionCallback.BlockActions; len(acts) > 0 {
		c.ActionID, c.Value, c.ActionTS = acts[0].ActionID, acts[0].Value, acts[0].ActionTs
	}
	return c, true, nil
}

// complete reports whether the click names its team, its user and an
// action with its time: what identifies it.
func (c click) complete() bool { return c.TeamID != "" && c.UserID != "" && c.ActionTS != "" }

// decodeBlockActions turns a queued block_actions payload into an action.
func decodeBlockActions(body []byte, botUserID string) (incoming, error) {
	c, _, err := decodeClick(body)
	switch {
	case err != nil:
		return incoming{}, err
	case c.ActionTS == "":
		return incoming{ignore: "block_actions without actions"}, nil
	case c.UserID == "":
		return incoming{ignore: "block action by a bot"}, nil
	case c.UserID == botUserID:
		return incoming{ignore: "block action by a bot"}, nil
	}
	return incoming{action: &ActionEvent{TeamID: c.TeamID, EnterpriseID: c.EnterpriseID, UserID: c.UserID, ChannelID: c.ChannelID, MessageTS: c.MessageTS,
		ActionID: c.ActionID, Value: c.Value, ActionTS: c.ActionTS}}, nil
}
