package sandbox

import (
	"context"
	"fmt"
	"sort"
)

// Changed returns a channel that is closed at the next change of state
// (a message, reaction, delivery, install, ...). Take it before reading
// state so no change is missed.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitFor returns nil as soon as cond returns true, evaluating it now and
// after every change, or ctx's error when ctx ends first. cond runs
// without the lock held and may call any observer method.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := s.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sandbox wait: %w", ctx.Err())
		case <-ch:
		}
	}
}

// Idle reports whether no event delivery is under way: every event
// emitted so far was answered (or given up on). With WaitFor it tells a
// caller when the receiver has been handed everything.
func (s *Server) Idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivering == 0
}

// Messages returns every message of a channel, thread replies included, in
// the order they were posted. Ephemeral messages are not included.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channel]
	if !ok {
		return nil
	}
	out := make([]Message, len(c.messages))
	for i, m := range c.messages {
		out[i] = cloneMessage(m)
	}
	return out
}

// Thread returns a thread's parent message followed by its replies.
func (s *Server) Thread(channel, ts string) []Message {
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.TS == ts || m.ThreadTS == ts {
			out = append(out, m)
		}
	}
	return out
}

// Ephemerals returns the ephemeral messages posted in a channel.
func (s *Server) Ephemerals(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channel]
	if !ok {
		return nil
	}
	out := make([]Message, len(c.ephemerals))
	for i, m := range c.ephemerals {
		out[i] = cloneMessage(m)
	}
	return out
}

// Reactions returns the reactions on a message (nil when there is none).
func (s *Server) Reactions(channel, ts string) []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channel, ts)
	if m == nil {
		return nil
	}
	return cloneMessage(m).Reactions
}

// Deliveries returns every event delivery attempt so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Teams returns the workspaces in the order they were added.
func (s *Server) Teams() []Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Team, 0, len(s.teamOrder))
	for _, id := range s.teamOrder {
		out = append(out, *s.teams[id])
	}
	return out
}

// Channels returns a team's channels sorted by name.
func (s *Server) Channels(teamID string) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if c.teamID == teamID {
			out = append(out, c.info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Users returns a team's members sorted by id.
func (s *Server) Users(teamID string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []User
	for _, u := range s.users[teamID] {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) findMessageLocked(channel, ts string) *Message {
	c, ok := s.channels[channel]
	if !ok {
		return nil
	}
	for _, m := range c.messages {
		if m.TS == ts {
			return m
		}
	}
	return nil
}
