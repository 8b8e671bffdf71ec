package server_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// hangGuard bounds how long a test may wait on a stream that never sends;
// it is a guard against hanging, not a latency assertion.
const hangGuard = 20 * time.Second

func watch(t *testing.T, c interface {
	WatchPermissions(context.Context, *connect.Request[authzv1.WatchPermissionsRequest]) (*connect.ServerStreamForClient[authzv1.WatchPermissionsResponse], error)
}, user string) *connect.ServerStreamForClient[authzv1.WatchPermissionsResponse] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	t.Cleanup(cancel)
	s, err := c.WatchPermissions(ctx, connect.NewRequest(&authzv1.WatchPermissionsRequest{TeamId: "T1", UserId: user}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func next(t *testing.T, s *connect.ServerStreamForClient[authzv1.WatchPermissionsResponse]) *authzv1.WatchPermissionsResponse {
	t.Helper()
	if !s.Receive() {
		t.Fatalf("watch stream ended: %v", s.Err())
	}
	return s.Msg()
}

func holds(p *authzv1.UserPermissions, entity, perm string) bool {
	for _, e := range p.GetEntities() {
		if e.GetEntityId() == entity {
			for _, q := range e.GetPermissions() {
				if q == perm {
					return true
				}
			}
		}
	}
	return false
}

func allowed(t *testing.T, c interface {
	Check(context.Context, *connect.Request[authzv1.EligibilityRequest]) (*connect.Response[authzv1.CheckResponse], error)
}, user, entity, perm string) bool {
	t.Helper()
	res, err := c.Check(context.Background(), connect.NewRequest(&authzv1.EligibilityRequest{TeamId: "T1", UserId: user, EntityId: entity, Permissions: []string{perm}}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetDecisions()[0].GetAllowed()
}

// TestAssignCheckRevokeWatch runs the service's main path on each store:
// assign through the admin API, check, revoke, and see both changes on a
// watch stream, then the SHUTDOWN event when the server drains.
func TestAssignCheckRevokeWatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		env := servertest.Start(t, db)
		c := env.Client(servertest.APIKey)
		ctx := context.Background()
		actor := &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}

		w := watch(t, c, "UMEMBER")
		if ev := next(t, w); ev.GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_INITIAL || len(ev.GetPermissions().GetEntities()) != 0 {
			t.Fatalf("first event = %v; want INITIAL with no permissions", ev)
		}
		if allowed(t, c, "UMEMBER", "C2", "VIEW_ACCOUNT") {
			t.Fatal("UMEMBER may view accounts before any assignment")
		}
		if _, err := c.AssignRole(ctx, connect.NewRequest(&authzv1.AssignRoleRequest{Actor: actor, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2"})); err != nil {
			t.Fatal(err)
		}
		if !allowed(t, c, "UMEMBER", "C2", "VIEW_ACCOUNT") {
			t.Error("assigned BACKOFFICE_VIEWER on C2, yet VIEW_ACCOUNT is denied")
		}
		if ev := next(t, w); ev.GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_CHANGED || !holds(ev.GetPermissions(), "C2", "VIEW_ACCOUNT") {
			t.Fatalf("after assign: %v; want CHANGED with VIEW_ACCOUNT on C2", ev)
		}
		if _, err := c.RevokeRole(ctx, connect.NewRequest(&authzv1.RevokeRoleRequest{Actor: actor, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2"})); err != nil {
			t.Fatal(err)
		}
		if allowed(t, c, "UMEMBER", "C2", "VIEW_ACCOUNT") {
			t.Error("revoked, yet VIEW_ACCOUNT is allowed")
		}
		if ev := next(t, w); ev.GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_CHANGED || holds(ev.GetPermissions(), "C2", "VIEW_ACCOUNT") {
			t.Fatalf("after revoke: %v; want CHANGED without VIEW_ACCOUNT", ev)
		}

		dctx, cancel := context.WithTimeout(ctx, hangGuard)
		defer cancel()
		if err := env.Server.Drain(dctx); err != nil {
			t.Fatal(err)
		}
		if ev := next(t, w); ev.GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_SHUTDOWN {
			t.Fatalf("on drain: %v; want SHUTDOWN", ev)
		}
		if w.Receive() || w.Err() != nil {
			t.Errorf("stream after SHUTDOWN: msg %v err %v; want a clean end", w.Msg(), w.Err())
		}
		if s := watch(t, c, "UMEMBER"); s.Receive() || servertest.CodeOf(t, s.Err()) != connect.CodeUnavailable {
			t.Errorf("watch while draining: %v; want unavailable", s.Err())
		}
	})
}

// TestReplicasShareOneDatabase runs two servers on one MySQL database: a
// revoke written through A is denied at once by an authoritative check on
// B, and a watcher on B hears of it through B's change-log follower.
func TestReplicasShareOneDatabase(t *testing.T) {
	db := storetest.MySQL(t)
	a, b := servertest.Start(t, db), servertest.Start(t, db)
	ca, cb := a.Client(servertest.APIKey), b.Client(servertest.APIKey)

	w := watch(t, cb, "UOPS2")
	if ev := next(t, w); !holds(ev.GetPermissions(), "T1", "SET_PLAN") {
		t.Fatalf("initial on B = %v; want SET_PLAN on T1", ev)
	}
	if !allowed(t, cb, "UOPS2", "C2", "SET_PLAN") {
		t.Fatal("B denies UOPS2 before the revoke")
	}
	start := time.Now()
	if _, err := ca.RevokeRole(context.Background(), connect.NewRequest(&authzv1.RevokeRoleRequest{
		Actor: &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}, UserId: "UOPS2", Role: "BACKOFFICE_OPERATOR", EntityId: "T1",
	})); err != nil {
		t.Fatal(err)
	}
	if allowed(t, cb, "UOPS2", "C2", "SET_PLAN") {
		t.Error("revoked through A, but an authoritative check on B still allows")
	}
	ev := next(t, w)
	t.Logf("watch event on replica B %v after the revoke on A was acknowledged", time.Since(start))
	if ev.GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_CHANGED || holds(ev.GetPermissions(), "T1", "SET_PLAN") {
		t.Fatalf("event on B = %v; want CHANGED without SET_PLAN", ev)
	}
}
