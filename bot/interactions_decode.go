package bot

import (
	"encoding/json"
	"fmt"
)

// blockActions is the part of a block_actions payload the worker uses.
type blockActions struct {
	Type string `json:"type"`
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		MessageTS string `json:"message_ts"`
		ChannelID string `json:"channel_id"`
	} `json:"container"`
	Actions []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
		ActionTS string `json:"action_ts"`
	} `json:"actions"`
}

// decodeBlockActions turns a queued block_actions payload into an action.
func decodeBlockActions(body []byte, botUserID string) (incoming, error) {
	var p blockActions
	if err := json.Unmarshal(body, &p); err != nil {
		return incoming{}, fmt.Errorf("parse block_actions: %w", err)
	}
	if len(p.Actions) == 0 {
		return incoming{ignore: "block_actions without actions"}, nil
	}
	if p.User.ID == "" || p.User.ID == botUserID {
		return incoming{ignore: "block action by a bot"}, nil
	}
	channel := p.Container.ChannelID
	if channel == "" {
		channel = p.Channel.ID
	}
	act := p.Actions[0]
	return incoming{action: &ActionEvent{TeamID: p.Team.ID, UserID: p.User.ID, ChannelID: channel, MessageTS: p.Container.MessageTS,
		ActionID: act.ActionID, Value: act.Value, ActionTS: act.ActionTS}}, nil
}
