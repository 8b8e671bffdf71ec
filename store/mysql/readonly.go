package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/bastionhq/bastion/store/sqldb"
)

// OpenExisting opens a database from a mysql:// URL as Open does, but
// never creates it: for readers that must change nothing (they read in
// read-only transactions).
func OpenExisting(ctx context.Context, rawURL string) (*sqldb.DB, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open mysql: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open mysql %s: %w", redact(cfg), err)
	}
	var version string
	// vtgate answers "8.4.6-Vitess".
	vitess := db.QueryRowContext(ctx, "SELECT @@version").Scan(&version) == nil && strings.HasSuffix(version, "-Vitess")
	return &sqldb.DB{DB: db, Dialect: sqldb.MySQL, URL: redact(cfg), Vitess: vitess}, nil
}
