package slackbot_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/bastionhq/bastion/internal/slackbot"
)

// dedupingQueue stores each id once, as the real queues do.
type dedupingQueue struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (q *dedupingQueue) Enqueue(_ context.Context, id string, _ []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seen[id] {
		return false, nil
	}
	q.seen[id] = true
	return true, nil
}

// A duplicate event is acknowledged and dropped, and says so at debug
// level (and only there), over HTTP and over Socket Mode: a bot that
// ignores a message can be asked why.
func TestDroppedDuplicatesAreLoggedAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: level}))
		q := &dedupingQueue{seen: map[string]bool{}}
		h, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: q, Logger: log})
		must(t, err)
		for range 2 {
			if code := postSigned(t, h, callback("EvHTTP1", "T1", "", "app_mention")); code != 200 {
				t.Fatalf("delivery answered %d", code)
			}
		}
		in := slackbot.NewSocketIngest(&acks{}, q, log)
		for _, env := range []string{"env1", "env2"} {
			must(t, in.Handle(context.Background(), eventsAPI(env, callback("EvSOCK1", "T1", "", "app_mention"))))
		}
		got := logs.String()
		for _, id := range []string{"EvHTTP1", "EvSOCK1"} {
			line := `msg="dropped duplicate event" event_id=` + id
			if n := strings.Count(got, line); level == slog.LevelDebug && n != 1 || level != slog.LevelDebug && n != 0 {
				t.Errorf("at %v, %q logged %d times:\n%s", level, line, n, got)
			}
		}
	}
}
