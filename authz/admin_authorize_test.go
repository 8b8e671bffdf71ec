package authz_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestAdminWriteRequirements(t *testing.T) {
	assign := func(e string) []authz.Requirement {
		return []authz.Requirement{{Permission: authz.PermAssignRoles, EntityID: e}}
	}
	administer := func(es ...string) []authz.Requirement {
		var out []authz.Requirement
		for _, e := range es {
			out = append(out, authz.Requirement{Permission: authz.PermAdministerRoles, EntityID: e})
		}
		return out
	}
	newRoot := func(e string) []authz.Requirement {
		return []authz.Requirement{{Permission: authz.PermAdministerRoles, EntityID: e, NewRoot: true}}
	}
	for _, tc := range []struct {
		name  string
		write authz.AdminWrite
		want  []authz.Requirement
	}{
		{"assign", authz.AdminWrite{Kind: authz.WriteAssign, EntityID: "C2"}, assign("C2")},
		{"revoke", authz.AdminWrite{Kind: authz.WriteRevoke, EntityID: "T1"}, assign("T1")},
		{"new role", authz.AdminWrite{Kind: authz.WritePutRole, Scope: "T1"}, administer("T1")},
		{"role edited in its scope", authz.AdminWrite{Kind: authz.WritePutRole, Scope: "T1", OldScope: "T1"}, administer("T1")},
		{"role moving scope", authz.AdminWrite{Kind: authz.WritePutRole, Scope: "T1", OldScope: "T2"}, administer("T1", "T2")},
		{"delete role", authz.AdminWrite{Kind: authz.WriteDeleteRole, Scope: "E1"}, administer("E1")},
		{"entity with a parent", authz.AdminWrite{Kind: authz.WriteUpsertEntity, EntityID: "C9", ParentID: "T1"}, administer("T1")},
		{"new root entity", authz.AdminWrite{Kind: authz.WriteUpsertEntity, EntityID: "E9"}, newRoot("E9")},
		{"root saved in place", authz.AdminWrite{Kind: authz.WriteUpsertEntity, EntityID: "E1", Replaces: true}, administer("E1")},
		{"entity detached", authz.AdminWrite{Kind: authz.WriteUpsertEntity, EntityID: "C1", Replaces: true, OldParentID: "T1"}, newRoot("C1")},
		{"entity saved under its parent", authz.AdminWrite{Kind: authz.WriteUpsertEntity, EntityID: "C1", ParentID: "T1", Replaces: true, OldParentID: "T1"}, administer("T1")},
		{"entity moving parent", authz.AdminWrite{Kind: authz.WriteUpsertEntity, EntityID: "C1", ParentID: "T1", Replaces: true, OldParentID: "T2"}, administer("T1", "T2")},
		{"root moving under a parent", authz.AdminWrite{Kind: authz.WriteUpsertEntity, EntityID: "T9", ParentID: "E1", Replaces: true}, administer("E1", "T9")},
		{"account type", authz.AdminWrite{Kind: authz.WriteSetAccountType, TeamID: "T1"}, administer("T1")},
		{"team preferences", authz.AdminWrite{Kind: authz.WriteSetTeamPrefs, TeamID: "T2"}, administer("T2")},
	} {
		got, err := tc.write.Requirements()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	for name, w := range map[string]authz.AdminWrite{
		"unknown kind":             {Kind: 0, EntityID: "C2"},
		"assign without an entity": {Kind: authz.WriteAssign},
		"role without a scope":     {Kind: authz.WritePutRole, OldScope: "T1"},
		"system role delete":       {Kind: authz.WriteDeleteRole},
		"entity without an id":     {Kind: authz.WriteUpsertEntity},
		"prefs without a team":     {Kind: authz.WriteSetTeamPrefs, EntityID: "T1"},
	} {
		if got, err := w.Requirements(); !errors.Is(err, authz.ErrInvalidRequest) || got != nil {
			t.Errorf("%s: %+v, %v; want ErrInvalidRequest and nothing", name, got, err)
		}
	}
}

// wantDenied fails unless err is a denial of actor's permission on entity.
func wantDenied(t *testing.T, what string, err error, actor authz.Actor, kind authz.AdminWriteKind, permission, entity string) {
	t.Helper()
	var denied *authz.DeniedError
	if !errors.As(err, &denied) {
		t.Fatalf("%s: %v; want a *DeniedError", what, err)
	}
	if denied.Actor != actor || denied.Write != kind || denied.Permission != permission || denied.EntityID != entity || denied.Reason == "" {
		t.Fatalf("%s: %+v; want %s denied %s on %s for %s, with a reason", what, denied, actor, permission, entity, kind)
	}
	if msg := err.Error(); !strings.Contains(msg, permission) || !strings.Contains(msg, entity) || !strings.Contains(msg, actor.String()) {
		t.Fatalf("%s: message %q does not name the actor, permission and entity", what, msg)
	}
}

func TestAuthorizeAdminWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newDemoEngine(t, db)
		ctx := context.Background()
		roles := authz.Actor{TeamID: demo.TeamMain, UserID: "UROLES"} // ROLES_ADMIN on E1
		member := authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"}
		writes := []authz.AdminWrite{
			{Kind: authz.WriteAssign, EntityID: demo.ChannelBackoffice},
			{Kind: authz.WriteRevoke, EntityID: demo.TeamOther},
			{Kind: authz.WritePutRole, Scope: demo.TeamMain, OldScope: demo.TeamOther},
			{Kind: authz.WriteDeleteRole, Scope: demo.Enterprise},
			{Kind: authz.WriteUpsertEntity, EntityID: "C9", ParentID: demo.TeamMain},
			{Kind: authz.WriteSetAccountType, TeamID: demo.TeamMain},
			{Kind: authz.WriteSetTeamPrefs, TeamID: demo.TeamOther},
		}
		for _, w := range writes {
			if err := e.AuthorizeAdminWrite(ctx, roles, w); err != nil {
				t.Errorf("roles admin, %s %+v: %v; want allowed", w.Kind, w, err)
			}
			reqs, _ := w.Requirements()
			wantDenied(t, "member, "+w.Kind.String(), e.AuthorizeAdminWrite(ctx, member, w), member, w.Kind, reqs[0].Permission, reqs[0].EntityID)
		}

		// Unknown entities and malformed writes are errors, not denials
		// and never allowed.
		var denied *authz.DeniedError
		err := e.AuthorizeAdminWrite(ctx, roles, authz.AdminWrite{Kind: authz.WriteAssign, EntityID: "C404"})
		if !errors.Is(err, authz.ErrNotFound) || errors.As(err, &denied) {
			t.Errorf("unknown entity: %v; want an ErrNotFound error", err)
		}

		if err := e.AuthorizeAdminWrite(ctx, roles, authz.AdminWrite{Kind: authz.WriteAssign}); !errors.Is(err, authz.ErrInvalidRequest) {
			t.Errorf("no entity: %v; want ErrInvalidRequest", err)
		}
		if err := e.AuthorizeAdminWrite(ctx, authz.Actor{UserID: "UROLES"}, writes[0]); !errors.Is(err, authz.ErrInvalidRequest) {
			t.Errorf("no actor team: %v; want ErrInvalidRequest", err)
		}
	})
}

func TestRoleMovingScopeNeedsBothScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newDemoEngine(t, db)
		ctx := context.Background()
		// UMEMBER administers T1's roles, not T2's.
		if _, err := e.Assign(ctx, "UMEMBER", "ROLES_ADMIN", demo.TeamMain, "test"); err != nil {
			t.Fatal(err)
		}
		member := authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"}
		for _, r := range []authz.Role{
			{Name: "T1_DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: demo.TeamMain},
			{Name: "T2_DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: demo.TeamOther},
		} {
			if _, err := e.PutRole(ctx, r, "test"); err != nil {
				t.Fatal(err)
			}
		}
		authorize := func(r authz.Role) (authz.AdminWrite, error) {
			t.Helper()
			w, err := authz.PutRoleWrite(ctx, e, r)
			if err != nil {
				t.Fatalf("describe saving %s: %v", r.Name, err)
			}
			return w, e.AuthorizeAdminWrite(ctx, member, w)
		}

		w, err := authorize(authz.Role{Name: "T1_DESK", Scope: demo.TeamMain})
		if err != nil || w.OldScope != demo.TeamMain {
			t.Errorf("editing a T1 role in T1: %+v %v; want allowed", w, err)
		}
		w, err = authorize(authz.Role{Name: "NEW_DESK", Scope: demo.TeamMain})
		if err != nil || w.OldScope != "" {
			t.Errorf("creating a T1 role: %+v %v; want allowed, with no old scope", w, err)
		}
		// Taking T2's role into T1: allowed on T1, but not on T2, the scope
		// it leaves.
		w, err = authorize(authz.Role{Name: "T2_DESK", Scope: demo.TeamMain})
		if w.Scope != demo.TeamMain || w.OldScope != demo.TeamOther {
			t.Fatalf("moving T2_DESK: %+v; want scope T1, old scope T2", w)
		}
		wantDenied(t, "moving a T2 role into T1", err, member, authz.WritePutRole, authz.PermAdministerRoles, demo.TeamOther)
		_, err = authorize(authz.Role{Name: "T1_DESK", Scope: demo.TeamOther})
		wantDenied(t, "moving a T1 role into T2", err, member, authz.WritePutRole, authz.PermAdministerRoles, demo.TeamOther)

		// Someone who administers both scopes may move it.
		roles := authz.Actor{TeamID: demo.TeamMain, UserID: "UROLES"}
		if w, err := authz.PutRoleWrite(ctx, e, authz.Role{Name: "T2_DESK", Scope: demo.TeamMain}); err != nil || e.AuthorizeAdminWrite(ctx, roles, w) != nil {
			t.Errorf("roles admin of E1 moving T2_DESK: %+v %v %v; want allowed", w, err, e.AuthorizeAdminWrite(ctx, roles, w))
		}
	})
}

func TestAuthorizeAdminWriteStoreDownRefuses(t *testing.T) {
	db := storetest.SQLite(t)
	e := newDemoEngine(t, db)
	ctx := context.Background()
	if _, err := e.PutRole(ctx, authz.Role{Name: "T2_DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: demo.TeamOther}, "test"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	roles := authz.Actor{TeamID: demo.TeamMain, UserID: "UROLES"}
	var denied *authz.DeniedError
	err := e.AuthorizeAdminWrite(ctx, roles, authz.AdminWrite{Kind: authz.WriteAssign, EntityID: demo.ChannelGeneral})
	if err == nil || errors.As(err, &denied) || !strings.Contains(err.Error(), "ASSIGN_ROLES on C1") {
		t.Errorf("store down: %v; want an error naming the check, not allowed and not a plain denial", err)
	}
	// Not knowing the scope a role would leave refuses the write too.
	if w, err := authz.PutRoleWrite(ctx, e, authz.Role{Name: "T2_DESK", Scope: demo.TeamMain}); err == nil {
		t.Errorf("describing a role save with the store down: %+v; want an error", w)
	}
}

// fakeChecker answers every check with res.
type fakeChecker struct{ res authz.Result }

func (f fakeChecker) Check(context.Context, authz.EligibilityRequest) (authz.Result, error) {
	return f.res, nil
}

func TestAuthorizeAdminWriteFailsClosedOnOddAnswers(t *testing.T) {
	ctx := context.Background()
	actor := authz.Actor{TeamID: "T1", UserID: "U1"}
	w := authz.AdminWrite{Kind: authz.WriteAssign, EntityID: "C1"}
	allow := authz.Decision{Permission: authz.PermAssignRoles, Allowed: true}
	for name, res := range map[string]authz.Result{
		"no decisions":      {Authoritative: true},
		"two decisions":     {Decisions: []authz.Decision{allow, allow}, Authoritative: true},
		"from a cache only": {Decisions: []authz.Decision{allow}},
	} {
		if err := authz.AuthorizeAdminWrite(ctx, fakeChecker{res}, actor, w); err == nil {
			t.Errorf("%s: allowed; want an error", name)
		}
	}
	if err := authz.AuthorizeAdminWrite(ctx, fakeChecker{authz.Result{Decisions: []authz.Decision{allow}, Authoritative: true}}, actor, w); err != nil {
		t.Errorf("one authoritative allow: %v", err)
	}
}

// Saving an entity without a parent makes it a root, outside every tree:
// no role on any entity allows that, so creating a root and detaching an
// entity are refused alike, even to whoever administers the enterprise
// above it; a root saved in place needs ADMINISTER_ROLES on itself.
func TestMakingARootIsRefusedToEveryActor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newDemoEngine(t, db)
		ctx := context.Background()
		if _, err := e.Assign(ctx, "UMEMBER", "ROLES_ADMIN", demo.TeamMain, "test"); err != nil {
			t.Fatal(err)
		}
		workspaceAdmin := authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"} // ROLES_ADMIN on T1
		enterpriseAdmin := authz.Actor{TeamID: demo.TeamMain, UserID: "UROLES"} // ROLES_ADMIN on E1
		for _, actor := range []authz.Actor{workspaceAdmin, enterpriseAdmin} {
			_, err := e.UpsertEntityAs(ctx, actor, authz.Entity{ID: demo.ChannelGeneral, Type: authz.TypeChannel, CreatorID: "UMEMBER"})
			wantDenied(t, actor.String()+" detaching C1", err, actor, authz.WriteUpsertEntity, authz.PermAdministerRoles, demo.ChannelGeneral)
			if !strings.Contains(err.Error(), "makes it a root") {
				t.Errorf("detaching: %v; want the reason to say it makes a root", err)
			}
			_, err = e.UpsertEntityAs(ctx, actor, authz.Entity{ID: "E9", Type: authz.TypeEnterprise})
			wantDenied(t, actor.String()+" creating a root", err, actor, authz.WriteUpsertEntity, authz.PermAdministerRoles, "E9")
		}
		if ent, err := e.Entity(ctx, demo.ChannelGeneral); err != nil || ent.ParentID != demo.TeamMain {
			t.Fatalf("C1 after the refused detach: %+v %v; want it in T1", ent, err)
		}
		if _, err := e.Entity(ctx, "E9"); !errors.Is(err, authz.ErrNotFound) {
			t.Fatalf("E9 after the refused creation: %v; want it absent", err)
		}
		// A root saved as a root is the root's administrators' to change.
		if _, err := e.UpsertEntityAs(ctx, enterpriseAdmin, authz.Entity{ID: demo.Enterprise, Type: authz.TypeEnterprise, CreatorID: "UROLES"}); err != nil {
			t.Fatalf("E1's administrator saving E1 in place: %v", err)
		}
		_, err := e.UpsertEntityAs(ctx, workspaceAdmin, authz.Entity{ID: demo.Enterprise, Type: authz.TypeEnterprise, CreatorID: "UMEMBER"})
		wantDenied(t, "a workspace administrator saving E1", err, workspaceAdmin, authz.WriteUpsertEntity, authz.PermAdministerRoles, demo.Enterprise)
	})
}
