package approval_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/sandbox"
)

const secret = "test-signing-secret"

// clock is a settable clock shared by the workflow's parts.
type clock struct{ ns atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.ns.Store(time.Now().UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// botReplies keeps the bot's messages of a thread.
func botReplies(thread []sandbox.Message) []sandbox.Message {
	var out []sandbox.Message
	for _, m := range thread {
		if m.BotID != "" {
			out = append(out, m)
		}
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
