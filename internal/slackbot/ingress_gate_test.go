package slackbot_test

import (
	"github.com/bastionhq/bastion/sandbox"

	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"github.com/bastionhq/bastion/internal/slackbot"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// recordingQueue records what the ingress stored.
type recordingQueue struct {
	mu   sync.Mutex
	ids  []string
	fail error
}

func (q *recordingQueue) Enqueue(_ context.Context, id string, _ []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return false, q.fail
	}
	q.ids = append(q.ids, id)
	return true, nil
}

func (q *recordingQueue) queued() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.ids...)
}

// installations returns a real installation service on SQLite with T1 and
// T2 installed, and the enterprise-wide install E1 inactive.
func installations(t *testing.T) *slackapp.Service {
	t.Helper()
	ctx := context.Background()
	key := make([]byte, 32)
	rand.Read(key)
	sealer, err := slackapp.NewTokenSealer(key)
	must(t, err)
	store, err := installsql.Open(ctx, storetest.SQLite(t), sealer)
	must(t, err)
	for _, in := range []slackapp.Installation{
		{ID: "T1", TeamID: "T1", BotToken: "xoxb-1", Active: true},
		{ID: "T2", TeamID: "T2", BotToken: "xoxb-2", Active: true},
		{ID: "E9", TeamID: "E9", BotToken: "xoxb-9", EnterpriseInstall: true, Active: true},
	} {
		in.InstalledAt = time.Now()
		must(t, store.SaveInstallation(ctx, in))
	}
	return slackapp.NewService(store, slackapp.ServiceOptions{})
}

func callback(eventID, team, enterprise, innerType string) []byte {
	env := map[string]any{"type": "event_callback", "event_id": eventID, "team_id": team, "api_app_id": "A1",
		"event": map[string]any{"type": innerType, "user": "U1", "text": "<@UBOT> help", "ts": "1.0", "channel": "C1", "event_ts": "1.0"}}
	if enterprise != "" {
		env["enterprise_id"] = enterprise
	}
	b, _ := json.Marshal(env)
	return b
}

func postSigned(t *testing.T, h http.Handler, body []byte) int {
	t.Helper()
	at := time.Now().Unix()
	ts := strconv.FormatInt(at, 10)
	r := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", sandbox.Sign(secret, at, body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func TestEventsHandlerGatesByInstallation(t *testing.T) {
	svc := installations(t)
	q := &recordingQueue{}
	h, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: q, Installations: svc})
	must(t, err)
	if code := postSigned(t, h, callback("Ev1", "T1", "", "app_mention")); code != 200 {
		t.Fatalf("active team: %d", code)
	}
	if code := postSigned(t, h, callback("Ev2", "T404", "", "app_mention")); code != 200 {
		t.Fatalf("unknown team: %d", code)
	}
	if code := postSigned(t, h, callback("Ev3", "T5", "E9", "app_mention")); code != 200 {
		t.Fatalf("team of an org-wide install: %d", code)
	}
	if code := postSigned(t, h, callback("Ev4", "T2", "", "tokens_revoked")); code != 200 {
		t.Fatalf("tokens_revoked: %d", code)
	}
	if active, err := svc.IsActive(context.Background(), "T2"); err != nil || active {
		t.Fatalf("after tokens_revoked T2 active=%v err=%v", active, err)
	}
	if code := postSigned(t, h, callback("Ev5", "T2", "", "app_mention")); code != 200 {
		t.Fatalf("revoked team: %d", code)
	}
	want := []string{"slack-event:Ev1", "slack-event:Ev3"}
	if got := q.queued(); !slices.Equal(got, want) {
		t.Fatalf("queued %v, want %v (unknown and revoked teams dropped, lifecycle events applied, not queued)", got, want)
	}
	if code := postSigned(t, h, callback("Ev6", "T1", "", "app_uninstalled")); code != 200 {
		t.Fatalf("app_uninstalled: %d", code)
	}
	if active, _ := svc.IsActive(context.Background(), "T1"); active {
		t.Fatal("app_uninstalled left T1 active")
	}
}

// brokenGate fails every call.
type brokenGate struct{}

func (brokenGate) IsActive(context.Context, string) (bool, error) {
	return false, errors.New("store down")
}
func (brokenGate) HandleLifecycleEvent(context.Context, string, string) (bool, error) {
	return false, errors.New("store down")
}

func TestEventsHandlerGateFailures(t *testing.T) {
	q := &recordingQueue{}
	h, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: q, Installations: brokenGate{}})
	must(t, err)
	if code := postSigned(t, h, callback("Ev1", "T1", "", "tokens_revoked")); code != http.StatusServiceUnavailable {
		t.Fatalf("lifecycle event that could not be applied: %d, want 503 so Slack retries", code)
	}
	if code := postSigned(t, h, callback("Ev2", "T1", "", "app_mention")); code != 200 {
		t.Fatalf("event when the gate cannot answer: %d", code)
	}
	if got := q.queued(); !slices.Equal(got, []string{"slack-event:Ev2"}) {
		t.Fatalf("queued %v: an unknown installation state must not lose the event", got)
	}
}

// acks records acknowledged envelope ids.
type acks struct {
	mu  sync.Mutex
	ids []string
}

func (a *acks) Ack(req socketmode.Request, _ ...any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids = append(a.ids, req.EnvelopeID)
	return nil
}

func (a *acks) acked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.ids...)
}

func eventsAPI(envelopeID string, payload []byte) socketmode.Event {
	return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Request: &socketmode.Request{Type: "events_api", EnvelopeID: envelopeID, Payload: payload}}
}

func TestSocketIngestGatesAndAppliesLifecycleEvents(t *testing.T) {
	ctx := context.Background()
	svc := installations(t)
	q, ack := &recordingQueue{}, &acks{}
	in := slackbot.NewSocketIngest(ack, q, nil)
	in.Installations = svc
	must(t, in.Handle(ctx, eventsAPI("env1", callback("Ev1", "T1", "", "app_mention"))))
	must(t, in.Handle(ctx, eventsAPI("env2", callback("Ev2", "T404", "", "app_mention"))))
	// slack-go hands over envelopes with inner types it does not map as
	// bad messages, unacknowledged.
	raw, _ := json.Marshal(map[string]any{"type": "events_api", "envelope_id": "env3", "payload": json.RawMessage(callback("Ev3", "T2", "", "tokens_revoked"))})
	must(t, in.Handle(ctx, socketmode.Event{Type: socketmode.EventTypeErrorBadMessage, Data: &socketmode.ErrorBadMessage{Cause: errors.New("unmapped"), Message: raw}}))
	if active, _ := svc.IsActive(ctx, "T2"); active {
		t.Fatal("tokens_revoked over Socket Mode left T2 active")
	}
	must(t, in.Handle(ctx, eventsAPI("env4", callback("Ev4", "T2", "", "app_mention"))))
	if got := q.queued(); !slices.Equal(got, []string{"slack-event:Ev1"}) {
		t.Fatalf("queued %v", got)
	}
	if got := ack.acked(); !slices.Equal(got, []string{"env1", "env2", "env3", "env4"}) {
		t.Fatalf("acked %v: every envelope must be acknowledged", got)
	}

	q.fail = errors.New("disk full")
	if err := in.Handle(ctx, eventsAPI("env5", callback("Ev5", "T1", "", "app_mention"))); err == nil {
		t.Fatal("an event that could not be stored must be an error")
	}
	in.Installations = brokenGate{}
	if err := in.Handle(ctx, eventsAPI("env6", callback("Ev6", "T1", "", "app_uninstalled"))); err == nil {
		t.Fatal("a lifecycle event that could not be applied must be an error")
	}
	if got := ack.acked(); len(got) != 4 {
		t.Fatalf("acked %v: failed envelopes must stay unacknowledged so Slack resends them", got)
	}
}

func TestSocketIngestQueuesButtonClicksOfActiveInstallations(t *testing.T) {
	ctx := context.Background()
	svc := installations(t)
	must(t, svc.MarkInactive(ctx, "T2"))
	q, ack := &recordingQueue{}, &acks{}
	in := slackbot.NewSocketIngest(ack, q, nil)
	in.Installations = svc
	click := func(envelope, team string) socketmode.Event {
		payload := `{"type":"block_actions","team":{"id":"` + team + `"},"user":{"id":"U1"},"container":{"message_ts":"1.0","channel_id":"C1"},` +
			`"actions":[{"action_id":"approve","block_id":"b","value":"7","action_ts":"2.0"}]}`
		return socketmode.Event{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{Type: "interactive", EnvelopeID: envelope, Payload: json.RawMessage(payload)}}
	}
	must(t, in.Handle(ctx, click("env1", "T1")))
	must(t, in.Handle(ctx, click("env2", "T2")))
	must(t, in.Handle(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{Type: "interactive", EnvelopeID: "env3",
		Payload: json.RawMessage(`{"type":"view_submission","team":{"id":"T1"}}`)}}))
	if got, want := q.queued(), []string{slackbot.InteractionQueueID("T1", "U1", "approve", "2.0")}; !slices.Equal(got, want) {
		t.Fatalf("queued %v, want %v (a click of an inactive installation and other interactions are dropped)", got, want)
	}
	if got := ack.acked(); !slices.Equal(got, []string{"env1", "env2", "env3"}) {
		t.Fatalf("acked %v", got)
	}
}
