package httpcommandsql_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/store/httpcommandsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Of concurrent claims of one request id, on two ledgers sharing a
// database as two processes would, exactly one wins; every other claim,
// then and later, reads the winner's record and its outcome, which is
// set once.
func TestClaimRunHasOneWinner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a, err := httpcommandsql.Open(ctx, db)
		must(t, err)
		b, err := httpcommandsql.Open(ctx, db)
		must(t, err)
		at := time.Unix(1700000000, 0)
		run := httpcommand.Run{RequestID: "r1", Command: "refund <invoice>", Endpoint: "https://billing.internal/refund",
			TeamID: "T1", ChannelID: "C1", UserID: "U1", ClaimedAt: at}
		const n = 16
		var wins sync.WaitGroup
		won := make(chan bool, n)
		for i := range n {
			l := a
			if i%2 == 1 {
				l = b
			}
			wins.Go(func() {
				stored, ok, err := l.ClaimRun(ctx, run)
				if err != nil || stored.Outcome != httpcommand.OutcomeSending || stored.Command != run.Command {
					t.Errorf("claim: %+v, %v", stored, err)
				}
				won <- ok
			})
		}
		wins.Wait()
		close(won)
		winners := 0
		for ok := range won {
			if ok {
				winners++
			}
		}
		if winners != 1 {
			t.Fatalf("%d claims won, want exactly 1", winners)
		}

		must(t, a.FinishRun(ctx, "r1", httpcommand.OutcomeUnknown, "no answer within 10s", at.Add(10*time.Second)))
		must(t, b.FinishRun(ctx, "r1", httpcommand.OutcomeOK, "200 OK", at.Add(11*time.Second)))
		stored, ok, err := b.ClaimRun(ctx, run)
		must(t, err)
		if ok || stored.Outcome != httpcommand.OutcomeUnknown || stored.Detail != "no answer within 10s" ||
			!stored.ClaimedAt.Equal(at) || !stored.FinishedAt.Equal(at.Add(10*time.Second)) {
			t.Fatalf("a claim after the outcome: %+v won=%v; want the first outcome, never replaced", stored, ok)
		}
		if err := a.FinishRun(ctx, "nope", httpcommand.OutcomeOK, "", at); !errors.Is(err, httpcommand.ErrRunNotFound) {
			t.Errorf("finish an unknown run: %v", err)
		}
		if _, err := a.LookupRun(ctx, "nope"); !errors.Is(err, httpcommand.ErrRunNotFound) {
			t.Errorf("look up an unknown run: %v", err)
		}
	})
}

// Pruning deletes old runs with an outcome, never one still sending.
func TestPruneRunsKeepsRunsWithoutOutcome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		l, err := httpcommandsql.Open(ctx, db)
		must(t, err)
		old := time.Unix(1700000000, 0)
		for _, id := range []string{"done", "sending", "recent"} {
			at := old
			if id == "recent" {
				at = old.Add(48 * time.Hour)
			}
			_, _, err := l.ClaimRun(ctx, httpcommand.Run{RequestID: id, ClaimedAt: at})
			must(t, err)
		}
		must(t, l.FinishRun(ctx, "done", httpcommand.OutcomeOK, "200 OK", old))
		must(t, l.FinishRun(ctx, "recent", httpcommand.OutcomeOK, "200 OK", old))
		n, err := l.PruneRuns(ctx, old.Add(24*time.Hour))
		must(t, err)
		if n != 1 {
			t.Fatalf("pruned %d runs, want 1", n)
		}
		if _, err := l.LookupRun(ctx, "done"); !errors.Is(err, httpcommand.ErrRunNotFound) {
			t.Errorf("the old finished run survived: %v", err)
		}
		for _, id := range []string{"sending", "recent"} {
			if _, err := l.LookupRun(ctx, id); err != nil {
				t.Errorf("run %s: %v", id, err)
			}
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// PruneEvery prunes at once, keeps at least a day, and returns when its
// context ends.
func TestPruneEvery(t *testing.T) {
	ctx := context.Background()
	l, err := httpcommandsql.Open(ctx, storetest.SQLite(t))
	must(t, err)
	for id, age := range map[string]time.Duration{"old": 72 * time.Hour, "young": 2 * time.Hour} {
		_, _, err := l.ClaimRun(ctx, httpcommand.Run{RequestID: id, ClaimedAt: time.Now().Add(-age)})
		must(t, err)
		must(t, l.FinishRun(ctx, id, httpcommand.OutcomeOK, "200 OK", time.Now()))
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.PruneEvery(pctx, time.Hour, time.Minute, slog.New(slog.DiscardHandler)) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := l.LookupRun(ctx, "old"); errors.Is(err, httpcommand.ErrRunNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old run was not pruned")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("PruneEvery = %v", err)
	}
	if _, err := l.LookupRun(ctx, "young"); err != nil {
		t.Fatalf("a run younger than a day was pruned with keep=1m: %v", err)
	}
}
