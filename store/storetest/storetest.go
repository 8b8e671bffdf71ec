// Package storetest gives tests real databases: a fresh SQLite file, a
// fresh database on the MySQL/MariaDB server named by BASTION_TEST_MYSQL
// (default mysql://root@127.0.0.1:3306), and, when asked for, the
// permission store's keyspaces on a live Vitess (Vitess). Tests fail, never
// skip, when a server they need is unreachable: CI starts them.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/sqlite"
)

// MySQLServer returns the server URL tests use, without a database name.
func MySQLServer() string {
	if v := os.Getenv("BASTION_TEST_MYSQL"); v != "" {
		return strings.TrimSuffix(v, "/")
	}
	return "mysql://root@127.0.0.1:3306"
}

// SQLite opens a new SQLite database file in the test's temporary folder.
func SQLite(t testing.TB) *sqldb.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bastion.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// MySQLURL creates an empty database on the test server, drops it when the
// test ends, and returns its URL.
func MySQLURL(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "bastion_test_" + hex.EncodeToString(b[:])
	u := MySQLServer() + "/" + name
	cfg, err := mysql.ParseURL(u)
	if err != nil {
		t.Fatalf("test mysql url: %v", err)
	}
	t.Cleanup(func() {
		admin := cfg.Clone()
		admin.DBName = ""
		db, err := sql.Open("mysql", admin.FormatDSN())
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	})
	return u
}

// MySQL opens a fresh database on the test server (see MySQLURL).
func MySQL(t testing.TB) *sqldb.DB {
	t.Helper()
	u := MySQLURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	db, err := mysql.Open(ctx, u)
	if err != nil {
		t.Fatalf("open mysql (is MariaDB running on %s? .ci/run starts it): %v", MySQLServer(), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each runs fn once per database named in BASTION_TEST_DATABASES (a comma
// separated list of sqlite, mysql and vitess; default "sqlite,mysql"), each
// on a fresh one. deploy/vitess/vttest.sh runs the permission store's
// packages with "vitess".
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	for _, name := range databases(t) {
		t.Run(name, func(t *testing.T) {
			switch name {
			case "sqlite":
				fn(t, SQLite(t))
			case "mysql":
				fn(t, MySQL(t))
			case "vitess":
				fn(t, Vitess(t))
			}
		})
	}
}

// databases lists the databases Each runs on.
func databases(t *testing.T) []string {
	list := os.Getenv("BASTION_TEST_DATABASES")
	if list == "" {
		return []string{"sqlite", "mysql"}
	}
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case "sqlite", "mysql", "vitess":
			out = append(out, name)
		default:
			t.Fatalf("BASTION_TEST_DATABASES=%q: unknown database %q (want sqlite, mysql or vitess)", list, name)
		}
	}
	return out
}

// MySQLCreatedBeforehand opens a fresh database on the test server that
// was created, before Bastion opened it, with a plain CREATE DATABASE:
// with the server's default character set and collation (on MariaDB and
// MySQL 5.7 one that ignores case), as an operator's database is.
func MySQLCreatedBeforehand(t testing.TB) *sqldb.DB {
	t.Helper()
	u := MySQLURL(t)
	cfg, err := mysql.ParseURL(u)
	if err != nil {
		t.Fatalf("test mysql url: %v", err)
	}
	admin := cfg.Clone()
	admin.DBName = ""
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	server, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if _, err := server.ExecContext(ctx, "CREATE DATABASE `"+cfg.DBName+"`"); err != nil {
		t.Fatalf("create database (is MariaDB running on %s? .ci/run starts it): %v", MySQLServer(), err)
	}
	db, err := mysql.Open(ctx, u)
	if err != nil {
		t.Fatalf("open mysql: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// EachCreatedBeforehand is Each with the MySQL database created before
// Bastion opened it (MySQLCreatedBeforehand). Vitess's keyspaces are
// always created beforehand, by whoever runs the cluster.
func EachCreatedBeforehand(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	for _, name := range databases(t) {
		t.Run(name, func(t *testing.T) {
			switch name {
			case "sqlite":
				fn(t, SQLite(t))
			case "mysql":
				fn(t, MySQLCreatedBeforehand(t))
			case "vitess":
				fn(t, Vitess(t))
			}
		})
	}
}
