package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
)

// openGated opens a database with a table t and returns it with its
// write gate.
func openGated(t *testing.T) (*sqldb.DB, writeGate) {
	t.Helper()
	db, gate, err := open(context.Background(), filepath.Join(t.TempDir(), "gate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE t (v TEXT)"); err != nil {
		t.Fatal(err)
	}
	return db, gate
}

func wantHeld(t *testing.T, gate writeGate, held bool, when string) {
	t.Helper()
	if got := len(gate) == 1; got != held {
		t.Fatalf("%s: gate held %v, want %v", when, got, held)
	}
}

// A read-write transaction holds the gate from BEGIN until it commits or
// rolls back; its own statements pass without waiting for it; read-only
// transactions and queries leave it free.
func TestWriteGateIsHeldForTheTransaction(t *testing.T) {
	ctx := context.Background()
	db, gate := openGated(t)
	for _, end := range []string{"commit", "rollback"} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantHeld(t, gate, true, "in a transaction")
		// Would wait for the gate (gateWait) if the transaction's own
		// statements took it.
		if _, err := tx.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", end); err != nil {
			t.Fatal(err)
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO t (v) VALUES (?)")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stmt.ExecContext(ctx, end); err != nil {
			t.Fatal(err)
		}
		stmt.Close()
		// A query outside the transaction does not wait either.
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if end == "commit" {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		wantHeld(t, gate, false, "after "+end)
	}
	ro, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	wantHeld(t, gate, false, "in a read-only transaction")
	ro.Rollback()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d rows, want the 2 committed", n)
	}
}

// A write outside a transaction waits for the gate while a transaction
// holds it, and runs once it is given back.
func TestWriteGateHoldsBackOtherWrites(t *testing.T) {
	ctx := context.Background()
	db, gate := openGated(t)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO t (v) VALUES ('first')"); err != nil {
		t.Fatal(err)
	}
	// A second writer that finds the gate taken: enter would only return
	// by timing out, which a context already done turns into at once.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if gate.enter(done) {
		t.Fatal("entered a gate the transaction holds")
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "INSERT INTO t (v) VALUES ('second')")
		wrote <- err
	}()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	var first string
	if err := db.QueryRowContext(ctx, "SELECT v FROM t ORDER BY rowid LIMIT 1").Scan(&first); err != nil {
		t.Fatal(err)
	}
	if first != "first" {
		t.Fatalf("first row %q: the write outside the transaction went first", first)
	}
	wantHeld(t, gate, false, "after both writes")
}

// Many goroutines writing through one handle in every way (transactions,
// statements, prepared statements) all succeed, and the gate ends free.
func TestWriteGateUnderConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	db, gate := openGated(t)
	prepared, err := db.PrepareContext(ctx, "INSERT INTO t (v) VALUES (?)")
	if err != nil {
		t.Fatal(err)
	}
	defer prepared.Close()
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				v := fmt.Sprintf("%d/%d", w, i)
				var err error
				switch i % 3 {
				case 0:
					_, err = db.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", v)
				case 1:
					_, err = prepared.ExecContext(ctx, v)
				default:
					err = db.Tx(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", v)
						return err
					})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*each {
		t.Fatalf("%d rows, want %d", n, writers*each)
	}
	wantHeld(t, gate, false, "after every write")
}
