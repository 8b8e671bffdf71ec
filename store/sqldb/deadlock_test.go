package sqldb_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// A statement outside a transaction that InnoDB rolls back to break a
// deadlock is run again by DB.ExecContext, and lands; the same statement
// through database/sql alone fails with error 1213, which shows the setup
// does deadlock.
func TestStatementRolledBackByADeadlockRunsAgain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		exec  func(db *sqldb.DB) func(context.Context, string, ...any) (sql.Result, error)
		lands bool
	}{
		{"database/sql", func(db *sqldb.DB) func(context.Context, string, ...any) (sql.Result, error) { return db.DB.ExecContext }, false},
		{"sqldb", func(db *sqldb.DB) func(context.Context, string, ...any) (sql.Result, error) { return db.ExecContext }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.MySQL(t)
			err := deadlockWith(t, db, tc.exec(db))
			if tc.lands {
				if err != nil {
					t.Fatalf("the statement failed: %v", err)
				}
				var v1, v2 int
				if err := db.QueryRow("SELECT (SELECT v FROM t WHERE id = 1), (SELECT v FROM t WHERE id = 2)").Scan(&v1, &v2); err != nil {
					t.Fatal(err)
				}
				if v1 != 11 || v2 != 11 {
					t.Fatalf("rows 1 and 2 hold %d and %d; want 11 and 11 (both writers' changes)", v1, v2)
				}
				return
			}
			if n, ok := db.ServerError(err); !ok || n != 1213 {
				t.Fatalf("the setup did not deadlock: the statement returned %v", err)
			}
		})
	}
}

// deadlockWith makes the statement exec runs the victim of a deadlock: a
// transaction that changed rows 2..100 asks for row 1 once the statement
// (UPDATE rows 1 and 2, in key order) holds it, and the statement waits
// for row 2. InnoDB rolls back the transaction that changed fewer rows: the
// statement. It returns the statement's error once the transaction has
// committed.
func deadlockWith(t *testing.T, db *sqldb.DB, exec func(context.Context, string, ...any) (sql.Result, error)) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO t (id, v) SELECT seq, 0 FROM seq_1_to_100"); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE t SET v = v + 1 WHERE id >= 2"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := exec(ctx, "UPDATE t SET v = v + 10 WHERE id IN (1, 2) ORDER BY id")
		done <- err
	}()
	// The statement holds row 1 once a locking read that skips locked rows
	// no longer finds it (the transaction holds rows 2..100, not 1).
	for free := 1; free != 0; {
		select {
		case err := <-done:
			t.Fatalf("the statement ended before it took row 1: %v", err)
		default:
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t WHERE id = 1 FOR UPDATE SKIP LOCKED").Scan(&free); err != nil {
			t.Fatalf("wait for the statement to take row 1: %v", err)
		}
		if free != 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE t SET v = v + 1 WHERE id = 1"); err != nil {
		t.Fatalf("the transaction was chosen as the victim, not the statement: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return <-done
}
