package authzsql_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqlite"
	"github.com/bastionhq/bastion/store/storetest"
)

// assignEnv names the database and user TestAssignerProcess assigns a
// role to when this test binary is run as another process.
const assignEnv = "BASTION_TEST_AUTHZ_ASSIGN"

// TestAssignerProcess is the other process of the memo tests: with
// assignEnv set to PATH,USER,ROLE it assigns ROLE on T1 to USER and
// prints the revision.
func TestAssignerProcess(t *testing.T) {
	arg := os.Getenv(assignEnv)
	if arg == "" {
		return // run as a test of its own: nothing to do
	}
	parts := strings.Split(arg, ",")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, parts[0])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rev, err := st.Assign(ctx, authz.Assignment{UserID: parts[1], Role: parts[2], EntityID: "T1"}, authz.Prior{}, "other process")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("revision=%d\n", rev)
}

// assignFromAnotherProcess assigns role to user in the database at path
// from a process of its own and returns the revision it wrote.
func assignFromAnotherProcess(t *testing.T, path, user, role string) authz.Revision {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestAssignerProcess$", "-test.count", "1")
	cmd.Env = append(os.Environ(), assignEnv+"="+path+","+user+","+role)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("assigner process: %v\n%s", err, out)
	}
	_, after, ok := strings.Cut(string(out), "revision=")
	if !ok {
		t.Fatalf("assigner process printed no revision:\n%s", out)
	}
	n, err := strconv.ParseInt(strings.Fields(after)[0], 10, 64)
	if err != nil {
		t.Fatalf("assigner process: %v\n%s", err, out)
	}
	return authz.Revision(n)
}

// openOnFile opens the store on the SQLite file at path through a handle
// of its own, both closed at the test's end.
func openOnFile(t *testing.T, path string) *authzsql.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return openStore(t, db)
}

// wantVersion fails unless st reads user at version want and the store at
// revision current.
func wantVersion(t *testing.T, st *authzsql.Store, user string, want, current authz.Revision, after string) {
	t.Helper()
	v, cur, err := st.UserVersions(context.Background(), []string{user, "UNEVER"})
	if err != nil {
		t.Fatal(err)
	}
	if v[0] != want || v[1] != 0 || cur != current {
		t.Fatalf("after %s: %s at version %d, revision %d; want %d at %d", after, user, v[0], cur, want, current)
	}
}

// On SQLite, versions answered without a query (nothing committed since
// they were read) are still current for every kind of write: through the
// store's own handle, through another handle on the file, from another
// process, and a restore of a backup under the running store.
func TestUserVersionsSeeEveryCommitOnSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bastion.db")
	st := openOnFile(t, path)
	other := openOnFile(t, path)
	rev, err := st.Import(ctx, authz.Import{
		Entities:    []authz.Entity{{ID: "E1", Type: authz.TypeEnterprise}, {ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"}},
		Assignments: []authz.Assignment{{UserID: "U1", Role: "CHANNELS_ADMIN", EntityID: "T1"}},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	// Twice each time: the second read is the one answered from memory.
	for range 2 {
		wantVersion(t, st, "U1", rev, rev, "the import")
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	restore := storetest.Backup(t, db)
	backedUp := rev

	if rev, err = st.Assign(ctx, authz.Assignment{UserID: "U1", Role: "USERS_ADMIN", EntityID: "T1"}, authz.Prior{}, "test"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		wantVersion(t, st, "U1", rev, rev, "a write through the same store")
	}
	if rev, err = other.Revoke(ctx, authz.Assignment{UserID: "U1", Role: "USERS_ADMIN", EntityID: "T1"}, authz.Prior{}, "test"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		wantVersion(t, st, "U1", rev, rev, "a write through another handle")
	}
	// A write to someone else moves the revision, not U1's version.
	userRev := rev
	if rev, err = other.Assign(ctx, authz.Assignment{UserID: "U2", Role: "USERS_ADMIN", EntityID: "T1"}, authz.Prior{}, "test"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		wantVersion(t, st, "U1", userRev, rev, "a write to another user")
	}
	rev = assignFromAnotherProcess(t, path, "U1", "USERS_ADMIN")
	for range 2 {
		wantVersion(t, st, "U1", rev, rev, "a write from another process")
	}
	restore()
	for range 2 {
		wantVersion(t, st, "U1", backedUp, backedUp, "a restore")
	}
}

// Readers answering from memory as fast as they can never miss a write
// that returned before their read began, while another handle writes.
func TestUserVersionsNeverMissAReturnedWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bastion.db")
	st := openOnFile(t, path)
	writer := openOnFile(t, path)
	if _, err := writer.Import(ctx, authz.Import{
		Entities: []authz.Entity{{ID: "E1", Type: authz.TypeEnterprise}, {ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"}},
	}, "test"); err != nil {
		t.Fatal(err)
	}
	var written atomic.Int64 // the last revision a write returned
	var stale atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				before := written.Load()
				v, cur, err := st.UserVersions(ctx, []string{"U1"})
				if err != nil {
					t.Error(err)
					return
				}
				if int64(v[0]) < before || int64(cur) < before {
					stale.Add(1)
				}
			}
		}()
	}
	stopReaders := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopReaders()
	roles := []string{"USERS_ADMIN", "CHANNELS_ADMIN"}
	for i := range 200 {
		a := authz.Assignment{UserID: "U1", Role: roles[i%2], EntityID: "T1"}
		var rev authz.Revision
		var err error
		if i%4 < 2 {
			rev, err = writer.Assign(ctx, a, authz.Prior{}, "test")
		} else {
			rev, err = writer.Revoke(ctx, a, authz.Prior{}, "test")
		}
		if err != nil {
			t.Fatal(err)
		}
		written.Store(int64(rev))
		v, cur, err := st.UserVersions(ctx, []string{"U1"})
		if err != nil {
			t.Fatal(err)
		}
		if v[0] != rev || cur != rev {
			t.Fatalf("write %d returned revision %d; then read version %d at revision %d", i, rev, v[0], cur)
		}
	}
	stopReaders()
	if n := stale.Load(); n > 0 {
		t.Fatalf("%d reads missed a write that had returned before they began", n)
	}
}
