package sqlite_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/sqlite"
)

// writeEnv names the database TestWriterProcess writes to when this test
// binary is run as another process.
const writeEnv = "BASTION_TEST_SQLITE_WRITE"

// TestWriterProcess is the other process of the probe tests: with writeEnv
// set, it inserts a row into that database and exits.
func TestWriterProcess(t *testing.T) {
	path := os.Getenv(writeEnv)
	if path == "" {
		return // run as a test of its own: nothing to do
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("INSERT INTO t (v) VALUES ('other process')"); err != nil {
		t.Fatal(err)
	}
}

// writeFromAnotherProcess inserts a row into the database at path from a
// process of its own, and returns once that process has exited.
func writeFromAnotherProcess(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWriterProcess$", "-test.count", "1")
	cmd.Env = append(os.Environ(), writeEnv+"="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("writer process: %v\n%s", err, out)
	}
}

func token(t *testing.T, db *sqldb.DB) sqldb.ChangeToken {
	t.Helper()
	if db.Changes == nil {
		t.Fatal("a database opened in WAL mode has no change probe")
	}
	tok, ok := db.Changes.Token()
	if !ok {
		t.Fatal("the probe cannot tell")
	}
	return tok
}

// The change token stays put across reads and moves with every commit:
// through the same handle, through another handle on the same file, from
// another process, around checkpoints, and with a transaction rolled back
// leaving it alone.
func TestChangeProbeSeesEveryCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "probe.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := db.Exec("CREATE TABLE t (v TEXT)"); err != nil {
		t.Fatal(err)
	}
	last := token(t, db)
	unchanged := func(what string) {
		t.Helper()
		if now := token(t, db); now != last {
			t.Fatalf("%s moved the change token", what)
		}
	}
	moved := func(what string) {
		t.Helper()
		now := token(t, db)
		if now == last {
			t.Fatalf("%s left the change token where it was", what)
		}
		last = now
	}
	var n int
	for range 3 {
		if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	unchanged("reading")
	for i := range 3 {
		if _, err := db.Exec("INSERT INTO t (v) VALUES ('same handle')"); err != nil {
			t.Fatal(err)
		}
		moved("a commit through the same handle")
		if _, err := other.Exec("INSERT INTO t (v) VALUES ('other handle')"); err != nil {
			t.Fatal(err)
		}
		moved("a commit through another handle")
		writeFromAnotherProcess(t, path)
		moved("a commit from another process")
		if i == 1 {
			if _, err := other.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			// A checkpoint may or may not move it; the next commit must.
			last = token(t, db)
		}
	}
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO t (v) VALUES ('rolled back')"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	unchanged("a transaction rolled back")
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 9 {
		t.Fatalf("%d rows, want 9", n)
	}
}

// A database opened read-only has no probe: nothing there keeps the WAL
// index in use, so it falls back to queries.
func TestReadOnlyHandleHasNoProbe(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ro, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ro.Changes != nil {
		t.Fatal("a read-only handle has a change probe")
	}
}
