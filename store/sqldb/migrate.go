package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Migration is one versioned schema change of a component. Versions of a
// component start at 1 and never change once released; new changes are
// appended.
type Migration struct {
	Version int
	Name    string
	// SQL runs on every dialect unless a dialect-specific text is given.
	// Statements are separated by ";" at the end of a line.
	SQL string
	// MySQL, when set, replaces SQL on MySQL.
	MySQL string
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	component VARCHAR(64) NOT NULL,
	version INTEGER NOT NULL,
	name VARCHAR(200) NOT NULL,
	applied_at BIGINT NOT NULL,
	PRIMARY KEY (component, version)
)`

// ErrSchemaTooNew marks a database migrated by a newer release than the
// running one. Such a process would write without keeping the newer
// schema's invariants (for example the user versions of the permission
// store), so it refuses to start.
var ErrSchemaTooNew = errors.New("database schema is newer than this build")

// newestVersion is the highest applied version, 0 for none.
func newestVersion(applied map[int]bool) int {
	newest := 0
	for v := range applied {
		newest = max(newest, v)
	}
	return newest
}

// Migrate applies the migrations of component that the database has not
// seen yet, in version order. It is safe to call from several processes at
// once: on MySQL a named lock serialises them, on SQLite an immediate
// transaction does. It fails with ErrSchemaTooNew when the database holds
// a version of component that migrations does not.
//
// On SQLite a migration applies in one transaction, or not at all. MySQL
// commits each DDL statement on its own, so there each statement's
// progress is recorded (schema_migration_steps): a migration that failed
// halfway, or whose process died, resumes at the statement it stopped at
// when run again. A statement whose outcome was unknown (the connection
// was lost while it ran) runs again, and an error saying that what it
// creates exists already (a table, column, index or row) counts as its
// success.
func Migrate(ctx context.Context, db *DB, component string, migrations []Migration) error {
	if err := (migrator{}).migrate(ctx, db, component, migrations); err != nil {
		return err
	}
	if db.Vitess {
		// After the migration's connection is back in the pool: a pool of
		// one connection would wait for itself.
		return awaitVitessSchema(ctx, db, component, CreatedTables(migrations, MySQL))
	}
	return nil
}

// migrator applies migrations; its hook lets tests stop a migration
// between a statement and the record of its success, as a process dying
// there would.
type migrator struct {
	// afterStatement, when set, runs after each statement succeeds and
	// before it is recorded; an error stops the migration there.
	afterStatement func(version, step int) error
}

func (mg migrator) migrate(ctx context.Context, db *DB, component string, migrations []Migration) error {
	for i, m := range migrations {
		if m.Version != i+1 {
			return fmt.Errorf("migrate %s: migration %q has version %d, want %d", component, m.Name, m.Version, i+1)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: connect: %w", component, err)
	}
	defer conn.Close()
	if db.Dialect == MySQL {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('bastion_migrate', 60)").Scan(&got); err != nil || got.Int64 != 1 {
			return fmt.Errorf("migrate %s: take migration lock: %v", component, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('bastion_migrate')")
	}
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("migrate %s: create schema_migrations: %w", component, err)
	}
	if db.Dialect == MySQL {
		if _, err := conn.ExecContext(ctx, createStepsTable); err != nil {
			return fmt.Errorf("migrate %s: create schema_migration_steps: %w", component, err)
		}
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations WHERE component = ?", component)
	if err != nil {
		return fmt.Errorf("migrate %s: read applied versions: %w", component, err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate %s: read applied versions: %w", component, err)
		}
		applied[v] = true
	}
	rows.Close()
	if newest := newestVersion(applied); newest > len(migrations) {
		return fmt.Errorf("migrate %s: %w: the database is at schema version %d, this build knows versions up to %d; "+
			"run a release at least as new as the one that migrated it", component, ErrSchemaTooNew, newest, len(migrations))
	}
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		apply := mg.applyInTx
		if db.Dialect == MySQL {
			apply = mg.applyByStep
		}
		if err := apply(ctx, db, conn, component, m); err != nil {
			return err
		}
	}
	return nil
}

// applyInTx applies m in one transaction (SQLite, whose DDL is
// transactional).
func (mg migrator) applyInTx(ctx context.Context, db *DB, conn *sql.Conn, component string, m Migration) error {
	text := m.SQL
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s %d (%s): begin: %w", component, m.Version, m.Name, err)
	}
	defer tx.Rollback()
	// Another process may have applied it while this one waited for the lock.
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND version = ?", component, m.Version).Scan(&n); err != nil {
		return fmt.Errorf("migrate %s %d (%s): %w", component, m.Version, m.Name, err)
	}
	if n > 0 {
		return nil
	}
	for i, stmt := range SplitStatements(text) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate %s %d (%s): %w\n%s", component, m.Version, m.Name, err, stmt)
		}
		if mg.afterStatement != nil {
			if err := mg.afterStatement(m.Version, i+1); err != nil {
				return fmt.Errorf("migrate %s %d (%s): %w", component, m.Version, m.Name, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
		component, m.Version, m.Name, time.Now().Unix()); err != nil {
		return fmt.Errorf("migrate %s %d (%s): record: %w", component, m.Version, m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s %d (%s): commit: %w", component, m.Version, m.Name, err)
	}
	return nil
}

// SplitStatements splits a migration text into statements at semicolons
// that end a line, dropping empty statements and "--" comment lines.
func SplitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			if s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
