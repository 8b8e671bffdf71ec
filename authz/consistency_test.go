package authz_test

import (
	"context"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Two engines on one database stand for two processes sharing a store.
func TestWritesOfOneProcessAreSeenByAnotherAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := newDemoEngine(t, db)
		b := newEngine(t, db, nil)
		if _, err := a.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.ChannelBackoffice, "test"); err != nil {
			t.Fatal(err)
		}
		wantAllowed(t, check(t, b, demo.TeamMain, "UMEMBER", demo.ChannelBackoffice, "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
		if _, err := a.Revoke(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.ChannelBackoffice, "test"); err != nil {
			t.Fatal(err)
		}
		if check(t, b, demo.TeamMain, "UMEMBER", demo.ChannelBackoffice, "ARCHIVE_CHANNEL").Allowed {
			t.Fatal("process b still allows after process a revoked")
		}

		// Reference data written by a: a new channel, a custom role, a
		// preference change; b sees each on its next check.
		if _, err := a.UpsertEntity(ctx, authz.Entity{ID: "C9", Type: authz.TypeChannel, ParentID: demo.TeamMain}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.PutRole(ctx, authz.Role{Name: "ARCHIVER", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.TeamMain}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Assign(ctx, "UMEMBER", "ARCHIVER", "C9", "test"); err != nil {
			t.Fatal(err)
		}
		wantAllowed(t, check(t, b, demo.TeamMain, "UMEMBER", "C9", "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
		// Editing the role's permission set takes effect in b too.
		if _, err := a.PutRole(ctx, authz.Role{Name: "ARCHIVER", Permissions: []string{"RENAME_CHANNEL"}, Scope: demo.TeamMain}, "test"); err != nil {
			t.Fatal(err)
		}
		if check(t, b, demo.TeamMain, "UMEMBER", "C9", "ARCHIVE_CHANNEL").Allowed {
			t.Fatal("role edit not seen by process b")
		}
		wantAllowed(t, check(t, b, demo.TeamMain, "UMEMBER", "C9", "RENAME_CHANNEL"), true, authz.RuleAllowIfHasPermission)
	})
}

func TestBoundedStalenessServesCacheForAtMostMaxStaleness(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	writer := newDemoEngine(t, db)
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	reader := newEngine(t, db, clock)
	req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral,
		Permissions: []string{"ARCHIVE_CHANNEL"}, Consistency: authz.Consistency{Mode: authz.BoundedStaleness}}
	first, err := reader.Check(ctx, req)
	if err != nil || !first.Allowed() || !first.Authoritative {
		t.Fatalf("first cached-mode check should read the store: %+v %v", first, err)
	}
	rev, err := writer.Revoke(ctx, "UCHANADMIN", "CHANNELS_ADMIN", demo.Enterprise, "test")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(500 * time.Millisecond)
	cached, err := reader.Check(ctx, req)
	if err != nil || !cached.Allowed() || cached.Authoritative {
		t.Fatalf("within the staleness bound the cached answer is expected: %+v %v", cached, err)
	}
	// A caller that knows about the revoke's revision gets a fresh answer.
	fresh := req
	fresh.Consistency.AtLeastRevision = rev
	if res, err := reader.Check(ctx, fresh); err != nil || res.Allowed() {
		t.Fatalf("at_least_revision %d must bypass the stale entry: %+v %v", rev, res, err)
	}
	// And past the bound, everybody does.
	if _, err := writer.Assign(ctx, "UCHANADMIN", "CHANNELS_ADMIN", demo.Enterprise, "test"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(1100 * time.Millisecond)
	if res, err := reader.Check(ctx, req); err != nil || !res.Allowed() {
		t.Fatalf("after the bound: %+v %v", res, err)
	}
	// Authoritative checks never use the cache.
	if _, err := writer.Revoke(ctx, "UCHANADMIN", "CHANNELS_ADMIN", demo.Enterprise, "test"); err != nil {
		t.Fatal(err)
	}
	req.Consistency = authz.Consistency{}
	if res, err := reader.Check(ctx, req); err != nil || res.Allowed() {
		t.Fatalf("authoritative after revoke: %+v %v", res, err)
	}
}

func TestStoreDownDenies(t *testing.T) {
	db := storetest.SQLite(t)
	e := newDemoEngine(t, db)
	db.Close()
	_, err := e.Check(context.Background(), authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}})
	if err == nil {
		t.Fatal("check with the store closed must fail, not allow")
	}
}
