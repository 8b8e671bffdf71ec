package authz_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// bothDatabases runs f on a fresh SQLite file and a fresh MariaDB database.
func bothDatabases(t *testing.T, f func(t *testing.T, open func() *sqldb.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.SQLite(t)
		f(t, func() *sqldb.DB { return db })
	})
	t.Run("mariadb", func(t *testing.T) {
		db := storetest.MySQL(t)
		f(t, func() *sqldb.DB { return db })
	})
}

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
	bothDatabases(t, func(t *testing.T, open func() *sqldb.DB) {
		ctx := context.Background()
		clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		a, b := replicas(t, open(), clock)
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
	bothDatabases(t, func(t *testing.T, open func() *sqldb.DB) {
		ctx := context.Background()
		clock := &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		a, b := replicas(t, open(), clock)
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
