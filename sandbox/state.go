package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// StateVersion is the version of the State format this build writes and
// reads.
const StateVersion = 1

// State is what a sandbox holds that people made: its workspaces, their
// people and channels, every message with its replies, edits and
// reactions, and the app's installations with their tokens and scopes. A
// sandbox restored from it carries on where the one that saved it
// stopped: the same tokens work, and new messages get later timestamps.
// Event deliveries, pending OAuth codes and rate limits are not part of
// it. It encodes as JSON; Encode and DecodeState check the version.
type State struct {
	Version int
	// Teams are the workspaces in the order they were added.
	Teams []Team
	// Users are each team's members, by team id.
	Users map[string][]User
	// Channels are every channel with its messages, sorted by id.
	Channels []ChannelState
	// Installs are the app's installations.
	Installs []InstallState
	// LastMicro is the last message timestamp handed out, in microseconds.
	LastMicro int64
}

// ChannelState is one channel and what was posted in it.
type ChannelState struct {
	Team    string
	Channel Channel
	// Messages are the channel's messages, thread replies included, in
	// the order they were posted.
	Messages []Message
	// Ephemerals are the messages only one person sees.
	Ephemerals []Message
}

// InstallState is one installation of the app: a bot token of a team.
type InstallState struct {
	Team      string
	Token     string
	Scopes    []string
	Revoked   bool
	Installer string
}

// State returns a copy of the sandbox's state.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Version: StateVersion, Users: map[string][]User{}, LastMicro: s.lastMicro}
	for _, id := range s.teamOrder {
		st.Teams = append(st.Teams, *s.teams[id])
		var users []User
		for _, u := range s.users[id] {
			users = append(users, *u)
		}
		sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
		st.Users[id] = users
	}
	for _, c := range s.channels {
		cs := ChannelState{Team: c.teamID, Channel: c.info}
		for _, m := range c.messages {
			cs.Messages = append(cs.Messages, cloneMessage(m))
		}
		for _, m := range c.ephemerals {
			cs.Ephemerals = append(cs.Ephemerals, cloneMessage(m))
		}
		st.Channels = append(st.Channels, cs)
	}
	sort.Slice(st.Channels, func(i, j int) bool { return st.Channels[i].Channel.ID < st.Channels[j].Channel.ID })
	for _, in := range s.installs {
		st.Installs = append(st.Installs, InstallState{Team: in.teamID, Token: in.token, Scopes: slices.Clone(in.scopes),
			Revoked: in.revoked, Installer: in.installer})
	}
	sort.Slice(st.Installs, func(i, j int) bool { return st.Installs[i].Token < st.Installs[j].Token })
	return st
}

// Encode returns the state as JSON.
func (st State) Encode() ([]byte, error) {
	if st.Version == 0 {
		st.Version = StateVersion
	}
	out, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode sandbox state: %w", err)
	}
	return out, nil
}

// DecodeState reads a state that Encode wrote. It returns an error for
// text that is not one, or that a newer version wrote.
func DecodeState(data []byte) (State, error) {
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return State{}, fmt.Errorf("decode sandbox state: %w", err)
	}
	switch {
	case st.Version == 0:
		return State{}, errors.New("decode sandbox state: no version")
	case st.Version > StateVersion:
		return State{}, fmt.Errorf("decode sandbox state: version %d is newer than this build's %d", st.Version, StateVersion)
	}
	return st, nil
}

// Restore replaces everything the sandbox holds with st. It returns an
// error, leaving the sandbox as it was, when st contradicts itself: a
// workspace twice or without an id, people or channels of an unknown
// workspace, a channel id twice, a message without a timestamp or in
// another channel, a token twice.
func (s *Server) Restore(st State) error {
	teams := map[string]*Team{}
	var order []string
	for _, t := range st.Teams {
		if t.ID == "" {
			return errors.New("restore sandbox: a workspace without an id")
		}
		if _, dup := teams[t.ID]; dup {
			return fmt.Errorf("restore sandbox: workspace %s twice", t.ID)
		}
		t := t
		teams[t.ID], order = &t, append(order, t.ID)
	}
	users := map[string]map[string]*User{}
	for _, id := range order {
		users[id] = map[string]*User{}
	}
	for team, list := range st.Users {
		members, ok := users[team]
		if !ok {
			return fmt.Errorf("restore sandbox: people of unknown workspace %q", team)
		}
		for _, u := range list {
			if u.ID == "" {
				return fmt.Errorf("restore sandbox: a person of %s without an id", team)
			}
			u := u
			members[u.ID] = &u
		}
	}
	channels := map[string]*channelState{}
	for _, cs := range st.Channels {
		if cs.Channel.ID == "" {
			return errors.New("restore sandbox: a channel without an id")
		}
		if _, ok := teams[cs.Team]; !ok {
			return fmt.Errorf("restore sandbox: channel %s of unknown workspace %q", cs.Channel.ID, cs.Team)
		}
		if _, dup := channels[cs.Channel.ID]; dup {
			return fmt.Errorf("restore sandbox: channel %s twice", cs.Channel.ID)
		}
		switch cs.Channel.Type {
		case PublicChannel, PrivateChannel, DirectMessage:
		default:
			return fmt.Errorf("restore sandbox: channel %s has unknown type %q", cs.Channel.ID, cs.Channel.Type)
		}
		c := &channelState{teamID: cs.Team, info: cs.Channel}
		for _, list := range []struct {
			from []Message
			to   *[]*Message
		}{{cs.Messages, &c.messages}, {cs.Ephemerals, &c.ephemerals}} {
			for _, m := range list.from {
				if m.TS == "" || m.Channel != "" && m.Channel != cs.Channel.ID {
					return fmt.Errorf("restore sandbox: a message of channel %s without a timestamp or of another channel", cs.Channel.ID)
				}
				m := cloneMessage(&m)
				m.Channel = cs.Channel.ID
				if string(m.Blocks) == "null" {
					m.Blocks = nil // a message without blocks encodes them as null
				}
				*list.to = append(*list.to, &m)
			}
		}
		channels[cs.Channel.ID] = c
	}
	installs := map[string]*install{}
	for _, in := range st.Installs {
		if _, ok := teams[in.Team]; !ok || in.Token == "" {
			return fmt.Errorf("restore sandbox: an installation of unknown workspace %q or without a token", in.Team)
		}
		if _, dup := installs[in.Token]; dup {
			return errors.New("restore sandbox: a token twice")
		}
		installs[in.Token] = &install{teamID: in.Team, token: in.Token, scopes: slices.Clone(in.Scopes), revoked: in.Revoked, installer: in.Installer}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.teams, s.teamOrder, s.users, s.channels, s.installs = teams, order, users, channels, installs
	if st.LastMicro > s.lastMicro {
		s.lastMicro = st.LastMicro
	}
	s.notifyLocked()
	return nil
}
