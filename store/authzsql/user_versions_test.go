package authzsql_test

import (
	"context"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// openStore opens the permission store on db, closed at the test's end.
func openStore(t *testing.T, db *sqldb.DB) *authzsql.Store {
	t.Helper()
	st, err := authzsql.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func versionOf(t *testing.T, st *authzsql.Store, user string) authz.Revision {
	t.Helper()
	v, current, err := st.UserVersions(context.Background(), []string{user})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.LoadUser(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != v[0] || current < v[0] {
		t.Fatalf("user %s: UserVersions says %d (current %d), LoadUser says %d", user, v[0], current, rec.Version)
	}
	return v[0]
}

// A user's version is the revision of the last write that changed the
// user's rows, and nothing else moves it.
func TestUserVersionsFollowEveryWriteToTheUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		if v := versionOf(t, st, "U1"); v != 0 {
			t.Fatalf("a user never written has version %d, want 0", v)
		}
		rev, err := st.Import(ctx, authz.Import{
			Entities:     []authz.Entity{{ID: "E1", Type: authz.TypeEnterprise}, {ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"}},
			AccountTypes: []authz.ImportedAccount{{TeamID: "T1", UserID: "U1", Type: authz.AccountMember}},
			Assignments:  []authz.Assignment{{UserID: "U2", Role: "CHANNELS_ADMIN", EntityID: "T1"}},
		}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if v1, v2 := versionOf(t, st, "U1"), versionOf(t, st, "U2"); v1 != rev || v2 != rev {
			t.Fatalf("after an import at %d: versions %d and %d", rev, v1, v2)
		}
		steps := []struct {
			what  string
			write func() (authz.Revision, error)
		}{
			{"assign", func() (authz.Revision, error) {
				return st.Assign(ctx, authz.Assignment{UserID: "U1", Role: "USERS_ADMIN", EntityID: "T1", GrantedAt: time.Now()}, authz.Prior{}, "test")
			}},
			{"revoke", func() (authz.Revision, error) {
				return st.Revoke(ctx, authz.Assignment{UserID: "U1", Role: "USERS_ADMIN", EntityID: "T1"}, authz.Prior{}, "test")
			}},
			{"account type", func() (authz.Revision, error) {
				return st.SetAccountType(ctx, "T1", "U1", authz.AccountAdmin, authz.Prior{}, "test")
			}},
		}
		for _, s := range steps {
			rev, err := s.write()
			if err != nil {
				t.Fatalf("%s: %v", s.what, err)
			}
			if v := versionOf(t, st, "U1"); v != rev {
				t.Fatalf("after %s at revision %d, U1's version is %d", s.what, rev, v)
			}
		}
		before := versionOf(t, st, "U1")
		// Writes that change nothing of U1: another user, reference data,
		// and an assignment that already exists.
		if _, err := st.Assign(ctx, authz.Assignment{UserID: "U2", Role: "USERS_ADMIN", EntityID: "T1"}, authz.Prior{}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpsertEntity(ctx, authz.Entity{ID: "C1", Type: authz.TypeChannel, ParentID: "T1"}, authz.Prior{}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetAccountType(ctx, "T1", "U1", authz.AccountAdmin, authz.Prior{}, "test"); err != nil {
			t.Fatal(err)
		}
		if v := versionOf(t, st, "U1"); v != before {
			t.Fatalf("writes that did not change U1 moved its version from %d to %d", before, v)
		}
	})
}
