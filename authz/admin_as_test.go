package authz_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// racingStore is a real store that lets another write land while a check
// reads a user (duringCheck), or just before an assignment's write
// (beforeAssignment): between an admin write's authorization, or what it
// was read from, and the write itself.
type racingStore struct {
	authz.Store
	duringCheck      func()
	beforeAssignment func()
	beforeTeamWrite  func()
}

// runOnce runs and clears *f, if set.
func runOnce(f *func()) {
	if g := *f; g != nil {
		*f = nil
		g()
	}
}

func (s *racingStore) LoadUser(ctx context.Context, userID string) (authz.UserRecord, error) {
	runOnce(&s.duringCheck)
	return s.Store.LoadUser(ctx, userID)
}

func (s *racingStore) Assign(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (authz.Revision, error) {
	runOnce(&s.beforeAssignment)
	return s.Store.Assign(ctx, a, prior, actor)
}

func (s *racingStore) Revoke(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (authz.Revision, error) {
	runOnce(&s.beforeAssignment)
	return s.Store.Revoke(ctx, a, prior, actor)
}

func (s *racingStore) SetAccountType(ctx context.Context, teamID, userID string, t authz.AccountType, prior authz.Prior, actor string) (authz.Revision, error) {
	runOnce(&s.beforeTeamWrite)
	return s.Store.SetAccountType(ctx, teamID, userID, t, prior, actor)
}

func (s *racingStore) SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, prior authz.Prior, actor string) (authz.Revision, error) {
	runOnce(&s.beforeTeamWrite)
	return s.Store.SetTeamPrefs(ctx, teamID, prefs, prior, actor)
}

// raceSetup is the demo organisation with UMEMBER administering T1's roles
// (not T2's), raceChannel and raceRole in T1, the engine UMEMBER writes through
// (over a racingStore), and another engine on the same database, standing
// for another replica.
func raceSetup(t *testing.T, db *sqldb.DB) (mine *authz.Engine, race *racingStore, other *authz.Engine) {
	t.Helper()
	ctx := context.Background()
	other = newDemoEngine(t, db)
	if _, err := other.Assign(ctx, "UMEMBER", "ROLES_ADMIN", demo.TeamMain, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.UpsertEntity(ctx, raceChannel, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.PutRole(ctx, raceRole, "test"); err != nil {
		t.Fatal(err)
	}
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	race = &racingStore{Store: st}
	return engineOn(t, race), race, other
}

// raceChannel and raceRole are what the race tests move: channel C9 and
// custom role DESK, both created in T1.
var (
	raceChannel = authz.Entity{ID: "C9", Type: authz.TypeChannel, ParentID: demo.TeamMain}
	raceRole    = authz.Role{Name: "DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: demo.TeamMain}
)

// moveEntity returns a function that moves ent under parent through e, as
// another replica's administrator would.
func moveEntity(t *testing.T, e *authz.Engine, ent authz.Entity, parent string) func() {
	return func() {
		ent.ParentID = parent
		if _, err := e.UpsertEntity(context.Background(), ent, "mover"); err != nil {
			t.Error(err)
		}
	}
}

// An admin write authorized on what it replaces fails when that changed
// before it landed, instead of replacing what nobody authorized: here a
// T1 administrator's save would take a role or a channel back from T2.
func TestAdminWritesAsRefuseWhatChangedSinceAuthorized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mine, race, other := raceSetup(t, db)
		member := authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"}
		desk := raceRole
		moveRole := func(team string) func() {
			return func() {
				moved := desk
				moved.Scope = team
				if _, err := other.PutRole(ctx, moved, "mover"); err != nil {
					t.Error(err)
				}
			}
		}
		moveChannel := func(team string) func() { return moveEntity(t, other, raceChannel, team) }

		// Unraced, the same writes are allowed: UMEMBER administers T1.
		edited := desk
		edited.Permissions = []string{"EXTEND_TRIAL", "ARCHIVE_CHANNEL"}
		if _, err := mine.PutRoleAs(ctx, member, edited); err != nil {
			t.Fatalf("editing a T1 role: %v", err)
		}
		claimed := raceChannel
		claimed.CreatorID = "UMEMBER"
		if _, err := mine.UpsertEntityAs(ctx, member, claimed); err != nil {
			t.Fatalf("saving a T1 channel: %v", err)
		}

		// Raced: each moves to T2 after UMEMBER's authorization.
		race.duringCheck = moveRole(demo.TeamOther)
		if _, err := mine.PutRoleAs(ctx, member, edited); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("saving DESK in T1 while it moved to T2: %v; want ErrConflict", err)
		}
		if r, err := other.Role(ctx, "DESK"); err != nil || r.Scope != demo.TeamOther || len(r.Permissions) != 1 {
			t.Fatalf("DESK after the raced save: %+v %v; want it in T2 as the mover left it", r, err)
		}
		race.duringCheck = moveChannel(demo.TeamOther)
		if _, err := mine.UpsertEntityAs(ctx, member, claimed); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("saving C9 in T1 while it moved to T2: %v; want ErrConflict", err)
		}
		if ent, err := other.Entity(ctx, "C9"); err != nil || ent.ParentID != demo.TeamOther {
			t.Fatalf("C9 after the raced save: %+v %v; want it under T2", ent, err)
		}
		moveRole(demo.TeamMain)()
		race.duringCheck = moveRole(demo.TeamOther)
		if _, err := mine.DeleteRoleAs(ctx, member, "DESK"); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("deleting DESK while it moved to T2: %v; want ErrConflict", err)
		}
		if r, err := other.Role(ctx, "DESK"); err != nil || r.Scope != demo.TeamOther {
			t.Fatalf("DESK after the raced delete: %+v %v; want it kept, in T2", r, err)
		}

		// A role created elsewhere under the same name is not replaced.
		race.duringCheck = func() {
			if _, err := other.PutRole(ctx, authz.Role{Name: "NEW_DESK", Permissions: []string{"EXTEND_TRIAL"}, Scope: demo.TeamOther}, "T2 admin"); err != nil {
				t.Error(err)
			}
		}
		if _, err := mine.PutRoleAs(ctx, member, authz.Role{Name: "NEW_DESK", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.TeamMain}); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("creating NEW_DESK in T1 while T2 created it: %v; want ErrConflict", err)
		}
		if r, err := other.Role(ctx, "NEW_DESK"); err != nil || r.Scope != demo.TeamOther {
			t.Fatalf("NEW_DESK: %+v %v; want T2's", r, err)
		}
	})
}

func TestPriorVerify(t *testing.T) {
	stored := map[authz.RowKind]map[string]authz.SeenRow{
		authz.RowEntity: {"C9": {Revision: 40, Parent: "T2"}, "T1": {Revision: 3, Parent: "E1"}},
		authz.RowRole:   {"DESK": {Revision: 7, Parent: "T1"}},
		authz.RowUser:   {"U1": {Revision: 9}},
	}
	read := func(kind authz.RowKind, id string) (authz.Revision, string, error) {
		r := stored[kind][id]
		return r.Revision, r.Parent, nil
	}
	checked := func(rows ...authz.SeenRow) authz.Prior { return authz.Prior{Checked: true, Rows: rows} }
	entity := func(id string, rev authz.Revision, parent string) authz.SeenRow {
		return authz.SeenRow{Kind: authz.RowEntity, ID: id, Revision: rev, Parent: parent}
	}
	for _, tc := range []struct {
		name    string
		prior   authz.Prior
		wantErr string
	}{
		{"unchecked", authz.Prior{Rows: []authz.SeenRow{entity("C9", 1, "T1")}}, ""},
		{"as seen", checked(entity("C9", 40, "T2"), entity("T1", 3, "E1"), authz.SeenRow{Kind: authz.RowUser, ID: "U1", Revision: 9}), ""},
		{"still absent", checked(entity("C404", 0, ""), authz.SeenRow{Kind: authz.RowUser, ID: "U404"}), ""},
		{"moved", checked(entity("C9", 12, "T1")), "entity C9 moved from parent T1 to T2"},
		{"moved away and back", checked(entity("T1", 2, "E1")), "entity T1 was written again (moved away and back, or edited) after this write was authorized (at revision 2 then, 3 now)"},
		{"created", checked(entity("C9", 0, "")), "entity C9 was created"},
		{"deleted", checked(entity("C404", 5, "T1")), "entity C404 was deleted"},
		{"role re-scoped", checked(authz.SeenRow{Kind: authz.RowRole, ID: "DESK", Revision: 6, Parent: "T2"}), "role DESK moved from scope T2 to T1"},
		{"actor changed", checked(authz.SeenRow{Kind: authz.RowUser, ID: "U1", Revision: 8}), "user U1 changed (their roles or account types)"},
	} {
		err := tc.prior.Verify(read)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (!errors.Is(err, authz.ErrConflict) || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: %v; want a conflict saying %q", tc.name, err, tc.wantErr)
		}
	}
}

// Who may assign on an entity depends on its ancestors: an assignment or
// revoke authorized while the channel was T1's fails when the channel
// moved to T2 before it landed. (A move that lands during the check is
// seen by the check itself, which then denies.)
func TestAssignAsRefusesAnEntityThatMovedSinceAuthorized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mine, race, other := raceSetup(t, db)
		member := authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"}
		moveChannel := func(team string) func() { return moveEntity(t, other, raceChannel, team) }
		holds := func(user string) bool {
			t.Helper()
			list, err := other.Assignments(ctx, authz.AssignmentFilter{EntityID: "C9"})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				if a.UserID == user && a.Role == "CHANNELS_ADMIN" {
					return true
				}
			}
			return false
		}

		// Unraced: UMEMBER administers T1, so may assign on its channel.
		if _, err := mine.AssignAs(ctx, member, "UA", "CHANNELS_ADMIN", "C9"); err != nil || !holds("UA") {
			t.Fatalf("assigning on a T1 channel: %v", err)
		}

		race.beforeAssignment = moveChannel(demo.TeamOther)
		if _, err := mine.AssignAs(ctx, member, "UB", "CHANNELS_ADMIN", "C9"); !errors.Is(err, authz.ErrConflict) || holds("UB") {
			t.Fatalf("assigning on C9 while it moved to T2: %v (held: %v); want ErrConflict and no assignment", err, holds("UB"))
		}
		moveChannel(demo.TeamMain)()
		race.beforeAssignment = moveChannel(demo.TeamOther)
		if _, err := mine.RevokeAs(ctx, member, "UA", "CHANNELS_ADMIN", "C9"); !errors.Is(err, authz.ErrConflict) || !holds("UA") {
			t.Fatalf("revoking on C9 while it moved to T2: %v (held: %v); want ErrConflict and the assignment kept", err, holds("UA"))
		}
		// Under T2 now, it is not UMEMBER's to change at all.
		var denied *authz.DeniedError
		if _, err := mine.RevokeAs(ctx, member, "UA", "CHANNELS_ADMIN", "C9"); !errors.As(err, &denied) {
			t.Fatalf("revoking on T2's channel: %v; want a denial", err)
		}
	})
}

// A custom role assigned within its scope is not assigned once it has
// moved out of it.
func TestAssignAsRefusesARoleThatLeftItsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mine, race, other := raceSetup(t, db)
		member := authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"}
		desk := raceRole
		race.beforeAssignment = func() {
			moved := desk
			moved.Scope = demo.TeamOther
			if _, err := other.PutRole(ctx, moved, "mover"); err != nil {
				t.Error(err)
			}
		}
		_, err := mine.AssignAs(ctx, member, "UA", "DESK", raceChannel.ID)
		if !errors.Is(err, authz.ErrConflict) || !strings.Contains(err.Error(), "role DESK moved from scope T1 to T2") {
			t.Fatalf("assigning DESK on a T1 channel while it moved to T2: %v; want ErrConflict", err)
		}
		if list, err := other.Assignments(ctx, authz.AssignmentFilter{Role: "DESK"}); err != nil || len(list) != 0 {
			t.Fatalf("DESK assignments: %+v %v; want none", list, err)
		}
	})
}

// What an admin write was authorized on is compared by row revisions,
// which never repeat: a channel or a role moved to T2 and back to T1
// between the authorization and the write is not taken for unchanged.
func TestAdminWritesAsRefuseWhatMovedAwayAndBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mine, race, other := raceSetup(t, db)
		member := authz.Actor{TeamID: demo.TeamMain, UserID: "UMEMBER"}
		awayAndBack := func(move func(string) func()) func() {
			return func() { move(demo.TeamOther)(); move(demo.TeamMain)() }
		}
		moveChannel := func(team string) func() { return moveEntity(t, other, raceChannel, team) }
		moveRole := func(team string) func() {
			return func() {
				moved := raceRole
				moved.Scope = team
				if _, err := other.PutRole(ctx, moved, "mover"); err != nil {
					t.Error(err)
				}
			}
		}

		race.beforeAssignment = awayAndBack(moveChannel)
		if _, err := mine.AssignAs(ctx, member, "UB", "CHANNELS_ADMIN", raceChannel.ID); !errors.Is(err, authz.ErrConflict) ||
			!strings.Contains(err.Error(), "entity C9 was written again") {
			t.Fatalf("assigning on C9 while it moved to T2 and back: %v; want ErrConflict", err)
		}
		if _, err := mine.AssignAs(ctx, member, "UB", "CHANNELS_ADMIN", raceChannel.ID); err != nil {
			t.Fatalf("assigning again, unraced: %v", err)
		}
		race.beforeAssignment = awayAndBack(moveChannel)
		if _, err := mine.RevokeAs(ctx, member, "UB", "CHANNELS_ADMIN", raceChannel.ID); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("revoking on C9 while it moved to T2 and back: %v; want ErrConflict", err)
		}
		race.beforeAssignment = awayAndBack(moveRole)
		if _, err := mine.AssignAs(ctx, member, "UC", raceRole.Name, raceChannel.ID); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("assigning DESK while it moved to T2 and back: %v; want ErrConflict", err)
		}

		edited := raceRole
		edited.Permissions = []string{"EXTEND_TRIAL", "ARCHIVE_CHANNEL"}
		race.duringCheck = awayAndBack(moveRole)
		if _, err := mine.PutRoleAs(ctx, member, edited); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("editing DESK while it moved to T2 and back: %v; want ErrConflict", err)
		}
		claimed := raceChannel
		claimed.CreatorID = "UMEMBER"
		race.duringCheck = awayAndBack(moveChannel)
		if _, err := mine.UpsertEntityAs(ctx, member, claimed); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("saving C9 while it moved to T2 and back: %v; want ErrConflict", err)
		}
		if ent, err := other.Entity(ctx, raceChannel.ID); err != nil || ent.CreatorID != "" {
			t.Fatalf("C9 after the refused save: %+v %v; want it as the mover left it", ent, err)
		}
	})
}

// A team's account types and preferences are administered from above the
// team: moving the team to another enterprise between the authorization
// and the write, even and back, refuses the write.
func TestTeamWritesAsRefuseATeamThatMovedSinceAuthorized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mine, race, other := raceSetup(t, db)
		if _, err := other.UpsertEntity(ctx, authz.Entity{ID: "E2", Type: authz.TypeEnterprise}, "test"); err != nil {
			t.Fatal(err)
		}
		roles := authz.Actor{TeamID: demo.TeamMain, UserID: "UROLES"} // ROLES_ADMIN on E1
		team := authz.Entity{ID: demo.TeamMain, Type: authz.TypeWorkspace, ParentID: demo.Enterprise}
		moveTeam := func(parents ...string) func() {
			return func() {
				for _, p := range parents {
					moved := team
					moved.ParentID = p
					if _, err := other.UpsertEntity(ctx, moved, "mover"); err != nil {
						t.Error(err)
					}
				}
			}
		}
		if _, err := mine.SetAccountTypeAs(ctx, roles, demo.TeamMain, "UNEW", authz.AccountAdmin); err != nil {
			t.Fatalf("unraced: %v", err)
		}
		race.beforeTeamWrite = moveTeam("E2")
		if _, err := mine.SetAccountTypeAs(ctx, roles, demo.TeamMain, "UNEW", authz.AccountOwner); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("setting an account type of T1 while T1 moved to E2: %v; want ErrConflict", err)
		}
		moveTeam("E1")()
		race.beforeTeamWrite = moveTeam("E2", "E1")
		if _, err := mine.SetTeamPrefsAs(ctx, roles, demo.TeamMain, map[string]string{"who_can_archive_channels": "member"}); !errors.Is(err, authz.ErrConflict) {
			t.Fatalf("setting T1's preferences while T1 moved to E2 and back: %v; want ErrConflict", err)
		}
		if p, err := other.TeamPrefs(ctx, demo.TeamMain); err != nil || p["who_can_archive_channels"] != "admin" {
			t.Fatalf("T1's preferences after the refused write: %v %v", p, err)
		}
	})
}
