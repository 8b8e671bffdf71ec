package runner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/runner"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/storetest"
)

const appToken = "xapp-1-A1-test"

// socketSlack speaks Socket Mode in front of a sandbox: apps.connections.open
// hands out a ws:// URL, the WebSocket says hello and then carries, as
// events_api envelopes, every event the sandbox delivers to /capture; every
// other Web API method is the sandbox's.
type socketSlack struct {
	t        *testing.T
	srv      *httptest.Server
	payloads chan []byte
	// frames are sent as they are (e.g. interactive envelopes).
	frames chan map[string]any

	mu    sync.Mutex
	sent  []string
	acked []string
	opens int
	// changed is closed and replaced on every ack.
	changed chan struct{}
}

func newSocketSlack(t *testing.T, sb *sandbox.Server) *socketSlack {
	s := &socketSlack{t: t, payloads: make(chan []byte, 100), frames: make(chan map[string]any, 10), changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/apps.connections.open", s.open)
	mux.HandleFunc("/link", s.link)
	mux.HandleFunc("POST /capture", s.capture)
	mux.Handle("/api/", sb.Handler())
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	sb.SetEventsURL(s.srv.URL + "/capture")
	return s
}

func (s *socketSlack) open(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+appToken {
		io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
		return
	}
	s.mu.Lock()
	s.opens++
	s.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link"})
}

// capture takes an event the sandbox delivers and queues it for the socket.
func (s *socketSlack) capture(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	s.payloads <- body
	w.WriteHeader(http.StatusOK)
}

func (s *socketSlack) link(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for {
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := conn.ReadJSON(&ack); err != nil {
				return
			}
			s.mu.Lock()
			s.acked = append(s.acked, ack.EnvelopeID)
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
		}
	}()
	if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "test"}}); err != nil {
		return
	}
	ping := time.NewTicker(500 * time.Millisecond) // the client gives up without pings
	defer ping.Stop()
	for n := 1; ; {
		select {
		case <-closed:
			return
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(5*time.Second)) != nil {
				return
			}
		case frame := <-s.frames:
			s.mu.Lock()
			s.sent = append(s.sent, frame["envelope_id"].(string))
			s.mu.Unlock()
			if err := conn.WriteJSON(frame); err != nil {
				return
			}
		case payload := <-s.payloads:
			id := fmt.Sprintf("env-%d", n)
			n++
			s.mu.Lock()
			s.sent = append(s.sent, id)
			s.mu.Unlock()
			if err := conn.WriteJSON(map[string]any{"type": "events_api", "envelope_id": id, "payload": json.RawMessage(payload),
				"accepts_response_payload": false, "retry_attempt": 0, "retry_reason": ""}); err != nil {
				return
			}
		}
	}
}

// waitAcked waits until every envelope sent so far, at least n, is acknowledged.
func (s *socketSlack) waitAcked(n int) []string {
	s.t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		sent, acked, ch := append([]string(nil), s.sent...), append([]string(nil), s.acked...), s.changed
		s.mu.Unlock()
		done := len(sent) >= n
		for _, id := range sent {
			done = done && slices.Contains(acked, id)
		}
		if done {
			return acked
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("sent %v, acknowledged %v", sent, acked)
		}
	}
}

func TestRunnerSocketMode(t *testing.T) {
	db := storetest.SQLite(t)
	sb, token := newSandbox(t)
	t.Cleanup(sb.Close)
	slack := newSocketSlack(t, sb)
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{Allowed: true}, nil
	})
	clicks := make(actionRecorder, 10)
	r, err := runner.New(context.Background(), runner.Options{DB: db, BotToken: token, AppToken: appToken, APIURL: slack.srv.URL + "/api/",
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
	slack.waitAcked(2)
	if n := len(botMessages(sb.Thread(demo.ChannelGeneral, ts))); n != 1 {
		t.Fatalf("%d replies", n)
	}
	// A button click arrives as an interactive envelope.
	slack.frames <- map[string]any{"type": "interactive", "envelope_id": "int-1", "payload": json.RawMessage(blockActions("UOPS", "1700000000.5"))}
	if ev := clicks.next(t); ev.UserID != "UOPS" || ev.ActionID != "approve" || ev.Value != "42" || ev.MessageTS != "1700000000.000100" {
		t.Fatalf("click over Socket Mode: %+v", ev)
	}
	if acked := slack.waitAcked(3); !slices.Contains(acked, "int-1") {
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
	slack := newSocketSlack(t, sb)
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{}, nil
	})
	r, err := runner.New(context.Background(), runner.Options{DB: db, BotToken: token, AppToken: "xapp-wrong", APIURL: slack.srv.URL + "/api/",
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
