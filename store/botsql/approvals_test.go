package botsql

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func newApproval(id string, needed int, created time.Time) bot.ApprovalRequest {
	return bot.ApprovalRequest{ID: id, TeamID: "T1", ChannelID: "C1", MessageTS: "1.1", ThreadTS: "1.1", CallerID: "U1",
		Text: "delete account acme", Command: "delete account <subdomain>", Needed: needed, Permission: "DELETE",
		Mode: bot.ByReaction, DryRun: "would delete acme ✓", CreatedAt: created, ExpiresAt: created.Add(time.Hour)}
}

func vote(user string, at time.Time) bot.ApprovalVote {
	return bot.ApprovalVote{UserID: user, Kind: bot.VoteApprove, Via: "reaction", At: at}
}

func TestApprovalVotesAndCompareAndSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
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
		if err != nil || got.ID != "a1" || got.State != bot.ApprovalPending || got.DryRun != a.DryRun || !got.ExpiresAt.Equal(a.ExpiresAt) {
			t.Fatalf("by post = %+v, %v", got, err)
		}
		if _, err := s.ApprovalByPost(ctx, "T1", "C1", "9.9"); !errors.Is(err, bot.ErrApprovalNotFound) {
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
		list, err := s.ListApprovals(ctx, bot.ApprovalFilter{TeamID: "T1", States: []bot.ApprovalState{bot.ApprovalPending}})
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
		if ok, err := s.SettleApproval(ctx, "a1", bot.ApprovalRunning, bot.ApprovalDone, "ok", t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("settle = %v, %v", ok, err)
		}
		if ok, _ := s.SettleApproval(ctx, "a1", bot.ApprovalPending, bot.ApprovalExpired, "expired", t0); ok {
			t.Fatal("expired a finished request")
		}
		got, err = s.Approval(ctx, "a1")
		if err != nil || got.State != bot.ApprovalDone || got.Result != "ok" || got.FinishedAt.IsZero() {
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
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
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
		all, err := s.ListApprovals(ctx, bot.ApprovalFilter{})
		if err != nil || len(all) != 2 || all[0].ID != "new" {
			t.Fatalf("list = %+v, %v", all, err)
		}
		if other, _ := s.ListApprovals(ctx, bot.ApprovalFilter{TeamID: "T2"}); len(other) != 0 {
			t.Fatalf("other team sees %d", len(other))
		}
		for _, k := range []string{"requested", "approved", "expired"} {
			if err := s.RecordApprovalEvent(ctx, bot.ApprovalEvent{RequestID: "old", Kind: k, UserID: "U1", Detail: "d", At: t0}); err != nil {
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
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		if _, err := s.CreateApproval(ctx, newApproval("race", 1, t0)); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"U1", "U2"} {
			if _, err := s.AddApprovalVote(ctx, "race", vote(u, t0)); err != nil {
				t.Fatal(err)
			}
		}
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := s.StartApproval(ctx, "race", t0)
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
			t.Fatalf("%d winners", n)
		}
	})
}

func TestReopenApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		if _, err := s.CreateApproval(ctx, newApproval("re", 1, t0)); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"U1", "U2"} {
			if _, err := s.AddApprovalVote(ctx, "re", vote(u, t0)); err != nil {
				t.Fatal(err)
			}
		}
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
		if err != nil || a.State != bot.ApprovalPending || !a.FinishedAt.IsZero() {
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
