package sandbox

import (
	"crypto/rand"
	"strconv"
	"strings"
)

// eventIDAlphabet is the alphabet of Slack's event ids (Ev08MFMKH6…):
// digits and upper-case letters.
const eventIDAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newEventIDLocked returns an event id unique across runs and sandboxes,
// as Slack's are: "Ev", the time in microseconds in base 36 (never
// smaller than the last one handed out, so ids sort by issue), and eight
// random characters. A bot that remembers the ids it has seen, as
// Bastion's queue does for a day, never takes a new event for an old one,
// even when the sandbox restarts. s.mu must be held.
func (s *Server) newEventIDLocked() string {
	us := s.opts.Now().UnixMicro()
	if us <= s.lastEvent {
		us = s.lastEvent + 1
	}
	s.lastEvent = us
	var b strings.Builder
	b.WriteString("Ev")
	b.WriteString(strings.ToUpper(strconv.FormatInt(us, 36)))
	random := make([]byte, 8)
	rand.Read(random)
	for _, r := range random {
		b.WriteByte(eventIDAlphabet[int(r)%len(eventIDAlphabet)])
	}
	return b.String()
}
