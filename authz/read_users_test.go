package authz_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/store/authzmetrics"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// countingStore counts the full user reads of a real store.
type countingStore struct {
	*authzsql.Store
	full atomic.Int64
}

func (c *countingStore) LoadUser(ctx context.Context, id string) (authz.UserRecord, error) {
	c.full.Add(1)
	return c.Store.LoadUser(ctx, id)
}

func (c *countingStore) LoadUsers(ctx context.Context, ids []string) ([]authz.UserRecord, error) {
	c.full.Add(int64(len(ids)))
	return c.Store.LoadUsers(ctx, ids)
}

// engineOn returns an engine with the built-in roles over st, with opts
// (none: the defaults).
func engineOn(t *testing.T, st authz.Store, opts ...authz.Options) *authz.Engine {
	t.Helper()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	var o authz.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	e, err := authz.NewEngine(context.Background(), st, cat, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// countedDemoEngine loads the demo organisation into db and returns an
// engine with opts over a store counting its full user reads.
func countedDemoEngine(t *testing.T, db *sqldb.DB, opts ...authz.Options) (*authz.Engine, *countingStore) {
	t.Helper()
	newDemoEngine(t, db)
	st, err := authzsql.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingStore{Store: st}
	return engineOn(t, counted, opts...), counted
}

// An authoritative check of a user already read reads only the user's
// version, and still sees another process's revoke at once.
func TestAuthoritativeChecksReadKnownUsersVersionOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		reader, counted := countedDemoEngine(t, db)
		writer := newEngine(t, db, nil)
		archive := func() authz.Result {
			t.Helper()
			res, err := reader.Check(ctx, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Authoritative {
				t.Fatalf("authoritative check answered as cached: %+v", res)
			}
			return res
		}
		if !archive().Allowed() || counted.full.Load() != 1 {
			t.Fatalf("first check: %d full reads, want 1", counted.full.Load())
		}
		again := archive()
		if !again.Allowed() || counted.full.Load() != 1 {
			t.Fatalf("second check of an unchanged user: %d full reads, want still 1", counted.full.Load())
		}
		rev, err := writer.Revoke(ctx, "UCHANADMIN", "CHANNELS_ADMIN", demo.Enterprise, "test")
		if err != nil {
			t.Fatal(err)
		}
		after := archive()
		if after.Allowed() || after.Revision < rev || counted.full.Load() != 2 {
			t.Fatalf("after another process's revoke at %d: allowed %v at %d, %d full reads (want denied, 2)", rev, after.Allowed(), after.Revision, counted.full.Load())
		}
		// A write to someone else leaves this user's version alone, but
		// the answer carries the newer revision.
		rev, err = writer.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.ChannelGeneral, "test")
		if err != nil {
			t.Fatal(err)
		}
		if res := archive(); res.Allowed() || res.Revision < rev || counted.full.Load() != 2 {
			t.Fatalf("after a write to another user: allowed %v at %d, %d full reads (want denied, at least %d, 2)", res.Allowed(), res.Revision, counted.full.Load(), rev)
		}
	})
}

// A store wrapper that cannot read versions (errors.ErrUnsupported) makes
// the engine read users in full, never answer from a stale memory.
func TestEngineWithoutVersionsReadsUsersInFull(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	writer := newDemoEngine(t, db)
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := authzmetrics.Instrument(oneAtATime{st}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	reader := engineOn(t, wrapped)
	req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}}
	for i := range 2 {
		if res, err := reader.Check(ctx, req); err != nil || !res.Allowed() {
			t.Fatalf("check %d: %+v %v", i, res, err)
		}
	}
	if _, err := writer.Revoke(ctx, "UCHANADMIN", "CHANNELS_ADMIN", demo.Enterprise, "test"); err != nil {
		t.Fatal(err)
	}
	if res, err := reader.Check(ctx, req); err != nil || res.Allowed() {
		t.Fatalf("after the revoke: %+v %v", res, err)
	}
	// A batch of several users is read one by one (the wrapper cannot
	// read them at once) and answers as single checks do.
	other := req
	other.UserID, other.EntityID, other.Permissions = "UOPS", demo.ChannelBackoffice, []string{"EXTEND_TRIAL"}
	batch := reader.CheckBatch(ctx, []authz.EligibilityRequest{req, other})
	if batch[0].Err != nil || batch[0].Result.Allowed() || batch[1].Err != nil || !batch[1].Result.Allowed() {
		t.Fatalf("batch through a wrapper without batch reads: %+v", batch)
	}
}

// A version read that finds a user unchanged renews the user's record for
// bounded-staleness checks too, so they keep being answered from memory.
func TestVersionMatchRenewsBoundedStaleness(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	newDemoEngine(t, db)
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	e := newEngine(t, db, clock)
	req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}}
	bounded := req
	bounded.Consistency.Mode = authz.BoundedStaleness
	if res, err := e.Check(ctx, req); err != nil || !res.Authoritative {
		t.Fatalf("first check: %+v %v", res, err)
	}
	clock.Advance(1500 * time.Millisecond) // past the 1 s bound
	if res, err := e.Check(ctx, req); err != nil || !res.Authoritative {
		t.Fatalf("authoritative check: %+v %v", res, err)
	}
	if res, err := e.Check(ctx, bounded); err != nil || res.Authoritative || !res.Allowed() {
		t.Fatalf("bounded check right after a matching version read: %+v %v; want it from memory", res, err)
	}
	clock.Advance(1500 * time.Millisecond)
	if res, err := e.Check(ctx, bounded); err != nil || !res.Authoritative {
		t.Fatalf("bounded check past the bound: %+v %v; want a store read", res, err)
	}
}

// With no users kept in memory every check reads its user in full.
func TestNoUsersInMemoryReadsEveryCheckInFull(t *testing.T) {
	ctx := context.Background()
	e, counted := countedDemoEngine(t, storetest.SQLite(t), authz.Options{UsersInMemory: -1})
	req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"},
		Consistency: authz.Consistency{Mode: authz.BoundedStaleness}}
	for i := range 3 {
		if res, err := e.Check(ctx, req); err != nil || !res.Allowed() || !res.Authoritative {
			t.Fatalf("check %d: %+v %v; want an allowed answer read from the store", i, res, err)
		}
	}
	if n := counted.full.Load(); n != 3 {
		t.Fatalf("%d full reads for 3 checks, want 3", n)
	}
}

// At the bound, the users verified longest ago are forgotten and the ones
// checked recently stay, answered from a version read.
func TestUsersInMemoryForgetsLeastRecentlyVerifiedAtTheBound(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	e, counted := countedDemoEngine(t, storetest.SQLite(t), authz.Options{UsersInMemory: 4, Now: clock.Now})
	checkUser := func(user string) {
		t.Helper()
		clock.Advance(time.Second)
		req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: user, EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}}
		if _, err := e.Check(ctx, req); err != nil {
			t.Fatalf("check %s: %v", user, err)
		}
	}
	fullReadsOf := func(users ...string) int64 {
		t.Helper()
		before := counted.full.Load()
		for _, u := range users {
			checkUser(u)
		}
		return counted.full.Load() - before
	}
	if n := fullReadsOf("UA", "UB", "UC", "UD"); n != 4 {
		t.Fatalf("first checks of 4 users: %d full reads", n)
	}
	// UC and UD are checked again, so UA and UB are now the least recent.
	if n := fullReadsOf("UC", "UD"); n != 0 {
		t.Fatalf("checks of kept users: %d full reads, want 0", n)
	}
	// A fifth user reaches the bound: UA and UB go, UC and UD stay.
	if n := fullReadsOf("UE"); n != 1 {
		t.Fatalf("fifth user: %d full reads", n)
	}
	if n := fullReadsOf("UC", "UD", "UE"); n != 0 {
		t.Fatalf("recently checked users after the eviction: %d full reads, want 0", n)
	}
	if n := fullReadsOf("UA"); n != 1 {
		t.Fatalf("a forgotten user: %d full reads, want 1", n)
	}
}
