package slackapp_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// fakeClock advances only when slept on.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// countingFetcher records every token it is asked about.
type countingFetcher struct {
	next  slackapp.ScopeFetcher
	calls map[string]int
}

func (f *countingFetcher) FetchScopes(ctx context.Context, token string) (slackapp.Scopes, error) {
	f.calls[token]++
	return f.next.FetchScopes(ctx, token)
}

// seedBackfill installs n single-record teams in the sandbox and the store
// with a token but no scope record, plus one team that has a scope record
// and one record without a token.
func seedBackfill(t *testing.T, f *fixture, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		team := fmt.Sprintf("TB%04d", i)
		if err := f.sb.AddTeam(sandbox.Team{ID: team}); err != nil {
			t.Fatal(err)
		}
		token, err := f.sb.InstallApp(team, "chat:write", "commands")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.store.SaveInstallation(ctx, slackapp.Installation{ID: team, TeamID: team, BotToken: token, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	done := slackapp.Installation{ID: "TA-done", TeamID: "TA", BotToken: "xoxb-done", Active: true, ScopesUpdatedAt: f.now}
	noToken := slackapp.Installation{ID: "TC-notoken", TeamID: "TC", Active: true}
	for _, in := range []slackapp.Installation{done, noToken} {
		if err := f.store.SaveInstallation(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBackfillBatchesAndPaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		seedBackfill(t, f, 250)
		clock := &fakeClock{now: f.now}
		fetch := &countingFetcher{next: f.svc, calls: map[string]int{}}
		var batches []slackapp.BackfillProgress
		b := slackapp.NewBackfiller(f.store, fetch, slackapp.BackfillOptions{BatchSize: 100, Pause: 10 * time.Second, Clock: clock,
			Progress: func(p slackapp.BackfillProgress) { batches = append(batches, p) }})
		p, err := b.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 250 || p.Done != 250 || p.Updated != 250 || p.Failed != 0 || p.Batches != 3 || len(fetch.calls) != 250 {
			t.Fatalf("progress = %+v, %d tokens asked", p, len(fetch.calls))
		}
		if len(batches) != 3 || batches[0].Done != 100 || batches[1].Done != 200 || batches[2].Done != 250 {
			t.Fatalf("batches = %+v", batches)
		}
		if len(clock.sleeps) != 2 || clock.sleeps[0] != 10*time.Second || clock.sleeps[1] != 10*time.Second || p.Elapsed != 20*time.Second {
			t.Fatalf("sleeps = %v, elapsed %v", clock.sleeps, p.Elapsed)
		}
		if batches[0].ETA <= 0 || batches[2].ETA != 0 {
			t.Fatalf("eta = %v .. %v", batches[0].ETA, batches[2].ETA)
		}
		in, _ := f.store.Installation(context.Background(), "TB0123")
		if in.Scopes.String() != "commands,chat:write" || !in.ScopesUpdatedAt.Equal(f.now.Add(10*time.Second)) {
			t.Fatalf("backfilled record = %+v", in)
		}
		if left, _ := f.store.CountPendingScopes(context.Background(), ""); left != 0 {
			t.Fatalf("%d still pending", left)
		}
	})
}

func TestBackfillResumesAfterKill(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	seedBackfill(t, f, 250)
	fetch := &countingFetcher{next: f.svc, calls: map[string]int{}}
	ctx, kill := context.WithCancel(context.Background())
	first := slackapp.NewBackfiller(f.store, fetch, slackapp.BackfillOptions{BatchSize: 100, Clock: &fakeClock{},
		Progress: func(p slackapp.BackfillProgress) {
			if p.Batches == 2 {
				kill()
			}
		}})
	if _, err := first.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed run: %v", err)
	}
	if c, _ := f.store.Cursor(context.Background(), "backfill-scopes"); c != "TB0199" {
		t.Fatalf("cursor after kill = %q", c)
	}
	second := slackapp.NewBackfiller(f.store, fetch, slackapp.BackfillOptions{BatchSize: 100, Clock: &fakeClock{}})
	p, err := second.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 50 || p.Done != 50 {
		t.Fatalf("resumed run = %+v", p)
	}
	for token, n := range fetch.calls {
		if n != 1 {
			t.Fatalf("token %s asked %d times", token, n)
		}
	}
	if len(fetch.calls) != 250 {
		t.Fatalf("%d tokens asked, want 250", len(fetch.calls))
	}
	if c, _ := f.store.Cursor(context.Background(), "backfill-scopes"); c != "" {
		t.Fatalf("cursor after a finished run = %q", c)
	}
}

func TestBackfillWaitsOutRateLimits(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	seedBackfill(t, f, 5)
	f.sb.RateLimit("auth.test", 2, 3*time.Second)
	clock := &fakeClock{}
	b := slackapp.NewBackfiller(f.store, f.svc, slackapp.BackfillOptions{BatchSize: 2, Pause: time.Second, Clock: clock})
	p, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.RateLimited != 2 || p.Updated != 5 || p.Failed != 0 {
		t.Fatalf("progress = %+v", p)
	}
	want := []time.Duration{3 * time.Second, 3 * time.Second, time.Second, time.Second}
	if fmt.Sprint(clock.sleeps) != fmt.Sprint(want) {
		t.Fatalf("sleeps = %v, want %v", clock.sleeps, want)
	}
}

func TestBackfillSharedTeamAskedOnceAndRevokedCounted(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	token, _ := f.sb.InstallApp("T1", "users:read")
	for _, id := range []string{"T1-a", "T1-b", "T1-c"} {
		if err := f.store.SaveInstallation(ctx, slackapp.Installation{ID: id, TeamID: "T1", BotToken: token, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.SaveInstallation(ctx, slackapp.Installation{ID: "T2", TeamID: "T2", BotToken: "xoxb-revoked", Active: true}); err != nil {
		t.Fatal(err)
	}
	fetch := &countingFetcher{next: f.svc, calls: map[string]int{}}
	p, err := slackapp.NewBackfiller(f.store, fetch, slackapp.BackfillOptions{Clock: &fakeClock{}}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fetch.calls[token] != 1 || p.Updated != 1 || p.Failed != 1 {
		t.Fatalf("calls %v, progress %+v", fetch.calls, p)
	}
	for _, id := range []string{"T1-a", "T1-b", "T1-c"} {
		if in, _ := f.store.Installation(ctx, id); !in.Scopes.Has("users:read") {
			t.Fatalf("%s not filled", id)
		}
	}
}

func TestBackfillDryRunChangesNothing(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	seedBackfill(t, f, 30)
	fetch := &countingFetcher{next: f.svc, calls: map[string]int{}}
	clock := &fakeClock{}
	var first slackapp.BackfillProgress
	p, err := slackapp.NewBackfiller(f.store, fetch, slackapp.BackfillOptions{BatchSize: 10, Pause: 10 * time.Second, DryRun: true, Clock: clock,
		Progress: func(p slackapp.BackfillProgress) {
			if p.Batches == 1 {
				first = p
			}
		}}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Done != 30 || p.Batches != 3 || len(fetch.calls) != 0 || len(clock.sleeps) != 0 || first.ETA != 20*time.Second {
		t.Fatalf("dry run = %+v, first batch %+v, calls %d, sleeps %v", p, first, len(fetch.calls), clock.sleeps)
	}
	if n, _ := f.store.CountPendingScopes(context.Background(), ""); n != 30 {
		t.Fatalf("dry run changed the store: %d pending", n)
	}
}

func TestPacedDuration(t *testing.T) {
	if got := slackapp.PacedDuration(100_000, 100, 10*time.Second); got != 999*10*time.Second {
		t.Fatalf("paced = %v", got)
	}
	if slackapp.PacedDuration(100, 100, time.Hour) != 0 || slackapp.PacedDuration(0, 100, time.Hour) != 0 {
		t.Fatal("one batch needs no pause")
	}
}
