package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// AddTeam adds or replaces a workspace.
func (s *Server) AddTeam(t Team) error {
	if t.ID == "" {
		return fmt.Errorf("add team: empty id")
	}
	if t.Domain == "" {
		t.Domain = t.ID
	}
	if t.Name == "" {
		t.Name = t.Domain
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.teams[t.ID]; !ok {
		s.teamOrder = append(s.teamOrder, t.ID)
		s.users[t.ID] = map[string]*User{}
	}
	s.teams[t.ID] = &t
	s.notifyLocked()
	return nil
}

// AddChannel adds a channel to a team. Channel ids are unique across teams.
func (s *Server) AddChannel(teamID string, c Channel) error {
	if c.ID == "" {
		return fmt.Errorf("add channel to %s: empty id", teamID)
	}
	switch c.Type {
	case "":
		c.Type = PublicChannel
	case PublicChannel, PrivateChannel, DirectMessage:
	default:
		return fmt.Errorf("add channel %s: unknown type %q", c.ID, c.Type)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.teams[teamID]; !ok {
		return fmt.Errorf("add channel %s: unknown team %s", c.ID, teamID)
	}
	if old, ok := s.channels[c.ID]; ok {
		if old.teamID != teamID {
			return fmt.Errorf("add channel %s: already in team %s", c.ID, old.teamID)
		}
		old.info = c
	} else {
		s.channels[c.ID] = &channelState{teamID: teamID, info: c}
	}
	s.notifyLocked()
	return nil
}

// AddUser adds or replaces a member of a team.
func (s *Server) AddUser(teamID string, u User) error {
	if u.ID == "" {
		return fmt.Errorf("add user to %s: empty id", teamID)
	}
	if u.Name == "" {
		u.Name = u.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	members, ok := s.users[teamID]
	if !ok {
		return fmt.Errorf("add user %s: unknown team %s", u.ID, teamID)
	}
	members[u.ID] = &u
	s.notifyLocked()
	return nil
}

// InstallApp installs the app into a team with the given granted scopes
// and returns the new bot token. Earlier tokens of the team stay valid.
func (s *Server) InstallApp(teamID string, scopes ...string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.installLocked(teamID, "", scopes)
}

func (s *Server) installLocked(teamID, installer string, scopes []string) (string, error) {
	if _, ok := s.teams[teamID]; !ok {
		return "", fmt.Errorf("install app: unknown team %s", teamID)
	}
	token := "xoxb-" + teamID + "-" + randomHex(12)
	s.installs[token] = &install{teamID: teamID, token: token, scopes: append([]string(nil), scopes...), installer: installer}
	s.notifyLocked()
	return token, nil
}

// SetScopes changes the scopes granted to every token of a team, as when
// an admin approves a new scope request.
func (s *Server) SetScopes(teamID string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.installs {
		if in.teamID == teamID {
			in.scopes = append([]string(nil), scopes...)
		}
	}
	s.notifyLocked()
}

// BotUserID is the bot's user id, the one people mention as <@UBOT>.
func (s *Server) BotUserID() string { return s.opts.BotUserID }

// RateLimit makes the next n calls of method answer HTTP 429 with a
// Retry-After of retryAfter (rounded up to whole seconds).
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[method] = rateLimit{remaining: n, retryAfter: retryAfter}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
