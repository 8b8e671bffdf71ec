//go:build vitess

package vitess_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/storetest"
)

// openStore opens another handle on the Vitess cluster (its own
// connections, so its own vtgate sessions) and the permission store on it.
func openStore(t testing.TB, url string) *authzsql.Store {
	t.Helper()
	ctx := context.Background()
	db, err := mysql.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Every write takes the next revision and logs its change under it: on an
// empty store the first write is revision 1, and under writers on several
// handles at once (each its own vtgate sessions, as separate processes
// would be) the revisions they are given are 1..n without a gap or a
// repeat, each logged once with the change that took it, and the counter
// ends at n. Writes to users span both keyspaces; the others only the
// unsharded one.
func TestRevisionsAreExactUnderConcurrentWriters(t *testing.T) {
	db := storetest.Vitess(t)
	url := storetest.VitessURL(t)
	ctx := context.Background()
	first := openStore(t, url)
	rev, err := first.UpsertEntity(ctx, authz.Entity{ID: demo.Enterprise, Type: authz.TypeEnterprise}, authz.Prior{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rev != 1 {
		t.Fatalf("first write on an empty store has revision %d, want 1", rev)
	}
	if cur, err := first.CurrentRevision(ctx); err != nil || cur != 1 {
		t.Fatalf("current revision after the first write = %d, %v; want 1", cur, err)
	}
	if _, err := first.UpsertEntity(ctx, authz.Entity{ID: demo.TeamMain, Type: authz.TypeWorkspace, ParentID: demo.Enterprise}, authz.Prior{}, "test"); err != nil {
		t.Fatal(err)
	}

	const writers, writes = 4, 12
	byUsers := usersByShard(t, db)
	var users []string // users on both shards
	for _, us := range byUsers {
		users = append(users, us...)
	}
	type written struct {
		rev authz.Revision
		key string
	}
	var mu sync.Mutex
	var got []written
	var wg sync.WaitGroup
	for w := range writers {
		st := openStore(t, url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range writes {
				var rev authz.Revision
				var key string
				var err error
				switch i % 3 {
				case 0, 1: // a user's row: the user's shard and bastion_ref
					a := authz.Assignment{UserID: users[(w*writes+i)%len(users)], Role: "CHANNELS_ADMIN", EntityID: fmt.Sprintf("C%d-%d", w, i), GrantedBy: "test"}
					key = a.UserID + "/" + a.Role + "/" + a.EntityID
					rev, err = st.Assign(ctx, a, authz.Prior{}, "test")
				default: // reference data: bastion_ref only
					key = fmt.Sprintf("C%d-%d", w, i)
					rev, err = st.UpsertEntity(ctx, authz.Entity{ID: key, Type: authz.TypeChannel, ParentID: demo.TeamMain}, authz.Prior{}, "test")
				}
				if err != nil {
					t.Errorf("writer %d, write %d: %v", w, i, err)
					return
				}
				mu.Lock()
				got = append(got, written{rev, key})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	slices.SortFunc(got, func(a, b written) int { return int(a.rev - b.rev) })
	for i, w := range got {
		if want := authz.Revision(3 + i); w.rev != want {
			t.Fatalf("revisions given to %d concurrent writes: %v; want 3..%d, each once", len(got), got, 2+len(got))
		}
	}
	log, err := first.Changes(ctx, authz.ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2+len(got) {
		t.Fatalf("change log has %d entries after %d writes", len(log), 2+len(got))
	}
	for i, c := range log[2:] {
		if c.Revision != got[i].rev || c.Key != got[i].key {
			t.Errorf("change log entry %d is %d %q; the write given revision %d wrote %q", i+2, c.Revision, c.Key, got[i].rev, got[i].key)
		}
	}
	if cur, err := first.CurrentRevision(ctx); err != nil || cur != authz.Revision(2+len(got)) {
		t.Errorf("current revision = %d, %v; want %d", cur, err, 2+len(got))
	}
}

// A write to a user commits the user's shard before the unsharded keyspace,
// so that nobody reads a change-log entry (or the revision) before the rows
// it describes: the mysqld under the test cluster logs every statement of
// every shard, in order. The log also shows the revision read where it was
// taken, in the same transaction. It holds with vtgate's default commit
// (MULTI) and with two-phase commit.
func TestAUserWriteCommitsItsShardBeforeTheChangeLog(t *testing.T) {
	storetest.Vitess(t)
	url := storetest.VitessURL(t)
	ctx := context.Background()
	mysqld := underlyingMySQL(t)
	for _, mode := range []string{"multi", "twopc"} {
		t.Run(mode, func(t *testing.T) {
			st := openStore(t, withTransactionMode(url, mode))
			user := fmt.Sprintf("U%s", strings.ToUpper(mode))
			before := commitsOfMode(t, "TwoPC")
			var rev authz.Revision
			entries := generalLog(t, mysqld, func() {
				var err error
				rev, err = st.Assign(ctx, authz.Assignment{UserID: user, Role: "CHANNELS_ADMIN", EntityID: "C1", GrantedBy: "test"}, authz.Prior{}, "test")
				if err != nil {
					t.Fatal(err)
				}
			})
			if mode == "twopc" && commitsOfMode(t, "TwoPC") == before {
				t.Error("vtgate counted no two-phase commit")
			}
			userThread := threadRunning(t, entries, "insert into authz_user_revisions")
			refThread := threadRunning(t, entries, "update authz_revision")
			if userThread == refThread {
				t.Fatalf("the user's rows and the revision were written on one connection (%d): not two shards", userThread)
			}
			if got := threadRunning(t, entries, "select rev from authz_revision"); got != refThread {
				t.Errorf("the new revision was read on connection %d, taken on %d", got, refThread)
			}
			userCommit, refCommit := commitAfter(entries, userThread, "insert into authz_user_revisions"), commitAfter(entries, refThread, "update authz_revision")
			if userCommit < 0 || refCommit < 0 {
				t.Fatalf("no commit of the user's shard (%d) or of bastion_ref (%d) in the log:\n%s", userCommit, refCommit, dump(entries, userThread, refThread))
			}
			if userCommit > refCommit {
				t.Errorf("bastion_ref committed revision %d before the user's shard did:\n%s", rev, dump(entries, userThread, refThread))
			}
		})
	}
}

// underlyingMySQL connects to the mysqld under the test cluster
// (BASTION_TEST_VTGATE_MYSQLD, set by vttest.sh).
func underlyingMySQL(t testing.TB) *sql.DB {
	t.Helper()
	u := os.Getenv("BASTION_TEST_VTGATE_MYSQLD")
	if u == "" {
		t.Fatal("BASTION_TEST_VTGATE_MYSQLD is not set: deploy/vitess/vttest.sh test sets it")
	}
	cfg, err := mysql.ParseURL(strings.TrimSuffix(u, "/") + "/mysql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// withTransactionMode makes every connection of url set vtgate's
// transaction mode (the driver sets unknown parameters as variables).
func withTransactionMode(url, mode string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "transaction_mode=%27" + mode + "%27"
}

type logEntry struct {
	thread int64
	query  string
}

// generalLog returns the statements mysqld ran while fn ran, in order.
func generalLog(t testing.TB, db *sql.DB, fn func()) []logEntry {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{"SET GLOBAL general_log = 0", "SET GLOBAL log_output = 'TABLE'", "TRUNCATE TABLE mysql.general_log", "SET GLOBAL general_log = 1"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	fn()
	if _, err := db.ExecContext(ctx, "SET GLOBAL general_log = 0"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "SELECT thread_id, CONVERT(argument USING utf8mb4) FROM mysql.general_log WHERE command_type IN ('Query', 'Execute')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []logEntry
	for rows.Next() {
		var e logEntry
		if err := rows.Scan(&e.thread, &e.query); err != nil {
			t.Fatal(err)
		}
		e.query = strings.ToLower(strings.TrimSpace(e.query))
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// threadRunning returns the connection that ran a statement starting with
// prefix, failing unless exactly one did.
func threadRunning(t testing.TB, entries []logEntry, prefix string) int64 {
	t.Helper()
	var found []int64
	for _, e := range entries {
		if strings.HasPrefix(e.query, prefix) && !slices.Contains(found, e.thread) {
			found = append(found, e.thread)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d connections ran %q, want 1", len(found), prefix)
	}
	return found[0]
}

// commitAfter returns the position of the first commit on thread after a
// statement starting with prefix, or -1.
func commitAfter(entries []logEntry, thread int64, prefix string) int {
	seen := false
	for i, e := range entries {
		if e.thread != thread {
			continue
		}
		switch {
		case strings.HasPrefix(e.query, prefix):
			seen = true
		case seen && (e.query == "commit" || strings.HasPrefix(e.query, "commit ")):
			return i
		}
	}
	return -1
}

func dump(entries []logEntry, threads ...int64) string {
	var b strings.Builder
	for i, e := range entries {
		if slices.Contains(threads, e.thread) {
			fmt.Fprintf(&b, "%4d thread %d: %.120s\n", i, e.thread, e.query)
		}
	}
	return b.String()
}

// commitsOfMode returns vtgate's count of commits of a kind ("TwoPC",
// "Multi", "Single").
func commitsOfMode(t testing.TB, kind string) int64 {
	t.Helper()
	var vars struct {
		CommitModeTimings struct {
			Histograms map[string]struct{ Count int64 }
		}
	}
	getVars(t, &vars)
	return vars.CommitModeTimings.Histograms[kind].Count
}
