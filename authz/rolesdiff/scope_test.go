package rolesdiff_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesdiff"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
	"github.com/bastionhq/bastion/store/authzsql"
)

// scopedOrg is two enterprises, E1 with workspaces T1 and T2 and E2 with
// T3, channels in each, and custom roles scoped to a workspace (LOCAL, to
// T1) and to an enterprise (WIDE, to E1), each assigned only within its
// scope, as the engine requires, beside system roles.
func scopedOrg(rng *rand.Rand, cat *authz.Catalog) rolestest.Org {
	org := rolestest.Org{Entities: []authz.Entity{
		{ID: "E1", Type: authz.TypeEnterprise},
		{ID: "E2", Type: authz.TypeEnterprise},
		{ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"},
		{ID: "T2", Type: authz.TypeWorkspace, ParentID: "E1"},
		{ID: "T3", Type: authz.TypeWorkspace, ParentID: "E2"},
	}}
	teams := []string{"T1", "T2", "T3"}
	for i := range 6 {
		org.Entities = append(org.Entities, authz.Entity{ID: fmt.Sprintf("C%d", i), Type: authz.TypeChannel, ParentID: teams[i%3]})
	}
	perms := cat.PermissionNames()
	for _, r := range []authz.Role{{Name: "LOCAL", Scope: "T1"}, {Name: "WIDE", Scope: "E1"}} {
		for _, p := range perms {
			if rng.IntN(3) == 0 {
				r.Permissions = append(r.Permissions, p)
			}
		}
		for _, p := range []string{"ARCHIVE_CHANNEL", "ASSIGN_ROLES"} {
			if !slices.Contains(r.Permissions, p) {
				r.Permissions = append(r.Permissions, p)
			}
		}
		org.CustomRoles = append(org.CustomRoles, r)
	}
	parent := map[string]string{}
	for _, e := range org.Entities {
		parent[e.ID] = e.ParentID
	}
	within := func(id, scope string) bool {
		for ; id != ""; id = parent[id] {
			if id == scope {
				return true
			}
		}
		return false
	}
	scopes := map[string]string{"LOCAL": "T1", "WIDE": "E1"}
	roles := append(cat.RoleNames(), "LOCAL", "LOCAL", "WIDE", "WIDE")
	for u := range 12 {
		user := fmt.Sprintf("U%d", u)
		// Most users are members of two teams, so that a move between
		// them changes what their roles grant rather than their team.
		for i, team := range teams {
			if i == u%3 || rng.IntN(2) == 0 {
				org.Accounts = append(org.Accounts, authz.ImportedAccount{TeamID: team, UserID: user, Type: authz.AccountType(1 + rng.IntN(6))})
			}
		}
		seen := map[string]bool{}
		for range 1 + rng.IntN(4) {
			a := authz.Assignment{UserID: user, Role: roles[rng.IntN(len(roles))], EntityID: org.Entities[rng.IntN(len(org.Entities))].ID}
			if sc, custom := scopes[a.Role]; custom && !within(a.EntityID, sc) {
				continue
			}
			if key := a.Role + a.EntityID; !seen[key] {
				seen[key] = true
				org.Assignments = append(org.Assignments, a)
			}
		}
	}
	return org
}

// scopedWrite is a move of a channel or a workspace, or a custom role's
// new scope, and the organisation after it.
func scopedWrite(rng *rand.Rand, org rolestest.Org, kind int) (rolesdiff.Write, rolestest.Org) {
	after := org
	after.Entities = slices.Clone(org.Entities)
	after.CustomRoles = slices.Clone(org.CustomRoles)
	move := func(i int, to string) rolesdiff.Write {
		e := org.Entities[i]
		e.ParentID = to
		after.Entities[i] = e
		return rolesdiff.Write{Kind: authz.WriteUpsertEntity, Entity: e}
	}
	switch kind {
	case 0: // a channel to another workspace
		i := 5 + rng.IntN(6)
		others := slices.DeleteFunc([]string{"T1", "T2", "T3"}, func(t string) bool { return t == org.Entities[i].ParentID })
		return move(i, others[rng.IntN(2)]), after
	case 1: // a workspace to the other enterprise
		i := 2 + rng.IntN(3)
		return move(i, map[string]string{"E1": "E2", "E2": "E1"}[org.Entities[i].ParentID]), after
	default: // a custom role to another scope
		i := rng.IntN(2)
		r := org.CustomRoles[i]
		r.Scope = []string{"E1", "E2", "T1", "T2", "T3"}[rng.IntN(5)]
		if r.Scope == org.CustomRoles[i].Scope {
			r.Scope = "T3"
		}
		after.CustomRoles[i] = r
		return rolesdiff.Write{Kind: authz.WritePutRole, Role: r}, after
	}
}

// TestScopedRoleImpactMatchesTheEngine previews moves and scope changes
// where custom roles grant only within their scope, makes each write on
// an engine, and compares the preview with every check before and after.
func TestScopedRoleImpactMatchesTheEngine(t *testing.T) {
	ctx := context.Background()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for seed := range uint64(24) {
		rng := rand.New(rand.NewPCG(seed, 13))
		org := scopedOrg(rng, cat)
		w, afterOrg := scopedWrite(rng, org, int(seed%3))
		t.Run(fmt.Sprintf("%d-%s-%s", seed, w.Kind, w.Entity.ID+w.Role.Name), func(t *testing.T) {
			sc, err := rolestest.OpenScratch(ctx, cat, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			if err := rolestest.Build(ctx, sc.Engine, org); err != nil {
				t.Fatal(err)
			}
			perms := cat.PermissionNames()
			before := checks(t, sc.Engine, org, perms)
			r, err := authzsql.OpenReader(ctx, sc.DB())
			if err != nil {
				t.Fatal(err)
			}
			var src rolesdiff.Source = r
			if seed/3%2 == 1 {
				src = rolesdiff.FromStore(sc.Engine.Store())
			}
			imp, err := rolesdiff.ForWrite(ctx, src, cat, w)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			if w.Kind == authz.WriteUpsertEntity {
				_, err = sc.Engine.UpsertEntity(ctx, w.Entity, "test")
			} else {
				_, err = sc.Engine.PutRole(ctx, w.Role, "test")
			}
			if err != nil {
				t.Fatal(err)
			}
			total += len(imp.Changes)
			agree(t, imp, before, checks(t, sc.Engine, afterOrg, perms), afterOrg)
		})
	}
	if total < 50 {
		t.Fatalf("only %d changes over every write: the writes tried change too little to test anything", total)
	}
}

// TestMovingAChannelOutOfItsRoleScopeLosesWhatTheRoleGranted is the
// simplest case: a role scoped to T1, assigned on a channel of T1, grants
// nothing once the channel moves to T2, though the user is a member of
// both.
func TestMovingAChannelOutOfItsRoleScopeLosesWhatTheRoleGranted(t *testing.T) {
	ctx := context.Background()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	org := rolestest.Org{
		Entities: []authz.Entity{
			{ID: "E1", Type: authz.TypeEnterprise},
			{ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"},
			{ID: "T2", Type: authz.TypeWorkspace, ParentID: "E1"},
			{ID: "C1", Type: authz.TypeChannel, ParentID: "T1"},
		},
		Accounts: []authz.ImportedAccount{
			{TeamID: "T1", UserID: "U1", Type: authz.AccountMember},
			{TeamID: "T2", UserID: "U1", Type: authz.AccountMember},
		},
		CustomRoles: []authz.Role{{Name: "LOCAL", Scope: "T1", Permissions: []string{"ARCHIVE_CHANNEL"}}},
		Assignments: []authz.Assignment{{UserID: "U1", Role: "LOCAL", EntityID: "C1"}},
	}
	sc, err := rolestest.OpenScratch(ctx, cat, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if err := rolestest.Build(ctx, sc.Engine, org); err != nil {
		t.Fatal(err)
	}
	moved := authz.Entity{ID: "C1", Type: authz.TypeChannel, ParentID: "T2"}
	imp, err := rolesdiff.ForWrite(ctx, rolesdiff.FromStore(sc.Engine.Store()), cat, rolesdiff.Write{Kind: authz.WriteUpsertEntity, Entity: moved})
	if err != nil {
		t.Fatal(err)
	}
	want := []rolesdiff.Change{{UserID: "U1", Permission: "ARCHIVE_CHANNEL", EntityID: "C1", EntityType: authz.TypeChannel}}
	if !slices.Equal(imp.Changes, want) {
		t.Fatalf("changes %v, want %v", imp.Changes, want)
	}
	if _, err := sc.Engine.UpsertEntity(ctx, moved, "test"); err != nil {
		t.Fatal(err)
	}
	res, err := sc.Engine.Check(ctx, authz.EligibilityRequest{TeamID: "T2", UserID: "U1", EntityID: "C1", Permissions: []string{"ARCHIVE_CHANNEL"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Allowed() {
		t.Fatalf("the engine still allows after the move: %+v", res)
	}
}

// A custom role given another scope is listed with both scopes; its
// holders lose what it granted where the new scope no longer encloses
// their assignments, and nothing where it still does.
func TestANewScopeIsAChangeOfTheRole(t *testing.T) {
	ctx := context.Background()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := rolestest.OpenScratch(ctx, cat, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	local := authz.Role{Name: "LOCAL", Scope: "T1", Permissions: []string{"ARCHIVE_CHANNEL"}}
	err = rolestest.Build(ctx, sc.Engine, rolestest.Org{
		Entities: []authz.Entity{
			{ID: "E1", Type: authz.TypeEnterprise},
			{ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"},
			{ID: "T2", Type: authz.TypeWorkspace, ParentID: "E1"},
			{ID: "C1", Type: authz.TypeChannel, ParentID: "T1"},
		},
		Accounts:    []authz.ImportedAccount{{TeamID: "T1", UserID: "U1", Type: authz.AccountMember}},
		CustomRoles: []authz.Role{local},
		Assignments: []authz.Assignment{{UserID: "U1", Role: "LOCAL", EntityID: "C1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	src := rolesdiff.FromStore(sc.Engine.Store())
	for scope, want := range map[string][]rolesdiff.Change{
		"E1": nil,
		"T2": {{UserID: "U1", Permission: "ARCHIVE_CHANNEL", EntityID: "C1", EntityType: authz.TypeChannel}},
	} {
		r := local
		r.Scope = scope
		imp, err := rolesdiff.ForWrite(ctx, src, cat, rolesdiff.Write{Kind: authz.WritePutRole, Role: r})
		if err != nil {
			t.Fatal(err)
		}
		if len(imp.Roles) != 1 || imp.Roles[0].OldScope != "T1" || imp.Roles[0].NewScope != scope {
			t.Errorf("scope %s: roles %+v; want LOCAL listed from T1 to %s", scope, imp.Roles, scope)
		}
		if !slices.Equal(imp.Changes, want) {
			t.Errorf("scope %s: changes %v, want %v", scope, imp.Changes, want)
		}
	}
}
