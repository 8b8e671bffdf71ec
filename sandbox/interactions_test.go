package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
)

func TestClickDeliversSignedBlockActions(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, "chat:write")
	var mu sync.Mutex
	var got []url.Values
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		want := sandbox.Sign(secret, mustInt(t, r.Header.Get("X-Slack-Request-Timestamp")), body)
		if r.Header.Get("X-Slack-Signature") != want || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		defer mu.Unlock()
		got = append(got, form)
		w.WriteHeader(status)
	}))
	defer srv.Close()

	button := slack.NewButtonBlockElement("approve", "req-1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("approve?", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("actions", button)))
	must(t, err)
	if err := sb.Click("T1", "U1", "C1", ts, "approve"); err == nil || !strings.Contains(err.Error(), "no interactions url") {
		t.Fatalf("click without a url: %v", err)
	}
	sb.SetInteractionsURL(srv.URL)
	if err := sb.Click("T1", "U1", "C1", ts, "reject"); err == nil {
		t.Fatal("clicked a button the message does not have")
	}
	if err := sb.Click("T1", "UNOBODY", "C1", ts, "approve"); err == nil {
		t.Fatal("a stranger clicked")
	}
	must(t, sb.Click("T1", "U1", "C1", ts, "approve"))
	mu.Lock()
	deliveries := append([]url.Values(nil), got...)
	mu.Unlock()
	if len(deliveries) != 1 {
		t.Fatalf("%d deliveries", len(deliveries))
	}
	var p struct {
		Type string `json:"type"`
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Container struct {
			MessageTS string `json:"message_ts"`
			ChannelID string `json:"channel_id"`
		} `json:"container"`
		Actions []struct {
			ActionID string `json:"action_id"`
			BlockID  string `json:"block_id"`
			Value    string `json:"value"`
			ActionTS string `json:"action_ts"`
		} `json:"actions"`
	}
	must(t, json.Unmarshal([]byte(deliveries[0].Get("payload")), &p))
	if p.Type != "block_actions" || p.Team.ID != "T1" || p.User.ID != "U1" || p.Container.MessageTS != ts || p.Container.ChannelID != "C1" ||
		len(p.Actions) != 1 || p.Actions[0].ActionID != "approve" || p.Actions[0].Value != "req-1" || p.Actions[0].BlockID != "actions" ||
		p.Actions[0].ActionTS == "" {
		t.Fatalf("payload = %+v", p)
	}
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	if err := sb.Click("T1", "U1", "C1", ts, "approve"); err == nil {
		t.Fatal("a failed delivery was reported as success")
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Errorf("timestamp %q: %v", s, err)
	}
	return n
}
