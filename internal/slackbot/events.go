package slackbot

import (
	"encoding/json"
	"fmt"
	"github.com/bastionhq/bastion/bot"
	"strings"

	"github.com/slack-go/slack/slackevents"
)

// incoming is a Slack event reduced to what the worker acts on.
type incoming struct {
	message  *bot.Message // a message that may be a command
	mention  bool         // delivered as app_mention
	reaction *ReactionEvent
	action   *ActionEvent // a button click, queued by InteractionsHandler
	rename   *RenameEvent
	ignore   string // why the event is ignored, when it is
}

// messageSubtypes that carry a new message a person wrote.
var messageSubtypes = map[string]bool{"": true, "thread_broadcast": true, "file_share": true}

// decodeEvent parses an Events API callback body as queued by the
// ingress, or a block_actions payload queued by InteractionsHandler.
func decodeEvent(body []byte, botUserID string) (incoming, error) {
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &head) == nil && head.Type == "block_actions" {
		return decodeBlockActions(body, botUserID)
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		var outer struct {
			Type  string `json:"type"`
			Event struct {
				Type string `json:"type"`
			} `json:"event"`
		}
		if json.Unmarshal(body, &outer) == nil && outer.Type == slackevents.CallbackEvent && outer.Event.Type != "" {
			return incoming{ignore: "unhandled event type " + outer.Event.Type}, nil
		}
		return incoming{}, fmt.Errorf("parse event: %w", err)
	}
	if ev.Type != slackevents.CallbackEvent {
		return incoming{ignore: "not an event callback: " + ev.Type}, nil
	}
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" || e.User == botUserID {
			return incoming{ignore: "mention by a bot"}, nil
		}
		return incoming{mention: true, message: &bot.Message{TeamID: ev.TeamID, EnterpriseID: ev.EnterpriseID, ChannelID: e.Channel, UserID: e.User,
			Text: e.Text, TS: e.TimeStamp, ThreadTS: threadOf(e.ThreadTimeStamp, e.TimeStamp)}}, nil
	case *slackevents.MessageEvent:
		switch {
		case !messageSubtypes[e.SubType]:
			return incoming{ignore: "message subtype " + e.SubType}, nil
		case e.BotID != "" || e.User == "" || e.User == botUserID:
			return incoming{ignore: "message by a bot"}, nil
		}
		return incoming{message: &bot.Message{TeamID: ev.TeamID, EnterpriseID: ev.EnterpriseID, ChannelID: e.Channel, UserID: e.User, Text: e.Text,
			TS: e.TimeStamp, ThreadTS: threadOf(e.ThreadTimeStamp, e.TimeStamp), Direct: e.ChannelType == "im"}}, nil
	case *slackevents.ReactionAddedEvent:
		return reaction(ev, e.User, e.Reaction, e.ItemUser, e.Item.Channel, e.Item.Timestamp, e.EventTimestamp, true, botUserID), nil
	case *slackevents.ReactionRemovedEvent:
		return reaction(ev, e.User, e.Reaction, e.ItemUser, e.Item.Channel, e.Item.Timestamp, e.EventTimestamp, false, botUserID), nil
	case *slackevents.UserChangeEvent:
		u := e.User
		return incoming{rename: &RenameEvent{TeamID: ev.TeamID, Kind: "user", ID: u.ID, Name: u.Name,
			RealName: firstNonEmpty(u.RealName, u.Profile.RealName), DisplayName: u.Profile.DisplayName}}, nil
	case *slackevents.ChannelRenameEvent:
		return incoming{rename: &RenameEvent{TeamID: ev.TeamID, Kind: "channel", ID: e.Channel.ID, Name: e.Channel.Name}}, nil
	case *slackevents.GroupRenameEvent:
		return incoming{rename: &RenameEvent{TeamID: ev.TeamID, Kind: "channel", ID: e.Channel.ID, Name: e.Channel.Name}}, nil
	case *slackevents.TeamRenameEvent:
		team := e.TeamID
		if team == "" {
			team = ev.TeamID
		}
		return incoming{rename: &RenameEvent{TeamID: ev.TeamID, Kind: "team", ID: team, Name: e.Name}}, nil
	default:
		return incoming{ignore: "unhandled event type " + ev.InnerEvent.Type}, nil
	}
}

func reaction(ev slackevents.EventsAPIEvent, user, emoji, itemUser, channel, ts, eventTS string, added bool, botUserID string) incoming {
	if user == botUserID {
		return incoming{ignore: "the bot's own reaction"}
	}
	return incoming{reaction: &ReactionEvent{TeamID: ev.TeamID, EnterpriseID: ev.EnterpriseID, UserID: user, Reaction: emoji, ItemUser: itemUser,
		ChannelID: channel, MessageTS: ts, EventTS: eventTS, Added: added}}
}

func threadOf(threadTS, ts string) string {
	if threadTS != "" {
		return threadTS
	}
	return ts
}

// addressedText strips a leading mention of the bot ("<@UBOT> help",
// "<@UBOT|bastion>: help") and reports whether there was one.
func addressedText(text, botUserID string) (string, bool) {
	t := strings.TrimSpace(text)
	if botUserID == "" || !strings.HasPrefix(t, "<@"+botUserID) {
		return t, false
	}
	rest := t[len("<@"+botUserID):]
	end := strings.IndexByte(rest, '>')
	if end < 0 || (end > 0 && rest[0] != '|') {
		return t, false
	}
	rest = strings.TrimLeft(rest[end+1:], " :,")
	return strings.TrimSpace(rest), true
}

func firstNonEmpty(list ...string) string {
	for _, s := range list {
		if s != "" {
			return s
		}
	}
	return ""
}
