package slackbot

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
)

// Slack's documented example signs as sandbox.Sign does, and the
// ingress, verifying with slack-go, accepts what is signed that way now
// and refuses the example itself: its timestamp is years old.
func TestSlackDocumentedSignatureVector(t *testing.T) {
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	const secret, ts = "8f742231b10e8888abcd99yyyzzz85a5", 1531420618
	const want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	if got := sandbox.Sign(secret, ts, body); got != want {
		t.Fatalf("Sign = %s", got)
	}
	header := func(at int64, sig string) http.Header {
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at, 10))
		h.Set("X-Slack-Signature", sig)
		return h
	}
	if err := verify(header(ts, want), secret, body); !errors.Is(err, slack.ErrExpiredTimestamp) {
		t.Fatalf("the 2018 example: %v; want it refused as stale", err)
	}
	now := time.Now().Unix()
	if err := verify(header(now, sandbox.Sign(secret, now, body)), secret, body); err != nil {
		t.Fatalf("signed now: %v", err)
	}
	for name, at := range map[string]int64{"stale": now - 6*60, "future": now + 6*60} {
		if err := verify(header(at, sandbox.Sign(secret, at, body)), secret, body); !errors.Is(err, slack.ErrExpiredTimestamp) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := verify(header(now, sandbox.Sign(secret, now, body)), secret, append(body, 'x')); !errors.Is(err, slack.ErrInvalidSignature) {
		t.Fatalf("tampered: %v", err)
	}
	if err := verify(header(now, sandbox.Sign("other", now, body)), secret, body); !errors.Is(err, slack.ErrInvalidSignature) {
		t.Fatalf("other secret: %v", err)
	}
	if err := verify(http.Header{}, secret, body); !errors.Is(err, slack.ErrMissingHeaders) {
		t.Fatalf("unsigned: %v", err)
	}
}

// memQueue records enqueued ids and dedupes them, like a real queue.
type memQueue struct {
	mu   sync.Mutex
	ids  []string
	seen map[string]bool
	fail error
}

func (q *memQueue) Enqueue(_ context.Context, id string, _ []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		return false, q.fail
	}
	if q.seen == nil {
		q.seen = map[string]bool{}
	}
	if q.seen[id] {
		return false, nil
	}
	q.seen[id] = true
	q.ids = append(q.ids, id)
	return true, nil
}

// signedRequest is a POST of body signed as Slack does at the given time.
func signedRequest(body []byte, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix(), 10))
	r.Header.Set("X-Slack-Signature", sandbox.Sign("s3cret", at.Unix(), body))
	return r
}

func newTestHandler(t testing.TB, q Enqueuer) *EventsHandler {
	h, err := NewEventsHandler(EventsHandlerOptions{SigningSecret: "s3cret", Queue: q, MaxBody: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const appMention = `{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev01","event_time":1700000000,
"event":{"type":"app_mention","user":"U1","text":"<@UBOT> help","ts":"1700000000.000100","channel":"C1","event_ts":"1700000000.000100"}}`

func TestEventsHandlerStatuses(t *testing.T) {
	q := &memQueue{}
	h := newTestHandler(t, q)
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := serve(signedRequest([]byte(appMention), time.Now())); w.Code != 200 {
		t.Fatalf("event: %d %s", w.Code, w.Body)
	}
	retry := signedRequest([]byte(appMention), time.Now())
	retry.Header.Set("X-Slack-Retry-Num", "1")
	if w := serve(retry); w.Code != 200 || len(q.ids) != 1 || q.ids[0] != "slack-event:Ev01" {
		t.Fatalf("retry: %d, queued %v", w.Code, q.ids)
	}
	w := serve(signedRequest([]byte(`{"token":"x","challenge":"abc123","type":"url_verification"}`), time.Now()))
	if w.Code != 200 || w.Body.String() != "abc123" {
		t.Fatalf("url_verification: %d %q", w.Code, w.Body)
	}
	bad := signedRequest([]byte(appMention), time.Now())
	bad.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64))
	cases := []struct {
		name string
		req  *http.Request
		code int
	}{
		{"bad signature", bad, 401},
		{"stale", signedRequest([]byte(appMention), time.Now().Add(-6*time.Minute)), 401},
		{"unsigned", httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(appMention)), 401},
		{"malformed json", signedRequest([]byte(`{"type":`), time.Now()), 400},
		{"no event id", signedRequest([]byte(`{"type":"event_callback","event":{"type":"message"}}`), time.Now()), 400},
		{"unknown type", signedRequest([]byte(`{"type":"nope"}`), time.Now()), 400},
		{"giant", signedRequest(bytes.Repeat([]byte("x"), 65<<10), time.Now()), 413},
		{"get", httptest.NewRequest(http.MethodGet, "/slack/events", nil), 405},
	}
	for _, c := range cases {
		if w := serve(c.req); w.Code != c.code {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.code)
		}
	}
	q.fail = errors.New("disk full")
	other := strings.Replace(appMention, "Ev01", "Ev02", 1)
	if w := serve(signedRequest([]byte(other), time.Now())); w.Code != 503 || w.Header().Get("X-Slack-No-Retry") != "" {
		t.Fatalf("store failure must ask Slack to retry: %d", w.Code)
	}
}

func FuzzEventsHandler(f *testing.F) {
	f.Add([]byte(appMention))
	f.Add([]byte(`{"type":"url_verification","challenge":"\u0000"}`))
	f.Add([]byte(`{"type":"event_callback","event_id":"","event":null}`))
	f.Add([]byte("\xff\xfe{"))
	f.Fuzz(func(t *testing.T, body []byte) {
		q := &memQueue{}
		h := newTestHandler(t, q)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedRequest(body, time.Now()))
		switch w.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
		if w.Code != 200 && len(q.ids) > 0 {
			t.Fatalf("refused but queued %v", q.ids)
		}
		if _, err := decodeEvent(body, "UBOT"); err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}

func TestAddressedText(t *testing.T) {
	cases := map[string][2]string{
		"<@UBOT> help":          {"help", "true"},
		"<@UBOT|bastion>: help": {"help", "true"},
		"  <@UBOT>,   show x  ": {"show x", "true"},
		"<@UBOTX> help":         {"<@UBOTX> help", "false"},
		"help <@UBOT>":          {"help <@UBOT>", "false"},
		"<@UBOT":                {"<@UBOT", "false"},
	}
	for in, want := range cases {
		got, ok := addressedText(in, "UBOT")
		if got != want[0] || strconv.FormatBool(ok) != want[1] {
			t.Errorf("addressedText(%q) = %q, %v", in, got, ok)
		}
	}
}
