package authz_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// restoreSetup is the repro of a store going back in time: the demo
// organisation with UMEMBER (a member of T1) holding CHANNELS_ADMIN on T2,
// a backup taken then, and #general (C1) moved from T1 into T2 afterwards,
// which lets UMEMBER archive it. The replica, a running engine, has seen
// the move. It returns the replica and the backup's restore function.
func restoreSetup(t *testing.T, db *sqldb.DB) (replica *authz.Engine, restore func()) {
	t.Helper()
	ctx := context.Background()
	replica = newDemoEngine(t, db)
	if _, err := replica.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.TeamOther, "test"); err != nil {
		t.Fatal(err)
	}
	restore = storetest.Backup(t, db)
	moveGeneral(t, newEngine(t, db, nil), demo.TeamOther)
	if d := check(t, replica, demo.TeamMain, "UMEMBER", demo.ChannelGeneral, "ARCHIVE_CHANNEL"); !d.Allowed {
		t.Fatalf("before the restore, with C1 in T2: %+v; want allowed", d)
	}
	return replica, restore
}

// moveGeneral moves C1 under team through e.
func moveGeneral(t *testing.T, e *authz.Engine, team string) {
	t.Helper()
	if _, err := e.UpsertEntity(context.Background(), authz.Entity{ID: demo.ChannelGeneral, Type: authz.TypeChannel, ParentID: team, CreatorID: "UMEMBER"}, "test"); err != nil {
		t.Fatal(err)
	}
}

// wantDeniedAsAFreshProcess fails unless the replica answers UMEMBER's
// archiving of C1 as an engine started now on the store does: denied.
func wantDeniedAsAFreshProcess(t *testing.T, db *sqldb.DB, replica *authz.Engine, when string) {
	t.Helper()
	if d := check(t, newEngine(t, db, nil), demo.TeamMain, "UMEMBER", demo.ChannelGeneral, "ARCHIVE_CHANNEL"); d.Allowed {
		t.Fatalf("%s, a fresh engine allows: %+v", when, d)
	}
	if d := check(t, replica, demo.TeamMain, "UMEMBER", demo.ChannelGeneral, "ARCHIVE_CHANNEL"); d.Allowed {
		t.Fatalf("%s, the running replica still allows what the store no longer supports: %+v", when, d)
	}
}

// A store restored from a backup is behind what a running engine
// followed: the engine's next check notices, reads the store again in
// full, and answers from the restored data.
func TestEngineNoticesItsStoreRestoredFromABackup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		replica, restore := restoreSetup(t, db)
		restore()
		wantDeniedAsAFreshProcess(t, db, replica, "after the restore")
		// It follows the restored store's history from there on.
		moveGeneral(t, newEngine(t, db, nil), demo.TeamOther)
		wantAllowed(t, check(t, replica, demo.TeamMain, "UMEMBER", demo.ChannelGeneral, "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
	})
}

// A restored store written past the revision a replica followed has
// another history than the one the replica holds: the change the replica
// applied last is no longer in the log as applied.
func TestEngineNoticesARestoredStoreWrittenPastItsRevision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		replica, restore := restoreSetup(t, db)
		followed := replica.Revision()
		restore()
		writer := newEngine(t, db, nil)
		for i := 0; writer.Revision() <= followed+2; i++ {
			if _, err := writer.SetTeamPrefs(ctx, demo.TeamOther, map[string]string{"n": string(rune('a' + i))}, "test"); err != nil {
				t.Fatal(err)
			}
		}
		wantDeniedAsAFreshProcess(t, db, replica, "after the restore and more writes")
	})
}

// A restored store written back to exactly the revision a replica
// followed: Sync (what Follow runs every tick) compares the change at
// that revision and notices.
func TestSyncNoticesARestoredStoreBackAtTheSameRevision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		replica, restore := restoreSetup(t, db)
		followed := replica.Revision()
		restore()
		writer := newEngine(t, db, nil)
		for i := 0; writer.Revision() < followed; i++ {
			if _, err := writer.SetTeamPrefs(ctx, demo.TeamOther, map[string]string{"n": string(rune('a' + i))}, "test"); err != nil {
				t.Fatal(err)
			}
		}
		if rev, err := replica.Sync(ctx); err != nil || rev != followed {
			t.Fatalf("sync: %d %v; want revision %d", rev, err, followed)
		}
		wantDeniedAsAFreshProcess(t, db, replica, "after the restore and as many writes")
	})
}

// A database dropped and created again under a running engine, and filled
// by another process with another history, has another store id.
func TestEngineNoticesItsStoreCreatedAnew(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		replica, _ := restoreSetup(t, db)
		followed := replica.Revision()
		storetest.Recreate(t, db)
		fresh := newDemoEngine(t, db)
		if _, err := fresh.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.TeamOther, "test"); err != nil {
			t.Fatal(err)
		}
		for i := 0; fresh.Revision() <= followed+2; i++ {
			if _, err := fresh.SetTeamPrefs(ctx, demo.TeamOther, map[string]string{"n": string(rune('a' + i))}, "test"); err != nil {
				t.Fatal(err)
			}
		}
		wantDeniedAsAFreshProcess(t, db, replica, "after the database was created anew")
	})
}

// unreadableStore fails LoadReference while broken is set, as a store
// does whose tables cannot all be read.
type unreadableStore struct {
	authz.Store
	broken bool
}

func (s *unreadableStore) LoadReference(ctx context.Context) (*authz.Reference, error) {
	if s.broken {
		return nil, errors.New("table authz_team_prefs is missing")
	}
	return s.Store.LoadReference(ctx)
}

// Until the store restored under it can be read again in full, the engine
// answers nothing from what it held: checks and Ready fail with
// ErrUnavailable, and it recovers once the read succeeds.
func TestEngineRefusesToAnswerUntilItReadsTheRestoredStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st, err := authzsql.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		unreadable := &unreadableStore{Store: st}
		replica := engineOn(t, unreadable)
		if err := demo.Load(ctx, replica); err != nil {
			t.Fatal(err)
		}
		if _, err := replica.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.TeamOther, "test"); err != nil {
			t.Fatal(err)
		}
		restore := storetest.Backup(t, db)
		moveGeneral(t, replica, demo.TeamOther)
		restore()
		unreadable.broken = true
		req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UMEMBER", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}}
		for _, c := range []authz.Consistency{{}, {Mode: authz.BoundedStaleness}} {
			req.Consistency = c
			if res, err := replica.Check(ctx, req); !errors.Is(err, authz.ErrUnavailable) {
				t.Fatalf("check (mode %d) with the restored store unreadable: %+v %v; want ErrUnavailable", c.Mode, res, err)
			}
		}
		if err := replica.Ready(ctx); !errors.Is(err, authz.ErrUnavailable) {
			t.Fatalf("ready with the restored store unreadable: %v; want ErrUnavailable", err)
		}
		unreadable.broken = false
		if err := replica.Ready(ctx); err != nil {
			t.Fatalf("ready once the store reads: %v", err)
		}
		wantDeniedAsAFreshProcess(t, db, replica, "once the restored store reads")
	})
}

// Checks running while the store is restored under the engine (and Follow
// syncing it) never allow once the restore has committed: a check that
// began after it answers from the restored data, whatever the checks
// around it read, kept or replaced.
func TestChecksBegunAfterARestoreNeverAllowWhatItUndid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		replica, restore := restoreSetup(t, db)
		followed := make(chan struct{})
		go func() { defer close(followed); replica.Follow(ctx, time.Millisecond) }()
		defer func() { cancel(); <-followed }()

		var restored atomic.Bool
		var wg sync.WaitGroup
		var allowedAfter atomic.Int64
		running := make(chan struct{}) // closed once checks are under way
		var once sync.Once
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer once.Do(func() { close(running) })
				for i := 0; i < 200; i++ {
					if i == 10 {
						once.Do(func() { close(running) })
					}
					after := restored.Load()
					res, err := replica.Check(ctx, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UMEMBER", EntityID: demo.ChannelGeneral,
						Permissions: []string{"ARCHIVE_CHANNEL", "RENAME_CHANNEL"}})
					if err != nil {
						if !errors.Is(err, authz.ErrUnavailable) {
							t.Error(err)
							return
						}
						continue
					}
					if after && res.Allowed() {
						allowedAfter.Add(1)
					}
				}
			}()
		}
		<-running
		restore()
		restored.Store(true)
		wg.Wait()
		if n := allowedAfter.Load(); n > 0 {
			t.Fatalf("%d checks begun after the restore allowed what it undid", n)
		}
	})
}
