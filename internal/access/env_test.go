package access_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/access"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/accesssql"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

const (
	secret = "test-signing-secret"
	wait   = 20 * time.Second
	team   = demo.TeamMain
	// channel is #backoffice; mia asks there, rita and pia hold
	// ASSIGN_ROLES on it (ROLES_ADMIN on the enterprise), ada does not.
	channel = demo.ChannelBackoffice
	mia     = "UMEMBER"
	rita    = "UROLES"
	pia     = "UPRIMARY"
	ada     = "UADMIN"
)

// clock is a settable clock shared by every part of a test.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// engineGranter is the engine's Granter, counting its writes.
type engineGranter struct {
	engine *authz.Engine
	mu     sync.Mutex
	calls  []access.GrantRequest
}

func (g *engineGranter) GrantUntil(ctx context.Context, r access.GrantRequest) error {
	g.mu.Lock()
	g.calls = append(g.calls, r)
	g.mu.Unlock()
	return access.EngineGranter{Engine: g.engine}.GrantUntil(ctx, r)
}

func (g *engineGranter) writes() []access.GrantRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]access.GrantRequest(nil), g.calls...)
}

// env is a Slack sandbox, signed ingress, a queue, the bot's stores and
// the permission engine with the demo organisation, on one database:
// what several bot processes share.
type env struct {
	sb      *sandbox.Server
	db      *sqldb.DB
	queue   *sqlqueue.Queue
	bot     *botsql.Store
	grants  *accesssql.Store
	engine  *authz.Engine
	catalog *authz.Catalog
	clock   *clock
	granter *engineGranter
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, clock: newClock()}
	st, err := authzsql.Open(ctx, db)
	must(t, err)
	e.catalog, err = rolesfile.LoadBuiltin()
	must(t, err)
	e.engine, err = authz.NewEngine(ctx, st, e.catalog, authz.Options{Now: e.clock.Now})
	must(t, err)
	must(t, demo.Load(ctx, e.engine))
	e.granter = &engineGranter{engine: e.engine}
	e.sb = sandbox.New(sandbox.Options{SigningSecret: secret})
	e.sb.Start()
	t.Cleanup(e.sb.Close)
	must(t, e.sb.AddTeam(sandbox.Team{ID: team}))
	must(t, e.sb.AddChannel(team, sandbox.Channel{ID: channel, Name: "backoffice"}))
	for _, u := range []string{mia, rita, pia, ada} {
		must(t, e.sb.AddUser(team, sandbox.User{ID: u}))
	}
	e.queue, err = sqlqueue.Open(ctx, db, sqlqueue.Options{VisibilityTimeout: 5 * time.Second, PollInterval: 5 * time.Millisecond, MaxBodySize: slackbot.DefaultMaxEventBody})
	must(t, err)
	t.Cleanup(func() { e.queue.Close() })
	e.bot, err = botsql.Open(ctx, db)
	must(t, err)
	e.grants, err = accesssql.Open(ctx, db)
	must(t, err)
	events, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: e.queue})
	must(t, err)
	actions, err := slackbot.NewInteractionsHandler(slackbot.InteractionsHandlerOptions{SigningSecret: secret, Queue: e.queue})
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("POST /slack/events", events)
	mux.Handle("POST /slack/interactions", actions)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.sb.SetEventsURL(srv.URL + "/slack/events")
	e.sb.SetInteractionsURL(srv.URL + "/slack/interactions")
	return e
}

// proc is one bot process: its router, approvals, access service and
// workers on the shared queue and stores.
type proc struct {
	access    *access.Service
	approvals *approval.Workflow
	stop      func()
}

// start runs a bot process with workers workers until the test ends.
func (e *env) start(t *testing.T, name string, workers int) *proc {
	t.Helper()
	token, err := e.sb.InstallApp(team, "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	must(t, err)
	chat := slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: e.sb.APIURL()})
	authorizer := botauthz.New(e.engine)
	rt := router.New(router.Options{Authorizer: authorizer, Now: e.clock.Now})
	must(t, rt.Register(bot.Command{Pattern: "extend <subdomain> trial", Description: "Extend a trial.", Permission: "EXTEND_TRIAL",
		Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Replyf(ctx, "trial of %s extended", req.Args.String("subdomain"))
		}}))
	appr, err := approval.New(approval.Options{Store: e.bot, Router: rt, Chat: chat, Audit: e.bot, BotUserID: e.sb.BotUserID(), Now: e.clock.Now})
	must(t, err)
	rt.SetApprovalGate(appr)
	svc, err := access.New(access.Options{Policies: e.catalog, Directory: e.engine, Approvals: appr,
		Chats: approval.ChatSourceFunc(func(context.Context, string) (approval.Chat, error) { return chat, nil }),
		Store: e.grants, Granter: e.granter, Now: e.clock.Now})
	must(t, err)
	must(t, rt.Register(svc.Commands()...))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range workers {
		w, err := slackbot.NewWorker(slackbot.WorkerOptions{
			Queue: e.queue, Router: rt, Claims: e.bot, Audit: e.bot, Chat: chat,
			Reactions: appr, Actions: access.ChainActions(appr, svc), BotUserID: e.sb.BotUserID(),
			Name: name + "-" + string(rune('a'+i)), Now: e.clock.Now, Lease: time.Minute,
		})
		must(t, err)
		wg.Go(func() { w.Run(ctx) })
	}
	var once sync.Once
	p := &proc{access: svc, approvals: appr, stop: func() { once.Do(func() { cancel(); wg.Wait() }) }}
	t.Cleanup(p.stop)
	return p
}

// ask posts text as user in #backoffice, mentioning the bot.
func (e *env) ask(t *testing.T, user, text string) string {
	t.Helper()
	ts, err := e.sb.PostAsUser(team, channel, user, "<@UBOT> "+text)
	must(t, err)
	return ts
}

// reply waits for a bot reply containing want in the thread of ts.
func (e *env) reply(t *testing.T, ts, want string) sandbox.Message {
	t.Helper()
	var found sandbox.Message
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err := e.sb.WaitFor(ctx, func() bool {
		for _, m := range e.sb.Thread(channel, ts) {
			if m.BotID != "" && strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no bot reply containing %q in thread %s:%s", want, ts, threadText(e.sb.Thread(channel, ts)))
	}
	return found
}

// replies counts bot replies containing want in the thread of ts.
func (e *env) replies(ts, want string) int {
	n := 0
	for _, m := range e.sb.Thread(channel, ts) {
		if m.BotID != "" && strings.Contains(m.Text, want) {
			n++
		}
	}
	return n
}

func threadText(msgs []sandbox.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("\n  [" + m.User + "] " + m.Text)
	}
	return b.String()
}

// request asks for BACKOFFICE_OPERATOR as mia and returns her message's
// ts, the request post and the approval request's id.
func (e *env) request(t *testing.T, text string) (string, sandbox.Message, string) {
	t.Helper()
	ts := e.ask(t, mia, text)
	post := e.reply(t, ts, "requests `BACKOFFICE_OPERATOR`")
	id := approval.ID(team, channel, ts)
	e.eventually(t, "request stored with its post", func() bool {
		ar, err := e.bot.Approval(context.Background(), id)
		return err == nil && ar.PostTS == post.TS
	})
	return ts, post, id
}

func (e *env) react(t *testing.T, user, postTS, emoji string) {
	t.Helper()
	must(t, e.sb.React(team, user, channel, postTS, emoji))
}

// eventually waits until cond holds, looking again at every sandbox
// change and every few milliseconds.
func (e *env) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		select {
		case <-e.sb.Changed():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// drained waits until every queued event has been handled.
func (e *env) drained(t *testing.T) {
	t.Helper()
	e.eventually(t, "queue drained", func() bool {
		var n int
		must(t, e.db.QueryRow("SELECT COUNT(*) FROM queue_messages").Scan(&n))
		return n == 0
	})
}

// holds reports whether mia may use EXTEND_TRIAL in #backoffice now.
func (e *env) miaMayExtend(t *testing.T) bool {
	t.Helper()
	res, err := e.engine.Check(context.Background(), authz.EligibilityRequest{TeamID: team, UserID: mia, EntityID: channel, Permissions: []string{"EXTEND_TRIAL"}})
	must(t, err)
	return res.Decisions[0].Allowed
}
