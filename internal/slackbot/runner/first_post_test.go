package runner_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// notFirstPosts are the shapes in which Slack delivers something other
// than a message as its author first posted it, each carrying a mention of
// the bot with a command: an edit (as app_mention carrying "edited", as
// message_changed, and a message carrying "edited"), a thread reply also
// sent to the channel (thread_broadcast, as message and as app_mention),
// and a bot's post (bot_message, and bot_id on app_mention and message).
// orig is the ts of a message first posted without a command.
func notFirstPosts(orig, channel string) map[string]map[string]any {
	const text = "<@UBOT> show account acme"
	edited := map[string]any{"user": "UMEMBER", "ts": orig + "1"}
	return map[string]map[string]any{
		"app_mention edited": {"type": "app_mention", "user": "UMEMBER", "text": text, "ts": orig, "channel": channel,
			"event_ts": orig + "1", "edited": edited, "client_msg_id": "c1"},
		"message_changed": {"type": "message", "subtype": "message_changed", "hidden": true, "channel": channel, "channel_type": "channel",
			"ts": orig + "1", "event_ts": orig + "1",
			"message":          map[string]any{"type": "message", "user": "UMEMBER", "text": text, "ts": orig, "edited": edited},
			"previous_message": map[string]any{"type": "message", "user": "UMEMBER", "text": "show account acme", "ts": orig}},
		"message edited": {"type": "message", "user": "UMEMBER", "text": text, "ts": orig, "channel": channel, "channel_type": "channel",
			"event_ts": orig + "1", "edited": edited},
		"thread_broadcast": {"type": "message", "subtype": "thread_broadcast", "user": "UMEMBER", "text": text, "ts": orig + "2",
			"thread_ts": orig, "channel": channel, "channel_type": "channel", "event_ts": orig + "2",
			"root": map[string]any{"type": "message", "user": "UMEMBER", "text": "show account acme", "ts": orig, "thread_ts": orig, "reply_count": 1}},
		"app_mention thread_broadcast": {"type": "app_mention", "subtype": "thread_broadcast", "user": "UMEMBER", "text": text,
			"ts": orig + "3", "thread_ts": orig, "channel": channel, "event_ts": orig + "3"},
		"bot_message": {"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "username": "deploybot", "text": text,
			"ts": orig + "4", "channel": channel, "channel_type": "channel", "event_ts": orig + "4"},
		"message bot_id": {"type": "message", "user": "UMEMBER", "bot_id": "B0OTHER", "text": text, "ts": orig + "5", "channel": channel,
			"channel_type": "channel", "event_ts": orig + "5"},
		"app_mention bot_id": {"type": "app_mention", "user": "UMEMBER", "bot_id": "B0OTHER", "text": text, "ts": orig + "6",
			"channel": channel, "event_ts": orig + "6"},
	}
}

// A command runs only from a message as first posted: every documented
// shape of an edit, a thread broadcast or a bot's post is acknowledged and
// runs nothing, over the Events API and over Socket Mode alike.
func TestOnlyMessagesAsFirstPostedRunCommands(t *testing.T) {
	for _, transport := range []string{"http", "socket"} {
		t.Run(transport, func(t *testing.T) {
			db := storetest.SQLite(t)
			sb, token := newSandbox(t)
			var runs atomic.Int64
			var ran atomic.Value
			count := bot.Command{Pattern: "show account <subdomain>", Description: "Show an account.", Handler: func(ctx context.Context, req *bot.Request) error {
				runs.Add(1)
				ran.Store(req.Message.TS)
				return req.Replyf(ctx, "account %s: plan pro", req.Args.String("subdomain"))
			}}
			allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
				return bot.Decision{Allowed: true}, nil
			})
			opts := runner.Options{DB: db, BotToken: token, Authorizer: allow, Commands: []bot.Command{count}, Workers: 2}
			var sm interface {
				WaitAcked(context.Context, int) ([]string, error)
			}
			if transport == "socket" {
				sb.Start()
				t.Cleanup(sb.Close)
				s := socketSlack(t, sb)
				sm = s
				opts.AppToken, opts.APIURL = appToken, s.APIURL()
				r, err := runner.New(context.Background(), opts)
				must(t, err)
				t.Cleanup(func() { r.Close() })
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- r.Run(ctx) }()
				t.Cleanup(func() { cancel(); <-done })
			} else {
				start(t, sb, opts)
			}
			orig, err := sb.PostAsUser(demo.TeamMain, demo.ChannelGeneral, "UMEMBER", "show account acme")
			must(t, err)
			shapes := notFirstPosts(orig, demo.ChannelGeneral)
			for _, ev := range shapes {
				must(t, sb.Emit(demo.TeamMain, ev))
			}
			// A message as first posted, sent last, runs: once it has, with
			// the queue in order and two workers, the shapes were handled.
			control, err := sb.PostAsUser(demo.TeamMain, demo.ChannelGeneral, "UMEMBER", "<@UBOT> show account control")
			must(t, err)
			if got := waitReply(t, sb, demo.ChannelGeneral, control); got != "account control: plan pro" {
				t.Fatalf("control reply = %q", got)
			}
			waitDelivered(t, sb, sm, 1+len(shapes)+2)
			waitQueueDrained(t, db)
			if n := runs.Load(); n != 1 {
				t.Fatalf("%d commands ran, want only the control's (last ran from ts %v)", n, ran.Load())
			}
			for _, m := range sb.Messages(demo.ChannelGeneral) {
				if m.BotID != "" && m.ThreadTS != control {
					t.Errorf("the bot answered outside the control's thread: %+v", m)
				}
			}
		})
	}
}

// waitQueueDrained waits until the queue table holds nothing: every
// event acknowledged to Slack was handled.
func waitQueueDrained(t *testing.T, db *sqldb.DB) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var n int
		must(t, db.QueryRow("SELECT COUNT(*) FROM queue_messages").Scan(&n))
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still queued", n)
		}
		time.Sleep(10 * time.Millisecond) // the queue table has no change signal
	}
}

// waitDelivered waits until Slack saw n events acknowledged: over Socket
// Mode n envelopes, over HTTP n deliveries answered 200.
func waitDelivered(t *testing.T, sb *sandbox.Server, sm interface {
	WaitAcked(context.Context, int) ([]string, error)
}, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if sm != nil {
		_, err := sm.WaitAcked(ctx, n)
		must(t, err)
		return
	}
	err := sb.WaitFor(ctx, func() bool {
		ok := 0
		for _, d := range sb.Deliveries() {
			if d.Status == 200 {
				ok++
			}
		}
		return ok >= n
	})
	if err != nil {
		t.Fatal(fmt.Errorf("waiting for %d deliveries: %w (%+v)", n, err, sb.Deliveries()))
	}
}
