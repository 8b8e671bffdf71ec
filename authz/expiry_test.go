package authz_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// replicas returns two engines on one store, sharing clock, with the
// demo organisation loaded: two processes of one deployment.
func replicas(t *testing.T, db *sqldb.DB, clock *fakeClock) (*authz.Engine, *authz.Engine) {
	t.Helper()
	a := newEngine(t, db, clock)
	if err := demo.Load(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a, newEngine(t, db, clock)
}

var rita = authz.Actor{TeamID: demo.TeamMain, UserID: "UROLES"}

func allowed(t *testing.T, e *authz.Engine, user, entity, perm string, c authz.Consistency) (bool, string) {
	t.Helper()
	res, err := e.Check(context.Background(), authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: user, EntityID: entity, Permissions: []string{perm}, Consistency: c})
	if err != nil {
		t.Fatalf("check %s %s %s: %v", user, entity, perm, err)
	}
	return res.Decisions[0].Allowed, res.Decisions[0].Reason.Message
}

var cachedOK = authz.Consistency{Mode: authz.BoundedStaleness}

func TestAssignmentEndsAtOnceOnEveryReplica(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		a, b := replicas(t, db, clock)
		if _, err := a.AssignRoleAs(ctx, rita, authz.AssignRequest{UserID: "UMEMBER", Role: "BACKOFFICE_OPERATOR", EntityID: demo.ChannelBackoffice, For: time.Hour, Reason: "INC-4211"}); err != nil {
			t.Fatal(err)
		}
		for name, e := range map[string]*authz.Engine{"writer": a, "other": b} {
			for _, c := range []authz.Consistency{{}, cachedOK} {
				if ok, why := allowed(t, e, "UMEMBER", demo.ChannelBackoffice, "EXTEND_TRIAL", c); !ok {
					t.Fatalf("%s (%v): granted for an hour, denied at once: %s", name, c.Mode, why)
				}
			}
		}
		list, err := b.Assignments(ctx, authz.AssignmentFilter{UserID: "UMEMBER"})
		if err != nil || len(list) != 1 || !list[0].ExpiresAt.Equal(clock.Now().Add(time.Hour)) || list[0].Reason != "INC-4211" {
			t.Fatalf("listing = %+v, %v; want one assignment ending at %s with its reason", list, err, clock.Now().Add(time.Hour))
		}
		clock.Advance(time.Hour - time.Millisecond)
		if ok, why := allowed(t, b, "UMEMBER", demo.ChannelBackoffice, "EXTEND_TRIAL", authz.Consistency{}); !ok {
			t.Fatalf("a millisecond before its end: denied: %s", why)
		}
		clock.Advance(time.Millisecond)
		for name, e := range map[string]*authz.Engine{"writer": a, "other": b} {
			for _, c := range []authz.Consistency{{}, cachedOK} {
				ok, why := allowed(t, e, "UMEMBER", demo.ChannelBackoffice, "EXTEND_TRIAL", c)
				if ok || !strings.Contains(why, "ended at 2026-03-01T10:00:00Z") {
					t.Fatalf("%s (%v) at the end, before any sweep: allowed=%t (%s); want a deny naming the end", name, c.Mode, ok, why)
				}
			}
			up, err := e.ListUserPermissions(ctx, demo.TeamMain, "UMEMBER")
			if err != nil || len(up.Entities) != 0 {
				t.Fatalf("%s: permissions after the end = %+v, %v; want none", name, up, err)
			}
			users, _, err := e.LookupUsers(ctx, demo.TeamMain, demo.ChannelBackoffice, "EXTEND_TRIAL")
			if err != nil || strings.Contains(strings.Join(users, ","), "UMEMBER") {
				t.Fatalf("%s: holders after the end = %v, %v; want no UMEMBER", name, users, err)
			}
		}
	})
}

func TestAssignRequestRejectsBadEnds(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	e, _ := replicas(t, storetest.SQLite(t), clock)
	for name, req := range map[string]authz.AssignRequest{
		"past":         {ExpiresAt: clock.Now().Add(-time.Second)},
		"now":          {ExpiresAt: clock.Now()},
		"both":         {ExpiresAt: clock.Now().Add(time.Hour), For: time.Hour},
		"negative":     {For: -time.Hour},
		"sub-ms":       {For: time.Microsecond},
		"long reason":  {For: time.Hour, Reason: strings.Repeat("x", authz.MaxReasonLength+1)},
		"far too late": {ExpiresAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		req.UserID, req.Role, req.EntityID = "UMEMBER", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice
		if _, err := e.AssignRoleAs(ctx, rita, req); !errors.Is(err, authz.ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", name, err)
		}
	}
}

func TestExtendingIsAnAuditedWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		a, b := replicas(t, db, clock)
		req := authz.AssignRequest{UserID: "UMEMBER", Role: "BACKOFFICE_OPERATOR", EntityID: demo.ChannelBackoffice, For: time.Hour}
		first, err := a.AssignRoleAs(ctx, rita, req)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Minute)
		again, err := a.AssignRoleAs(ctx, rita, authz.AssignRequest{UserID: req.UserID, Role: req.Role, EntityID: req.EntityID, ExpiresAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)})
		if err != nil || again != first {
			t.Fatalf("the same end again: revision %d, %v; want the unchanged %d", again, err, first)
		}
		ext, err := a.AssignRoleAs(ctx, rita, req) // an hour from 9:30
		if err != nil || ext <= first {
			t.Fatalf("extend: %d, %v", ext, err)
		}
		log, err := b.Audit(ctx, authz.ChangeFilter{After: first, UserID: "UMEMBER"})
		if err != nil || len(log) != 1 || log[0].Kind != authz.ChangeAssign || log[0].Actor != rita.String() ||
			!strings.Contains(log[0].Before, `"expires_at":"2026-03-01T10:00:00Z"`) || !strings.Contains(log[0].After, `"expires_at":"2026-03-01T10:30:00Z"`) {
			t.Fatalf("audit of the extension = %+v, %v", log, err)
		}
		clock.Advance(45 * time.Minute) // 10:15: past the first end, before the new one
		if ok, why := allowed(t, b, "UMEMBER", demo.ChannelBackoffice, "EXTEND_TRIAL", authz.Consistency{}); !ok {
			t.Fatalf("extended to 10:30, denied at 10:15: %s", why)
		}
	})
}

// expireChanges counts the ChangeExpire entries of the log, by key.
func expireChanges(t *testing.T, e *authz.Engine) map[string]int {
	t.Helper()
	log, err := e.Audit(context.Background(), authz.ChangeFilter{Kind: authz.ChangeExpire, Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range log {
		if c.Actor != authz.ExpiryActor || c.UserID == "" || c.Before == "" {
			t.Fatalf("expiry entry %+v: want the sweeper as actor, the user and the row removed", c)
		}
		out[c.Key]++
	}
	return out
}

func TestSweepersOfTwoReplicasWriteEachExpiryOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		a, b := replicas(t, db, clock)
		const users, rounds = 12, 8
		total := 0
		for round := 0; round < rounds; round++ {
			for i := 0; i < users; i++ {
				req := authz.AssignRequest{UserID: fmt.Sprintf("UTEMP%02d", i), Role: "BACKOFFICE_VIEWER", EntityID: demo.ChannelBackoffice, For: time.Duration(1+i%3) * time.Minute}
				if _, err := a.AssignRole(ctx, req, "test"); err != nil {
					t.Fatal(err)
				}
			}
			// A permanent one and one ending later stay.
			if _, err := a.AssignRole(ctx, authz.AssignRequest{UserID: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityID: demo.ChannelBackoffice, For: 24 * time.Hour}, "test"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(3 * time.Minute)
			// Both replicas sweep at once, each from several goroutines.
			var wg sync.WaitGroup
			removed := make(chan int, 8)
			for _, e := range []*authz.Engine{a, b, a, b, a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := e.Sweep(ctx)
					if err != nil {
						t.Error(err)
					}
					removed <- n
				}()
			}
			wg.Wait()
			close(removed)
			sum := 0
			for n := range removed {
				sum += n
			}
			total += users
			if sum != users {
				t.Fatalf("round %d: the sweepers say they removed %d, want %d", round, sum, users)
			}
			counts := expireChanges(t, a)
			n := 0
			for key, c := range counts {
				n += c
				if c != round+1 {
					t.Fatalf("round %d: %s expired %d times in the log, want %d (once per round)", round, key, c, round+1)
				}
			}
			if n != total {
				t.Fatalf("round %d: %d expiry entries, want %d", round, n, total)
			}
		}
		left, err := b.Assignments(ctx, authz.AssignmentFilter{EntityID: demo.ChannelBackoffice})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range left {
			if strings.HasPrefix(x.UserID, "UTEMP") {
				t.Fatalf("an ended assignment is still stored: %+v", x)
			}
		}
		if ok, why := allowed(t, b, "UMEMBER", demo.ChannelBackoffice, "VIEW_ACCOUNT", authz.Consistency{}); !ok {
			t.Fatalf("an assignment ending tomorrow was swept: %s", why)
		}
	})
}

func TestAWatcherOnAnotherReplicaHearsOfAnExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		a, b := replicas(t, db, clock)
		rev, err := a.AssignRoleAs(ctx, rita, authz.AssignRequest{UserID: "UMEMBER", Role: "BACKOFFICE_OPERATOR", EntityID: demo.ChannelBackoffice, For: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		ch, stop := b.Subscribe("UMEMBER")
		defer stop()
		followed := make(chan struct{})
		go func() { defer close(followed); b.Follow(ctx, 0) }()
		defer func() { cancel(); <-followed }()
		clock.Advance(time.Hour)
		// The other replica's own sweeper (run by Follow) may win.
		if _, err := a.Sweep(ctx); err != nil {
			t.Fatalf("sweep: %v", err)
		}
		heard := waitNotified(t, ch, "the expiry, on the other replica")
		for heard <= rev && b.Revision() <= rev {
			heard = waitNotified(t, ch, "the expiry, on the other replica")
		}
		if n := expireChanges(t, a); len(n) != 1 || n["UMEMBER/BACKOFFICE_OPERATOR/"+demo.ChannelBackoffice] != 1 {
			t.Fatalf("expiry entries = %v, want one", n)
		}
		up, err := b.ListUserPermissions(ctx, demo.TeamMain, "UMEMBER")
		if err != nil || len(up.Entities) != 0 || up.Revision <= rev {
			t.Fatalf("permissions after the notification: %+v, %v", up, err)
		}
	})
}
