package sandbox

import "fmt"

// RenameUser changes a member's name and real name, as when they edit
// their profile, and delivers user_change with the whole user.
func (s *Server) RenameUser(teamID, userID, name, realName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[teamID][userID]
	if !ok {
		return fmt.Errorf("rename user: no user %s in team %s", userID, teamID)
	}
	u.Name, u.RealName = name, realName
	s.notifyLocked()
	s.emitLocked(teamID, map[string]any{
		"type":     "user_change",
		"user":     userObject(teamID, u),
		"cache_ts": s.opts.Now().Unix(),
		"event_ts": s.nextTSLocked(),
	})
	return nil
}

// RenameChannel changes a channel's name and delivers channel_rename
// (group_rename for a private channel), as Slack does.
func (s *Server) RenameChannel(teamID, channelID, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok || ch.teamID != teamID {
		return fmt.Errorf("rename channel: no channel %s in team %s", channelID, teamID)
	}
	if ch.info.Type == DirectMessage {
		return fmt.Errorf("rename channel: %s is a direct message", channelID)
	}
	ch.info.Name = name
	kind := "channel_rename"
	if ch.info.Type == PrivateChannel {
		kind = "group_rename"
	}
	s.notifyLocked()
	s.emitLocked(teamID, map[string]any{
		"type":     kind,
		"channel":  map[string]any{"id": channelID, "name": name, "created": s.opts.Now().Unix()},
		"event_ts": s.nextTSLocked(),
	})
	return nil
}

// RenameTeam changes a workspace's name and delivers team_rename.
func (s *Server) RenameTeam(teamID, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.teams[teamID]
	if !ok {
		return fmt.Errorf("rename team: unknown team %s", teamID)
	}
	t.Name = name
	s.notifyLocked()
	s.emitLocked(teamID, map[string]any{"type": "team_rename", "name": name, "team_id": teamID})
	return nil
}
