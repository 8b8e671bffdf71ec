package sandbox

// conversationsArchive answers conversations.archive: public channels need
// channels:manage, private ones groups:write. Like Slack it refuses
// #general, channels already archived and direct messages, and delivers
// channel_archive (group_archive for a private channel) on success.
func (s *Server) conversationsArchive(c *call) (map[string]any, *apiError) {
	if err := need(c, "channels:manage", "groups:write"); err != nil {
		return nil, err
	}
	ch, ok := s.channels[c.param("channel")]
	if !ok || ch.teamID != c.team.ID {
		return nil, fail("channel_not_found")
	}
	event := "channel_archive"
	switch ch.info.Type {
	case PublicChannel:
		if err := need(c, "channels:manage"); err != nil {
			return nil, err
		}
	case PrivateChannel:
		if err := need(c, "groups:write"); err != nil {
			return nil, err
		}
		event = "group_archive"
	default:
		return nil, fail("method_not_supported_for_channel_type")
	}
	if ch.info.Archived {
		return nil, fail("already_archived")
	}
	if ch.info.Name == "general" {
		return nil, fail("cant_archive_general")
	}
	ch.info.Archived = true
	s.notifyLocked()
	s.emitLocked(ch.teamID, map[string]any{
		"type":     event,
		"channel":  ch.info.ID,
		"user":     s.opts.BotUserID,
		"event_ts": s.nextTSLocked(),
	})
	return nil, nil
}
