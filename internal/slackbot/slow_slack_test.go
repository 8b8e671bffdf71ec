package slackbot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/slackbot"
	"github.com/bastionhq/bastion/store/storetest"
)

// interruptionNotes returns the bot's replies in a thread that say the
// command was interrupted.
func interruptionNotes(p *pipeline, channel, ts string) []string {
	var out []string
	for _, m := range botReplies(p.sb.Thread(channel, ts)) {
		if strings.Contains(m.Text, "interrupted") {
			out = append(out, m.Text)
		}
	}
	return out
}

// Slack answering reactions.add with 429 Retry-After: 35 neither delays
// the command nor holds the worker: the 👀 marker is best-effort, and a
// Retry-After that would outlast its deadline is not waited out.
func TestRateLimitedMarkerDoesNotHoldTheCommand(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	p.startWorker(t, "w1")
	p.sb.RateLimit("reactions.add", 1000, 35*time.Second)
	ts, err := p.sb.PostAsUser("T1", "C1", "U1", "<@UBOT> show account acme")
	must(t, err)
	if got := p.waitThread(t, "C1", ts, 1); got[0].Text != "account acme: plan pro" {
		t.Fatalf("reply = %q", got[0].Text)
	}
	waitQueueEmpty(t, p)
	if n := p.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
	if r := p.sb.Reactions("C1", ts); len(r) != 0 {
		t.Fatalf("marker %+v added while Slack refused every reactions.add", r)
	}
}

// A worker waiting on a rate-limited Slack keeps its claim alive: the
// queue hands the same delivery to another worker (its visibility timeout,
// 2 s, passes), which must find the claim's heartbeat fresh and leave the
// message alone instead of telling the thread it was not run. The lease
// (3 s) is shorter than the marker's wait (three 429s with Retry-After:
// 2 s), so a heartbeat that starts only after the marker lets it lapse.
func TestWorkerWaitingOnSlackIsNotDeclaredDead(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	realTime := func(o *slackbot.WorkerOptions, c *slackbot.SlackChatOptions) {
		o.Now, o.Lease, o.MarkerTimeout = time.Now, 3*time.Second, 20*time.Second
	}
	p.startWorkerWith(t, "w1", realTime)
	p.startWorkerWith(t, "w2", realTime)
	p.sb.RateLimit("reactions.add", 3, 2*time.Second)
	ts, err := p.sb.PostAsUser("T1", "C1", "U1", "<@UBOT> show account acme")
	must(t, err)
	p.waitThread(t, "C1", ts, 1)
	waitQueueEmpty(t, p)
	replies := botReplies(p.sb.Thread("C1", ts))
	if notes := interruptionNotes(p, "C1", ts); len(notes) != 0 {
		t.Fatalf("a live worker was declared dead (ran %d times): %q", p.runs.Load(), notes)
	}
	if n := p.runs.Load(); n != 1 || len(replies) != 1 || replies[0].Text != "account acme: plan pro" {
		t.Fatalf("handler ran %d times; replies %+v", n, replies)
	}
	if r := p.sb.Reactions("C1", ts); len(r) != 1 {
		t.Fatalf("marker = %+v; Slack accepted the fourth reactions.add", r)
	}
}

// A worker that lost its claim while it waited on Slack (a redelivery
// declared it dead and told the thread the command was not run) does not
// run the command afterwards.
func TestWorkerThatLostItsClaimDoesNotRun(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	p.sb.RateLimit("reactions.add", 1, time.Second)
	interrupted := make(chan bool, 1)
	p.startWorkerWith(t, "w1", func(o *slackbot.WorkerOptions, c *slackbot.SlackChatOptions) {
		c.Sleep = func(ctx context.Context, _ time.Duration) error {
			// While the marker waits out its 429, the claim is declared
			// interrupted, as a redelivery finding it stale does.
			var key slackbot.MessageKey
			for _, m := range p.sb.Messages("C1") {
				if m.BotID == "" {
					key = slackbot.MessageKey{TeamID: "T1", ChannelID: "C1", TS: m.TS}
				}
			}
			now := p.clock.Now().Add(time.Hour)
			ok, err := p.store.Interrupt(ctx, key, now, now)
			must(t, err)
			interrupted <- ok
			return nil
		}
	})
	ts, err := p.sb.PostAsUser("T1", "C1", "U1", "<@UBOT> show account acme")
	must(t, err)
	select {
	case ok := <-interrupted:
		if !ok {
			t.Fatal("the claim was not running while the marker waited")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the marker never waited out its 429")
	}
	waitQueueEmpty(t, p)
	if n := p.runs.Load(); n != 0 {
		t.Fatalf("the command ran %d times after its claim was declared interrupted", n)
	}
	if got := botReplies(p.sb.Thread("C1", ts)); len(got) != 0 {
		t.Fatalf("replies %+v", got)
	}
}
