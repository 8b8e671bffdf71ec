package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// createStepsTable records, on MySQL, the statements of migrations not yet
// applied in full: "started" before a statement runs, "done" once it has.
const createStepsTable = `CREATE TABLE IF NOT EXISTS schema_migration_steps (
	component VARBINARY(64) NOT NULL,
	version INTEGER NOT NULL,
	step INTEGER NOT NULL,
	state VARBINARY(16) NOT NULL,
	at_s BIGINT NOT NULL,
	PRIMARY KEY (component, version, step)
)`

// Step states.
const (
	stepStarted = "started"
	stepDone    = "done"
)

// alreadyThere lists the MySQL errors with which a statement that creates
// something fails when it exists already: a table (1050), a column
// (1060), an index (1061), a row (1062), or, for statements that remove
// something, its absence (1051 table, 1091 column or index). A statement
// that ran before its success could be recorded fails with one of these
// when run again.
var alreadyThere = []int{1050, 1051, 1060, 1061, 1062, 1091}

// applyByStep applies m one statement at a time, recording each one's
// progress, and skips the statements an earlier attempt applied (MySQL,
// which commits DDL statements one by one).
func (mg migrator) applyByStep(ctx context.Context, db *DB, conn *sql.Conn, component string, m Migration) error {
	text := m.SQL
	if m.MySQL != "" {
		text = m.MySQL
	}
	fail := func(what string, err error) error {
		if what != "" {
			what += ": "
		}
		return fmt.Errorf("migrate %s %d (%s): %s%w", component, m.Version, m.Name, what, err)
	}
	// Another process may have applied it while this one waited for the
	// lock.
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND version = ?", component, m.Version).Scan(&n); err != nil {
		return fail("", err)
	}
	if n > 0 {
		return nil
	}
	states, err := stepStates(ctx, conn, component, m.Version)
	if err != nil {
		return fail("", err)
	}
	for i, stmt := range SplitStatements(text) {
		step := i + 1
		state := states[step]
		if state == stepDone {
			continue
		}
		if state == "" {
			if err := setStep(ctx, conn, component, m.Version, step, stepStarted); err != nil {
				return fail(fmt.Sprintf("record the start of statement %d", step), err)
			}
		}
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			// Started by an attempt that stopped without knowing its
			// outcome, and found to have taken effect: done.
			number, ok := serverError(db, err)
			if !(state == stepStarted && ok && slices.Contains(alreadyThere, number)) {
				if ok {
					// The server refused it: nothing of it took effect,
					// and the next attempt runs it as new.
					clearStep(ctx, conn, component, m.Version, step)
				}
				return fail(fmt.Sprintf("statement %d", step), fmt.Errorf("%w\n%s", err, stmt))
			}
		}
		if mg.afterStatement != nil {
			if err := mg.afterStatement(m.Version, step); err != nil {
				return fail(fmt.Sprintf("after statement %d", step), err)
			}
		}
		if err := setStep(ctx, conn, component, m.Version, step, stepDone); err != nil {
			return fail(fmt.Sprintf("record statement %d", step), err)
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fail("begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
		component, m.Version, m.Name, time.Now().Unix()); err != nil {
		return fail("record", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM schema_migration_steps WHERE component = ? AND version = ?", component, m.Version); err != nil {
		return fail("record", err)
	}
	if err := tx.Commit(); err != nil {
		return fail("commit", err)
	}
	return nil
}

// stepStates reads the recorded progress of a migration: state by step.
func stepStates(ctx context.Context, conn *sql.Conn, component string, version int) (map[int]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT step, state FROM schema_migration_steps WHERE component = ? AND version = ?", component, version)
	if err != nil {
		return nil, fmt.Errorf("read recorded statements: %w", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var step int
		var state string
		if err := rows.Scan(&step, &state); err != nil {
			return nil, fmt.Errorf("read recorded statements: %w", err)
		}
		out[step] = state
	}
	return out, rows.Err()
}

func setStep(ctx context.Context, conn *sql.Conn, component string, version, step int, state string) error {
	_, err := conn.ExecContext(ctx, "INSERT INTO schema_migration_steps (component, version, step, state, at_s) VALUES (?, ?, ?, ?, ?)"+
		" ON DUPLICATE KEY UPDATE state = VALUES(state), at_s = VALUES(at_s)", component, version, step, state, time.Now().Unix())
	return err
}

// clearStep forgets that a statement was started; a failure to forget
// leaves it started, which only makes the next attempt tolerant of what
// it finds.
func clearStep(ctx context.Context, conn *sql.Conn, component string, version, step int) {
	conn.ExecContext(context.WithoutCancel(ctx), "DELETE FROM schema_migration_steps WHERE component = ? AND version = ? AND step = ?", component, version, step)
}

// serverError returns the error number of an error the database server
// answered with; ok is false for any other failure (a lost connection, a
// cancelled context), after which a statement's outcome is unknown.
func serverError(db *DB, err error) (int, bool) {
	if db.ServerError == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	return db.ServerError(err)
}
