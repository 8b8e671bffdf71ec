package approval_test

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// approvalWait bounds every wait of the approval tests: generous, for a
// loaded machine.
const approvalWait = 20 * time.Second

// liveGrants is a permission service whose grants change during a test:
// it allows "user/permission" keys present in the set, on every channel.
type liveGrants struct {
	mu  sync.Mutex
	set map[string]bool
}

func (g *liveGrants) grant(user, perm string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.set[user+"/"+perm] = true
}

func (g *liveGrants) revoke(user, perm string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.set, user+"/"+perm)
}

func (g *liveGrants) CheckPermission(_ context.Context, _, userID, _, permission string) (bot.Decision, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.set[userID+"/"+permission] {
		return bot.Decision{Allowed: true, Reason: "granted"}, nil
	}
	return bot.Decision{Reason: "no role grants " + permission + "."}, nil
}

// approvalEnv is a Slack sandbox, signed ingress for events and
// interactions, and a queue and store on one database: what several bot
// processes share.
type approvalEnv struct {
	sb     *sandbox.Server
	db     *sqldb.DB
	queue  *sqlqueue.Queue
	store  *botsql.Store
	clock  *clock
	grants *liveGrants
	// runs counts handler runs by command word.
	mu   sync.Mutex
	runs map[string]int
	// slowStarted hears of each start of `migrate`, which then waits for
	// slowRelease to close.
	slowStarted chan struct{}
	slowRelease chan struct{}
	releaseOnce sync.Once
}

const (
	approveEmoji = "white_check_mark"
	rejectEmoji  = "x"
)

func newApprovalEnv(t *testing.T, db *sqldb.DB) *approvalEnv {
	t.Helper()
	ctx := context.Background()
	e := &approvalEnv{db: db, clock: newClock(), grants: &liveGrants{set: map[string]bool{}}, runs: map[string]int{},
		slowStarted: make(chan struct{}, 8), slowRelease: make(chan struct{})}
	e.sb = sandbox.New(sandbox.Options{SigningSecret: secret})
	e.sb.Start()
	t.Cleanup(e.sb.Close)
	must(t, e.sb.AddTeam(sandbox.Team{ID: "T1"}))
	must(t, e.sb.AddChannel("T1", sandbox.Channel{ID: "C1", Name: "backoffice"}))
	must(t, e.sb.AddChannel("T1", sandbox.Channel{ID: "D1", Type: sandbox.DirectMessage, User: "U1"}))
	for _, u := range []string{"U1", "U2", "U3", "U4"} {
		must(t, e.sb.AddUser("T1", sandbox.User{ID: u}))
	}
	// U1 calls; U2 and U3 may approve; U4 holds nothing.
	for _, u := range []string{"U1", "U2", "U3"} {
		e.grants.grant(u, "EXTEND_TRIAL")
		e.grants.grant(u, "DELETE_ACCOUNT")
	}
	// A delivery comes back when its handling outlasts the visibility
	// timeout; a redelivered command message then waits for its claim's
	// lease. Keep the timeout well above any handling time on a loaded
	// machine.
	q, err := sqlqueue.Open(ctx, db, sqlqueue.Options{VisibilityTimeout: 5 * time.Second, PollInterval: 5 * time.Millisecond, MaxBodySize: slackbot.DefaultMaxEventBody})
	must(t, err)
	t.Cleanup(func() { q.Close() })
	e.queue = q
	e.store, err = botsql.Open(ctx, db)
	must(t, err)
	events, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: q})
	must(t, err)
	actions, err := slackbot.NewInteractionsHandler(slackbot.InteractionsHandlerOptions{SigningSecret: secret, Queue: q})
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

func (e *approvalEnv) ran(word string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[word]
}

func (e *approvalEnv) count(word string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.runs[word]++
}

// commands are the test's back-office commands: one of each kind.
func (e *approvalEnv) commands() []bot.Command {
	return []bot.Command{
		{Pattern: "show account <subdomain>", Description: "Show an account.", Risk: bot.Safe,
			DryRun: func(context.Context, *bot.Request) (string, error) { return "reads only", nil },
			Handler: func(ctx context.Context, req *bot.Request) error {
				e.count("show")
				text := fmt.Sprintf("account %s: plan pro", req.Args.String("subdomain"))
				return req.ReplyBlocks(ctx, text, []slack.Block{slack.NewSectionBlock(
					slack.NewTextBlockObject(slack.MarkdownType, "*"+text+"*", false, false), nil, nil)})
			}},
		{Pattern: "extend <subdomain> trial", Description: "Extend a trial.", Permission: "EXTEND_TRIAL", Risk: bot.Sensitive,
			DryRun: func(_ context.Context, req *bot.Request) (string, error) {
				return "would extend the trial of " + req.Args.String("subdomain") + " by 14 days", nil
			},
			Handler: func(ctx context.Context, req *bot.Request) error {
				e.count("extend")
				return req.Replyf(ctx, "trial of %s extended", req.Args.String("subdomain"))
			}},
		{Pattern: "delete account <subdomain>", Description: "Delete an account.", Permission: "DELETE_ACCOUNT", Approvals: 2,
			DryRun: func(_ context.Context, req *bot.Request) (string, error) {
				if len(req.Approvers) > 0 {
					return "", fmt.Errorf("approvers %v before anyone approved", req.Approvers)
				}
				return "would delete account " + req.Args.String("subdomain") + " and its 3 users", nil
			},
			Handler: func(ctx context.Context, req *bot.Request) error {
				e.count("delete")
				text := fmt.Sprintf("account %s deleted, approved by %s", req.Args.String("subdomain"), strings.Join(req.Approvers, " "))
				return req.ReplyBlocks(ctx, text, []slack.Block{slack.NewSectionBlock(
					slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)})
			}},
		{Pattern: "migrate <subdomain>", Description: "Migrate an account, slowly.", Permission: "EXTEND_TRIAL", Approvals: 1,
			Handler: func(ctx context.Context, req *bot.Request) error {
				e.count("migrate")
				e.slowStarted <- struct{}{}
				select {
				case <-e.slowRelease:
				case <-ctx.Done():
					return ctx.Err()
				}
				return req.Replyf(ctx, "account %s migrated", req.Args.String("subdomain"))
			}},
	}
}

// approvalProc is one bot process: its own router, approval gate, Slack
// client and workers, on the shared queue and store.
type approvalProc struct {
	router    *router.Router
	approvals *approval.Workflow
	stop      func()
}

type procOptions struct {
	workers   int
	noButtons bool
	scopes    []string
	// store, when set, is the process's view of the shared store.
	store approval.Store
	// keepAlive is ApprovalsOptions.KeepAliveEvery (default: the
	// package's, minutes of real time, so no heartbeat comes in a test).
	keepAlive time.Duration
}

// start runs a bot process until its stop is called (or the test ends).
func (e *approvalEnv) start(t *testing.T, name string, o procOptions) *approvalProc {
	t.Helper()
	if o.workers == 0 {
		o.workers = 1
	}
	if o.scopes == nil {
		o.scopes = []string{"chat:write", "reactions:write", "reactions:read", "app_mentions:read"}
	}
	token, err := e.sb.InstallApp("T1", o.scopes...)
	must(t, err)
	chat := slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: e.sb.APIURL()})
	rt := router.New(router.Options{Authorizer: e.grants, Now: e.clock.Now})
	must(t, rt.Register(e.commands()...))
	scopes := approval.ReactionScopesFunc(func(context.Context, string) ([]string, error) {
		var missing []string
		for _, s := range []string{"reactions:read", "reactions:write"} {
			if !contains(o.scopes, s) {
				missing = append(missing, s)
			}
		}
		return missing, nil
	})
	var store approval.Store = e.store
	if o.store != nil {
		store = o.store
	}
	appr, err := approval.New(approval.Options{Store: store, Router: rt, Chat: chat, Audit: e.store, Scopes: scopes,
		NoButtons: o.noButtons, BotUserID: e.sb.BotUserID(), Now: e.clock.Now, KeepAliveEvery: o.keepAlive})
	must(t, err)
	rt.SetApprovalGate(appr)
	must(t, rt.Register(appr.Commands()...))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range o.workers {
		w, err := slackbot.NewWorker(slackbot.WorkerOptions{
			Queue: e.queue, Router: rt, Claims: e.store, Audit: e.store, Chat: chat,
			Reactions: appr, Actions: appr, BotUserID: e.sb.BotUserID(),
			Name: name + "-" + string(rune('a'+i)), Now: e.clock.Now, Lease: time.Minute,
		})
		must(t, err)
		wg.Go(func() { w.Run(ctx) })
	}
	var once sync.Once
	p := &approvalProc{router: rt, approvals: appr, stop: func() { once.Do(func() { cancel(); wg.Wait() }) }}
	t.Cleanup(p.stop)
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ask posts a command as user in C1, mentioning the bot.
func (e *approvalEnv) ask(t *testing.T, user, text string) string {
	t.Helper()
	ts, err := e.sb.PostAsUser("T1", "C1", user, "<@UBOT> "+text)
	must(t, err)
	return ts
}

// reply waits for a bot reply in the thread of ts containing want.
func (e *approvalEnv) reply(t *testing.T, ts, want string) sandbox.Message {
	t.Helper()
	var found sandbox.Message
	ctx, cancel := context.WithTimeout(context.Background(), approvalWait)
	defer cancel()
	err := e.sb.WaitFor(ctx, func() bool {
		for _, m := range botReplies(e.sb.Thread("C1", ts)) {
			if strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no bot reply containing %q in thread %s; thread: %s", want, ts, threadText(e.sb.Thread("C1", ts)))
	}
	return found
}

// replies counts the bot replies in the thread of ts containing want.
func (e *approvalEnv) replies(ts, want string) int {
	n := 0
	for _, m := range botReplies(e.sb.Thread("C1", ts)) {
		if strings.Contains(m.Text, want) {
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

// request asks for a command needing approvals and returns the caller's
// message ts, the request post and the request.
func (e *approvalEnv) request(t *testing.T, user, text string) (string, sandbox.Message, approval.Request) {
	t.Helper()
	ts := e.ask(t, user, text)
	post := e.reply(t, ts, "Approval needed")
	var ar approval.Request
	e.eventually(t, "request stored with its post", func() bool {
		var err error
		ar, err = e.store.Approval(context.Background(), approval.ID("T1", "C1", ts))
		return err == nil && ar.PostTS == post.TS
	})
	return ts, post, ar
}

func (e *approvalEnv) react(t *testing.T, user, postTS, emoji string) {
	t.Helper()
	must(t, e.sb.React("T1", user, "C1", postTS, emoji))
}

// eventually waits until cond holds, looking again at every sandbox change
// and, since the database has no change signal, every few milliseconds.
func (e *approvalEnv) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(approvalWait)
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

// runUntilReply runs p's sweeps (Approvals.Run) until the thread of ts
// gets a reply containing text, then checks that Run returns once its
// context ends.
func (e *approvalEnv) runUntilReply(t *testing.T, p *approvalProc, ts, text string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.approvals.Run(ctx) }()
	e.reply(t, ts, text)
	cancel()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(approvalWait):
		t.Fatal("Run did not return after its context ended")
	}
}

// releaseSlow lets every run of `migrate` finish. Tests that start one
// defer it, so that a failing test does not leave the run holding its
// process's shutdown.
func (e *approvalEnv) releaseSlow() {
	e.releaseOnce.Do(func() { close(e.slowRelease) })
}

// postSays waits until the request post postTS, in the thread of
// threadTS in C1, contains text.
func (e *approvalEnv) postSays(t *testing.T, threadTS, postTS, text string) {
	t.Helper()
	e.eventually(t, "request post saying "+text, func() bool {
		for _, m := range e.sb.Thread("C1", threadTS) {
			if m.TS == postTS {
				return strings.Contains(m.Text, text)
			}
		}
		return false
	})
}

// voted waits until the store holds user's vote (or, with present false,
// no vote of user) and every queued event has been handled, so the
// reaction's effects are complete.
func (e *approvalEnv) voted(t *testing.T, id, user string, present bool) {
	t.Helper()
	e.eventually(t, "vote of "+user+" recorded", func() bool {
		votes, err := e.store.ApprovalVotes(context.Background(), id)
		must(t, err)
		has := false
		for _, v := range votes {
			has = has || v.UserID == user
		}
		return has == present
	})
	e.drained(t)
}

// drained waits until the queue holds no message: every event delivered
// so far has been handled and acknowledged.
func (e *approvalEnv) drained(t *testing.T) {
	t.Helper()
	e.eventually(t, "queue drained", func() bool {
		var n int
		must(t, e.db.QueryRow("SELECT COUNT(*) FROM queue_messages").Scan(&n))
		return n == 0
	})
}

func (e *approvalEnv) state(t *testing.T, id string) approval.State {
	t.Helper()
	ar, err := e.store.Approval(context.Background(), id)
	must(t, err)
	return ar.State
}

func (e *approvalEnv) history(t *testing.T, id string) []string {
	t.Helper()
	evs, err := e.store.ApprovalEvents(context.Background(), id)
	must(t, err)
	var out []string
	for _, ev := range evs {
		s := ev.Kind
		if ev.UserID != "" {
			s += ":" + ev.UserID
		}
		out = append(out, s)
	}
	return out
}
