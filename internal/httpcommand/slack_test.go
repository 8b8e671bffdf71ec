package httpcommand_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/httpcommandsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

const slackSecret = "httpcommand-test-signing-secret"

// A file command runs through the whole bot as Slack drives it (signed
// events in, Web API calls out): help lists it, the permission service
// authorizes it, its dry run is posted for approval, it runs once when
// approved, with the approvers, and a redelivered message sends nothing
// more.
func TestThroughSlackWithApprovals(t *testing.T) {
	ctx := context.Background()
	h := startHandler(t, testSecret)
	db := storetest.SQLite(t)
	st, err := authzsql.Open(ctx, db)
	must(t, err)
	cat, err := rolesfile.LoadBuiltin()
	must(t, err)
	engine, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	must(t, err)
	must(t, demo.Load(ctx, engine))

	sb := sandbox.New(sandbox.Options{SigningSecret: slackSecret, Logger: slog.New(slog.DiscardHandler)})
	must(t, sb.AddTeam(sandbox.Team{ID: demo.TeamMain, EnterpriseID: demo.Enterprise}))
	must(t, sb.AddChannel(demo.TeamMain, sandbox.Channel{ID: demo.ChannelBackoffice, Name: "backoffice"}))
	for _, u := range []string{"UOPS", "UADMIN", "UADMIN2", "UMEMBER"} {
		must(t, sb.AddUser(demo.TeamMain, sandbox.User{ID: u}))
	}
	token, err := sb.InstallApp(demo.TeamMain, "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	must(t, err)
	sb.Start()
	t.Cleanup(sb.Close)

	env := httpcommand.Environment{Catalog: cat, Getenv: func(k string) string { return map[string]string{"TEST_SECRET": testSecret}[k] }}
	f, err := httpcommand.Parse("commands.yaml", []byte(strings.ReplaceAll(`commands:
  - pattern: refund <invoice> <amount:int> cents
    description: Refund part of an invoice.
    group: Billing
    channels: [`+demo.ChannelBackoffice+`]
    permission: SET_PLAN
    risk: destructive
    endpoint: {url}/refund
    secret_env: TEST_SECRET
`, "{url}", h.URL)), env)
	must(t, err)
	ledger, err := httpcommandsql.Open(ctx, db)
	must(t, err)
	cmds, err := f.Commands(httpcommand.Options{Ledger: ledger})
	must(t, err)
	store, err := botsql.Open(ctx, db)
	must(t, err)
	r := router.New(router.Options{Authorizer: botauthz.New(engine)})
	chat := slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: sb.APIURL()})
	approvals, err := approval.New(approval.Options{Store: store, Router: r, Chat: chat, Audit: store, BotUserID: sb.BotUserID()})
	must(t, err)
	r.SetApprovalGate(approvals)
	rt, err := runner.New(ctx, runner.Options{DB: db, BotToken: token, APIURL: sb.APIURL(), SigningSecret: slackSecret,
		Router: r, Commands: append(cmds, approvals.Commands()...), Claims: store, Audit: store,
		Reactions: approvals, Actions: approvals, Workers: 2})
	must(t, err)
	t.Cleanup(func() { rt.Close() })
	srv := httptest.NewServer(rt.Handler())
	t.Cleanup(srv.Close)
	sb.SetEventsURL(srv.URL + "/slack/events")
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rt.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })

	say := func(user, text string) string {
		t.Helper()
		ts, err := sb.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, user, "<@"+sb.BotUserID()+"> "+text)
		must(t, err)
		return ts
	}
	help := waitBotReply(t, sb, say("UOPS", "help"), "Billing")
	wantContains(t, "help", help, "`refund <invoice> <amount:int> cents`", "Refund part of an invoice.")
	wantContains(t, "a member's refund", waitBotReply(t, sb, say("UMEMBER", "refund inv_1 500 cents"), "Denied"), "Denied: you need SET_PLAN")

	ts := say("UOPS", "refund inv_1 500 cents")
	id := httpcommand.RequestID(demo.TeamMain, demo.ChannelBackoffice, ts)
	post := waitBotMessage(t, sb, ts, "Approval needed")
	wantContains(t, "the request for approval", post.Text, "Would refund 500 cents of invoice inv_1.", "(request "+id[:12]+")")
	for _, u := range []string{"UOPS", "UADMIN", "UADMIN2"} {
		must(t, sb.React(demo.TeamMain, u, demo.ChannelBackoffice, post.TS, "white_check_mark"))
	}
	waitBotReply(t, sb, ts, "Refunded 500 cents of invoice inv_1")
	runs := 0
	for _, r := range h.received(t) {
		if r.Accepted && r.RequestID == id && r.Phase == "run" {
			runs++
			if len(r.Approvers) != 3 || r.Approvers[0] != "UOPS" || !slices.Contains(r.Approvers, "UADMIN") || !slices.Contains(r.Approvers, "UADMIN2") {
				t.Errorf("run approvers = %v, want the caller first, then both approvers", r.Approvers)
			}
		}
	}
	if runs != 1 || h.count(t, "dry_run", id) != 1 {
		t.Fatalf("the handler got %d runs and %d dry runs of the request: %+v", runs, h.count(t, "dry_run", id), h.received(t))
	}

	// Slack delivers the same message again under another event id, and
	// a late approval arrives: nothing more is sent.
	must(t, sb.Emit(demo.TeamMain, map[string]any{"type": "app_mention", "user": "UOPS", "channel": demo.ChannelBackoffice,
		"text": "<@" + sb.BotUserID() + "> refund inv_1 500 cents", "ts": ts, "event_ts": ts}))
	must(t, sb.Unreact(demo.TeamMain, "UADMIN2", demo.ChannelBackoffice, post.TS, "white_check_mark"))
	must(t, sb.React(demo.TeamMain, "UADMIN2", demo.ChannelBackoffice, post.TS, "white_check_mark"))
	waitDeliveries(t, sb, "app_mention", 4)
	waitDeliveries(t, sb, "reaction_added", 4)
	queueDrained(t, db)
	if n, d := h.count(t, "run", id), h.count(t, "dry_run", id); n != 1 || d != 1 {
		t.Fatalf("after a redelivery the handler got %d runs and %d dry runs, want 1 and 1", n, d)
	}
	run, err := ledger.LookupRun(ctx, id)
	if err != nil || run.Outcome != httpcommand.OutcomeOK || run.UserID != "UOPS" {
		t.Fatalf("ledger: %+v, %v", run, err)
	}
}

// waitBotReply waits for a bot reply containing want in the thread of ts
// in #backoffice and returns its text.
func waitBotReply(t *testing.T, sb *sandbox.Server, ts, want string) string {
	t.Helper()
	return waitBotMessage(t, sb, ts, want).Text
}

func waitBotMessage(t *testing.T, sb *sandbox.Server, ts, want string) sandbox.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got sandbox.Message
	err := sb.WaitFor(ctx, func() bool {
		for _, m := range sb.Thread(demo.ChannelBackoffice, ts) {
			if m.BotID != "" && strings.Contains(m.Text, want) {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		var all []string
		for _, m := range sb.Thread(demo.ChannelBackoffice, ts) {
			all = append(all, m.User+": "+m.Text)
		}
		t.Fatalf("no bot reply with %q in thread %s: %v\n%s", want, ts, err, strings.Join(all, "\n"))
	}
	return got
}

// waitDeliveries waits until n events of kind were acknowledged.
func waitDeliveries(t *testing.T, sb *sandbox.Server, kind string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sb.WaitFor(ctx, func() bool {
		got := 0
		for _, d := range sb.Deliveries() {
			if d.Type == kind && d.Status == 200 {
				got++
			}
		}
		return got >= n
	}); err != nil {
		t.Fatalf("%d %s deliveries: %v", n, kind, err)
	}
}

// queueDrained waits until the bot's queue is empty: every event
// delivered so far was handled.
func queueDrained(t *testing.T, db *sqldb.DB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		must(t, db.QueryRow("SELECT COUNT(*) FROM queue_messages").Scan(&n))
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still queued", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
