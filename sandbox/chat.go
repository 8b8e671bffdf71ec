package sandbox

func (s *Server) chatPostMessage(c *call) (map[string]any, *apiError) {
	if err := need(c, "chat:write"); err != nil {
		return nil, err
	}
	ch, err := s.resolveChannelLocked(c.team.ID, c.param("channel"))
	if err != nil {
		return nil, err
	}
	blocks, err := blocksParam(c.param("blocks"))
	if err != nil {
		return nil, err
	}
	if c.param("text") == "" && blocks == nil {
		return nil, fail("no_text")
	}
	root, err := s.threadRootLocked(ch, c.param("thread_ts"))
	if err != nil {
		return nil, err
	}
	m := &Message{ThreadTS: root, User: s.opts.BotUserID, BotID: s.opts.BotID, Text: c.param("text"), Blocks: blocks}
	s.postLocked(ch, m)
	return map[string]any{"channel": ch.info.ID, "ts": m.TS, "message": messageJSON(m)}, nil
}

func (s *Server) chatUpdate(c *call) (map[string]any, *apiError) {
	if err := need(c, "chat:write"); err != nil {
		return nil, err
	}
	ch, err := s.resolveChannelLocked(c.team.ID, c.param("channel"))
	if err != nil {
		return nil, err
	}
	m := s.findMessageLocked(ch.info.ID, c.param("ts"))
	if m == nil {
		return nil, fail("message_not_found")
	}
	if m.BotID != s.opts.BotID {
		return nil, fail("cant_update_message")
	}
	blocks, err := blocksParam(c.param("blocks"))
	if err != nil {
		return nil, err
	}
	if c.param("text") == "" && blocks == nil {
		return nil, fail("no_text")
	}
	previous := messageJSON(m)
	m.Text = c.param("text")
	if blocks != nil {
		m.Blocks = blocks
	}
	m.EditedTS = s.nextTSLocked()
	s.notifyLocked()
	s.emitLocked(ch.teamID, map[string]any{
		"type":             "message",
		"subtype":          "message_changed",
		"hidden":           true,
		"channel":          ch.info.ID,
		"channel_type":     string(ch.info.Type),
		"ts":               m.EditedTS,
		"event_ts":         m.EditedTS,
		"message":          messageJSON(m),
		"previous_message": previous,
	})
	return map[string]any{"channel": ch.info.ID, "ts": m.TS, "text": m.Text, "message": messageJSON(m)}, nil
}

func (s *Server) chatPostEphemeral(c *call) (map[string]any, *apiError) {
	if err := need(c, "chat:write"); err != nil {
		return nil, err
	}
	ch, err := s.resolveChannelLocked(c.team.ID, c.param("channel"))
	if err != nil {
		return nil, err
	}
	user := c.param("user")
	if _, ok := s.users[c.team.ID][user]; !ok {
		return nil, fail("user_not_found")
	}
	blocks, err := blocksParam(c.param("blocks"))
	if err != nil {
		return nil, err
	}
	if c.param("text") == "" && blocks == nil {
		return nil, fail("no_text")
	}
	root, err := s.threadRootLocked(ch, c.param("thread_ts"))
	if err != nil {
		return nil, err
	}
	m := &Message{Channel: ch.info.ID, TS: s.nextTSLocked(), ThreadTS: root, User: s.opts.BotUserID, BotID: s.opts.BotID,
		Text: c.param("text"), Blocks: blocks, EphemeralTo: user}
	ch.ephemerals = append(ch.ephemerals, m)
	s.notifyLocked()
	return map[string]any{"message_ts": m.TS}, nil
}
