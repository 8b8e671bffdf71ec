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

// firstPostSubtypes are the message subtypes of a message as a person
// first posted it. Every other subtype is something else: an edit
// (message_changed), a thread reply also sent to the channel
// (thread_broadcast), a bot's post (bot_message), a deletion, a join.
var firstPostSubtypes = map[string]bool{"": true, "file_share": true}

// postFacts are the fields of a message or app_mention event that say
// whether it is a message as first posted; slack-go does not map them all
// (app_mention's subtype, bot_profile).
type postFacts struct {
	Event struct {
		Subtype    string          `json:"subtype"`
		Edited     json.RawMessage `json:"edited"`
		BotID      string          `json:"bot_id"`
		BotProfile json.RawMessage `json:"bot_profile"`
		Hidden     bool            `json:"hidden"`
		User       string          `json:"user"`
	} `json:"event"`
}

// notFirstPost says why a message or app_mention event is not a message
// as its author first posted it, or "" when it is. Only such a message may
// carry a command: an edit that adds a mention of the bot must not run
// what the original message did not ask for.
func notFirstPost(body []byte, botUserID string) string {
	var f postFacts
	if err := json.Unmarshal(body, &f); err != nil {
		return "unreadable message: " + err.Error()
	}
	e := f.Event
	switch {
	case !firstPostSubtypes[e.Subtype]:
		return "message subtype " + e.Subtype
	case len(e.Edited) > 0 && string(e.Edited) != "null":
		return "an edited message"
	case e.Hidden:
		return "a hidden message"
	case e.BotID != "" || (len(e.BotProfile) > 0 && string(e.BotProfile) != "null"):
		return "a message by a bot"
	case e.User == "" || e.User == botUserID:
		return "a message without a person as author"
	}
	return ""
}

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
		if why := notFirstPost(body, botUserID); why != "" {
			return incoming{ignore: "mention in " + why}, nil
		}
		return incoming{mention: true, message: &bot.Message{TeamID: ev.TeamID, EnterpriseID: ev.EnterpriseID, ChannelID: e.Channel, UserID: e.User,
			Text: e.Text, TS: e.TimeStamp, ThreadTS: threadOf(e.ThreadTimeStamp, e.TimeStamp)}}, nil
	case *slackevents.MessageEvent:
		if why := notFirstPost(body, botUserID); why != "" {
			return incoming{ignore: why}, nil
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
