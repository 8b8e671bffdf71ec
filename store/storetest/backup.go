package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
)

// Backup copies every table of db as it is now and returns a function
// that restores them all in one transaction, under whatever has the
// database open: what restoring a backup does to the processes running on
// it. On MySQL the copy is a database of its own, dropped when the test
// ends; on SQLite a file in the test's temporary folder.
func Backup(t testing.TB, db *sqldb.DB) (restore func()) {
	t.Helper()
	ctx := context.Background()
	if db.Vitess {
		return backupVitess(t, ctx, db)
	}
	if db.Dialect == sqldb.MySQL {
		return backupMySQL(t, ctx, db)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		t.Fatalf("back up sqlite: %v", err)
	}
	return func() {
		t.Helper()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("restore sqlite: %v", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS backup", path); err != nil {
			t.Fatalf("restore sqlite: %v", err)
		}
		defer conn.ExecContext(ctx, "DETACH DATABASE backup")
		tables := names(t, conn, "SELECT name FROM backup.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
		copyTables(t, ctx, conn, tables, "main", "backup")
	}
}

// backupMySQL copies db's tables into a database of their own.
func backupMySQL(t testing.TB, ctx context.Context, db *sqldb.DB) func() {
	t.Helper()
	var name string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatalf("back up mysql: %v", err)
	}
	copyName := name + "_bk"
	t.Cleanup(func() { db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+copyName+"`") })
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("back up mysql: %v", err)
	}
	defer conn.Close()
	tables := names(t, conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name")
	exec(t, ctx, conn, "DROP DATABASE IF EXISTS `"+copyName+"`")
	exec(t, ctx, conn, "CREATE DATABASE `"+copyName+"`")
	for _, table := range tables {
		exec(t, ctx, conn, fmt.Sprintf("CREATE TABLE `%s`.`%s` LIKE `%s`", copyName, table, table))
		exec(t, ctx, conn, fmt.Sprintf("INSERT INTO `%s`.`%s` SELECT * FROM `%s`", copyName, table, table))
	}
	return func() {
		t.Helper()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("restore mysql: %v", err)
		}
		defer conn.Close()
		copyTables(t, ctx, conn, tables, name, copyName)
	}
}

// copyTables replaces the rows of each table in schema to with those in
// schema from, in one transaction.
func copyTables(t testing.TB, ctx context.Context, conn *sql.Conn, tables []string, to, from string) {
	t.Helper()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	defer tx.Rollback()
	for _, table := range tables {
		for _, q := range []string{
			fmt.Sprintf("DELETE FROM %s.%s", to, table),
			fmt.Sprintf("INSERT INTO %s.%s SELECT * FROM %s.%s", to, table, from, table),
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				t.Fatalf("restore: %s: %v", q, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("restore: %v", err)
	}
}

// Recreate empties db of every table, as dropping its database and
// creating it again does (on MySQL it does exactly that, with the server's
// default character set and collation), under whatever has it open.
func Recreate(t testing.TB, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("recreate: %v", err)
	}
	defer conn.Close()
	if db.Vitess {
		if err := dropVitessTables(ctx, db.DB); err != nil {
			t.Fatalf("recreate: %v", err)
		}
		return
	}
	if db.Dialect == sqldb.MySQL {
		var name string
		if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
			t.Fatalf("recreate: %v", err)
		}
		exec(t, ctx, conn, "DROP DATABASE `"+name+"`")
		exec(t, ctx, conn, "CREATE DATABASE `"+name+"`")
		// The connection that dropped it has no database selected now.
		exec(t, ctx, conn, "USE `"+name+"`")
		return
	}
	for _, table := range names(t, conn, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
		exec(t, ctx, conn, "DROP TABLE "+table)
	}
}

func names(t testing.TB, conn *sql.Conn, q string) []string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func exec(t testing.TB, ctx context.Context, conn *sql.Conn, q string) {
	t.Helper()
	if _, err := conn.ExecContext(ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// backupVitess keeps the rows of every table of every keyspace the vtgate
// serves in memory (a Vitess cluster cannot copy a keyspace per test), and
// returns a function that puts them back in one transaction.
func backupVitess(t testing.TB, ctx context.Context, db *sqldb.DB) func() {
	t.Helper()
	type table struct {
		name    string // keyspace.table
		columns []string
		rows    [][]any
	}
	var tables []table
	keyspaces, err := column(ctx, db.DB, "SHOW VITESS_KEYSPACES")
	if err != nil {
		t.Fatalf("back up vitess: %v", err)
	}
	for _, ks := range keyspaces {
		names, err := column(ctx, db.DB, "SHOW TABLES FROM `"+ks+"`")
		if err != nil {
			t.Fatalf("back up vitess: %v", err)
		}
		for _, n := range names {
			tb := table{name: "`" + ks + "`.`" + n + "`"}
			rows, err := db.QueryContext(ctx, "SELECT * FROM "+tb.name)
			if err != nil {
				t.Fatalf("back up vitess %s: %v", tb.name, err)
			}
			if tb.columns, err = rows.Columns(); err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				row := make([]any, len(tb.columns))
				ptrs := make([]any, len(row))
				for i := range row {
					ptrs[i] = &row[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				tb.rows = append(tb.rows, row)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			tables = append(tables, tb)
		}
	}
	return func() {
		t.Helper()
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			for _, tb := range tables {
				if _, err := tx.ExecContext(ctx, "DELETE FROM "+tb.name); err != nil {
					return fmt.Errorf("empty %s: %w", tb.name, err)
				}
				q := "INSERT INTO " + tb.name + " (`" + strings.Join(tb.columns, "`, `") + "`) VALUES (?" + strings.Repeat(", ?", len(tb.columns)-1) + ")"
				for _, row := range tb.rows {
					if _, err := tx.ExecContext(ctx, q, row...); err != nil {
						return fmt.Errorf("restore %s: %w", tb.name, err)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("restore vitess: %v", err)
		}
	}
}
