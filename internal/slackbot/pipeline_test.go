package slackbot_test

import (
	"context"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

const secret = "test-signing-secret"

// clock is a settable clock shared by the pipeline's parts.
type clock struct{ ns atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.ns.Store(time.Now().UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// grants stands in for the permission service, a separate component: it
// allows "user/channel/permission" keys present in the map.
type grants map[string]bool

func (g grants) CheckPermission(_ context.Context, _, userID, channelID, permission string) (bot.Decision, error) {
	if g[userID+"/"+channelID+"/"+permission] {
		return bot.Decision{Allowed: true, Reason: "granted"}, nil
	}
	return bot.Decision{Reason: "no role grants " + permission}, nil
}

type pipeline struct {
	sb     *sandbox.Server
	db     *sqldb.DB
	queue  *sqlqueue.Queue
	store  *botsql.Store
	router *router.Router
	clock  *clock
	events *httptest.Server
	runs   atomic.Int64
	// block, when set, makes the "slow" command wait on it.
	block chan struct{}
	// started receives a value when the "slow" command starts.
	started chan struct{}
}

func newPipeline(t testing.TB, db *sqldb.DB) *pipeline {
	t.Helper()
	ctx := context.Background()
	p := &pipeline{db: db, clock: newClock(), started: make(chan struct{}, 10)}
	p.sb = sandbox.New(sandbox.Options{SigningSecret: secret})
	p.sb.Start()
	t.Cleanup(p.sb.Close)
	must(t, p.sb.AddTeam(sandbox.Team{ID: "T1"}))
	for _, c := range []sandbox.Channel{{ID: "C1", Name: "general"}, {ID: "CBACK", Name: "backoffice", Type: sandbox.PrivateChannel}, {ID: "D1", Type: sandbox.DirectMessage, User: "U1"}} {
		must(t, p.sb.AddChannel("T1", c))
	}
	must(t, p.sb.AddUser("T1", sandbox.User{ID: "U1"}))
	must(t, p.sb.AddUser("T1", sandbox.User{ID: "U2"}))
	q, err := sqlqueue.Open(ctx, db, sqlqueue.Options{VisibilityTimeout: 2 * time.Second, PollInterval: 5 * time.Millisecond, MaxBodySize: slackbot.DefaultMaxEventBody})
	must(t, err)
	t.Cleanup(func() { q.Close() })
	p.queue = q
	p.store, err = botsql.Open(ctx, db)
	must(t, err)
	p.router = router.New(router.Options{Authorizer: grants{"U1/CBACK/EXTEND_TRIAL": true}})
	must(t, p.router.Register(
		bot.Command{Pattern: "show account <subdomain>", Description: "Show an account.", Handler: func(ctx context.Context, req *bot.Request) error {
			p.runs.Add(1)
			return req.Replyf(ctx, "account %s: plan pro", req.Args.String("subdomain"))
		}},
		bot.Command{Pattern: "set <subdomain> trial remaining to <days:int> days", Description: "Extend a trial.", Channels: []string{"CBACK"},
			Permission: "EXTEND_TRIAL", Handler: func(ctx context.Context, req *bot.Request) error {
				p.runs.Add(1)
				return req.Replyf(ctx, "trial of %s set to %d days", req.Args.String("subdomain"), req.Args.Int("days"))
			}},
		bot.Command{Pattern: "slow", Description: "Blocks until released.", Handler: func(ctx context.Context, req *bot.Request) error {
			p.runs.Add(1)
			p.started <- struct{}{}
			<-p.block
			return req.Reply(ctx, "slow done")
		}},
	))
	h, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: q})
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("POST /slack/events", h)
	p.events = httptest.NewServer(mux)
	t.Cleanup(p.events.Close)
	p.sb.SetEventsURL(p.events.URL + "/slack/events")
	return p
}

// startWorker runs a worker until the returned cancel is called.
func (p *pipeline) startWorker(t testing.TB, name string) (cancel func()) {
	t.Helper()
	return p.startWorkerWith(t, name, nil)
}

// startWorkerWith runs a worker whose options (and its Slack client's)
// tune may change from the pipeline's.
func (p *pipeline) startWorkerWith(t testing.TB, name string, tune func(*slackbot.WorkerOptions, *slackbot.SlackChatOptions)) (cancel func()) {
	t.Helper()
	token, err := p.sb.InstallApp("T1", "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	must(t, err)
	opts := slackbot.WorkerOptions{
		Queue: p.queue, Router: p.router, Claims: p.store, Audit: p.store,
		BotUserID: p.sb.BotUserID(), Name: name, Now: p.clock.Now, Lease: time.Minute,
	}
	chatOpts := slackbot.SlackChatOptions{APIURL: p.sb.APIURL()}
	if tune != nil {
		tune(&opts, &chatOpts)
	}
	opts.Chat = slackbot.NewSlackChat(token, chatOpts)
	w, err := slackbot.NewWorker(opts)
	must(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	var once sync.Once
	cancel = func() { once.Do(func() { stop(); <-done }) }
	t.Cleanup(cancel)
	return cancel
}

// waitThread waits until the thread of ts in channel holds n bot replies.
func (p *pipeline) waitThread(t testing.TB, channel, ts string, n int) []sandbox.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var replies []sandbox.Message
	err := p.sb.WaitFor(ctx, func() bool {
		replies = botReplies(p.sb.Thread(channel, ts))
		return len(replies) >= n
	})
	if err != nil {
		t.Fatalf("thread %s/%s: want %d bot replies, have %+v", channel, ts, n, replies)
	}
	return replies
}

func botReplies(thread []sandbox.Message) []sandbox.Message {
	var out []sandbox.Message
	for _, m := range thread {
		if m.BotID != "" {
			out = append(out, m)
		}
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMentionRunsOnceAndRepliesInThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		p := newPipeline(t, db)
		p.startWorker(t, "w1")
		ts, err := p.sb.PostAsUser("T1", "C1", "U1", "<@UBOT> show account acme")
		must(t, err)
		replies := p.waitThread(t, "C1", ts, 1)
		if replies[0].Text != "account acme: plan pro" {
			t.Fatalf("reply = %q", replies[0].Text)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		must(t, p.sb.WaitFor(ctx, func() bool { return len(p.sb.Reactions("C1", ts)) == 1 }))
		if r := p.sb.Reactions("C1", ts); r[0].Name != "eyes" {
			t.Fatalf("marker = %+v", r)
		}
		// The message arrived as message and app_mention; wait until both
		// are settled, then check the handler ran once and one audit row.
		waitQueueEmpty(t, p)
		if n := p.runs.Load(); n != 1 {
			t.Fatalf("handler ran %d times", n)
		}
		if got := botReplies(p.sb.Thread("C1", ts)); len(got) != 1 {
			t.Fatalf("%d replies", len(got))
		}
		invs, err := p.store.RecentInvocations(context.Background(), "T1", 10)
		must(t, err)
		if len(invs) != 1 || invs[0].Verdict != router.Ran || invs[0].UserID != "U1" || invs[0].Text != "show account acme" {
			t.Fatalf("audit = %+v", invs)
		}
	})
}

func waitQueueEmpty(t testing.TB, p *pipeline) {
	t.Helper()
	// Past Lease/2 (30 s): a delivery that came back while its message was
	// still running on a loaded machine is put off that long.
	deadline := time.Now().Add(45 * time.Second)
	for {
		var n int
		must(t, p.db.QueryRow("SELECT COUNT(*) FROM queue_messages").Scan(&n))
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still queued", n)
		}
		select {
		case <-p.sb.Changed():
		case <-time.After(10 * time.Millisecond): // the queue table has no change signal
		}
	}
}

func TestDirectMessagesAndDenials(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	p.startWorker(t, "w1")
	ts, err := p.sb.PostAsUser("T1", "D1", "U1", "help")
	must(t, err)
	help := p.waitThread(t, "D1", ts, 1)[0].Text
	if !strings.Contains(help, "`show account <subdomain>`") || strings.Contains(help, "trial") {
		t.Fatalf("help in a DM:\n%s", help)
	}
	ts, err = p.sb.PostAsUser("T1", "CBACK", "U2", "<@UBOT> set acme trial remaining to 3 days")
	must(t, err)
	if r := p.waitThread(t, "CBACK", ts, 1)[0].Text; !strings.Contains(r, "no role grants EXTEND_TRIAL") {
		t.Fatalf("denial = %q", r)
	}
	ts, err = p.sb.PostAsUser("T1", "CBACK", "U1", "<@UBOT> set acme trial remaining to 3 days")
	must(t, err)
	if r := p.waitThread(t, "CBACK", ts, 1)[0].Text; r != "trial of acme set to 3 days" {
		t.Fatalf("reply = %q", r)
	}
	ts, err = p.sb.PostAsUser("T1", "C1", "U1", "show account acme")
	must(t, err)
	waitQueueEmpty(t, p)
	if got := botReplies(p.sb.Thread("C1", ts)); len(got) != 0 {
		t.Fatalf("answered a message that did not address it: %+v", got)
	}
	if n := p.runs.Load(); n != 1 {
		t.Fatalf("handlers ran %d times, want 1", n)
	}
}

func TestDuplicateDeliveriesAndTwoWorkersRunOnce(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	p.startWorker(t, "w1")
	p.startWorker(t, "w2")
	var tss []string
	for range 5 {
		ts, err := p.sb.PostAsUser("T1", "C1", "U1", "<@UBOT> show account acme")
		must(t, err)
		tss = append(tss, ts)
		// The same message again under another event id, as Slack does.
		must(t, p.sb.Emit("T1", map[string]any{"type": "message", "channel": "C1", "user": "U1", "text": "<@UBOT> show account acme", "ts": ts, "channel_type": "channel"}))
	}
	for _, ts := range tss {
		p.waitThread(t, "C1", ts, 1)
	}
	waitQueueEmpty(t, p)
	if n := p.runs.Load(); n != 5 {
		t.Fatalf("handler ran %d times for 5 messages delivered 3 times each", n)
	}
	for _, ts := range tss {
		if got := botReplies(p.sb.Thread("C1", ts)); len(got) != 1 {
			t.Fatalf("thread %s has %d replies", ts, len(got))
		}
	}
}

func TestWorkerKilledMidHandlerIsNotRunAgain(t *testing.T) {
	p := newPipeline(t, storetest.SQLite(t))
	p.block = make(chan struct{})
	stop1 := p.startWorker(t, "w1")
	ts, err := p.sb.PostAsUser("T1", "C1", "U1", "<@UBOT> slow")
	must(t, err)
	<-p.started
	// Kill the first worker: its context ends, heartbeats stop, nothing is
	// acknowledged. The handler itself is still blocked.
	go stop1()
	p.clock.Add(5 * time.Minute)
	p.startWorker(t, "w2")
	replies := p.waitThread(t, "C1", ts, 1)
	if !strings.Contains(replies[0].Text, "interrupted") {
		t.Fatalf("reply = %q", replies[0].Text)
	}
	waitQueueEmpty(t, p)
	close(p.block)
	if n := p.runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
	invs, err := p.store.RecentInvocations(context.Background(), "T1", 10)
	must(t, err)
	found := false
	for _, inv := range invs {
		found = found || inv.Verdict == router.Interrupted
	}
	if !found {
		t.Fatalf("no interrupted audit record: %+v", invs)
	}
}
