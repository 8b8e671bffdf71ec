// Package mysql opens Bastion's store on MySQL, MariaDB or Vitess (vtgate
// speaks the MySQL protocol) through github.com/go-sql-driver/mysql.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/bastionhq/bastion/store/sqldb"
)

// Open opens a database from a URL of the form
// mysql://user:pass@host:port/dbname?param=value. The database is created
// when it does not exist and the user may create it. On Vitess (a vtgate)
// dbname is a keyspace, which is never created: Vitess's test server would
// make an unsharded keyspace of a mistyped name.
func Open(ctx context.Context, rawURL string) (*sqldb.DB, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	vitess, err := ensureDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open mysql: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(64)
	db.SetMaxIdleConns(64)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open mysql %s: %w", redact(cfg), err)
	}
	return &sqldb.DB{DB: db, Dialect: sqldb.MySQL, URL: redact(cfg), Vitess: vitess, ServerError: serverError}, nil
}

// serverError returns the number of a MySQL server error.
func serverError(err error) (int, bool) {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		return int(me.Number), true
	}
	return 0, false
}

// ParseURL turns a mysql:// URL into a driver configuration. The
// connection asks for found rows (CLIENT_FOUND_ROWS): an UPDATE reports
// the rows it matched, as SQLite does, not only those whose values
// changed, so "no row has this key" and "the row already holds these
// values" are told apart on every store.
func ParseURL(rawURL string) (*driver.Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse mysql url: %w", err)
	}
	if u.Scheme != "mysql" {
		return nil, fmt.Errorf("parse mysql url: scheme %q, want mysql://", u.Scheme)
	}
	cfg := driver.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if !strings.Contains(cfg.Addr, ":") {
		cfg.Addr += ":3306"
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" {
		return nil, fmt.Errorf("parse mysql url: no database name in %q", u.Redacted())
	}
	cfg.ParseTime = true
	cfg.ClientFoundRows = true
	cfg.Params = map[string]string{}
	for k, v := range u.Query() {
		cfg.Params[k] = v[0]
	}
	return cfg, nil
}

// ensureDatabase creates cfg's database when the server is MySQL or
// MariaDB and it is missing, and reports whether the server is a vtgate.
func ensureDatabase(ctx context.Context, cfg *driver.Config) (vitess bool, err error) {
	admin := cfg.Clone()
	admin.DBName = ""
	connector, err := driver.NewConnector(admin)
	if err != nil {
		return false, fmt.Errorf("open mysql: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	var version string
	// vtgate answers "8.4.6-Vitess".
	if err := db.QueryRowContext(ctx, "SELECT @@version").Scan(&version); err == nil && strings.HasSuffix(version, "-Vitess") {
		return true, nil
	}
	name := strings.ReplaceAll(cfg.DBName, "`", "")
	// Restricted users cannot create databases; the ping that follows
	// reports a missing one clearly.
	_, _ = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
	return false, nil
}

func redact(cfg *driver.Config) string {
	user := cfg.User
	if user != "" {
		user += "@"
	}
	return "mysql://" + user + cfg.Addr + "/" + cfg.DBName
}
