package sandbox

import (
	"fmt"
)

// PostAsUser posts a top-level message as a member of the team and
// delivers the message event (and app_mention when the bot is mentioned).
// It returns the message ts.
func (s *Server) PostAsUser(teamID, channel, userID, text string) (string, error) {
	return s.ReplyAsUser(teamID, channel, "", userID, text)
}

// ReplyAsUser posts a message in the thread of threadTS (top level when
// empty) as a member of the team.
func (s *Server) ReplyAsUser(teamID, channel, threadTS, userID, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.memberChannelLocked(teamID, channel, userID)
	if err != nil {
		return "", fmt.Errorf("post as %s in %s: %w", userID, channel, err)
	}
	root, apiErr := s.threadRootLocked(ch, threadTS)
	if apiErr != nil {
		return "", fmt.Errorf("post as %s in %s: %s", userID, channel, apiErr.code)
	}
	m := &Message{ThreadTS: root, User: userID, Text: text}
	s.postLocked(ch, m)
	return m.TS, nil
}

// React adds a user's emoji reaction to a message and delivers reaction_added.
func (s *Server) React(teamID, userID, channel, ts, emoji string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.memberChannelLocked(teamID, channel, userID)
	if err != nil {
		return fmt.Errorf("react as %s: %w", userID, err)
	}
	if apiErr := s.addReactionLocked(ch, ts, userID, emoji); apiErr != nil {
		return fmt.Errorf("react as %s on %s/%s: %s", userID, channel, ts, apiErr.code)
	}
	return nil
}

// Unreact removes a user's emoji reaction and delivers reaction_removed.
func (s *Server) Unreact(teamID, userID, channel, ts, emoji string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.memberChannelLocked(teamID, channel, userID)
	if err != nil {
		return fmt.Errorf("unreact as %s: %w", userID, err)
	}
	if apiErr := s.removeReactionLocked(ch, ts, userID, emoji); apiErr != nil {
		return fmt.Errorf("unreact as %s on %s/%s: %s", userID, channel, ts, apiErr.code)
	}
	return nil
}

// RevokeTokens invalidates every bot token of a team and delivers
// tokens_revoked.
func (s *Server) RevokeTokens(teamID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.teams[teamID]; !ok {
		return fmt.Errorf("revoke tokens: unknown team %s", teamID)
	}
	s.revokeLocked(teamID)
	return nil
}

// UninstallApp removes the app from a team: its tokens stop working and
// tokens_revoked then app_uninstalled are delivered.
func (s *Server) UninstallApp(teamID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.teams[teamID]; !ok {
		return fmt.Errorf("uninstall app: unknown team %s", teamID)
	}
	s.revokeLocked(teamID)
	s.emitLocked(teamID, map[string]any{"type": "app_uninstalled", "event_ts": s.nextTSLocked()})
	return nil
}

func (s *Server) revokeLocked(teamID string) {
	for _, in := range s.installs {
		if in.teamID == teamID {
			in.revoked = true
		}
	}
	s.notifyLocked()
	s.emitLocked(teamID, map[string]any{
		"type":     "tokens_revoked",
		"tokens":   map[string]any{"oauth": []string{}, "bot": []string{s.opts.BotUserID}},
		"event_ts": s.nextTSLocked(),
	})
}

func (s *Server) memberChannelLocked(teamID, channel, userID string) (*channelState, error) {
	if _, ok := s.teams[teamID]; !ok {
		return nil, fmt.Errorf("unknown team %s", teamID)
	}
	if _, ok := s.users[teamID][userID]; !ok {
		return nil, fmt.Errorf("unknown user %s in team %s", userID, teamID)
	}
	ch, ok := s.channels[channel]
	if !ok || ch.teamID != teamID {
		return nil, fmt.Errorf("unknown channel %s in team %s", channel, teamID)
	}
	return ch, nil
}
