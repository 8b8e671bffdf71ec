//go:build vitess

package vitess_test

import (
	"context"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// refShard is the unsharded keyspace's one shard.
const refShard = "bastion_ref/0"

// oneConnection limits db to one connection, so that each statement is
// prepared once (database/sql prepares a statement on every connection it
// runs on, and vtgate's prepare reads a shard) and the counts of a test
// that runs one thing at a time are exact.
func oneConnection(db *sqldb.DB) *sqldb.DB {
	db.SetMaxOpenConns(1)
	return db
}

// channelOf returns a demo channel in team.
func channelOf(team string) string {
	if team == demo.TeamOther {
		return demo.ChannelSupport
	}
	return demo.ChannelGeneral
}

// An authoritative check of one user sends one query to the shard holding
// the user and none to the other: vtgate's own counters say so. The
// current revision comes from the unsharded keyspace in the same
// statement (one query there). The first check of a user reads its
// version and then its rows; later ones read only the version.
func TestACheckReadsOneShard(t *testing.T) {
	db := oneConnection(storetest.Vitess(t))
	st := demoStore(t, db)
	ctx := context.Background()
	e := newEngine(t, st)
	// Prepare the statements first: vtgate answers a prepare by asking a
	// shard for the columns, which would count here.
	warm := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UWARM", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}}
	if _, err := e.Check(ctx, warm); err != nil {
		t.Fatal(err)
	}
	all := shards(t, db)
	if len(all) != 2 {
		t.Fatalf("bastion has shards %v; the test cluster has two", all)
	}
	byShard := usersByShard(t, db)
	for _, shard := range all {
		if len(byShard[shard]) == 0 {
			t.Fatalf("no demo user lives on %s (%v)", shard, byShard)
		}
		user := byShard[shard][0]
		team := teamOf(t, user)
		req := authz.EligibilityRequest{TeamID: team, UserID: user, EntityID: channelOf(team), Permissions: []string{"ARCHIVE_CHANNEL"}}
		for _, pass := range []struct {
			name  string
			reads int64 // statements: versions, then the rows of a user not in memory
		}{{"first check", 2}, {"second check", 1}} {
			calls := callsDuring(t, func() {
				if _, err := e.Check(ctx, req); err != nil {
					t.Fatalf("check %s: %v", user, err)
				}
			})
			want := map[string]int64{shard: pass.reads, refShard: pass.reads}
			if describe(calls) != describe(want) {
				t.Errorf("%s of %s (on %s): vtgate called %s; want %s", pass.name, user, shard, describe(calls), describe(want))
			}
		}
	}
}

// A batch of checks of users on both shards reads each shard once (one
// statement, which vtgate splits by shard), and the revision once.
func TestABatchReadsEachShardOnce(t *testing.T) {
	db := oneConnection(storetest.Vitess(t))
	st := demoStore(t, db)
	ctx := context.Background()
	var reqs []authz.EligibilityRequest
	for _, u := range demo.Users() {
		reqs = append(reqs, authz.EligibilityRequest{TeamID: u.Team, UserID: u.ID, EntityID: channelOf(u.Team), Permissions: []string{"ARCHIVE_CHANNEL"}})
	}
	all := shards(t, db)
	byShard := usersByShard(t, db)
	for _, s := range all {
		if len(byShard[s]) == 0 {
			t.Fatalf("no demo user lives on %s: the batch would not span both shards", s)
		}
	}
	// Prepare the statements of this batch size on an engine of their own.
	for i, r := range newEngine(t, st).CheckBatch(ctx, reqs) {
		if r.Err != nil {
			t.Fatalf("check of %s: %v", reqs[i].UserID, r.Err)
		}
	}
	e := newEngine(t, st)
	for _, pass := range []struct {
		name  string
		reads int64
	}{{"first batch", 2}, {"second batch", 1}} {
		var results []authz.BatchResult
		calls := callsDuring(t, func() { results = e.CheckBatch(ctx, reqs) })
		for i, r := range results {
			if r.Err != nil {
				t.Fatalf("%s: check of %s: %v", pass.name, reqs[i].UserID, r.Err)
			}
		}
		want := map[string]int64{refShard: pass.reads}
		for _, s := range all {
			want[s] = pass.reads
		}
		if describe(calls) != describe(want) {
			t.Errorf("%s of %d users: vtgate called %s; want %s", pass.name, len(reqs), describe(calls), describe(want))
		}
	}
	// The answers are those of single checks.
	for i, r := range e.CheckBatch(ctx, reqs) {
		one, err := e.Check(ctx, reqs[i])
		if err != nil {
			t.Fatal(err)
		}
		if r.Result.Decisions[0].Allowed != one.Decisions[0].Allowed {
			t.Errorf("%s: batch says %t, a single check %t", reqs[i].UserID, r.Result.Decisions[0].Allowed, one.Decisions[0].Allowed)
		}
	}
}
