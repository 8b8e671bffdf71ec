package rolesdiff_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesdiff"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
	"github.com/bastionhq/bastion/store/authzsql"
)

// randomOrg is an enterprise with two workspaces, channels, users of every
// account type (some in no team) and random assignments of the system
// roles and of a custom role.
func randomOrg(rng *rand.Rand, cat *authz.Catalog) rolestest.Org {
	org := rolestest.Org{Entities: []authz.Entity{
		{ID: "E1", Type: authz.TypeEnterprise},
		{ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"},
		{ID: "T2", Type: authz.TypeWorkspace, ParentID: "E1"},
	}}
	for i := range 6 {
		org.Entities = append(org.Entities, authz.Entity{ID: fmt.Sprintf("C%d", i), Type: authz.TypeChannel, ParentID: []string{"T1", "T2"}[rng.IntN(2)]})
	}
	perms := cat.PermissionNames()
	custom := authz.Role{Name: "CUSTOM", Scope: "E1"}
	for _, p := range perms {
		if rng.IntN(4) == 0 {
			custom.Permissions = append(custom.Permissions, p)
		}
	}
	if len(custom.Permissions) == 0 {
		custom.Permissions = []string{perms[0]}
	}
	org.CustomRoles = []authz.Role{custom}
	roles := append(cat.RoleNames(), custom.Name)
	for u := range 12 {
		user := fmt.Sprintf("U%d", u)
		if t := authz.AccountType(rng.IntN(7)); t != authz.AccountNone {
			org.Accounts = append(org.Accounts, authz.ImportedAccount{TeamID: []string{"T1", "T2"}[rng.IntN(2)], UserID: user, Type: t})
		}
		seen := map[string]bool{}
		for range rng.IntN(4) {
			a := authz.Assignment{UserID: user, Role: roles[rng.IntN(len(roles))], EntityID: org.Entities[rng.IntN(len(org.Entities))].ID}
			if key := a.Role + a.EntityID; !seen[key] {
				seen[key] = true
				org.Assignments = append(org.Assignments, a)
			}
		}
	}
	return org
}

// mutate returns a copy of cat with roles changed at random: permissions
// added and removed, a role renamed, a permission no longer declared, and
// sometimes a system role taking the custom role's name.
func mutate(rng *rand.Rand, cat *authz.Catalog) *authz.Catalog {
	c := *cat
	c.Roles = map[string]authz.Role{}
	for name, r := range cat.Roles {
		r.Permissions = slices.Clone(r.Permissions)
		c.Roles[name] = r
	}
	c.Permissions = maps.Clone(cat.Permissions)
	perms, roles := cat.PermissionNames(), cat.RoleNames()
	for range 1 + rng.IntN(3) {
		name := roles[rng.IntN(len(roles))]
		r := c.Roles[name]
		if p := perms[rng.IntN(len(perms))]; !r.Grants(p) {
			r.Permissions = append(r.Permissions, p)
		} else if len(r.Permissions) > 1 {
			r.Permissions = slices.DeleteFunc(r.Permissions, func(q string) bool { return q == p })
		}
		c.Roles[name] = r
	}
	if rng.IntN(2) == 0 {
		name := roles[rng.IntN(len(roles))]
		r := c.Roles[name]
		delete(c.Roles, name)
		r.Name = name + "_RENAMED"
		c.Roles[r.Name] = r
	}
	if rng.IntN(2) == 0 {
		delete(c.Permissions, perms[rng.IntN(len(perms))])
	}
	if rng.IntN(3) == 0 {
		c.Roles["CUSTOM"] = authz.Role{Name: "CUSTOM", System: true, Permissions: []string{perms[rng.IntN(len(perms))]}}
	}
	return &c
}

// flip is a permission check on an entity whose answer differs.
type flip struct {
	user, perm, entity string
	gained             bool
}

// checks answers every permission check of every user on every entity
// (in the entity's team; an enterprise in each team the user is in,
// allowed when one allows), where the permission applies, with the
// engine.
func checks(t *testing.T, e *authz.Engine, org rolestest.Org, perms []string) map[[3]string]bool {
	t.Helper()
	ctx := context.Background()
	teams := map[string][]string{}
	for _, a := range org.Accounts {
		teams[a.UserID] = append(teams[a.UserID], a.TeamID)
	}
	out := map[[3]string]bool{}
	for u := range 12 {
		user := fmt.Sprintf("U%d", u)
		for _, ent := range org.Entities {
			tms := teams[user]
			if ent.Type == authz.TypeWorkspace {
				tms = []string{ent.ID}
			} else if ent.Type == authz.TypeChannel {
				tms = []string{ent.ParentID}
			}
			if len(tms) == 0 {
				tms = []string{"T1"}
			}
			for _, p := range perms {
				if !e.Catalog().Applies(p, ent.Type) {
					continue
				}
				allowed := false
				for _, tm := range tms {
					res, err := e.Check(ctx, authz.EligibilityRequest{TeamID: tm, UserID: user, EntityID: ent.ID, Permissions: []string{p}})
					if err != nil {
						t.Fatal(err)
					}
					allowed = allowed || res.Allowed()
				}
				out[[3]string{user, p, ent.ID}] = allowed
			}
		}
	}
	return out
}

// agree asserts that the impact explains exactly the checks that flip:
// every flip lies at or below an entity where the impact reports that
// change, and every reported change on an entity the permission applies
// to is a flip there.
func agree(t *testing.T, imp *rolesdiff.Impact, before, after map[[3]string]bool, org rolestest.Org) {
	t.Helper()
	parent := map[string]string{}
	for _, e := range org.Entities {
		parent[e.ID] = e.ParentID
	}
	reported := map[flip]bool{}
	for _, c := range imp.Changes {
		reported[flip{c.UserID, c.Permission, c.EntityID, c.Gained}] = true
	}
	flips := map[flip]bool{}
	for k, was := range before {
		if now := after[k]; now != was {
			flips[flip{k[0], k[1], k[2], now}] = true
		}
	}
	for k, now := range after {
		if _, checked := before[k]; !checked && now {
			flips[flip{k[0], k[1], k[2], true}] = true
		}
	}
	for f := range flips {
		explained := false
		for id := f.entity; id != "" && !explained; id = parent[id] {
			explained = reported[flip{f.user, f.perm, id, f.gained}]
		}
		if !explained {
			t.Errorf("the engine's answer for %+v changes, and the impact does not say so:\n%v", f, imp.Changes)
		}
	}
	for r := range reported {
		if _, checked := after[[3]string{r.user, r.perm, r.entity}]; checked && !flips[r] {
			t.Errorf("the impact reports %+v, and the engine's answer there does not change", r)
		}
	}
}

func TestCatalogImpactMatchesTheEngine(t *testing.T) {
	ctx := context.Background()
	base, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			org := randomOrg(rng, base)
			sc, err := rolestest.OpenScratch(ctx, base, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			if err := rolestest.Build(ctx, sc.Engine, org); err != nil {
				t.Fatal(err)
			}
			next := mutate(rng, base)
			after, err := authz.NewEngine(ctx, sc.Engine.Store(), next, authz.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := authzsql.OpenReader(ctx, sc.DB())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			imp, err := rolesdiff.ForCatalogs(ctx, r, base, next)
			if err != nil {
				t.Fatal(err)
			}
			perms := base.PermissionNames()
			agree(t, imp, checks(t, sc.Engine, org, perms), checks(t, after, org, perms), org)
		})
	}
}

func TestWriteImpactMatchesTheEngine(t *testing.T) {
	ctx := context.Background()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 11))
		org := randomOrg(rng, cat)
		var w rolesdiff.Write
		afterOrg := org
		switch kind := seed % 6; kind {
		case 0:
			w = rolesdiff.Write{Kind: authz.WriteAssign, Assignment: authz.Assignment{UserID: fmt.Sprintf("U%d", rng.IntN(12)),
				Role: cat.RoleNames()[rng.IntN(len(cat.Roles))], EntityID: org.Entities[rng.IntN(len(org.Entities))].ID}}
		case 1:
			if len(org.Assignments) == 0 {
				continue
			}
			w = rolesdiff.Write{Kind: authz.WriteRevoke, Assignment: org.Assignments[rng.IntN(len(org.Assignments))]}
		case 2:
			r := org.CustomRoles[0]
			r.Permissions = []string{cat.PermissionNames()[rng.IntN(len(cat.Permissions))], "ASSIGN_ROLES"}
			w = rolesdiff.Write{Kind: authz.WritePutRole, Role: r}
		case 3:
			i := 3 + rng.IntN(6)
			ch := org.Entities[i]
			ch.ParentID = map[string]string{"T1": "T2", "T2": "T1"}[ch.ParentID]
			afterOrg.Entities = slices.Clone(org.Entities)
			afterOrg.Entities[i] = ch
			w = rolesdiff.Write{Kind: authz.WriteUpsertEntity, Entity: ch}
		case 4:
			ch := authz.Entity{ID: "CNEW", Type: authz.TypeChannel, ParentID: "T1"}
			afterOrg.Entities = append(slices.Clone(org.Entities), ch)
			w = rolesdiff.Write{Kind: authz.WriteUpsertEntity, Entity: ch}
		case 5:
			w = rolesdiff.Write{Kind: authz.WriteSetAccountType, TeamID: []string{"T1", "T2"}[rng.IntN(2)],
				UserID: fmt.Sprintf("U%d", rng.IntN(12)), AccountType: authz.AccountType(1 + rng.IntN(6))}
		}
		t.Run(fmt.Sprintf("%d-%s", seed, w.Kind), func(t *testing.T) {
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
			// Half the writes are previewed through the SQL reader, half
			// through the engine's store.
			r, err := authzsql.OpenReader(ctx, sc.DB())
			if err != nil {
				t.Fatal(err)
			}
			var src rolesdiff.Source = r
			if seed/6%2 == 1 {
				src = rolesdiff.FromStore(sc.Engine.Store())
			}
			imp, err := rolesdiff.ForWrite(ctx, src, cat, w)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			e := sc.Engine
			switch w.Kind {
			case authz.WriteAssign:
				_, err = e.Assign(ctx, w.Assignment.UserID, w.Assignment.Role, w.Assignment.EntityID, "test")
			case authz.WriteRevoke:
				_, err = e.Revoke(ctx, w.Assignment.UserID, w.Assignment.Role, w.Assignment.EntityID, "test")
			case authz.WritePutRole:
				_, err = e.PutRole(ctx, w.Role, "test")
			case authz.WriteUpsertEntity:
				_, err = e.UpsertEntity(ctx, w.Entity, "test")
			case authz.WriteSetAccountType:
				_, err = e.SetAccountType(ctx, w.TeamID, w.UserID, w.AccountType, "test")
			}
			if err != nil {
				t.Fatal(err)
			}
			total += len(imp.Changes)
			agree(t, imp, before, checks(t, e, afterOrg, perms), afterOrg)
		})
	}
	if total < 50 {
		t.Fatalf("only %d changes over every write: the writes tried change too little to test anything", total)
	}
}
