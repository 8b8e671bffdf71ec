package authzsql_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// seedReader writes a small organisation through the store.
func seedReader(t *testing.T, st *authzsql.Store) authz.Revision {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Import(ctx, authz.Import{
		Entities: []authz.Entity{{ID: "E1", Type: "enterprise"}, {ID: "T1", Type: "workspace", ParentID: "E1"}, {ID: "C1", Type: "channel", ParentID: "T1", CreatorID: "U2"}},
		AccountTypes: []authz.ImportedAccount{
			{TeamID: "T1", UserID: "U1", Type: authz.AccountMember},
			{TeamID: "T1", UserID: "U2", Type: authz.AccountRestricted},
		},
		Assignments: []authz.Assignment{
			{UserID: "U1", Role: "CHANNELS_ADMIN", EntityID: "T1", GrantedBy: "t"},
			{UserID: "U2", Role: "CHANNELS_ADMIN", EntityID: "C1", GrantedBy: "t"},
			{UserID: "U2", Role: "ROLES_ADMIN", EntityID: "E1", GrantedBy: "t"},
		},
	}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutRole(ctx, authz.Role{Name: "ARCHIVER", Scope: "T1", Permissions: []string{"ARCHIVE_CHANNEL"}}, authz.Prior{}, "test"); err != nil {
		t.Fatal(err)
	}
	rev, err := st.SetTeamPrefs(ctx, "T1", map[string]string{"who_can_archive_channels": "member"}, authz.Prior{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestReaderReadsOneSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		rev := seedReader(t, st)
		r, err := authzsql.OpenReader(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// A write after the reader began is not seen.
		if _, err := st.Import(ctx, authz.Import{Assignments: []authz.Assignment{{UserID: "U3", Role: "CHANNELS_ADMIN", EntityID: "T1"}}}, "test"); err != nil {
			t.Fatal(err)
		}
		ref, err := r.Reference(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ref.Revision != rev || len(ref.Entities) != 3 || ref.Entities["C1"].CreatorID != "U2" ||
			ref.TeamPrefs["T1"]["who_can_archive_channels"] != "member" || ref.Roles["ARCHIVER"].Scope != "T1" {
			t.Fatalf("reference = %+v", ref)
		}
		var holders []string
		if err := r.EachAssignmentOfRole(ctx, "CHANNELS_ADMIN", func(u, e string) error {
			holders = append(holders, u+"@"+e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(holders)
		if strings.Join(holders, ",") != "U1@T1,U2@C1" {
			t.Fatalf("CHANNELS_ADMIN holders = %v", holders)
		}
		var on []string
		if err := r.EachAssignmentOn(ctx, "E1", func(u, role string) error {
			on = append(on, u+":"+role)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Join(on, ",") != "U2:ROLES_ADMIN" {
			t.Fatalf("assignments on E1 = %v", on)
		}
		var accounts []string
		if err := r.EachAccountType(ctx, []string{"U2", "U9"}, func(u string, a authz.AccountTypeRecord) error {
			accounts = append(accounts, u+"/"+a.TeamID+"/"+a.Type.String())
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Join(accounts, ",") != "U2/T1/restricted" {
			t.Fatalf("account types = %v", accounts)
		}
		recs, err := r.Users(ctx, []string{"U2", "U3"})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || len(recs[0].Assignments) != 2 || recs[0].AccountType("T1") != authz.AccountRestricted || len(recs[1].Assignments) != 0 {
			t.Fatalf("users = %+v", recs)
		}
		// A callback's error stops the reading and comes back.
		stop := errors.New("stop")
		if err := r.EachAssignmentOfRole(ctx, "CHANNELS_ADMIN", func(string, string) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("err = %v, want the callback's", err)
		}
	})
}

func TestReaderRefusesAnotherSchemaVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if _, err := authzsql.OpenReader(ctx, db); err == nil || !strings.Contains(err.Error(), "not a Bastion database") {
			t.Fatalf("an empty database: err = %v", err)
		}
		openStore(t, db)
		last := authzsql.SchemaVersion()
		if _, err := db.ExecContext(ctx, "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ('authz', ?, 'from the future', 0)", last+1); err != nil {
			t.Fatal(err)
		}
		_, err := authzsql.OpenReader(ctx, db)
		if !errors.Is(err, authzsql.ErrSchemaMismatch) || !strings.Contains(err.Error(), "newer than this build") {
			t.Fatalf("a newer schema: err = %v", err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM schema_migrations WHERE component = 'authz' AND version >= ?", last); err != nil {
			t.Fatal(err)
		}
		_, err = authzsql.OpenReader(ctx, db)
		if !errors.Is(err, authzsql.ErrSchemaMismatch) || !strings.Contains(err.Error(), "upgrade it first") {
			t.Fatalf("an older schema: err = %v", err)
		}
	})
}

// Reading a SQLite file opened read-only changes no byte of it, and the
// handle refuses writes.
func TestReaderOnAReadOnlySQLiteFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bastion.db")
	rw, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := authzsql.Open(ctx, rw)
	if err != nil {
		t.Fatal(err)
	}
	seedReader(t, st)
	st.Close()
	rw.Close()
	sum := func() [32]byte {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(data)
	}
	before := sum()
	db, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := authzsql.OpenReader(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reference(ctx); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := db.ExecContext(ctx, "DELETE FROM authz_assignments"); err == nil {
		t.Fatal("a write through the read-only handle succeeded")
	}
	if sum() != before {
		t.Fatal("the database file changed")
	}
	if _, err := store.OpenReadOnly(ctx, filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Fatal("opening a missing file read-only succeeded")
	}
}

// A role's assignments, and those on one entity, arrive in full over
// several pages (Vitess refuses results of more than 10,000 rows).
func TestReaderReadsEveryPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		const n = 10_001
		batch := authz.Import{Entities: []authz.Entity{{ID: "T1", Type: "workspace"}}}
		for i := range n {
			// Two assignments per user, so that pages also end between
			// rows of one user.
			u := fmt.Sprintf("U%06d", i/2)
			batch.Assignments = append(batch.Assignments, authz.Assignment{UserID: u, Role: "CHANNELS_ADMIN", EntityID: fmt.Sprintf("T%d", 1+i%2)})
		}
		if _, err := st.Import(ctx, batch, "test"); err != nil {
			t.Fatal(err)
		}
		r, err := authzsql.OpenReader(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		seen := map[string]bool{}
		if err := r.EachAssignmentOfRole(ctx, "CHANNELS_ADMIN", func(u, e string) error {
			seen[u+"@"+e] = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != n {
			t.Fatalf("read %d distinct assignments of %d", len(seen), n)
		}
		on := 0
		if err := r.EachAssignmentOn(ctx, "T2", func(string, string) error { on++; return nil }); err != nil {
			t.Fatal(err)
		}
		if on != n/2 {
			t.Fatalf("read %d assignments on T2, want %d", on, n/2)
		}
	})
}
