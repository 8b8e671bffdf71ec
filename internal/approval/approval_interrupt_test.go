package approval_test

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// startedThenDied opens a request for text and moves it to running as the
// winner of its start does, without running it: the process that won died
// right after the conditional UPDATE. The processes vote by button, so
// nothing but a click (none comes) looks at the request after its post.
func (e *approvalEnv) startedThenDied(t *testing.T, text string, approvers ...string) (string, approval.Request) {
	t.Helper()
	ctx := context.Background()
	ts, _, ar := e.request(t, "U1", text)
	for _, u := range append([]string{"U1"}, approvers...) {
		_, err := e.store.AddApprovalVote(ctx, ar.ID, approval.Vote{UserID: u, Kind: approval.VoteApprove, Via: "button", At: e.clock.Now()})
		must(t, err)
	}
	ok, err := e.store.StartApproval(ctx, ar.ID, e.clock.Now())
	must(t, err)
	if !ok {
		t.Fatalf("request %s did not start", ar.ID)
	}
	return ts, ar
}

// startSlowRun has U1 ask for `migrate acme`, U1 and U2 approve it by
// button, and waits until the command is running; it runs until
// releaseSlow.
func (e *approvalEnv) startSlowRun(t *testing.T) (string, approval.Request) {
	t.Helper()
	ts, post, ar := e.request(t, "U1", "migrate acme")
	must(t, e.sb.Click("T1", "U1", "C1", post.TS, approval.ApproveActionID))
	must(t, e.sb.Click("T1", "U2", "C1", post.TS, approval.ApproveActionID))
	select {
	case <-e.slowStarted:
	case <-time.After(approvalWait):
		t.Fatal("migrate did not start")
	}
	return ts, ar
}

// listBarrier is a store on which, once armed, the sweeps' listings of
// stale runs wait for one another: every sweep then sees the same stale
// request and they all try to interrupt it at once.
type listBarrier struct {
	*botsql.Store
	mu      sync.Mutex
	waiting int
	open    chan struct{}
}

// arm makes the next n listings wait until all n are in.
func (b *listBarrier) arm(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waiting, b.open = n, make(chan struct{})
}

func (b *listBarrier) StaleApprovals(ctx context.Context, startedBefore time.Time, limit int) ([]approval.Request, error) {
	list, err := b.Store.StaleApprovals(ctx, startedBefore, limit)
	b.mu.Lock()
	open := b.open
	if open != nil {
		if b.waiting--; b.waiting == 0 {
			close(open)
			b.open = nil
		}
	}
	b.mu.Unlock()
	if open != nil {
		select {
		case <-open:
		case <-time.After(approvalWait):
			return nil, errors.New("the other sweeps never listed")
		}
	}
	return list, err
}

func TestApprovalsInterruptedRunIsReportedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := newApprovalEnv(t, db)
		barrier := &listBarrier{Store: e.store}
		p1 := e.start(t, "p1", procOptions{store: barrier, scopes: noReactionScopes})
		p2 := e.start(t, "p2", procOptions{store: barrier, scopes: noReactionScopes})

		// One that ran to the end, long ago by the end of the test.
		doneTS, post, done := e.request(t, "U1", "extend acme trial")
		must(t, e.sb.Click("T1", "U1", "C1", post.TS, approval.ApproveActionID))
		must(t, e.sb.Click("T1", "U2", "C1", post.TS, approval.ApproveActionID))
		e.reply(t, doneTS, "trial of acme extended")
		e.drained(t)
		if e.state(t, done.ID) != approval.Done {
			t.Fatalf("state %s", e.state(t, done.ID))
		}
		stuckTS, stuck := e.startedThenDied(t, "delete account acme", "U2", "U3")

		// Within the bound nothing is interrupted.
		e.clock.Add(10 * time.Minute)
		recentTS, recent := e.startedThenDied(t, "delete account other", "U2", "U3")
		if n, err := p1.approvals.InterruptStale(ctx, e.clock.Now()); err != nil || n != 0 {
			t.Fatalf("interrupted %d within the bound, %v", n, err)
		}

		// Past it, two processes sweep at once, each having listed it as
		// stale: one reports it.
		e.clock.Add(6 * time.Minute)
		sweeps := []*approvalProc{p1, p2, p1, p2}
		barrier.arm(len(sweeps))
		var total atomic.Int64
		var wg sync.WaitGroup
		for _, p := range sweeps {
			wg.Go(func() {
				n, err := p.approvals.InterruptStale(ctx, e.clock.Now())
				if err != nil {
					t.Error(err)
				}
				total.Add(int64(n))
			})
		}
		wg.Wait()
		if n := total.Load(); n != 1 {
			t.Fatalf("the sweeps interrupted %d requests, want 1", n)
		}
		for id, want := range map[string]approval.State{stuck.ID: approval.Interrupted, recent.ID: approval.Running, done.ID: approval.Done} {
			if got := e.state(t, id); got != want {
				t.Fatalf("%s is %s, want %s", id, got, want)
			}
		}
		msg := e.reply(t, stuckTS, "was interrupted")
		for _, want := range []string{"`delete account acme`", "asked by <@U1>", "outcome is unknown", "will not be run again",
			"Check the target of the command before you run it again"} {
			if !strings.Contains(msg.Text, want) {
				t.Fatalf("interruption note %q lacks %q", msg.Text, want)
			}
		}
		if n := e.replies(stuckTS, "was interrupted"); n != 1 {
			t.Fatalf("%d interruption notes in the thread", n)
		}
		if e.replies(recentTS, "was interrupted")+e.replies(doneTS, "was interrupted") != 0 {
			t.Fatal("a live or finished request was reported interrupted")
		}
		if e.ran("delete") != 0 {
			t.Fatal("the interrupted command ran again")
		}
		got, err := e.store.Approval(ctx, stuck.ID)
		must(t, err)
		if !strings.HasPrefix(got.Result, "outcome unknown") || got.FinishedAt.IsZero() || got.StartedAt.IsZero() {
			t.Fatalf("interrupted request = %+v", got)
		}
		hist := e.history(t, stuck.ID)
		if n := strings.Count(strings.Join(hist, " "), "interrupted"); n != 1 || hist[len(hist)-1] != "interrupted" {
			t.Fatalf("history = %v", hist)
		}
		invs, err := e.store.RecentInvocations(ctx, "T1", 50)
		must(t, err)
		interrupted := 0
		for _, inv := range invs {
			if inv.Verdict == router.Interrupted {
				interrupted++
				if inv.MessageTS != stuckTS || inv.UserID != "U1" || inv.Result != "unknown" {
					t.Fatalf("interruption record = %+v", inv)
				}
			}
		}
		if interrupted != 1 {
			t.Fatalf("%d interruption records", interrupted)
		}
		// The request post says how it ended.
		e.postSays(t, stuckTS, stuck.PostTS, "Interrupted: the outcome of the run is unknown.")

		// Later sweeps leave it be; `approvals` shows both runs.
		if n, err := p2.approvals.InterruptStale(ctx, e.clock.Now()); err != nil || n != 0 {
			t.Fatalf("a later sweep interrupted %d, %v", n, err)
		}
		lts := e.ask(t, "U2", "approvals")
		listing := e.reply(t, lts, "Approved runs here").Text
		for _, want := range []string{stuck.ID + " `delete account acme` asked by <@U1>: *interrupted*, outcome unknown",
			recent.ID + " `delete account other` asked by <@U1>: running for 6m0s"} {
			if !strings.Contains(listing, want) {
				t.Fatalf("approvals listing %q lacks %q", listing, want)
			}
		}
		if strings.Contains(listing, done.ID) {
			t.Fatalf("approvals lists a finished request: %q", listing)
		}
	})
}

func TestApprovalsRunSweepsInterruptedRunsAtStart(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{scopes: noReactionScopes})
	ts, ar := e.startedThenDied(t, "delete account acme", "U2", "U3")
	e.clock.Add(approval.DefaultRunTimeout + time.Second)
	e.runUntilReply(t, p, ts, "was interrupted")
	if e.state(t, ar.ID) != approval.Interrupted || e.ran("delete") != 0 {
		t.Fatalf("state %s, runs %d", e.state(t, ar.ID), e.ran("delete"))
	}
}

func TestApprovalsSlowRunKeepsItsOutcome(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	defer e.releaseSlow()
	p := e.start(t, "p1", procOptions{scopes: noReactionScopes})
	ts, ar := e.startSlowRun(t)
	// It outlasts the bound while still running: declared interrupted.
	e.clock.Add(approval.DefaultRunTimeout + time.Second)
	if n, err := p.approvals.InterruptStale(context.Background(), e.clock.Now()); err != nil || n != 1 {
		t.Fatalf("interrupted %d, %v", n, err)
	}
	e.reply(t, ts, "was interrupted")
	// It then finishes: the real outcome replaces the unknown one.
	e.releaseSlow()
	e.reply(t, ts, "account acme migrated")
	e.reply(t, ts, "`migrate acme` finished after all, after it was reported interrupted: ok")
	e.eventually(t, "outcome recorded", func() bool { return e.state(t, ar.ID) == approval.Done })
	e.drained(t)
	if e.ran("migrate") != 1 {
		t.Fatalf("ran %d times", e.ran("migrate"))
	}
	got, err := e.store.Approval(context.Background(), ar.ID)
	must(t, err)
	if got.Result != "ok; finished after being declared interrupted" {
		t.Fatalf("result = %q", got.Result)
	}
	if hist := strings.Join(e.history(t, ar.ID), " "); !strings.HasSuffix(hist, "started interrupted ran:U1") {
		t.Fatalf("history = %s", hist)
	}
}

// A command still running sends heartbeats, so however long it runs the
// sweep does not take its process for dead.
func TestApprovalsHeartbeatKeepsALongRunGoing(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	defer e.releaseSlow()
	p := e.start(t, "p1", procOptions{scopes: noReactionScopes, keepAlive: 5 * time.Millisecond})
	ts, ar := e.startSlowRun(t)
	for range 3 {
		e.clock.Add(approval.DefaultRunTimeout + time.Second)
		now := e.clock.Now()
		e.eventually(t, "a heartbeat at the new time", func() bool {
			got, err := e.store.Approval(context.Background(), ar.ID)
			must(t, err)
			return !got.AliveAt.Before(now)
		})
		if n, err := p.approvals.InterruptStale(context.Background(), e.clock.Now()); err != nil || n != 0 {
			t.Fatalf("interrupted %d, %v; want none while it runs", n, err)
		}
	}
	e.releaseSlow()
	e.reply(t, ts, "account acme migrated")
	e.eventually(t, "outcome recorded", func() bool { return e.state(t, ar.ID) == approval.Done })
	got, err := e.store.Approval(context.Background(), ar.ID)
	must(t, err)
	if got.Result != "ok" {
		t.Fatalf("result = %q", got.Result)
	}
	if hist := strings.Join(e.history(t, ar.ID), " "); strings.Contains(hist, "interrupted") {
		t.Fatalf("history = %s", hist)
	}
}

func TestApprovalsRefuseHeartbeatsSlowerThanTheRunTimeout(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	rt := router.New(router.Options{Authorizer: e.grants, Now: e.clock.Now})
	_, err := approval.New(approval.Options{Store: e.store, Router: rt, Chat: slackbot.NewSlackChat("xoxb-1", slackbot.SlackChatOptions{APIURL: e.sb.APIURL()}),
		RunTimeout: time.Minute, KeepAliveEvery: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "KeepAliveEvery") {
		t.Fatalf("heartbeats as slow as the timeout: %v; want an error naming KeepAliveEvery", err)
	}
}
