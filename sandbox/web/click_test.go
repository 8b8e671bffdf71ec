package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/sandbox"
)

const approvalBlocks = `[
	{"type":"section","block_id":"ask","text":{"type":"mrkdwn","text":"*Refund* acme?"},
	 "accessory":{"type":"button","action_id":"details","text":{"type":"plain_text","text":"Details"}}},
	{"type":"context","elements":[{"type":"mrkdwn","text":"needs one approval"}]},
	{"type":"actions","block_id":"vote","elements":[
		{"type":"button","action_id":"approve","value":"r1","style":"primary","text":{"type":"plain_text","text":"Approve"}},
		{"type":"button","action_id":"deny","value":"r1","style":"danger","text":{"type":"plain_text","text":"Deny"}}]}
]`

// postAsBot posts a message with blocks through the sandbox's Web API, as
// the app does, and returns its ts.
func postAsBot(t *testing.T, sb *sandbox.Server, team, channel, text, blocks string) string {
	t.Helper()
	return callAPI(t, sb, team, "chat.postMessage", url.Values{"channel": {channel}, "text": {text}, "blocks": {blocks}})["ts"].(string)
}

// callAPI calls a Web API method of the sandbox with a bot token of team
// and fails the test unless the answer is ok.
func callAPI(t *testing.T, sb *sandbox.Server, team, method string, params url.Values) map[string]any {
	t.Helper()
	token, err := sb.InstallApp(team, "chat:write")
	must(t, err)
	params.Set("token", token)
	res, err := http.PostForm(sb.APIURL()+method, params)
	must(t, err)
	defer res.Body.Close()
	var out map[string]any
	must(t, json.NewDecoder(res.Body).Decode(&out))
	if out["ok"] != true {
		t.Fatalf("%s: %v", method, out["error"])
	}
	return out
}

// blockActions is the part of a block_actions payload the tests check.
type blockActions struct {
	Type string `json:"type"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Container struct {
		MessageTS string `json:"message_ts"`
	} `json:"container"`
	Actions []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
	} `json:"actions"`
}

// interactionsReceiver records the block_actions payloads it receives and
// answers with status.
func interactionsReceiver(t *testing.T, status int) (*httptest.Server, chan blockActions) {
	got := make(chan blockActions, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p blockActions
		if err := json.Unmarshal([]byte(r.FormValue("payload")), &p); err != nil {
			t.Errorf("interaction payload: %v", err)
		}
		got <- p
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestStateDrawsButtons(t *testing.T) {
	sb := newTestSandbox(t)
	c, _ := newClient(t, sb)
	postAsBot(t, sb, "T1", "C1", "Refund acme?", approvalBlocks)
	_, st, _ := c.state(nil)
	html := st.Messages[0].HTML
	for _, want := range []string{`data-action-id="details"`, `data-action-id="approve"`, `class="block-button primary"`, `>Deny</button>`, `<b>Refund</b> acme?`} {
		if !strings.Contains(html, want) {
			t.Errorf("message HTML lacks %s:\n%s", want, html)
		}
	}
}

func TestClick(t *testing.T) {
	sb := newTestSandbox(t)
	c, _ := newClient(t, sb)
	ts := postAsBot(t, sb, "T1", "C1", "Refund acme?", approvalBlocks)
	click := func(actionID string) (int, string) {
		code, out := c.post("/ui/click", map[string]any{"team": "T1", "channel": "C1", "as": "UADMIN", "ts": ts, "action_id": actionID})
		msg, _ := out["error"].(string)
		return code, msg
	}
	if code, msg := click("approve"); code != http.StatusBadGateway || !strings.Contains(msg, "no interactions url") {
		t.Errorf("click with no app listening: %d %s", code, msg)
	}

	ok, got := interactionsReceiver(t, http.StatusOK)
	sb.SetInteractionsURL(ok.URL)
	if code, msg := click("approve"); code != http.StatusOK {
		t.Fatalf("click: %d %s", code, msg)
	}
	p := <-got
	if p.Type != "block_actions" || p.User.ID != "UADMIN" || p.Container.MessageTS != ts || len(p.Actions) != 1 ||
		p.Actions[0].ActionID != "approve" || p.Actions[0].Value != "r1" {
		t.Errorf("payload %+v", p)
	}
	if code, msg := click("details"); code != http.StatusOK {
		t.Errorf("click on a section accessory: %d %s", code, msg)
	} else if p := <-got; p.Actions[0].ActionID != "details" {
		t.Errorf("accessory payload %+v", p)
	}
	if code, msg := click("nope"); code != http.StatusNotFound || !strings.Contains(msg, `has no button "nope"`) {
		t.Errorf("unknown button: %d %s", code, msg)
	}
	if code, msg := click(""); code != http.StatusBadRequest || !strings.Contains(msg, "action_id is required") {
		t.Errorf("no action: %d %s", code, msg)
	}

	failing, _ := interactionsReceiver(t, http.StatusInternalServerError)
	sb.SetInteractionsURL(failing.URL)
	if code, msg := click("deny"); code != http.StatusBadGateway || !strings.Contains(msg, "answered 500") {
		t.Errorf("click the app refuses: %d %s", code, msg)
	}
}
