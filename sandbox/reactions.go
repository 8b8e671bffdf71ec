package sandbox

import "slices"

// addReactionLocked adds user's name reaction to a message and delivers
// reaction_added; it reports already_reacted when the mark exists.
func (s *Server) addReactionLocked(ch *channelState, ts, user, name string) *apiError {
	if name == "" {
		return fail("invalid_name")
	}
	m := s.findMessageLocked(ch.info.ID, ts)
	if m == nil {
		return fail("message_not_found")
	}
	i := slices.IndexFunc(m.Reactions, func(r Reaction) bool { return r.Name == name })
	if i < 0 {
		m.Reactions = append(m.Reactions, Reaction{Name: name})
		i = len(m.Reactions) - 1
	}
	if slices.Contains(m.Reactions[i].Users, user) {
		return fail("already_reacted")
	}
	m.Reactions[i].Users = append(m.Reactions[i].Users, user)
	s.notifyLocked()
	s.emitLocked(ch.teamID, reactionEvent("reaction_added", ch, m, user, name, s.nextTSLocked()))
	return nil
}

// removeReactionLocked removes user's name reaction and delivers
// reaction_removed; it reports no_reaction when there is none.
func (s *Server) removeReactionLocked(ch *channelState, ts, user, name string) *apiError {
	m := s.findMessageLocked(ch.info.ID, ts)
	if m == nil {
		return fail("message_not_found")
	}
	i := slices.IndexFunc(m.Reactions, func(r Reaction) bool { return r.Name == name })
	if i < 0 || !slices.Contains(m.Reactions[i].Users, user) {
		return fail("no_reaction")
	}
	m.Reactions[i].Users = slices.DeleteFunc(m.Reactions[i].Users, func(u string) bool { return u == user })
	if len(m.Reactions[i].Users) == 0 {
		m.Reactions = slices.Delete(m.Reactions, i, i+1)
	}
	s.notifyLocked()
	s.emitLocked(ch.teamID, reactionEvent("reaction_removed", ch, m, user, name, s.nextTSLocked()))
	return nil
}

func reactionEvent(kind string, ch *channelState, m *Message, user, name, eventTS string) map[string]any {
	ev := map[string]any{
		"type":     kind,
		"user":     user,
		"reaction": name,
		"item":     map[string]any{"type": "message", "channel": ch.info.ID, "ts": m.TS},
		"event_ts": eventTS,
	}
	if m.BotID == "" {
		ev["item_user"] = m.User
	}
	return ev
}

// reactionsJSON renders reactions; without full, each users list is cut
// to its first entry (count stays exact), so callers that need every
// reacting user must ask with full=true, as on Slack.
func reactionsJSON(rs []Reaction, full bool) []map[string]any {
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		users := r.Users
		if !full && len(users) > 1 {
			users = users[:1]
		}
		out = append(out, map[string]any{"name": r.Name, "count": len(r.Users), "users": users})
	}
	return out
}

func (s *Server) reactionsAdd(c *call) (map[string]any, *apiError) {
	if err := need(c, "reactions:write"); err != nil {
		return nil, err
	}
	ch, err := s.resolveChannelLocked(c.team.ID, c.param("channel"))
	if err != nil {
		return nil, err
	}
	return nil, s.addReactionLocked(ch, c.param("timestamp"), s.opts.BotUserID, c.param("name"))
}

func (s *Server) reactionsRemove(c *call) (map[string]any, *apiError) {
	if err := need(c, "reactions:write"); err != nil {
		return nil, err
	}
	ch, err := s.resolveChannelLocked(c.team.ID, c.param("channel"))
	if err != nil {
		return nil, err
	}
	return nil, s.removeReactionLocked(ch, c.param("timestamp"), s.opts.BotUserID, c.param("name"))
}

func (s *Server) reactionsGet(c *call) (map[string]any, *apiError) {
	if err := need(c, "reactions:read"); err != nil {
		return nil, err
	}
	ch, err := s.resolveChannelLocked(c.team.ID, c.param("channel"))
	if err != nil {
		return nil, err
	}
	m := s.findMessageLocked(ch.info.ID, c.param("timestamp"))
	if m == nil {
		return nil, fail("message_not_found")
	}
	msg := messageJSON(m)
	delete(msg, "reactions")
	if len(m.Reactions) > 0 {
		msg["reactions"] = reactionsJSON(m.Reactions, c.param("full") == "true" || c.param("full") == "1")
	}
	return map[string]any{"type": "message", "channel": ch.info.ID, "message": msg}, nil
}
