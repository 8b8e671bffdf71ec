package slackbot

import (
	"github.com/bastionhq/bastion/sandbox"

	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// actionQueue records what the interactions handler stores.
type actionQueue struct {
	mu     sync.Mutex
	bodies map[string]string
	fail   error
}

func (q *actionQueue) Enqueue(_ context.Context, id string, body []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return false, q.fail
	}
	if _, ok := q.bodies[id]; ok {
		return false, nil
	}
	q.bodies[id] = string(body)
	return true, nil
}

const clickPayload = `{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U2"},"channel":{"id":"C1"},
"container":{"type":"message","message_ts":"5.5","channel_id":"C1"},
"actions":[{"action_id":"bastion_approval_approve","block_id":"b","value":"abc","type":"button","action_ts":"7.7"}]}`

func signedForm(t *testing.T, secret string, at time.Time, payload string) *http.Request {
	t.Helper()
	body := url.Values{"payload": {payload}}.Encode()
	r := httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(body))
	ts := strconv.FormatInt(at.Unix(), 10)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", sandbox.Sign(secret, at.Unix(), []byte(body)))
	return r
}

func TestInteractionsHandler(t *testing.T) {
	now := time.Now()
	q := &actionQueue{bodies: map[string]string{}}
	h, err := NewInteractionsHandler(InteractionsHandlerOptions{SigningSecret: "s3cret", Queue: q})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(r *http.Request) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := serve(signedForm(t, "wrong", now, clickPayload)); code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", code)
	}
	if code := serve(signedForm(t, "s3cret", now.Add(-10*time.Minute), clickPayload)); code != http.StatusUnauthorized {
		t.Fatalf("stale request: %d", code)
	}
	if code := serve(httptest.NewRequest(http.MethodGet, "/slack/interactions", nil)); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", code)
	}
	if code := serve(signedForm(t, "s3cret", now, `{"type":"view_submission","team":{"id":"T1"}}`)); code != http.StatusOK || len(q.bodies) != 0 {
		t.Fatalf("other interaction: %d, stored %d", code, len(q.bodies))
	}
	if code := serve(signedForm(t, "s3cret", now, `{nope`)); code != http.StatusBadRequest {
		t.Fatalf("malformed: %d", code)
	}
	for range 2 {
		if code := serve(signedForm(t, "s3cret", now, clickPayload)); code != http.StatusOK {
			t.Fatalf("click: %d", code)
		}
	}
	id := InteractionQueueID("T1", "U2", "bastion_approval_approve", "7.7")
	if len(q.bodies) != 1 || q.bodies[id] == "" {
		t.Fatalf("stored %v", q.bodies)
	}
	in, err := decodeEvent([]byte(q.bodies[id]), "UBOT")
	if err != nil || in.action == nil {
		t.Fatalf("decode = %+v, %v", in, err)
	}
	want := ActionEvent{TeamID: "T1", UserID: "U2", ChannelID: "C1", MessageTS: "5.5", ActionID: "bastion_approval_approve", Value: "abc", ActionTS: "7.7"}
	if *in.action != want {
		t.Fatalf("action = %+v", *in.action)
	}
	q.fail = errors.New("disk full")
	if code := serve(signedForm(t, "s3cret", now, strings.Replace(clickPayload, "7.7", "8.8", 1))); code != http.StatusServiceUnavailable {
		t.Fatalf("store failure: %d", code)
	}
}

// activeTeams is an installation gate that knows which teams are installed.
type activeTeams map[string]bool

func (a activeTeams) IsActive(_ context.Context, teamID string) (bool, error) { return a[teamID], nil }

func (a activeTeams) HandleLifecycleEvent(context.Context, string, string) (bool, error) {
	return false, nil
}

func TestInteractionsOfInactiveInstallationsAreDropped(t *testing.T) {
	now := time.Now()
	q := &actionQueue{bodies: map[string]string{}}
	h, err := NewInteractionsHandler(InteractionsHandlerOptions{SigningSecret: "s3cret", Queue: q, Installations: activeTeams{"T9": true}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedForm(t, "s3cret", now, clickPayload))
	if w.Code != http.StatusOK || len(q.bodies) != 0 {
		t.Fatalf("inactive team: %d, stored %d", w.Code, len(q.bodies))
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, signedForm(t, "s3cret", now, strings.Replace(clickPayload, `"team":{"id":"T1"}`, `"team":{"id":"T9"}`, 1)))
	if w.Code != http.StatusOK || len(q.bodies) != 1 {
		t.Fatalf("active team: %d, stored %d", w.Code, len(q.bodies))
	}
}
