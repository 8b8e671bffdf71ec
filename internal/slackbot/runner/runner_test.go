package runner_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	natsq "github.com/bastionhq/bastion/queue/nats"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

const (
	secret  = "runner-test-secret"
	natsURL = "nats://127.0.0.1:4222"
	// wait bounds every wait for the bot: generous for a loaded machine.
	wait = 20 * time.Second
)

// slack is a sandbox with the demo workspace T1: #general (C1),
// #backoffice (C2) and a few demo users.
func newSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{SigningSecret: secret})
	must(t, sb.AddTeam(sandbox.Team{ID: demo.TeamMain, EnterpriseID: demo.Enterprise}))
	must(t, sb.AddChannel(demo.TeamMain, sandbox.Channel{ID: demo.ChannelGeneral, Name: "general"}))
	must(t, sb.AddChannel(demo.TeamMain, sandbox.Channel{ID: demo.ChannelBackoffice, Name: "backoffice"}))
	for _, u := range []string{"UOPS", "UMEMBER", "UROLES"} {
		must(t, sb.AddUser(demo.TeamMain, sandbox.User{ID: u}))
	}
	token, err := sb.InstallApp(demo.TeamMain, "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	must(t, err)
	return sb, token
}

// newEngine is the permission engine on db with the demo organisation.
func newEngine(t *testing.T, db *sqldb.DB) *authz.Engine {
	t.Helper()
	ctx := context.Background()
	st, err := authzsql.Open(ctx, db)
	must(t, err)
	cat, err := rolesfile.LoadBuiltin()
	must(t, err)
	e, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	must(t, err)
	must(t, demo.Load(ctx, e))
	return e
}

// backoffice is the test's back-office command set: one open command, one
// that needs EXTEND_TRIAL, and one that blocks until released.
type backoffice struct {
	release chan struct{}
	started chan struct{}
	// handlerCtxErr records the slow handler's context error when it ends.
	handlerCtxErr atomic.Value
}

func newBackoffice() *backoffice {
	return &backoffice{release: make(chan struct{}), started: make(chan struct{}, 1)}
}

func (b *backoffice) commands() []bot.Command {
	return []bot.Command{
		{Pattern: "show account <subdomain>", Description: "Show an account.", Handler: func(ctx context.Context, req *bot.Request) error {
			return req.Replyf(ctx, "account %s: plan pro", req.Args.String("subdomain"))
		}},
		{Pattern: "extend <subdomain> by <days:int> days", Description: "Extend a trial.", Permission: "EXTEND_TRIAL",
			Handler: func(ctx context.Context, req *bot.Request) error {
				return req.Replyf(ctx, "extended %s by %d days", req.Args.String("subdomain"), req.Args.Int("days"))
			}},
		{Pattern: "slow", Description: "Waits to be released.", Handler: func(ctx context.Context, req *bot.Request) error {
			b.started <- struct{}{}
			select {
			case <-b.release:
			case <-ctx.Done():
			}
			b.handlerCtxErr.Store(ctxErrString(ctx))
			return req.Reply(ctx, "slow done")
		}},
	}
}

func ctxErrString(ctx context.Context) string {
	if ctx.Err() == nil {
		return "none"
	}
	return ctx.Err().Error()
}

// started is a runner running against a sandbox, served over HTTP.
type started struct {
	sb     *sandbox.Server
	runner *runner.Runner
	cancel context.CancelFunc
	done   chan error
}

// start builds the runner with opts completed for the sandbox, serves its
// handler as the sandbox's events URL and runs it. It starts the sandbox
// unless the caller did (to know its API URL first).
func start(t *testing.T, sb *sandbox.Server, opts runner.Options) *started {
	t.Helper()
	if sb.URL() == "" {
		sb.Start()
		t.Cleanup(sb.Close)
	}
	opts.APIURL = sb.APIURL()
	opts.SigningSecret = secret
	r, err := runner.New(context.Background(), opts)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(srv.Close)
	sb.SetEventsURL(srv.URL + "/slack/events")
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{sb: sb, runner: r, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- r.Run(ctx) }()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends Run and returns its error.
func (s *started) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok {
			close(s.done)
		}
		return err
	case <-time.After(wait):
		t.Fatal("Run did not return after its context ended")
		return nil
	}
}

// reply posts text as user in channel and waits for the bot's first reply
// in the thread.
func reply(t *testing.T, sb *sandbox.Server, channel, user, text string) string {
	t.Helper()
	ts, err := sb.PostAsUser(demo.TeamMain, channel, user, text)
	must(t, err)
	return waitReply(t, sb, channel, ts)
}

func waitReply(t *testing.T, sb *sandbox.Server, channel, ts string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var got string
	err := sb.WaitFor(ctx, func() bool {
		for _, m := range sb.Thread(channel, ts) {
			if m.BotID != "" {
				got = m.Text
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no reply in thread %s/%s: %v", channel, ts, err)
	}
	return got
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// uniqueNATS names a stream of its own for a test.
func uniqueNATS(t *testing.T) natsq.Options {
	var b [6]byte
	rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return natsq.Options{Stream: "RUNNER_TEST_" + s, Subject: "runner.test." + s, Consumer: "w" + s, VisibilityTimeout: 5 * time.Second}
}

func TestRunnerPipeline(t *testing.T) {
	for _, backend := range []string{"sqlite", "nats"} {
		t.Run(backend, func(t *testing.T) {
			db := storetest.SQLite(t)
			engine := newEngine(t, db)
			sb, token := newSandbox(t)
			rt := router.New(router.Options{Authorizer: botauthz.New(engine)})
			must(t, rt.Register(builtin.Commands(engine, rt.Commands)...))
			opts := runner.Options{DB: db, BotToken: token, Router: rt, Commands: newBackoffice().commands(), Workers: 2}
			if backend == "nats" {
				opts.NATSURL, opts.NATS = natsURL, uniqueNATS(t)
				t.Cleanup(func() { deleteStream(t, opts.NATS.Stream) })
			}
			s := start(t, sb, opts)
			if got := s.runner.BotUserID(); got != sb.BotUserID() {
				t.Fatalf("bot user from auth.test = %q, want %q", got, sb.BotUserID())
			}

			if got := reply(t, sb, demo.ChannelGeneral, "UMEMBER", "<@UBOT> show account acme"); got != "account acme: plan pro" {
				t.Fatalf("reply = %q", got)
			}
			got := reply(t, sb, demo.ChannelBackoffice, "UMEMBER", "<@UBOT> extend acme by 3 days")
			if !strings.HasPrefix(got, "Denied: you need EXTEND_TRIAL") {
				t.Fatalf("a member extending a trial: %q", got)
			}
			if got := reply(t, sb, demo.ChannelBackoffice, "UOPS", "<@UBOT> extend acme by 3 days"); got != "extended acme by 3 days" {
				t.Fatalf("an operator extending a trial: %q", got)
			}
			if got := reply(t, sb, demo.ChannelBackoffice, "UROLES", "<@UBOT> grant <@UMEMBER> BACKOFFICE_OPERATOR"); !strings.HasPrefix(got, "Granted") {
				t.Fatalf("grant: %q", got)
			}
			if got := reply(t, sb, demo.ChannelBackoffice, "UMEMBER", "<@UBOT> extend acme by 5 days"); got != "extended acme by 5 days" {
				t.Fatalf("after the grant: %q", got)
			}
			if err := s.stop(t); err != nil {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}

func TestRunnerDrainsHandlersInProgress(t *testing.T) {
	db := storetest.SQLite(t)
	sb, token := newSandbox(t)
	b := newBackoffice()
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{Allowed: true}, nil
	})
	s := start(t, sb, runner.Options{DB: db, BotToken: token, Authorizer: allow, Commands: b.commands(), Workers: 1, DrainTimeout: time.Minute})
	ts, err := sb.PostAsUser(demo.TeamMain, demo.ChannelGeneral, "UOPS", "<@UBOT> slow")
	must(t, err)
	<-b.started
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop(t) }()
	close(b.release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := b.handlerCtxErr.Load(); got != "none" {
		t.Fatalf("the handler in progress saw its context end (%v); draining must let it finish", got)
	}
	if got := waitReply(t, sb, demo.ChannelGeneral, ts); got != "slow done" {
		t.Fatalf("reply = %q", got)
	}
}

func TestRunnerDrainTimeoutCancelsHandlers(t *testing.T) {
	db := storetest.SQLite(t)
	sb, token := newSandbox(t)
	b := newBackoffice()
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{Allowed: true}, nil
	})
	s := start(t, sb, runner.Options{DB: db, BotToken: token, Authorizer: allow, Commands: b.commands(), Workers: 1,
		DrainTimeout: 10 * time.Millisecond})
	_, err := sb.PostAsUser(demo.TeamMain, demo.ChannelGeneral, "UOPS", "<@UBOT> slow")
	must(t, err)
	<-b.started
	if err := s.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := b.handlerCtxErr.Load(); got != context.Canceled.Error() {
		t.Fatalf("handler context after the drain timeout: %v, want cancelled", got)
	}
}

func TestNewRefusesIncompleteOptions(t *testing.T) {
	db := storetest.SQLite(t)
	allow := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{}, nil
	})
	for name, o := range map[string]runner.Options{
		"no token":          {DB: db, SigningSecret: "s", Authorizer: allow, BotUserID: "UBOT"},
		"no secret":         {DB: db, BotToken: "xoxb-1", Authorizer: allow, BotUserID: "UBOT"},
		"no authorizer":     {DB: db, BotToken: "xoxb-1", SigningSecret: "s", BotUserID: "UBOT"},
		"no db":             {BotToken: "xoxb-1", SigningSecret: "s", Authorizer: allow, BotUserID: "UBOT"},
		"bot token as app":  {DB: db, BotToken: "xoxb-1", AppToken: "xoxb-1", Authorizer: allow, BotUserID: "UBOT"},
		"approvals+router":  {DB: db, BotToken: "xoxb-1", SigningSecret: "s", Router: router.New(router.Options{}), Approvals: nopGate{}, BotUserID: "UBOT"},
		"clashing commands": {DB: db, BotToken: "xoxb-1", SigningSecret: "s", Authorizer: allow, BotUserID: "UBOT", Commands: []bot.Command{{Pattern: "help", Description: "x", Handler: func(context.Context, *bot.Request) error { return nil }}}},
	} {
		if r, err := runner.New(context.Background(), o); err == nil {
			r.Close()
			t.Errorf("%s: New accepted it", name)
		}
	}
}

type nopGate struct{}

func (nopGate) Submit(context.Context, *bot.Request) error { return nil }

// actionRecorder is an ActionHook passing clicks to the test.
type actionRecorder chan slackbot.ActionEvent

func (a actionRecorder) HandleAction(_ context.Context, ev slackbot.ActionEvent) error {
	a <- ev
	return nil
}

func (a actionRecorder) next(t *testing.T) slackbot.ActionEvent {
	t.Helper()
	select {
	case ev := <-a:
		return ev
	case <-time.After(wait):
		t.Fatal("no button click reached the action hook")
		return slackbot.ActionEvent{}
	}
}

// blockActions is a block_actions payload: user clicked "approve" on the
// bot's message 1700000000.000100 in #general.
func blockActions(user, actionTS string) []byte {
	return []byte(fmt.Sprintf(`{"type":"block_actions","team":{"id":"T1"},"user":{"id":%q},"channel":{"id":"C1"},`+
		`"container":{"type":"message","message_ts":"1700000000.000100","channel_id":"C1"},`+
		`"actions":[{"action_id":"approve","block_id":"b","value":"42","type":"button","action_ts":%q}]}`, user, actionTS))
}

func TestRunnerServesInteractionsAndRunsBackgroundLoops(t *testing.T) {
	db := storetest.SQLite(t)
	sb, token := newSandbox(t)
	clicks := make(actionRecorder, 10)
	loopStarted, loopEnded := make(chan struct{}), make(chan error, 1)
	deny := bot.AuthorizerFunc(func(context.Context, string, string, string, string) (bot.Decision, error) {
		return bot.Decision{}, nil
	})
	s := start(t, sb, runner.Options{DB: db, BotToken: token, Authorizer: deny, Workers: 1, Actions: clicks,
		Background: []func(context.Context) error{func(ctx context.Context) error {
			close(loopStarted)
			<-ctx.Done()
			loopEnded <- ctx.Err()
			return nil
		}}})
	body := []byte("payload=" + url.QueryEscape(string(blockActions("UADMIN", "1700000000.9"))))
	at := time.Now().Unix()
	now := strconv.FormatInt(at, 10)
	req := httptest.NewRequest(http.MethodPost, "/slack/interactions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", now)
	req.Header.Set("X-Slack-Signature", sandbox.Sign(secret, at, body))
	w := httptest.NewRecorder()
	s.runner.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("/slack/interactions: %d %s", w.Code, w.Body)
	}
	if ev := clicks.next(t); ev.UserID != "UADMIN" || ev.ActionID != "approve" || ev.ChannelID != "C1" {
		t.Fatalf("click: %+v", ev)
	}
	select {
	case <-loopStarted:
	case <-time.After(wait):
		t.Fatal("the background loop did not start")
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	select {
	case err := <-loopEnded:
		if err == nil {
			t.Fatal("the background loop's context did not end")
		}
	default:
		t.Fatal("Run returned before its background loop")
	}
}
