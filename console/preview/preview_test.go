package preview_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/console/preview"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/storetest"
)

func demoEngine(t *testing.T) *authz.Engine {
	t.Helper()
	ctx := context.Background()
	st, err := authzsql.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, eng); err != nil {
		t.Fatal(err)
	}
	return eng
}

// fact is one (user, permission, entity) a check allows.
type fact struct{ user, perm, entity string }

// allowed asks the engine, check by check, what every demo user may do on
// every entity: the oracle the preview must agree with. A check on an
// entity above every workspace is made in the user's own workspace.
func allowed(t *testing.T, eng *authz.Engine) map[fact]bool {
	t.Helper()
	ctx := context.Background()
	ents, err := eng.Entities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	parent := map[string]authz.Entity{}
	for _, e := range ents {
		parent[e.ID] = e
	}
	teamOf := func(id string) string {
		for d := 0; id != "" && d < authz.MaxDepth; d++ {
			if parent[id].Type == authz.TypeWorkspace {
				return id
			}
			id = parent[id].ParentID
		}
		return ""
	}
	cat := eng.Catalog()
	out := map[fact]bool{}
	for _, u := range demo.Users() {
		for _, e := range ents {
			team := teamOf(e.ID)
			if team == "" {
				team = u.Team
			}
			for _, p := range cat.PermissionNames() {
				if !cat.Applies(p, e.Type) {
					continue
				}
				res, err := eng.Check(ctx, authz.EligibilityRequest{TeamID: team, UserID: u.ID, EntityID: e.ID, Permissions: []string{p}})
				if err != nil {
					t.Fatal(err)
				}
				if res.Allowed() {
					out[fact{u.ID, p, e.ID}] = true
				}
			}
		}
	}
	return out
}

// parents maps each entity to its parent, as the engine holds them now.
func parents(t *testing.T, eng *authz.Engine) map[string]string {
	t.Helper()
	ents, err := eng.Entities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		out[e.ID] = e.ParentID
	}
	return out
}

// within reports whether id is at or below top in the tree parent.
func within(id, top string, parent map[string]string) bool {
	for d := 0; id != "" && d < authz.MaxDepth; d++ {
		if id == top {
			return true
		}
		id = parent[id]
	}
	return false
}

// covers checks the gains (or losses) a preview names against the facts
// the engine's checks gained (or lost): each fact lies at or below a
// change the preview names for its user and permission, in the tree
// parent, and each named change has a fact at or below it.
func covers(t *testing.T, what string, res preview.Result, gains bool, facts map[fact]bool, parent map[string]string) {
	t.Helper()
	named := map[fact]bool{}
	for _, u := range res.Users {
		list := u.Losses
		if gains {
			list = u.Gains
		}
		for _, c := range list {
			for _, p := range c.Permissions {
				for _, e := range c.Entities {
					named[fact{u.UserID, p, e}] = true
				}
			}
		}
	}
	for f := range facts {
		found := false
		for id, d := f.entity, 0; id != "" && d < authz.MaxDepth && !found; d++ {
			found = named[fact{f.user, f.perm, id}]
			id = parent[id]
		}
		if !found {
			t.Errorf("%s: the engine's checks changed %+v, which the preview does not name", what, f)
		}
	}
	for n := range named {
		found := false
		for f := range facts {
			found = found || f.user == n.user && f.perm == n.perm && within(f.entity, n.entity, parent)
		}
		if !found {
			t.Errorf("%s: the preview names %+v, which no check changes", what, n)
		}
	}
}

// agree previews w, makes it with do, and checks that the preview named
// exactly what the engine's checks gained and lost.
func agree(t *testing.T, eng *authz.Engine, w preview.Write, do func() error) preview.Result {
	t.Helper()
	p := preview.New(eng, eng.Store())
	res, err := p.Preview(context.Background(), w)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	before, treeBefore := allowed(t, eng), parents(t, eng)
	if err := do(); err != nil {
		t.Fatalf("write: %v", err)
	}
	after, treeAfter := allowed(t, eng), parents(t, eng)
	gained, lost := map[fact]bool{}, map[fact]bool{}
	for f := range after {
		if !before[f] {
			gained[f] = true
		}
	}
	for f := range before {
		if !after[f] {
			lost[f] = true
		}
	}
	covers(t, "gains", res, true, gained, treeAfter)
	covers(t, "losses", res, false, lost, treeBefore)
	return res
}

func TestPreviewOfAnAssignmentAgreesWithTheEngine(t *testing.T) {
	eng := demoEngine(t)
	ctx := context.Background()
	res := agree(t, eng, preview.Write{Kind: preview.Assign, UserID: "UMEMBER", Role: "CHANNELS_ADMIN", EntityID: demo.TeamMain}, func() error {
		_, err := eng.Assign(ctx, "UMEMBER", "CHANNELS_ADMIN", demo.TeamMain, "test")
		return err
	})
	if len(res.Users) != 1 || res.Users[0].UserID != "UMEMBER" || len(res.Users[0].Gains) != 1 {
		t.Fatalf("want Mia's gains only, on the workspace: %+v", res)
	}
	g := res.Users[0].Gains[0]
	if !slices.Equal(g.Entities, []string{"T1"}) || !slices.Contains(g.Permissions, "ARCHIVE_CHANNEL") || !slices.Contains(g.Permissions, "CREATE_PRIVATE_CHANNEL") {
		t.Fatalf("gains: %+v", g)
	}
}

func TestPreviewOfARevokeAgreesWithTheEngine(t *testing.T) {
	eng := demoEngine(t)
	res := agree(t, eng, preview.Write{Kind: preview.Revoke, UserID: "UOPS", Role: "BACKOFFICE_OPERATOR", EntityID: demo.ChannelBackoffice}, func() error {
		_, err := eng.Revoke(context.Background(), "UOPS", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice, "test")
		return err
	})
	if len(res.Users) != 1 || len(res.Users[0].Losses) == 0 || len(res.Users[0].Gains) != 0 {
		t.Fatalf("want Olga's losses: %+v", res)
	}
}

func TestPreviewOfARoleHeldAboveChangesNothing(t *testing.T) {
	eng := demoEngine(t)
	res := agree(t, eng, preview.Write{Kind: preview.Assign, UserID: "UCHANADMIN", Role: "CHANNELS_ADMIN", EntityID: demo.TeamMain}, func() error {
		_, err := eng.Assign(context.Background(), "UCHANADMIN", "CHANNELS_ADMIN", demo.TeamMain, "test")
		return err
	})
	if len(res.Users) != 0 {
		t.Fatalf("Carl holds it on E1 already: %+v", res)
	}
}

func TestPreviewSaysAGuestGainsNothing(t *testing.T) {
	eng := demoEngine(t)
	res := agree(t, eng, preview.Write{Kind: preview.Assign, UserID: "UGUEST", Role: "CHANNELS_ADMIN", EntityID: demo.ChannelGeneral}, func() error {
		_, err := eng.Assign(context.Background(), "UGUEST", "CHANNELS_ADMIN", demo.ChannelGeneral, "test")
		return err
	})
	if len(res.Users) != 0 || len(res.Ineligible) != 1 || res.Ineligible[0] != (preview.Ineligible{UserID: "UGUEST", TeamID: "T1", AccountType: "ultra_restricted"}) {
		t.Fatalf("a guest: %+v", res)
	}
}

func TestPreviewOfARoleEditAgreesWithTheEngine(t *testing.T) {
	eng := demoEngine(t)
	ctx := context.Background()
	lead := authz.Role{Name: "SUPPORT_LEAD", Scope: demo.TeamMain, Permissions: []string{"VIEW_ACCOUNT"}}
	if _, err := eng.PutRole(ctx, lead, "test"); err != nil {
		t.Fatal(err)
	}
	for _, a := range [][2]string{{"UMEMBER", demo.ChannelBackoffice}, {"UOPS", demo.TeamMain}, {"UMCGUEST", demo.ChannelGeneral}} {
		if _, err := eng.Assign(ctx, a[0], "SUPPORT_LEAD", a[1], "test"); err != nil {
			t.Fatal(err)
		}
	}
	edited := lead
	edited.Permissions = []string{"EXTEND_TRIAL", "VIEW_ROLES"}
	res := agree(t, eng, preview.Write{Kind: preview.PutRole, NewRole: edited}, func() error {
		_, err := eng.PutRole(ctx, edited, "test")
		return err
	})
	if len(res.Users) != 2 {
		t.Fatalf("three holders, two full members: %+v", res)
	}
}

func TestPreviewOfAMoveAgreesWithTheEngine(t *testing.T) {
	eng := demoEngine(t)
	moved := authz.Entity{ID: demo.ChannelBackofficeDevs, Type: authz.TypeChannel, ParentID: demo.TeamOther, CreatorID: "UADMIN"}
	res := agree(t, eng, preview.Write{Kind: preview.UpsertEntity, Entity: moved}, func() error {
		_, err := eng.UpsertEntity(context.Background(), moved, "test")
		return err
	})
	var carl, sam bool
	for _, u := range res.Users {
		// Carl's CHANNELS_ADMIN on E1 stays above the channel, but he has
		// no account in T2, where it now lies.
		carl = carl || u.UserID == "UCHANADMIN" && len(u.Losses) > 0
		sam = sam || u.UserID == "USUPPORT" && len(u.Gains) > 0
	}
	if !carl || !sam {
		t.Fatalf("want Carl to lose and Sam to gain: %+v", res)
	}
}

func TestPreviewOfANewEntityAgreesWithTheEngine(t *testing.T) {
	eng := demoEngine(t)
	ch := authz.Entity{ID: "C9", Type: authz.TypeChannel, ParentID: demo.TeamMain}
	res := agree(t, eng, preview.Write{Kind: preview.UpsertEntity, Entity: ch}, func() error {
		_, err := eng.UpsertEntity(context.Background(), ch, "test")
		return err
	})
	if len(res.Users) == 0 {
		t.Fatalf("holders on T1 and E1 gain on the new channel: %+v", res)
	}
}

func TestPreviewRefusesWhatTheWriteWouldRefuse(t *testing.T) {
	eng := demoEngine(t)
	p := preview.New(eng, eng.Store())
	ctx := context.Background()
	for name, c := range map[string]struct {
		w    preview.Write
		want error
	}{
		"unknown role":      {preview.Write{Kind: preview.Assign, UserID: "UMEMBER", Role: "NOPE", EntityID: "T1"}, authz.ErrNotFound},
		"unknown entity":    {preview.Write{Kind: preview.Revoke, UserID: "UMEMBER", Role: "CHANNELS_ADMIN", EntityID: "C404"}, authz.ErrNotFound},
		"bad user":          {preview.Write{Kind: preview.Assign, UserID: "U 1", Role: "CHANNELS_ADMIN", EntityID: "T1"}, authz.ErrInvalidRequest},
		"system role":       {preview.Write{Kind: preview.PutRole, NewRole: authz.Role{Name: "ROLES_ADMIN", Scope: "T1"}}, authz.ErrInvalidRequest},
		"unknown parent":    {preview.Write{Kind: preview.UpsertEntity, Entity: authz.Entity{ID: "C9", Type: "channel", ParentID: "T404"}}, authz.ErrNotFound},
		"below itself":      {preview.Write{Kind: preview.UpsertEntity, Entity: authz.Entity{ID: "T1", Type: "workspace", ParentID: "C1"}}, authz.ErrInvalidRequest},
		"type change":       {preview.Write{Kind: preview.UpsertEntity, Entity: authz.Entity{ID: "C1", Type: "workspace", ParentID: "E1"}}, authz.ErrInvalidRequest},
		"unknown kind":      {preview.Write{Kind: "delete_everything"}, authz.ErrInvalidRequest},
		"empty entity id":   {preview.Write{Kind: preview.UpsertEntity, Entity: authz.Entity{Type: "channel", ParentID: "T1"}}, authz.ErrInvalidRequest},
		"role with no name": {preview.Write{Kind: preview.PutRole, NewRole: authz.Role{Scope: "T1"}}, authz.ErrInvalidRequest},
	} {
		if _, err := p.Preview(ctx, c.w); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

func TestPreviewOfAMoveOutOfACustomRolesScopeAgreesWithTheEngine(t *testing.T) {
	eng := demoEngine(t)
	ctx := context.Background()
	// Mia is a member of both workspaces and holds a role of T1 on a
	// channel that moves to T2: her team there stays a full one, and the
	// role grants nothing outside T1.
	if _, err := eng.SetAccountType(ctx, demo.TeamOther, "UMEMBER", authz.AccountMember, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.PutRole(ctx, authz.Role{Name: "DEVS_LEAD", Scope: demo.TeamMain, Permissions: []string{"ARCHIVE_CHANNEL", "RENAME_CHANNEL"}}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Assign(ctx, "UMEMBER", "DEVS_LEAD", demo.ChannelBackofficeDevs, "test"); err != nil {
		t.Fatal(err)
	}
	moved := authz.Entity{ID: demo.ChannelBackofficeDevs, Type: authz.TypeChannel, ParentID: demo.TeamOther, CreatorID: "UADMIN"}
	res := agree(t, eng, preview.Write{Kind: preview.UpsertEntity, Entity: moved}, func() error {
		_, err := eng.UpsertEntity(ctx, moved, "test")
		return err
	})
	var mia *preview.UserChange
	for i := range res.Users {
		if res.Users[i].UserID == "UMEMBER" {
			mia = &res.Users[i]
		}
	}
	want := []preview.Change{{Permissions: []string{"ARCHIVE_CHANNEL", "RENAME_CHANNEL"}, Entities: []string{demo.ChannelBackofficeDevs}}}
	if mia == nil || len(mia.Gains) != 0 || len(mia.Losses) != 1 || !slices.Equal(mia.Losses[0].Permissions, want[0].Permissions) || !slices.Equal(mia.Losses[0].Entities, want[0].Entities) {
		t.Fatalf("want Mia to lose what DEVS_LEAD granted on the channel: %+v", res)
	}
}
