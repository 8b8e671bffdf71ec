package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
)

// nextTSLocked returns a message timestamp later than every earlier one.
func (s *Server) nextTSLocked() string {
	us := s.opts.Now().UnixMicro()
	if us <= s.lastMicro {
		us = s.lastMicro + 1
	}
	s.lastMicro = us
	return fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
}

// resolveChannelLocked finds a channel of team by id; a user id opens (or
// creates) the direct message with that user, as chat.postMessage allows.
func (s *Server) resolveChannelLocked(teamID, id string) (*channelState, *apiError) {
	if c, ok := s.channels[id]; ok {
		if c.teamID != teamID {
			return nil, fail("channel_not_found")
		}
		return c, nil
	}
	if _, ok := s.users[teamID][id]; ok {
		for _, c := range s.channels {
			if c.teamID == teamID && c.info.Type == DirectMessage && c.info.User == id {
				return c, nil
			}
		}
		dm := &channelState{teamID: teamID, info: Channel{ID: "D" + id, Name: id, Type: DirectMessage, User: id}}
		s.channels[dm.info.ID] = dm
		return dm, nil
	}
	return nil, fail("channel_not_found")
}

// threadRootLocked maps a thread_ts to its parent's ts: replying to a reply
// threads under the parent, as Slack does. Every way of posting calls it
// first, so it also refuses new messages in an archived channel.
func (s *Server) threadRootLocked(c *channelState, threadTS string) (string, *apiError) {
	if c.info.Archived {
		return "", fail("is_archived")
	}
	if threadTS == "" {
		return "", nil
	}
	for _, m := range c.messages {
		if m.TS == threadTS {
			if m.ThreadTS != "" {
				return m.ThreadTS, nil
			}
			return m.TS, nil
		}
	}
	return "", fail("thread_not_found")
}

// postLocked stores a message and delivers the events Slack would send.
func (s *Server) postLocked(c *channelState, m *Message) {
	m.Channel = c.info.ID
	m.TS = s.nextTSLocked()
	c.messages = append(c.messages, m)
	s.notifyLocked()
	ev := messageEvent(c, m)
	if m.BotID != "" {
		if !s.opts.SuppressBotEcho {
			ev["app_id"] = s.opts.AppID
			s.emitLocked(c.teamID, ev)
		}
		return
	}
	s.emitLocked(c.teamID, ev)
	if mentions(m.Text, s.opts.BotUserID) {
		mention := messageEvent(c, m)
		mention["type"] = "app_mention"
		delete(mention, "channel_type")
		s.emitLocked(c.teamID, mention)
	}
}

func mentions(text, userID string) bool {
	return strings.Contains(text, "<@"+userID+">") || strings.Contains(text, "<@"+userID+"|")
}

// messageJSON renders a message as Slack's API does.
func messageJSON(m *Message) map[string]any {
	out := map[string]any{"type": "message", "text": m.Text, "user": m.User, "ts": m.TS}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		out["bot_id"] = m.BotID
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if m.EditedTS != "" {
		out["edited"] = map[string]any{"user": m.User, "ts": m.EditedTS}
	}
	if len(m.Reactions) > 0 {
		out["reactions"] = reactionsJSON(m.Reactions, true)
	}
	return out
}

// messageEvent renders the Events API message event for m.
func messageEvent(c *channelState, m *Message) map[string]any {
	ev := map[string]any{
		"type":         "message",
		"channel":      c.info.ID,
		"user":         m.User,
		"text":         m.Text,
		"ts":           m.TS,
		"event_ts":     m.TS,
		"channel_type": string(c.info.Type),
		"team":         c.teamID,
	}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		ev["bot_id"] = m.BotID
	} else {
		ev["client_msg_id"] = randomHex(16)
	}
	if len(m.Blocks) > 0 {
		ev["blocks"] = m.Blocks
	}
	return ev
}

// blocksParam validates a blocks argument: a JSON array or nothing.
func blocksParam(raw string) (json.RawMessage, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, fail("invalid_blocks_format")
	}
	return json.RawMessage(raw), nil
}
