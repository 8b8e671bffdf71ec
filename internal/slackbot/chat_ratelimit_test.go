package slackbot_test

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/slackbot"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/storetest"
)

// rateLimitedSandbox is a sandbox with one channel and the app installed.
func rateLimitedSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{SigningSecret: secret})
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C1", Name: "general"}))
	token, err := sb.InstallApp("T1", "chat:write")
	must(t, err)
	return sb, token
}

// sleeps records the pauses SlackChat asks for instead of taking them.
type sleeps []time.Duration

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	*s = append(*s, d)
	return ctx.Err()
}

func TestPostReplyHonoursRetryAfter(t *testing.T) {
	sb, token := rateLimitedSandbox(t)
	var waited sleeps
	chat := slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: sb.APIURL(), Sleep: waited.sleep, BaseBackoff: time.Millisecond})
	sb.RateLimit("chat.postMessage", 2, 3*time.Second)
	ts, err := chat.PostReply(context.Background(), "C1", "", "hello")
	if err != nil {
		t.Fatalf("PostReply after two 429s: %v", err)
	}
	if len(waited) != 2 || waited[0] != 3*time.Second || waited[1] != 3*time.Second {
		t.Fatalf("waited %v; want Retry-After (3s) before each of the two retries", waited)
	}
	if msgs := sb.Messages("C1"); len(msgs) != 1 || msgs[0].TS != ts || msgs[0].Text != "hello" {
		t.Fatalf("messages %+v; want the one post, once", msgs)
	}
}

func TestPostReplyGivesUpAfterMaxAttempts(t *testing.T) {
	sb, token := rateLimitedSandbox(t)
	var waited sleeps
	chat := slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: sb.APIURL(), Sleep: waited.sleep, MaxAttempts: 3})
	sb.RateLimit("chat.postMessage", 10, 2*time.Second)
	_, err := chat.PostReply(context.Background(), "C1", "", "hello")
	var limited *slack.RateLimitedError
	if !errors.As(err, &limited) || limited.RetryAfter != 2*time.Second || !strings.Contains(err.Error(), "attempt 3") {
		t.Fatalf("after 3 rate-limited attempts: %v; want the 429 with its Retry-After", err)
	}
	if len(waited) != 2 {
		t.Fatalf("waited %v; want 2 pauses between 3 attempts", waited)
	}
	if msgs := sb.Messages("C1"); len(msgs) != 0 {
		t.Fatalf("messages %+v; nothing should be posted", msgs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := chat.PostReply(ctx, "C1", "", "hello"); !errors.Is(err, context.Canceled) {
		t.Fatalf("rate limited with the context ended: %v; want it to stop waiting", err)
	}
}

// TestWorkerReplyWaitsOutRateLimit runs the pipeline with the real sleep:
// a reply refused once with Retry-After 1 s still lands, once.
func TestWorkerReplyWaitsOutRateLimit(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	p.startWorker(t, "w1")
	p.sb.RateLimit("chat.postMessage", 1, time.Second)
	ts, err := p.sb.PostAsUser("T1", "C1", "U1", "<@UBOT> show account acme")
	must(t, err)
	if got := p.waitThread(t, "C1", ts, 1); got[0].Text != "account acme: plan pro" {
		t.Fatalf("reply = %q", got[0].Text)
	}
	waitQueueEmpty(t, p)
	if got := botReplies(p.sb.Thread("C1", ts)); len(got) != 1 {
		t.Fatalf("%d replies after a rate-limited post", len(got))
	}
}

// A Retry-After longer than MaxRetryAfter, or ending past the call's
// deadline, is not waited out: the call fails at once with the 429.
func TestRetryAfterIsCappedByDeadlineAndLimit(t *testing.T) {
	sb, token := rateLimitedSandbox(t)
	cases := []struct {
		name string
		opts slackbot.SlackChatOptions
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"longer than MaxRetryAfter", slackbot.SlackChatOptions{MaxRetryAfter: 10 * time.Second}, nil},
		{"past CallTimeout", slackbot.SlackChatOptions{CallTimeout: 20 * time.Second}, nil},
		{"past the caller's deadline", slackbot.SlackChatOptions{}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 5*time.Second)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var waited sleeps
			c.opts.APIURL, c.opts.Sleep = sb.APIURL(), waited.sleep
			chat := slackbot.NewSlackChat(token, c.opts)
			ctx, cancel := context.Background(), func() {}
			if c.ctx != nil {
				ctx, cancel = c.ctx()
			}
			defer cancel()
			sb.RateLimit("chat.postMessage", 1, 35*time.Second)
			_, err := chat.PostReply(ctx, "C1", "", "hello")
			var limited *slack.RateLimitedError
			if !errors.As(err, &limited) || !strings.Contains(err.Error(), "attempt 1") {
				t.Fatalf("err = %v; want the first 429, given up at once", err)
			}
			if len(waited) != 0 {
				t.Fatalf("waited %v", waited)
			}
		})
	}
}
