package runner_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/sandbox/socketmode"
	"github.com/bastionhq/bastion/store/storetest"
)

const appToken = "xapp-1-A1-test"

// socketSlack is Socket Mode in front of sb, closed at the test's end.
func socketSlack(t *testing.T, sb *sandbox.Server) *socketmode.Server {
	t.Helper()
	sm, err := socketmode.Start(sb, appToken)
	must(t, err)
	t.Cleanup(func() { sm.Close() })
	return sm
}

// waitAcked waits until every envelope sent so far, at least n, is
// acknowledged.
func waitAcked(t *testing.T, sm *socketmode.Server, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	acked, err := sm.WaitAcked(ctx, n)
	must(t, err)
	return acked
}

func TestRunnerSocketMode(t *testing.T) {
	db := storetest.SQLite(t)
	sb, token := newSandbox(t)
	t.Cleanup(sb.Close)
	slack := socketSlack(t, sb)
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{Allowed: true}, nil
	})
	clicks := make(actionRecorder, 10)
	r, err := runner.New(context.Background(), runner.Options{DB: db, BotToken: token, AppToken: appToken, APIURL: slack.APIURL(),
		Authorizer: allow, Commands: newBackoffice().commands(), Workers: 2, Actions: clicks})
	must(t, err)
	t.Cleanup(func() { r.Close() })
	if !r.SocketMode() {
		t.Fatal("an app token must select Socket Mode")
	}
	w := httptest.NewRecorder()
	r.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader("{}")))
	if w.Code != http.StatusNotFound {
		t.Fatalf("/slack/events in Socket Mode: %d, want 404", w.Code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	ts, err := sb.PostAsUser(demo.TeamMain, demo.ChannelGeneral, "UMEMBER", "<@UBOT> show account acme")
	must(t, err)
	if got := waitReply(t, sb, demo.ChannelGeneral, ts); got != "account acme: plan pro" {
		t.Fatalf("reply = %q", got)
	}
	// The message arrived twice (message and app_mention): both envelopes
	// are acknowledged, and the command ran once.
	waitAcked(t, slack, 2)
	if n := len(botMessages(sb.Thread(demo.ChannelGeneral, ts))); n != 1 {
		t.Fatalf("%d replies", n)
	}
	// A button click arrives as an interactive envelope.
	slack.Send(map[string]any{"type": "interactive", "envelope_id": "int-1", "payload": json.RawMessage(blockActions("UOPS", "1700000000.5"))})
	if ev := clicks.next(t); ev.UserID != "UOPS" || ev.ActionID != "approve" || ev.Value != "42" || ev.MessageTS != "1700000000.000100" {
		t.Fatalf("click over Socket Mode: %+v", ev)
	}
	if acked := waitAcked(t, slack, 3); !slices.Contains(acked, "int-1") {
		t.Fatalf("interactive envelope not acknowledged: %v", acked)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return")
	}
}

func TestRunnerSocketModeBadAppToken(t *testing.T) {
	db := storetest.SQLite(t)
	sb, token := newSandbox(t)
	t.Cleanup(sb.Close)
	slack := socketSlack(t, sb)
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{}, nil
	})
	r, err := runner.New(context.Background(), runner.Options{DB: db, BotToken: token, AppToken: "xapp-wrong", APIURL: slack.APIURL(),
		Authorizer: allow, Workers: 1})
	must(t, err)
	t.Cleanup(func() { r.Close() })
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
			t.Fatalf("Run with a refused app token: %v; want invalid_auth", err)
		}
	case <-time.After(wait):
		t.Fatal("Run kept going with a refused app token")
	}
}

func botMessages(thread []sandbox.Message) []sandbox.Message {
	var out []sandbox.Message
	for _, m := range thread {
		if m.BotID != "" {
			out = append(out, m)
		}
	}
	return out
}
