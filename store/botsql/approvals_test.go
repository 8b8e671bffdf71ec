package botsql

import (
	"context"
	"errors"
	"github.com/bastionhq/bastion/internal/approval"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func newApproval(id string, needed int, created time.Time) approval.Request {
	return approval.Request{ID: id, TeamID: "T1", ChannelID: "C1", MessageTS: "1.1", ThreadTS: "1.1", CallerID: "U1",
		Text: "delete account acme", Command: "delete account <subdomain>", Needed: needed, Permission: "DELETE",
		Mode: approval.ByReaction, DryRun: "would delete acme ✓", CreatedAt: created, ExpiresAt: created.Add(time.Hour)}
}

func vote(user string, at time.Time) approval.Vote {
	return approval.Vote{UserID: user, Kind: approval.VoteApprove, Via: "reaction", At: at}
}

func openStore(t *testing.T, db *sqldb.DB) *Store {
	t.Helper()
	s, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// createApproved creates request id, needing one approval, created at at
// and approved by its caller U1 and by U2.
func createApproved(t *testing.T, s *Store, id string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	a := newApproval(id, 1, at)
	a.MessageTS = id
	if _, err := s.CreateApproval(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"U1", "U2"} {
		if _, err := s.AddApprovalVote(ctx, id, vote(u, at)); err != nil {
			t.Fatal(err)
		}
	}
}

// startApproved creates request id as createApproved does and starts it
// at at.
func startApproved(t *testing.T, s *Store, id string, at time.Time) {
	t.Helper()
	createApproved(t, s, id, at)
	if ok, err := s.StartApproval(context.Background(), id, at); err != nil || !ok {
		t.Fatalf("start %s = %v, %v", id, ok, err)
	}
}

// oneWinner runs f from 8 goroutines at once and fails unless exactly one
// of them reports a change.
func oneWinner(t *testing.T, what string, f func() (bool, error)) {
	t.Helper()
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ok, err := f()
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%s: %d of 8 concurrent calls changed it, want 1", what, n)
	}
}

func TestApprovalVotesAndCompareAndSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		t0 := time.Unix(1700000000, 0)
		a := newApproval("a1", 2, t0)
		if ok, err := s.CreateApproval(ctx, a); err != nil || !ok {
			t.Fatalf("create = %v, %v", ok, err)
		}
		if ok, err := s.CreateApproval(ctx, a); err != nil || ok {
			t.Fatalf("second create = %v, %v", ok, err)
		}
		if err := s.SetApprovalPost(ctx, "a1", "2.2"); err != nil {
			t.Fatal(err)
		}
		got, err := s.ApprovalByPost(ctx, "T1", "C1", "2.2")
		if err != nil || got.ID != "a1" || got.State != approval.Pending || got.DryRun != a.DryRun || !got.ExpiresAt.Equal(a.ExpiresAt) {
			t.Fatalf("by post = %+v, %v", got, err)
		}
		if _, err := s.ApprovalByPost(ctx, "T1", "C1", "9.9"); !errors.Is(err, approval.ErrNotFound) {
			t.Fatalf("unknown post: %v", err)
		}
		// Two others approve, a vote repeats: not enough without the caller.
		for _, u := range []string{"U2", "U3", "U2"} {
			if _, err := s.AddApprovalVote(ctx, "a1", vote(u, t0)); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := s.AddApprovalVote(ctx, "a1", vote("U2", t0)); ok {
			t.Fatal("a repeated vote reported a change")
		}
		if ok, err := s.StartApproval(ctx, "a1", t0); err != nil || ok {
			t.Fatalf("start without the caller = %v, %v", ok, err)
		}
		// The caller approves, one other withdraws: still one short.
		if _, err := s.AddApprovalVote(ctx, "a1", vote("U1", t0)); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.RemoveApprovalVote(ctx, "a1", "U3"); err != nil || !ok {
			t.Fatalf("withdraw = %v, %v", ok, err)
		}
		if ok, _ := s.RemoveApprovalVote(ctx, "a1", "U3"); ok {
			t.Fatal("a second withdrawal reported a change")
		}
		if ok, err := s.StartApproval(ctx, "a1", t0); err != nil || ok {
			t.Fatalf("start one short = %v, %v", ok, err)
		}
		list, err := s.ListApprovals(ctx, approval.Filter{TeamID: "T1", States: []approval.State{approval.Pending}})
		if err != nil || len(list) != 1 || list[0].Approvals != 1 || !list[0].CallerApproved {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if _, err := s.AddApprovalVote(ctx, "a1", vote("U3", t0)); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.StartApproval(ctx, "a1", t0.Add(2*time.Hour)); err != nil || ok {
			t.Fatalf("start after expiry = %v, %v", ok, err)
		}
		if ok, err := s.StartApproval(ctx, "a1", t0); err != nil || !ok {
			t.Fatalf("start = %v, %v", ok, err)
		}
		if ok, _ := s.StartApproval(ctx, "a1", t0); ok {
			t.Fatal("started twice")
		}
		// Votes on a request that is no longer pending change nothing.
		if ok, _ := s.RemoveApprovalVote(ctx, "a1", "U2"); ok {
			t.Fatal("withdrew after start")
		}
		if ok, _ := s.AddApprovalVote(ctx, "a1", vote("U4", t0)); ok {
			t.Fatal("voted after start")
		}
		if ok, err := s.SettleApproval(ctx, "a1", approval.Running, approval.Done, "ok", t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("settle = %v, %v", ok, err)
		}
		if ok, _ := s.SettleApproval(ctx, "a1", approval.Pending, approval.Expired, "expired", t0); ok {
			t.Fatal("expired a finished request")
		}
		got, err = s.Approval(ctx, "a1")
		if err != nil || got.State != approval.Done || got.Result != "ok" || got.FinishedAt.IsZero() {
			t.Fatalf("after settle = %+v, %v", got, err)
		}
		votes, err := s.ApprovalVotes(ctx, "a1")
		if err != nil || len(votes) != 3 {
			t.Fatalf("votes = %+v, %v", votes, err)
		}
	})
}

func TestApprovalDueListAndEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		t0 := time.Unix(1700000000, 0)
		for i, id := range []string{"old", "new"} {
			a := newApproval(id, 1, t0.Add(time.Duration(i)*time.Hour))
			a.MessageTS = id
			if _, err := s.CreateApproval(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		due, err := s.DueApprovals(ctx, t0.Add(90*time.Minute), 10)
		if err != nil || len(due) != 1 || due[0].ID != "old" {
			t.Fatalf("due = %+v, %v", due, err)
		}
		all, err := s.ListApprovals(ctx, approval.Filter{})
		if err != nil || len(all) != 2 || all[0].ID != "new" {
			t.Fatalf("list = %+v, %v", all, err)
		}
		if other, _ := s.ListApprovals(ctx, approval.Filter{TeamID: "T2"}); len(other) != 0 {
			t.Fatalf("other team sees %d", len(other))
		}
		for _, k := range []string{"requested", "approved", "expired"} {
			if err := s.RecordApprovalEvent(ctx, approval.Event{RequestID: "old", Kind: k, UserID: "U1", Detail: "d", At: t0}); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := s.ApprovalEvents(ctx, "old")
		if err != nil || len(evs) != 3 || evs[0].Kind != "requested" || evs[2].Kind != "expired" || !evs[1].At.Equal(t0) {
			t.Fatalf("events = %+v, %v", evs, err)
		}
	})
}

func TestConcurrentStartsHaveOneWinner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		t0 := time.Now()
		createApproved(t, s, "race", t0)
		oneWinner(t, "start", func() (bool, error) { return s.StartApproval(ctx, "race", t0) })
	})
}

func TestReopenApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		t0 := time.Now()
		createApproved(t, s, "re", t0)
		if ok, err := s.ReopenApproval(ctx, "re", []string{"U2"}); err != nil || ok {
			t.Fatalf("reopen of a pending request = %v, %v", ok, err)
		}
		if ok, err := s.StartApproval(ctx, "re", t0); err != nil || !ok {
			t.Fatalf("start = %v, %v", ok, err)
		}
		if ok, err := s.ReopenApproval(ctx, "re", []string{"U2"}); err != nil || !ok {
			t.Fatalf("reopen = %v, %v", ok, err)
		}
		a, err := s.Approval(ctx, "re")
		if err != nil || a.State != approval.Pending || !a.FinishedAt.IsZero() {
			t.Fatalf("after reopen = %+v, %v", a, err)
		}
		if votes, _ := s.ApprovalVotes(ctx, "re"); len(votes) != 1 || votes[0].UserID != "U1" {
			t.Fatalf("votes = %+v", votes)
		}
		if ok, _ := s.StartApproval(ctx, "re", t0); ok {
			t.Fatal("started without the withdrawn vote")
		}
	})
}

func TestInterruptStaleRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		t0 := time.Unix(1700000000, 0)
		startApproved(t, s, "stuck", t0)
		startApproved(t, s, "recent", t0.Add(20*time.Minute))
		startApproved(t, s, "finished", t0)
		if ok, err := s.SettleApproval(ctx, "finished", approval.Running, approval.Done, "ok", t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("settle = %v, %v", ok, err)
		}
		got, err := s.Approval(ctx, "stuck")
		if err != nil || !got.StartedAt.Equal(t0) {
			t.Fatalf("started at = %v, %v", got.StartedAt, err)
		}

		cutoff := t0.Add(25*time.Minute - 15*time.Minute)
		stale, err := s.StaleApprovals(ctx, cutoff, 10)
		if err != nil || len(stale) != 1 || stale[0].ID != "stuck" {
			t.Fatalf("stale = %+v, %v", stale, err)
		}
		oneWinner(t, "interrupt", func() (bool, error) {
			return s.InterruptApproval(ctx, "stuck", cutoff, "outcome unknown", t0.Add(25*time.Minute))
		})
		for id, want := range map[string]approval.State{"stuck": approval.Interrupted, "recent": approval.Running, "finished": approval.Done} {
			if ok, err := s.InterruptApproval(ctx, id, cutoff, "again", t0.Add(time.Hour)); err != nil || ok {
				t.Fatalf("interrupt %s again = %v, %v", id, ok, err)
			}
			got, err := s.Approval(ctx, id)
			if err != nil || got.State != want {
				t.Fatalf("%s = %s, %v; want %s", id, got.State, err, want)
			}
		}
		got, _ = s.Approval(ctx, "stuck")
		if got.Result != "outcome unknown" || !got.FinishedAt.Equal(t0.Add(25*time.Minute)) {
			t.Fatalf("interrupted = %+v", got)
		}
		// A cutoff past the recent start: only then is it stale.
		if stale, _ := s.StaleApprovals(ctx, t0.Add(20*time.Minute), 10); len(stale) != 0 {
			t.Fatalf("a run started at the cutoff is stale: %+v", stale)
		}
		if stale, _ := s.StaleApprovals(ctx, t0.Add(21*time.Minute), 10); len(stale) != 1 || stale[0].ID != "recent" {
			t.Fatalf("stale after its bound = %+v", stale)
		}
		// A run reopened and started again is judged by its new start.
		if ok, err := s.ReopenApproval(ctx, "recent", nil); err != nil || !ok {
			t.Fatalf("reopen = %v, %v", ok, err)
		}
		if ok, err := s.StartApproval(ctx, "recent", t0.Add(40*time.Minute)); err != nil || !ok {
			t.Fatalf("restart = %v, %v", ok, err)
		}
		if ok, _ := s.InterruptApproval(ctx, "recent", t0.Add(21*time.Minute), "stale view", t0.Add(41*time.Minute)); ok {
			t.Fatal("interrupted a run started after the cutoff")
		}
		// A run started before start times were recorded counts from its
		// deadline, the latest it can have started.
		if _, err := db.ExecContext(ctx, "UPDATE bot_approvals SET started_at = 0 WHERE id = 'recent'"); err != nil {
			t.Fatal(err)
		}
		deadline := t0.Add(20*time.Minute + time.Hour)
		if stale, _ := s.StaleApprovals(ctx, deadline, 10); len(stale) != 0 {
			t.Fatalf("an unknown start is stale before its deadline: %+v", stale)
		}
		if ok, err := s.InterruptApproval(ctx, "recent", deadline.Add(time.Nanosecond), "unknown start", deadline); err != nil || !ok {
			t.Fatalf("interrupt after the deadline = %v, %v", ok, err)
		}
	})
}

// A heartbeat keeps a running request from counting as stale; a request
// sent back to pending forgets it, and a finished one takes none.
func TestHeartbeatsKeepRunsFromBeingInterrupted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := openStore(t, db)
		t0 := time.Unix(1700000000, 0)
		startApproved(t, s, "slow", t0)
		if ok, err := s.KeepApprovalAlive(ctx, "slow", t0.Add(20*time.Minute)); err != nil || !ok {
			t.Fatalf("heartbeat = %v, %v", ok, err)
		}
		if got, err := s.Approval(ctx, "slow"); err != nil || !got.AliveAt.Equal(t0.Add(20*time.Minute)) || !got.StartedAt.Equal(t0) {
			t.Fatalf("after a heartbeat = %+v, %v", got, err)
		}
		// Started before this cutoff, but heard of after it: not stale.
		cutoff := t0.Add(15 * time.Minute)
		if stale, err := s.StaleApprovals(ctx, cutoff, 10); err != nil || len(stale) != 0 {
			t.Fatalf("stale despite a heartbeat = %+v, %v", stale, err)
		}
		if ok, err := s.InterruptApproval(ctx, "slow", cutoff, "unknown", cutoff); err != nil || ok {
			t.Fatalf("interrupt despite a heartbeat = %v, %v", ok, err)
		}
		// Heard of no more: stale from its last heartbeat on.
		if ok, err := s.InterruptApproval(ctx, "slow", t0.Add(21*time.Minute), "unknown", t0.Add(21*time.Minute)); err != nil || !ok {
			t.Fatalf("interrupt after the heartbeats stopped = %v, %v", ok, err)
		}
		if ok, err := s.KeepApprovalAlive(ctx, "slow", t0.Add(22*time.Minute)); err != nil || ok {
			t.Fatalf("heartbeat of an interrupted run = %v, %v; want no change", ok, err)
		}

		startApproved(t, s, "again", t0)
		if ok, _ := s.KeepApprovalAlive(ctx, "again", t0.Add(time.Hour)); !ok {
			t.Fatal("heartbeat failed")
		}
		if ok, err := s.ReopenApproval(ctx, "again", nil); err != nil || !ok {
			t.Fatalf("reopen = %v, %v", ok, err)
		}
		if got, _ := s.Approval(ctx, "again"); !got.AliveAt.IsZero() || !got.StartedAt.IsZero() {
			t.Fatalf("a reopened request keeps its run's times: %+v", got)
		}
	})
}

func TestStartTimesMigrateExistingRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// A database as the release before start times left it.
		if err := sqldb.Migrate(ctx, db, component, migrations[:2]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO bot_approvals (id, team_id, channel_id, message_ts, thread_ts, caller_id, text,
			command, needed, permission, mode, dry_run, state, result, created_at, expires_at)
			VALUES ('old', 'T1', 'C1', '1.1', '1.1', 'U1', 'delete account acme', 'delete account <subdomain>', 1, '', 'reactions', '',
			'running', '', 1, 2)`); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Approval(ctx, "old")
		if err != nil || got.State != approval.Running || !got.StartedAt.IsZero() {
			t.Fatalf("after migration = %+v, %v", got, err)
		}
		if stale, err := s.StaleApprovals(ctx, time.Unix(0, 3), 10); err != nil || len(stale) != 1 {
			t.Fatalf("stale = %+v, %v", stale, err)
		}
	})
}
