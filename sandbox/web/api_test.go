package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/sandbox"
)

func newTestSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	sb := sandbox.New(sandbox.Options{SigningSecret: "secret"})
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1", Name: "Acme"}))
	must(t, sb.AddTeam(sandbox.Team{ID: "T2", Name: "Acme Labs"}))
	for _, c := range []sandbox.Channel{{ID: "C1", Name: "general"}, {ID: "C2", Name: "backoffice", Type: sandbox.PrivateChannel}, {ID: "D1", Type: sandbox.DirectMessage, User: "UMEMBER"}} {
		must(t, sb.AddChannel("T1", c))
	}
	must(t, sb.AddChannel("T2", sandbox.Channel{ID: "C9", Name: "random"}))
	for _, u := range []sandbox.User{
		{ID: "UADMIN", Name: "ann", RealName: "Ann Admin", IsAdmin: true},
		{ID: "UGUEST", Name: "gus", IsRestricted: true},
		{ID: "UMEMBER", Name: "mia", RealName: "Mia Member"},
		{ID: "UOWNER", Name: "olga", IsOwner: true, IsAdmin: true},
		{ID: "UAPP", Name: "otherbot", IsBot: true},
	} {
		must(t, sb.AddUser("T1", u))
	}
	must(t, sb.AddUser("T2", sandbox.User{ID: "ULAB", Name: "lab"}))
	return sb
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type client struct {
	t   *testing.T
	srv *httptest.Server
}

func newClient(t *testing.T, sb *sandbox.Server) (*client, *Handler) {
	h := New(sb, Options{Labels: map[string]string{"UADMIN": "Channels Admin"}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)
	return &client{t: t, srv: srv}, h
}

func (c *client) state(params url.Values) (int, stateJSON, string) {
	c.t.Helper()
	res, err := http.Get(c.srv.URL + "/ui/state?" + params.Encode())
	must(c.t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var st stateJSON
	if res.StatusCode == http.StatusOK {
		must(c.t, json.Unmarshal(body, &st))
	}
	return res.StatusCode, st, string(body)
}

func (c *client) post(path string, body any) (int, map[string]any) {
	c.t.Helper()
	raw, err := json.Marshal(body)
	must(c.t, err)
	res, err := http.Post(c.srv.URL+path, "application/json", bytes.NewReader(raw))
	must(c.t, err)
	defer res.Body.Close()
	var out map[string]any
	must(c.t, json.NewDecoder(res.Body).Decode(&out))
	return res.StatusCode, out
}

func TestStateDefaultsAndPeople(t *testing.T) {
	c, _ := newClient(t, newTestSandbox(t))
	code, st, body := c.state(nil)
	if code != http.StatusOK {
		t.Fatalf("GET state: %d %s", code, body)
	}
	if st.Team != "T1" || st.As != "UADMIN" || st.Channel != "C1" {
		t.Fatalf("defaults team=%s as=%s channel=%s, want T1 UADMIN C1", st.Team, st.As, st.Channel)
	}
	if len(st.Teams) != 2 {
		t.Errorf("teams %+v, want both workspaces for the switcher", st.Teams)
	}
	kinds := map[string]string{}
	for _, u := range st.Users {
		kinds[u.ID] = u.Kind + "/" + u.KindLabel + "/" + u.Label
	}
	want := map[string]string{
		"UADMIN":  "admin/Admin/Channels Admin",
		"UGUEST":  "restricted/Guest/",
		"UMEMBER": "member/Member/",
		"UOWNER":  "owner/Owner/",
	}
	if len(kinds) != len(want) {
		t.Errorf("users %v, want %v (bots are not people to act as)", kinds, want)
	}
	for id, w := range want {
		if kinds[id] != w {
			t.Errorf("user %s is %q, want %q", id, kinds[id], w)
		}
	}
	var names []string
	for _, ch := range st.Channels {
		names = append(names, ch.ID+":"+ch.Type)
	}
	// UADMIN has no direct message with the bot yet: the page offers one.
	if got := strings.Join(names, " "); got != "C2:group C1:channel DUADMIN:im" {
		t.Errorf("channels %s", got)
	}

	// Another person sees their own direct message, and not someone else's.
	_, st, _ = c.state(url.Values{"as": {"UMEMBER"}, "channel": {"D1"}})
	if st.Channel != "D1" {
		t.Errorf("UMEMBER's direct message: channel %s", st.Channel)
	}
	code, _, body = c.state(url.Values{"as": {"UADMIN"}, "channel": {"D1"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "act as UMEMBER") {
		t.Errorf("UADMIN opening UMEMBER's direct message: %d %s", code, body)
	}

	_, st, _ = c.state(url.Values{"team": {"T2"}})
	if st.As != "ULAB" || st.Channel != "C9" {
		t.Errorf("T2 defaults as=%s channel=%s", st.As, st.Channel)
	}
}

func TestStateRejectsUnknownNames(t *testing.T) {
	c, _ := newClient(t, newTestSandbox(t))
	for _, tc := range []struct {
		params url.Values
		code   int
		msg    string
	}{
		{url.Values{"team": {"T404"}}, 404, "unknown workspace T404"},
		{url.Values{"as": {"UNOBODY"}}, 404, "unknown user UNOBODY in workspace T1"},
		{url.Values{"as": {"UAPP"}}, 400, "UAPP is a bot"},
		{url.Values{"channel": {"C404"}}, 404, "unknown channel C404"},
		{url.Values{"channel": {"C9"}}, 404, "unknown channel C9 in workspace T1"},
		{url.Values{"thread": {"1.000001"}}, 404, "no message 1.000001"},
	} {
		code, _, body := c.state(tc.params)
		if code != tc.code || !strings.Contains(body, tc.msg) {
			t.Errorf("state?%s = %d %s, want %d with %q", tc.params.Encode(), code, body, tc.code, tc.msg)
		}
	}
}

func TestPostMessagesAndThreads(t *testing.T) {
	sb := newTestSandbox(t)
	c, _ := newClient(t, sb)
	code, out := c.post("/ui/message", map[string]any{"team": "T1", "channel": "C1", "as": "UMEMBER", "text": "  *hi* <@UADMIN>  "})
	if code != http.StatusOK {
		t.Fatalf("post: %d %v", code, out)
	}
	ts, _ := out["ts"].(string)
	msgs := sb.Messages("C1")
	if len(msgs) != 1 || msgs[0].TS != ts || msgs[0].User != "UMEMBER" || msgs[0].Text != "*hi* <@UADMIN>" {
		t.Fatalf("sandbox has %+v, want the trimmed message %s by UMEMBER", msgs, ts)
	}
	code, out = c.post("/ui/message", map[string]any{"team": "T1", "channel": "C1", "as": "UOWNER", "text": "a reply", "thread_ts": ts})
	if code != http.StatusOK {
		t.Fatalf("reply: %d %v", code, out)
	}
	_, st, _ := c.state(url.Values{"as": {"UOWNER"}, "thread": {ts}})
	if len(st.Messages) != 1 || st.Messages[0].ReplyCount != 1 {
		t.Fatalf("top level %+v, want one message with one reply", st.Messages)
	}
	m := st.Messages[0]
	if m.UserName != "Mia Member" || m.HTML != `<b>hi</b> <span class="mention" data-user="UADMIN">@Ann Admin</span>` {
		t.Errorf("message drawn as %q by %q", m.HTML, m.UserName)
	}
	if st.Thread != ts || len(st.ThreadMessages) != 2 || st.ThreadMessages[1].Text != "a reply" || st.ThreadMessages[1].ThreadTS != ts {
		t.Errorf("thread %s: %+v", st.Thread, st.ThreadMessages)
	}

	// The first message to the bot opens the direct message.
	code, out = c.post("/ui/message", map[string]any{"team": "T1", "channel": "DUADMIN", "as": "UADMIN", "text": "help"})
	if code != http.StatusOK {
		t.Fatalf("post in a new direct message: %d %v", code, out)
	}
	if msgs := sb.Messages("DUADMIN"); len(msgs) != 1 || msgs[0].Text != "help" {
		t.Errorf("direct message holds %+v", msgs)
	}
}

func TestPostMessageValidation(t *testing.T) {
	sb := newTestSandbox(t)
	c, _ := newClient(t, sb)
	base := func(change map[string]any) map[string]any {
		m := map[string]any{"team": "T1", "channel": "C1", "as": "UMEMBER", "text": "hello"}
		for k, v := range change {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		body map[string]any
		code int
		msg  string
	}{
		{base(map[string]any{"text": "   "}), 400, "text is empty"},
		{base(map[string]any{"as": "UNOBODY"}), 404, "unknown user UNOBODY"},
		{base(map[string]any{"as": ""}), 400, "as is required"},
		{base(map[string]any{"channel": "C404"}), 404, "unknown channel C404"},
		{base(map[string]any{"team": "T404"}), 404, "unknown workspace T404"},
		{base(map[string]any{"thread_ts": "1.000001"}), 404, "no message 1.000001"},
		{base(map[string]any{"text": strings.Repeat("x", maxText+1)}), 400, "more than Slack's"},
		{base(map[string]any{"colour": "red"}), 400, `unknown field "colour"`},
	} {
		code, out := c.post("/ui/message", tc.body)
		if msg, _ := out["error"].(string); code != tc.code || !strings.Contains(msg, tc.msg) {
			t.Errorf("post %.80v = %d %v, want %d with %q", tc.body, code, out, tc.code, tc.msg)
		}
	}
	res, err := http.Post(c.srv.URL+"/ui/message", "text/plain", strings.NewReader(`{"team":"T1","channel":"C1","as":"UMEMBER","text":"x"}`))
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d, want 415", res.StatusCode)
	}
	if n := len(sb.Messages("C1")); n != 0 {
		t.Errorf("%d messages posted by invalid requests", n)
	}
}

func TestReactions(t *testing.T) {
	sb := newTestSandbox(t)
	c, _ := newClient(t, sb)
	ts, err := sb.PostAsUser("T1", "C1", "UMEMBER", "approve?")
	must(t, err)
	react := func(as, emoji string, remove bool) (int, string) {
		code, out := c.post("/ui/reaction", map[string]any{"team": "T1", "channel": "C1", "as": as, "ts": ts, "emoji": emoji, "remove": remove})
		msg, _ := out["error"].(string)
		return code, msg
	}
	if code, msg := react("UADMIN", "white_check_mark", false); code != 200 {
		t.Fatalf("add: %d %s", code, msg)
	}
	if code, msg := react("UOWNER", "white_check_mark", false); code != 200 {
		t.Fatalf("add: %d %s", code, msg)
	}
	if code, msg := react("UADMIN", "white_check_mark", false); code != http.StatusConflict || !strings.Contains(msg, "already reacted") {
		t.Errorf("second add: %d %s", code, msg)
	}
	_, st, _ := c.state(url.Values{"as": {"UADMIN"}})
	r := st.Messages[0].Reactions
	if len(r) != 1 || r[0].Name != "white_check_mark" || r[0].Emoji != "✅" || r[0].Count != 2 || !r[0].Mine ||
		strings.Join(r[0].UserNames, ",") != "Ann Admin,olga" {
		t.Fatalf("reactions seen by UADMIN: %+v", r)
	}
	_, st, _ = c.state(url.Values{"as": {"UMEMBER"}})
	if st.Messages[0].Reactions[0].Mine {
		t.Errorf("UMEMBER sees the reaction as theirs")
	}

	if code, msg := react("UADMIN", "white_check_mark", true); code != 200 {
		t.Fatalf("remove: %d %s", code, msg)
	}
	if got := sb.Reactions("C1", ts); len(got) != 1 || strings.Join(got[0].Users, ",") != "UOWNER" {
		t.Errorf("after removal: %+v", got)
	}
	if code, msg := react("UADMIN", "white_check_mark", true); code != http.StatusConflict || !strings.Contains(msg, "has no :white_check_mark:") {
		t.Errorf("second remove: %d %s", code, msg)
	}
	if code, msg := react("UADMIN", "<b>", false); code != 400 || !strings.Contains(msg, "not an emoji name") {
		t.Errorf("bad emoji: %d %s", code, msg)
	}
	code, out := c.post("/ui/reaction", map[string]any{"team": "T1", "channel": "C1", "as": "UADMIN", "ts": "1.000001", "emoji": "x"})
	if msg, _ := out["error"].(string); code != 404 || !strings.Contains(msg, "no message 1.000001") {
		t.Errorf("unknown message: %d %v", code, out)
	}
}

func TestEventsAnnounceChanges(t *testing.T) {
	sb := newTestSandbox(t)
	c, h := newClient(t, sb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.srv.URL+"/ui/events", nil)
	must(t, err)
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := bufio.NewScanner(res.Body)
	nextEvent := func() string {
		t.Helper()
		for lines.Scan() {
			if name, ok := strings.CutPrefix(lines.Text(), "event: "); ok {
				return name
			}
		}
		return "end: " + errString(lines.Err())
	}
	if ev := nextEvent(); ev != "change" {
		t.Fatalf("first event %q, want change", ev)
	}
	_, err = sb.PostAsUser("T1", "C1", "UMEMBER", "hello")
	must(t, err)
	if ev := nextEvent(); ev != "change" {
		t.Fatalf("event after a post %q, want change", ev)
	}
	h.Close()
	for lines.Scan() {
	}
	if err := lines.Err(); err != nil {
		t.Fatalf("stream did not end cleanly on Close: %v", err)
	}
	res, err = http.Get(c.srv.URL + "/ui/events")
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("event stream after Close: %d, want 503", res.StatusCode)
	}
}

func errString(err error) string {
	if err == nil {
		return "EOF"
	}
	return err.Error()
}

func TestPageAndAssets(t *testing.T) {
	c, _ := newClient(t, newTestSandbox(t))
	for path, want := range map[string]string{
		"/":                 `data-testid="user-picker"`,
		"/static/app.js":    `new EventSource("ui/events")`,
		"/static/style.css": ".sidebar",
	} {
		res, err := http.Get(c.srv.URL + path)
		must(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body lacks %s", path, res.StatusCode, want)
		}
	}
	res, err := http.Get(c.srv.URL + "/nothing")
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %d", res.StatusCode)
	}
}

func TestEphemeralsShowOnlyToTheirPerson(t *testing.T) {
	sb := newTestSandbox(t)
	c, _ := newClient(t, sb)
	ts, err := sb.PostAsUser("T1", "C1", "UMEMBER", "archive #old")
	must(t, err)
	callAPI(t, sb, "T1", "chat.postEphemeral", url.Values{"channel": {"C1"}, "user": {"UMEMBER"}, "text": {"only you may not"}})
	callAPI(t, sb, "T1", "chat.postEphemeral", url.Values{"channel": {"C1"}, "user": {"UMEMBER"}, "thread_ts": {ts}, "text": {"in the thread"}})

	_, st, _ := c.state(url.Values{"as": {"UMEMBER"}, "thread": {ts}})
	if len(st.Messages) != 2 || !st.Messages[1].Ephemeral || st.Messages[1].Text != "only you may not" || st.Messages[1].UserName != "bastion" {
		t.Errorf("UMEMBER's channel: %+v", st.Messages)
	}
	if n := len(st.ThreadMessages); n != 2 || !st.ThreadMessages[1].Ephemeral {
		t.Errorf("UMEMBER's thread: %+v", st.ThreadMessages)
	}
	_, st, _ = c.state(url.Values{"as": {"UADMIN"}, "thread": {ts}})
	if len(st.Messages) != 1 || len(st.ThreadMessages) != 1 {
		t.Errorf("UADMIN sees someone else's ephemeral messages: %+v %+v", st.Messages, st.ThreadMessages)
	}
}

// A link without parameters opens Options.Start, part by part where the
// link leaves it out; parts that do not exist fall back to the defaults.
func TestStartViewFillsWhatALinkLeavesOut(t *testing.T) {
	sb := newTestSandbox(t)
	h := New(sb, Options{Start: View{Team: "T1", As: "UMEMBER", Channel: "C2"}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)
	c := &client{t: t, srv: srv}
	for _, tc := range []struct {
		params url.Values
		want   string
	}{
		{nil, "T1 UMEMBER C2"},
		{url.Values{"as": {"UADMIN"}}, "T1 UADMIN C2"},
		{url.Values{"channel": {"C1"}}, "T1 UMEMBER C1"},
		{url.Values{"team": {"T2"}}, "T2 ULAB C9"},
		{url.Values{"team": {"T1"}}, "T1 UMEMBER C2"},
	} {
		code, st, body := c.state(tc.params)
		if got := st.Team + " " + st.As + " " + st.Channel; code != http.StatusOK || got != tc.want {
			t.Errorf("state %v: %d %q, want %q (%s)", tc.params, code, got, tc.want, body)
		}
	}
	// A start naming what does not exist opens the defaults.
	h2 := New(sb, Options{Start: View{Team: "T1", As: "UNOBODY", Channel: "C404"}})
	srv2 := httptest.NewServer(h2)
	t.Cleanup(srv2.Close)
	t.Cleanup(h2.Close)
	if _, st, _ := (&client{t: t, srv: srv2}).state(nil); st.Team+" "+st.As+" "+st.Channel != "T1 UADMIN C1" {
		t.Errorf("start of unknown names: %s %s %s", st.Team, st.As, st.Channel)
	}
}
