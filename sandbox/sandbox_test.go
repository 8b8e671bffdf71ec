package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/sandbox"
)

const secret = "test-signing-secret"

// world builds a sandbox with one team, a public, a private and a DM
// channel, two users and the app installed with scopes.
func world(t *testing.T, opts sandbox.Options, scopes ...string) (*sandbox.Server, *slack.Client) {
	t.Helper()
	if opts.SigningSecret == "" {
		opts.SigningSecret = secret
	}
	sb := sandbox.New(opts)
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1", Domain: "acme", EnterpriseID: "E1"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C1", Name: "backoffice"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "G1", Name: "secret", Type: sandbox.PrivateChannel}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "D1", Type: sandbox.DirectMessage, User: "U1"}))
	must(t, sb.AddUser("T1", sandbox.User{ID: "U1", Name: "ann", IsAdmin: true}))
	must(t, sb.AddUser("T1", sandbox.User{ID: "U2", Name: "bob", IsRestricted: true}))
	token, err := sb.InstallApp("T1", scopes...)
	must(t, err)
	return sb, slack.New(token, slack.OptionAPIURL(sb.APIURL()))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var allScopes = []string{"chat:write", "reactions:read", "reactions:write", "channels:read", "groups:read", "im:read", "users:read"}

func TestPostMessageThenReactionsGet(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, allScopes...)
	ctx := context.Background()
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("deploy?", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*deploy?*", false, false), nil, nil)))
	must(t, err)
	_, replyTS, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("in thread", false), slack.MsgOptionTS(ts))
	must(t, err)
	must(t, api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", ts)))
	if err := api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", ts)); err == nil || err.Error() != "already_reacted" {
		t.Fatalf("second add: %v, want already_reacted", err)
	}
	must(t, sb.React("T1", "U1", "C1", ts, "white_check_mark"))
	must(t, sb.React("T1", "U2", "C1", ts, "white_check_mark"))

	full, err := api.GetReactionsContext(ctx, slack.NewRefToMessage("C1", ts), slack.GetReactionsParameters{Full: true})
	must(t, err)
	if len(full.Reactions) != 2 || full.Reactions[1].Name != "white_check_mark" || !slices.Equal(full.Reactions[1].Users, []string{"U1", "U2"}) || full.Reactions[1].Count != 2 {
		t.Fatalf("full reactions = %+v", full.Reactions)
	}
	if full.Message == nil || full.Message.Text != "deploy?" || len(full.Message.Blocks.BlockSet) != 1 {
		t.Fatalf("reacted message = %+v", full.Message)
	}
	short, err := api.GetReactionsContext(ctx, slack.NewRefToMessage("C1", ts), slack.GetReactionsParameters{})
	must(t, err)
	if len(short.Reactions[1].Users) != 1 || short.Reactions[1].Count != 2 {
		t.Fatalf("reactions without full = %+v, want users cut, count kept", short.Reactions)
	}
	thread := sb.Thread("C1", ts)
	if len(thread) != 2 || thread[1].TS != replyTS || thread[1].ThreadTS != ts || thread[1].BotID != "BBOT" {
		t.Fatalf("thread = %+v", thread)
	}
	must(t, api.RemoveReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", ts)))
	if err := api.RemoveReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", ts)); err == nil || err.Error() != "no_reaction" {
		t.Fatalf("second remove: %v, want no_reaction", err)
	}
	if rs := sb.Reactions("C1", ts); len(rs) != 1 || rs[0].Name != "white_check_mark" {
		t.Fatalf("reactions after remove = %+v", rs)
	}
}

func TestUpdateEphemeralAndLookups(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, allScopes...)
	ctx := context.Background()
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("running", false))
	must(t, err)
	_, _, _, err = api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("done", false))
	must(t, err)
	if m := sb.Messages("C1"); len(m) != 1 || m[0].Text != "done" || m[0].EditedTS == "" {
		t.Fatalf("after update = %+v", m)
	}
	userTS, err := sb.PostAsUser("T1", "C1", "U1", "hi")
	must(t, err)
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", userTS, slack.MsgOptionText("x", false)); err == nil || err.Error() != "cant_update_message" {
		t.Fatalf("update of a user's message: %v", err)
	}
	_, err = api.PostEphemeralContext(ctx, "C1", "U2", slack.MsgOptionText("only you", false))
	must(t, err)
	if e := sb.Ephemerals("C1"); len(e) != 1 || e[0].EphemeralTo != "U2" {
		t.Fatalf("ephemerals = %+v", e)
	}
	ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "G1"})
	must(t, err)
	if !ch.IsPrivate || ch.Name != "secret" {
		t.Fatalf("conversation = %+v", ch)
	}
	u, err := api.GetUserInfoContext(ctx, "U2")
	must(t, err)
	if !u.IsRestricted || u.IsAdmin || u.Name != "bob" || u.TeamID != "T1" {
		t.Fatalf("user = %+v", u)
	}
	if _, err := api.GetUserInfoContext(ctx, "U9"); err == nil || err.Error() != "user_not_found" {
		t.Fatalf("unknown user: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Fatalf("unknown channel: %v", err)
	}
	// A user id as channel opens the direct message with that user.
	ch2, _, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("psst", false))
	must(t, err)
	if ch2 != "D1" {
		t.Fatalf("dm channel = %s, want D1", ch2)
	}
}

func TestMissingScopeAndGrantedScopesHeader(t *testing.T) {
	var headers http.Header
	sb := sandbox.New(sandbox.Options{})
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C1", Name: "general"}))
	token, err := sb.InstallApp("T1", "chat:write", "commands")
	must(t, err)
	api := slack.New(token, slack.OptionAPIURL(sb.APIURL()), slack.OptionOnResponseHeaders(func(_ string, h http.Header) { headers = h }))
	ctx := context.Background()
	auth, err := api.AuthTestContext(ctx)
	must(t, err)
	if auth.TeamID != "T1" || auth.UserID != "UBOT" || auth.BotID != "BBOT" {
		t.Fatalf("auth.test = %+v", auth)
	}
	if got := headers.Get("X-OAuth-Scopes"); got != "chat:write,commands" {
		t.Fatalf("x-oauth-scopes = %q", got)
	}
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	must(t, err)
	err = api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", ts))
	var slackErr slack.SlackErrorResponse
	if !errors.As(err, &slackErr) || slackErr.Err != "missing_scope" || slackErr.Needed != "reactions:write" || slackErr.Provided != "chat:write,commands" {
		t.Fatalf("reactions.add without scope: %#v", err)
	}
	if got := headers.Get("X-Accepted-OAuth-Scopes"); got != "reactions:write" {
		t.Fatalf("x-accepted-oauth-scopes = %q", got)
	}
	sb.SetScopes("T1", "chat:write", "reactions:write")
	must(t, api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("C1", ts)))
}

func TestBadTokens(t *testing.T) {
	sb, _ := world(t, sandbox.Options{}, allScopes...)
	ctx := context.Background()
	if _, err := slack.New("xoxb-nope", slack.OptionAPIURL(sb.APIURL())).AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := slack.New("", slack.OptionAPIURL(sb.APIURL())).AuthTestContext(ctx); err == nil || err.Error() != "not_authed" {
		t.Fatalf("no token: %v", err)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, allScopes...)
	ctx := context.Background()
	sb.RateLimit("chat.postMessage", 2, 1500*time.Millisecond)
	for i := 0; i < 2; i++ {
		_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
			t.Fatalf("call %d: %v, want rate limited for 2s", i, err)
		}
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); err != nil {
		t.Fatalf("third call: %v", err)
	}
	if n := len(sb.Messages("C1")); n != 1 {
		t.Fatalf("stored %d messages, want 1", n)
	}
}

func TestJSONBodyAndBearerToken(t *testing.T) {
	sb, _ := world(t, sandbox.Options{}, allScopes...)
	token, err := sb.InstallApp("T1", "chat:write")
	must(t, err)
	req, _ := http.NewRequest(http.MethodPost, sb.APIURL()+"chat.postMessage",
		strings.NewReader(`{"channel":"C1","text":"hello","blocks":[{"type":"divider"}]}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var out struct {
		OK bool   `json:"ok"`
		TS string `json:"ts"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&out))
	m := sb.Messages("C1")
	if !out.OK || len(m) != 1 || m[0].TS != out.TS || string(m[0].Blocks) != `[{"type":"divider"}]` {
		t.Fatalf("answer %+v, stored %+v", out, m)
	}
}

func TestOAuthV2Access(t *testing.T) {
	sb := sandbox.New(sandbox.Options{ClientID: "cid", ClientSecret: "csecret", TokenRotation: true})
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T7", Name: "Seven", EnterpriseID: "E7"}))
	code, err := sb.AuthorizeCode("T7", "U7", []string{"chat:write", "commands"}, "https://x/cb")
	must(t, err)
	ctx := context.Background()
	if _, err := slack.GetOAuthV2ResponseContext(ctx, http.DefaultClient, "cid", "wrong", code, "https://x/cb", slack.OAuthOptionAPIURL(sb.APIURL())); err == nil {
		t.Fatal("wrong secret accepted")
	}
	resp, err := slack.GetOAuthV2ResponseContext(ctx, http.DefaultClient, "cid", "csecret", code, "https://x/cb", slack.OAuthOptionAPIURL(sb.APIURL()))
	must(t, err)
	if resp.Team.ID != "T7" || resp.Enterprise.ID != "E7" || resp.BotUserID != "UBOT" || resp.AuthedUser.ID != "U7" ||
		resp.Scope != "chat:write,commands" || resp.RefreshToken == "" || resp.ExpiresIn != 43200 || !strings.HasPrefix(resp.AccessToken, "xoxb-") {
		t.Fatalf("oauth response = %+v", resp)
	}
	if _, err := slack.GetOAuthV2ResponseContext(ctx, http.DefaultClient, "cid", "csecret", code, "https://x/cb", slack.OAuthOptionAPIURL(sb.APIURL())); err == nil || err.Error() != "invalid_code" {
		t.Fatalf("code reuse: %v", err)
	}
	if _, err := slack.New(resp.AccessToken, slack.OptionAPIURL(sb.APIURL())).AuthTestContext(ctx); err != nil {
		t.Fatalf("new token: %v", err)
	}
}

// receiver is an events endpoint that hands each request to the test.
type receiver struct {
	got    chan delivered
	answer func(w http.ResponseWriter, r *http.Request, n int)
	n      atomic.Int64
}

type delivered struct {
	r    *http.Request
	body []byte
}

func newReceiver(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) (*receiver, string) {
	rc := &receiver{got: make(chan delivered, 100), answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(rc.n.Add(1))
		rc.got <- delivered{r, body}
		if rc.answer != nil {
			rc.answer(w, r, n)
		}
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

type envelope struct {
	Type           string `json:"type"`
	TeamID         string `json:"team_id"`
	EnterpriseID   string `json:"enterprise_id"`
	APIAppID       string `json:"api_app_id"`
	EventID        string `json:"event_id"`
	EventTime      int64  `json:"event_time"`
	Authorizations []struct {
		UserID string `json:"user_id"`
	} `json:"authorizations"`
	Event     map[string]any `json:"event"`
	Challenge string         `json:"challenge"`
}

func (rc *receiver) next(t *testing.T) (*http.Request, []byte, envelope) {
	t.Helper()
	select {
	case d := <-rc.got:
		var env envelope
		must(t, json.Unmarshal(d.body, &env))
		return d.r, d.body, env
	case <-time.After(10 * time.Second):
		t.Fatal("no event delivered")
	}
	return nil, nil, envelope{}
}

func TestEventsAreSignedAndShapedLikeSlack(t *testing.T) {
	rc, u := newReceiver(t, nil)
	sb, api := world(t, sandbox.Options{EventsURL: u}, allScopes...)
	ts, err := sb.PostAsUser("T1", "C1", "U1", "hey <@UBOT> help")
	must(t, err)
	seen := map[string]envelope{}
	for i := 0; i < 2; i++ {
		r, body, env := rc.next(t)
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		must(t, err)
		sv.Write(body)
		must(t, sv.Ensure())
		if env.Type != "event_callback" || env.TeamID != "T1" || env.EnterpriseID != "E1" || env.APIAppID != "ASANDBOX" ||
			env.EventID == "" || env.EventTime == 0 || len(env.Authorizations) != 1 || env.Authorizations[0].UserID != "UBOT" {
			t.Fatalf("envelope = %+v", env)
		}
		if r.Header.Get("X-Slack-Retry-Num") != "" {
			t.Fatal("first delivery carries retry headers")
		}
		seen[env.Event["type"].(string)] = env
	}
	msg, mention := seen["message"].Event, seen["app_mention"].Event
	if msg["channel_type"] != "channel" || msg["ts"] != ts || msg["user"] != "U1" || msg["text"] != "hey <@UBOT> help" {
		t.Fatalf("message event = %v", msg)
	}
	if mention == nil || mention["ts"] != ts || mention["channel"] != "C1" {
		t.Fatalf("app_mention event = %v", mention)
	}
	if seen["message"].EventID == seen["app_mention"].EventID {
		t.Fatal("two events share an event id")
	}

	_, err = sb.PostAsUser("T1", "G1", "U2", "private")
	must(t, err)
	if _, _, env := rc.next(t); env.Event["channel_type"] != "group" {
		t.Fatalf("private channel event = %v", env.Event)
	}
	_, err = sb.PostAsUser("T1", "D1", "U1", "dm")
	must(t, err)
	if _, _, env := rc.next(t); env.Event["channel_type"] != "im" {
		t.Fatalf("dm event = %v", env.Event)
	}

	must(t, sb.React("T1", "U2", "C1", ts, "+1"))
	_, _, env := rc.next(t)
	item, _ := env.Event["item"].(map[string]any)
	if env.Event["type"] != "reaction_added" || env.Event["user"] != "U2" || env.Event["reaction"] != "+1" ||
		env.Event["item_user"] != "U1" || item["channel"] != "C1" || item["ts"] != ts || item["type"] != "message" {
		t.Fatalf("reaction_added = %v", env.Event)
	}
	must(t, sb.Unreact("T1", "U2", "C1", ts, "+1"))
	if _, _, env := rc.next(t); env.Event["type"] != "reaction_removed" {
		t.Fatalf("unreact event = %v", env.Event)
	}

	_, _, err = api.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("bot says", false))
	must(t, err)
	if _, _, env := rc.next(t); env.Event["bot_id"] != "BBOT" || env.Event["user"] != "UBOT" {
		t.Fatalf("bot echo = %v", env.Event)
	}

	must(t, sb.UninstallApp("T1"))
	types := map[any]bool{}
	for i := 0; i < 2; i++ {
		_, _, env := rc.next(t)
		types[env.Event["type"]] = true
	}
	if !types["tokens_revoked"] || !types["app_uninstalled"] {
		t.Fatalf("uninstall events = %v", types)
	}
	if _, err := api.AuthTestContext(context.Background()); err == nil || err.Error() != "token_revoked" {
		t.Fatalf("revoked token: %v", err)
	}
}

func TestSignatureMatchesSlackExample(t *testing.T) {
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	got := sandbox.Sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, []byte(body))
	if got != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Fatalf("signature = %s", got)
	}
}

func TestSlowReceiverGetsRetries(t *testing.T) {
	release := make(chan struct{})
	rc, u := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			select { // hold the first delivery past the ack timeout
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		if n == 2 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	defer close(release)
	sb, _ := world(t, sandbox.Options{EventsURL: u, AckTimeout: 200 * time.Millisecond}, allScopes...)
	_, err := sb.PostAsUser("T1", "C1", "U1", "hello")
	must(t, err)
	var ids []string
	for i := 0; i < 3; i++ {
		r, _, env := rc.next(t)
		ids = append(ids, env.EventID)
		wantNum, wantReason := []string{"", "1", "2"}[i], []string{"", "http_timeout", "http_error"}[i]
		if r.Header.Get("X-Slack-Retry-Num") != wantNum || r.Header.Get("X-Slack-Retry-Reason") != wantReason {
			t.Fatalf("attempt %d: retry headers %q %q", i, r.Header.Get("X-Slack-Retry-Num"), r.Header.Get("X-Slack-Retry-Reason"))
		}
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("retries changed the event id: %v", ids)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, sb.WaitFor(ctx, func() bool { return len(sb.Deliveries()) == 3 }))
	d := sb.Deliveries()
	if d[0].Reason != "http_timeout" || d[1].Reason != "http_error" || d[2].Reason != "" || d[2].Status != 200 {
		t.Fatalf("deliveries = %+v", d)
	}
}

func TestNoRetryHeaderStopsRetries(t *testing.T) {
	rc, u := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("X-Slack-No-Retry", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	sb, _ := world(t, sandbox.Options{EventsURL: u}, allScopes...)
	_, err := sb.PostAsUser("T1", "C1", "U1", "hello")
	must(t, err)
	rc.next(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, sb.WaitFor(ctx, func() bool { return len(sb.Deliveries()) == 1 }))
	sb.Close() // waits for any pending retry
	if n := len(sb.Deliveries()); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
}

func TestURLVerification(t *testing.T) {
	_, silent := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	sb, _ := world(t, sandbox.Options{EventsURL: silent})
	if err := sb.VerifyURL(context.Background()); err == nil {
		t.Fatal("a receiver that does not echo passed verification")
	}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		sv.Write(body)
		if sv.Ensure() != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var env envelope
		json.Unmarshal(body, &env)
		if env.Type != "url_verification" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		io.WriteString(w, env.Challenge)
	}))
	defer echo.Close()
	sb.SetEventsURL(echo.URL)
	must(t, sb.VerifyURL(context.Background()))
}

func TestWaitForWakesOnBotReply(t *testing.T) {
	sb, api := world(t, sandbox.Options{}, allScopes...)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- sb.WaitFor(ctx, func() bool {
			m := sb.Messages("C1")
			return len(m) == 1 && m[0].BotID != ""
		})
	}()
	_, _, err := api.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("reply", false))
	must(t, err)
	must(t, <-done)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sb.WaitFor(ctx, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}
