package authz_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// A custom role grants only within its scope at the moment of the check:
// when the entity of an assignment leaves the scope, or the role is given
// another scope, the assignment grants nothing there, the explanation says
// why, and what the old scope's administrators make of the role reaches
// no further.
func TestCustomRoleGrantsOnlyWithinItsScopeAtCheckTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newDemoEngine(t, db)
		ctx := context.Background()
		must := func(_ authz.Revision, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		c9 := authz.Entity{ID: "C9", Type: authz.TypeChannel, ParentID: demo.TeamMain}
		must(e.UpsertEntity(ctx, c9, "test"))
		must(e.PutRole(ctx, authz.Role{Name: "DESK", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.TeamMain}, "test"))
		must(e.SetAccountType(ctx, demo.TeamOther, "UDESK", authz.AccountMember, "test"))
		must(e.Assign(ctx, "UDESK", "DESK", "C9", "test"))
		wantAllowed(t, check(t, e, demo.TeamOther, "UDESK", "C9", "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)

		// C9 moves to T2: DESK, T1's role, grants nothing there.
		c9.ParentID = demo.TeamOther
		must(e.UpsertEntity(ctx, c9, "test"))
		d := check(t, e, demo.TeamOther, "UDESK", "C9", "ARCHIVE_CHANNEL")
		if d.Allowed || !strings.Contains(d.Reason.Message, "role DESK on C9 grants nothing: the role belongs to T1 and C9 lies outside it") {
			t.Fatalf("DESK on C9 after C9 moved to T2: %+v; want a deny saying the assignment is outside DESK's scope", d)
		}
		perms, err := e.ListUserPermissions(ctx, demo.TeamOther, "UDESK")
		if err != nil {
			t.Fatal(err)
		}
		for _, ep := range perms.Entities {
			if ep.EntityID == "C9" {
				t.Fatalf("listed permissions include C9 outside DESK's scope: %+v", ep)
			}
		}
		// T1's administrators still edit DESK, their role; what they add
		// does not reach C9 in T2 either.
		must(e.Assign(ctx, "UMEMBER", "ROLES_ADMIN", demo.TeamMain, "test"))
		must(e.PutRoleAs(ctx, authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"},
			authz.Role{Name: "DESK", Permissions: []string{"ARCHIVE_CHANNEL", "RENAME_CHANNEL"}, Scope: demo.TeamMain}))
		if d := check(t, e, demo.TeamOther, "UDESK", "C9", "RENAME_CHANNEL"); d.Allowed {
			t.Fatalf("a T1 administrator's edit of DESK reached C9 in T2: %+v", d)
		}

		// Back in T1, the assignment grants again.
		c9.ParentID = demo.TeamMain
		must(e.UpsertEntity(ctx, c9, "test"))
		wantAllowed(t, check(t, e, demo.TeamOther, "UDESK", "C9", "RENAME_CHANNEL"), true, authz.RuleAllowIfHasPermission)

		// DESK given to T2 instead: its assignment on C9, in T1, grants
		// nothing; a scope above the assignment (E1) encloses it again.
		must(e.PutRole(ctx, authz.Role{Name: "DESK", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.TeamOther}, "test"))
		if d := check(t, e, demo.TeamOther, "UDESK", "C9", "ARCHIVE_CHANNEL"); d.Allowed || !strings.Contains(d.Reason.Message, "belongs to T2") {
			t.Fatalf("DESK re-scoped to T2, assigned on C9 in T1: %+v; want a deny naming the scope", d)
		}
		must(e.PutRole(ctx, authz.Role{Name: "DESK", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.Enterprise}, "test"))
		wantAllowed(t, check(t, e, demo.TeamOther, "UDESK", "C9", "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
	})
}
