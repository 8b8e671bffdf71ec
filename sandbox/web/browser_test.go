package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/browsertest"
	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/sandbox/web"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/storetest"
)

const secret = "browser-test-secret"

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// startBot runs the real pipeline against sb: the events handler queues
// Slack's deliveries and a worker answers them through the Web API, with
// one command, "echo <words>", besides the built-in help.
func startBot(t *testing.T, sb *sandbox.Server) {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
	q, err := sqlqueue.Open(ctx, db, sqlqueue.Options{VisibilityTimeout: 30 * time.Second, PollInterval: 10 * time.Millisecond, MaxBodySize: slackbot.DefaultMaxEventBody})
	must(t, err)
	t.Cleanup(func() { q.Close() })
	store, err := botsql.Open(ctx, db)
	must(t, err)
	rt := router.New(router.Options{})
	must(t, rt.Register(bot.Command{Pattern: "echo <words:text>", Description: "Say the words back.",
		Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Reply(ctx, "echo: "+req.Args.String("words"))
		}}))
	events, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: q})
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("POST /slack/events", events)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	sb.SetEventsURL(srv.URL + "/slack/events")

	token, err := sb.InstallApp("T1", "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	must(t, err)
	w, err := slackbot.NewWorker(slackbot.WorkerOptions{
		Queue: q, Router: rt, Claims: store, Audit: store,
		Chat:      slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: sb.APIURL()}),
		BotUserID: sb.BotUserID(), Name: "browser-test", Lease: time.Minute,
	})
	must(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
}

func newSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	sb := sandbox.New(sandbox.Options{SigningSecret: secret})
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1", Name: "Acme"}))
	must(t, sb.AddTeam(sandbox.Team{ID: "T2", Name: "Acme Labs"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C1", Name: "general"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C2", Name: "backoffice", Type: sandbox.PrivateChannel}))
	must(t, sb.AddChannel("T2", sandbox.Channel{ID: "C9", Name: "lab"}))
	must(t, sb.AddUser("T1", sandbox.User{ID: "UMEMBER", Name: "mia", RealName: "Mia Member"}))
	must(t, sb.AddUser("T1", sandbox.User{ID: "UADMIN", Name: "ann", RealName: "Ann Admin", IsAdmin: true}))
	must(t, sb.AddUser("T1", sandbox.User{ID: "UGUEST", Name: "gus", RealName: "Gus Guest", IsRestricted: true}))
	must(t, sb.AddUser("T2", sandbox.User{ID: "ULAB", Name: "lab"}))
	return sb
}

// sel builds a CSS selector from data-testid and attribute pairs.
func sel(testid string, attrs ...string) string {
	s := fmt.Sprintf(`[data-testid=%q]`, testid)
	for i := 0; i+1 < len(attrs); i += 2 {
		s += fmt.Sprintf(`[%s=%q]`, attrs[i], attrs[i+1])
	}
	return s
}

func TestPageDrivesTheBot(t *testing.T) {
	sb := newSandbox(t)
	startBot(t, sb)
	h := web.New(sb, web.Options{Labels: map[string]string{"UADMIN": "Channels Admin"}})
	page := httptest.NewServer(h)
	t.Cleanup(page.Close)
	t.Cleanup(h.Close) // runs before page.Close: ends the event streams
	b := browsertest.New(t)

	// Mia opens her view of #general from a link.
	mia := b.NewPerson("mia")
	mia.Navigate(page.URL + "/?team=T1&as=UMEMBER&channel=C1")
	mia.WaitVisible(`body[data-state="ready"]`)
	mia.WaitVisible(sel("live", "data-state", "open"))
	mia.WaitText(sel("current-user"), "Mia Member")
	mia.WaitText(sel("current-user-kind"), "Member")
	mia.WaitVisible(sel("team-picker")) // two workspaces
	mia.WaitVisible(sel("channel", "data-channel", "C1", "aria-current", "page"))

	// She asks for help; the bot's reply appears in the thread live.
	mia.Type(sel("composer-input"), "<@UBOT> help")
	mia.Click(sel("composer-send"))
	mine := `[data-testid="messages"] [data-testid="message"][data-user="UMEMBER"]`
	mia.WaitText(mine, "@bastion help")
	var helpTS string
	mia.Eval(fmt.Sprintf(`document.querySelector(%q).dataset.ts`, mine), &helpTS)
	mia.WaitVisible(sel("thread-open", "data-ts", helpTS, "data-replies", "1"))
	// The worker marks the message it takes with 👀, as the bot user.
	mia.WaitText(fmt.Sprintf(`[data-testid="messages"] %s`, sel("reaction", "data-ts", helpTS, "data-emoji", "eyes")), "bastion")

	mia.Click(sel("thread-open", "data-ts", helpTS))
	mia.WaitVisible(sel("thread-panel", "data-ts", helpTS))
	botReply := `[data-testid="thread-messages"] [data-testid="message"][data-bot="true"]`
	help := mia.WaitText(botReply, "echo <words:text>")
	if strings.Contains(help, "<code>") {
		t.Errorf("help reply shows raw markup: %q", help)
	}
	if !strings.Contains(mia.Location(), "thread="+helpTS) {
		t.Errorf("URL %s does not name the open thread", mia.Location())
	}
	mia.Screenshot("01-help-in-thread")

	// In the thread, she runs the echo command; the answer joins the thread.
	mia.Type(sel("thread-input"), "<@UBOT> echo hello from the page")
	mia.Press(sel("thread-input"))
	mia.WaitText(botReply, "echo: hello from the page")
	mia.WaitVisible(sel("thread-open", "data-ts", helpTS, "data-replies", "3"))

	// She reacts with ✅ through the picker, sees it, and toggles it off.
	mainMsg := fmt.Sprintf(`[data-testid="messages"] [data-testid="message"][data-ts=%q]`, helpTS)
	mia.Click(mainMsg + " " + sel("reaction-add"))
	mia.Click(mainMsg + " " + sel("reaction-pick", "data-emoji", "white_check_mark"))
	check := mainMsg + " " + sel("reaction", "data-emoji", "white_check_mark")
	mia.WaitVisible(check + `[aria-pressed="true"][data-count="1"]`)
	mia.WaitText(check, "✅")
	waitSandbox(t, sb, func() bool { return reacted(sb, "C1", helpTS, "white_check_mark", "UMEMBER") })
	mia.Screenshot("02-reacted")
	mia.Click(check)
	mia.WaitGone(check)
	waitSandbox(t, sb, func() bool { return !reacted(sb, "C1", helpTS, "white_check_mark", "UMEMBER") })

	// Ann, a second person in her own browser context, opens her view by
	// link; Mia posts, Ann sees it live and approves with ✅, Mia sees who.
	ann := b.NewPerson("ann")
	ann.Navigate(page.URL + "/?team=T1&as=UADMIN&channel=C1")
	ann.WaitVisible(sel("live", "data-state", "open"))
	ann.WaitText(sel("current-user-label"), "Channels Admin")
	mia.Type(sel("composer-input"), "please approve *the refund*")
	mia.Click(sel("composer-send"))
	refund := `[data-testid="messages"] [data-testid="message"][data-user="UMEMBER"]:last-of-type`
	ann.WaitText(refund+` [data-testid="message-body"] b`, "the refund")
	var refundTS string
	ann.Eval(fmt.Sprintf(`document.querySelector(%q).dataset.ts`, refund), &refundTS)
	annMsg := fmt.Sprintf(`[data-testid="messages"] [data-testid="message"][data-ts=%q]`, refundTS)
	ann.Click(annMsg + " " + sel("reaction-add"))
	ann.Click(annMsg + " " + sel("reaction-pick", "data-emoji", "white_check_mark"))
	ann.WaitVisible(annMsg + " " + sel("reaction", "data-emoji", "white_check_mark") + `[aria-pressed="true"]`)
	miaSees := mia.WaitText(annMsg+" "+sel("reaction", "data-emoji", "white_check_mark")+`[aria-pressed="false"]`, "Ann Admin")
	if !strings.Contains(miaSees, "1") {
		t.Errorf("Mia sees the approval as %q, want a count of 1", miaSees)
	}
	ann.Screenshot("03-ann-approved")
	mia.Screenshot("04-mia-sees-approval")

	// Mia switches to Gus with the picker: the URL follows, and the ✅ is
	// not Gus's.
	mia.SetValue(sel("user-picker"), "UGUEST")
	mia.WaitVisible(`body[data-as="UGUEST"]`)
	mia.WaitText(sel("current-user-kind"), "Guest")
	if loc := mia.Location(); !strings.Contains(loc, "as=UGUEST") || !strings.Contains(loc, "channel=C1") {
		t.Errorf("URL after switching person: %s", loc)
	}
	mia.WaitVisible(annMsg + " " + sel("reaction", "data-emoji", "white_check_mark") + `[aria-pressed="false"]`)
	mia.Screenshot("05-switched-to-guest")

	// Gus writes to the bot in his own direct message, created on the fly.
	mia.Click(sel("channel", "data-channel", "DUGUEST"))
	mia.WaitVisible(`body[data-channel="DUGUEST"]`)
	mia.Type(sel("composer-input"), "echo just us")
	mia.Press(sel("composer-input"))
	mia.Click(`[data-testid="messages"] [data-testid="message"][data-user="UGUEST"] [data-testid="thread-open"][data-replies="1"]`)
	mia.WaitText(botReply, "echo: just us")
	mia.Screenshot("06-direct-message")

	if errs := slices.Concat(mia.ConsoleErrors(), ann.ConsoleErrors()); len(errs) > 0 {
		t.Errorf("page console errors: %q", errs)
	}
}

func TestPageReportsBadLinksAndInput(t *testing.T) {
	sb := newSandbox(t)
	h := web.New(sb, web.Options{})
	page := httptest.NewServer(h)
	t.Cleanup(page.Close)
	t.Cleanup(h.Close)
	b := browsertest.New(t)
	p := b.NewPerson("visitor")

	p.Navigate(page.URL + "/?team=T1&as=UNOBODY")
	p.WaitText(sel("error"), "unknown user UNOBODY in workspace T1")
	p.Click(sel("error-reset"))
	p.WaitVisible(`body[data-state="ready"][data-as="UADMIN"]`)
	p.WaitGone(`[data-testid="error"]:not([hidden])`)

	// Empty text is refused with the server's words, and nothing is posted.
	p.Type(sel("composer-input"), "   ")
	p.Click(sel("composer-send"))
	p.WaitText(sel("error"), "text is empty")
	if n := len(sb.Messages("C1")); n != 0 {
		t.Errorf("%d messages posted", n)
	}

	// The workspace switcher resets the person and channel.
	p.SetValue(sel("team-picker"), "T2")
	p.WaitVisible(`body[data-team="T2"][data-as="ULAB"][data-channel="C9"]`)
	p.WaitText(sel("team-name"), "Acme Labs")
	p.WaitGone(`[data-testid="error"]:not([hidden])`) // moving on clears the old error
	p.Screenshot("switched-workspace")
}

func waitSandbox(t *testing.T, sb *sandbox.Server, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sb.WaitFor(ctx, cond); err != nil {
		t.Fatalf("sandbox never reached the expected state: %v", err)
	}
}

func reacted(sb *sandbox.Server, channel, ts, emoji, user string) bool {
	for _, r := range sb.Reactions(channel, ts) {
		if r.Name == emoji && slices.Contains(r.Users, user) {
			return true
		}
	}
	return false
}

func TestPageClicksButtons(t *testing.T) {
	sb := newSandbox(t)
	token, err := sb.InstallApp("T1", "chat:write")
	must(t, err)
	postMessage := func(params url.Values) (string, error) {
		params.Set("token", token)
		res, err := http.PostForm(sb.APIURL()+"chat.postMessage", params)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		var out struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
			TS    string `json:"ts"`
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			return "", err
		}
		if !out.OK {
			return "", fmt.Errorf("chat.postMessage: %s", out.Error)
		}
		return out.TS, nil
	}
	// The app answers a click by replying in the message's thread.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			Container struct {
				MessageTS string `json:"message_ts"`
			} `json:"container"`
			Actions []struct {
				ActionID string `json:"action_id"`
			} `json:"actions"`
		}
		if err := json.Unmarshal([]byte(r.FormValue("payload")), &p); err != nil || len(p.Actions) != 1 {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		text := fmt.Sprintf("%s by <@%s>", p.Actions[0].ActionID, p.User.ID)
		if _, err := postMessage(url.Values{"channel": {"C1"}, "thread_ts": {p.Container.MessageTS}, "text": {text}}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(app.Close)
	sb.SetInteractionsURL(app.URL)
	ts, err := postMessage(url.Values{"channel": {"C1"}, "text": {"Refund acme?"}, "blocks": {`[
		{"type":"section","text":{"type":"mrkdwn","text":"*Refund* acme for <@UMEMBER>?"}},
		{"type":"context","elements":[{"type":"mrkdwn","text":"needs one approval"}]},
		{"type":"actions","block_id":"vote","elements":[
			{"type":"button","action_id":"approve","style":"primary","text":{"type":"plain_text","text":"Approve"}},
			{"type":"button","action_id":"deny","style":"danger","text":{"type":"plain_text","text":"Deny"}}]}]`}})
	must(t, err)

	h := web.New(sb, web.Options{Labels: map[string]string{"UADMIN": "Channels Admin"}})
	page := httptest.NewServer(h)
	t.Cleanup(page.Close)
	t.Cleanup(h.Close)
	b := browsertest.New(t)
	ann := b.NewPerson("ann")
	ann.Navigate(page.URL + "/?team=T1&as=UADMIN&channel=C1")
	ann.WaitVisible(sel("live", "data-state", "open"))
	msg := fmt.Sprintf(`[data-testid="messages"] [data-testid="message"][data-ts=%q]`, ts)
	ann.WaitText(msg+" "+sel("message-body")+" b", "Refund")
	ann.WaitText(msg+" "+sel("message-body"), "@Mia Member")
	ann.WaitText(msg+" .block-context", "needs one approval")
	ann.Click(msg + " " + sel("block-button", "data-action-id", "approve"))
	ann.WaitVisible(sel("thread-open", "data-ts", ts, "data-replies", "1"))
	ann.Click(sel("thread-open", "data-ts", ts))
	ann.WaitText(`[data-testid="thread-messages"] [data-testid="message"][data-bot="true"]`, "approve by @Ann Admin")
	ann.Screenshot("approved-by-button")
}
