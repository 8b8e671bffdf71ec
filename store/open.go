// Package store opens the database that a Bastion URL names.
package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/sqlite"
)

// Open opens the database named by target: "mysql://user:pass@host:port/db"
// for MySQL, MariaDB or Vitess; "sqlite://path" or a plain file path for
// the embedded SQLite store.
func Open(ctx context.Context, target string) (*sqldb.DB, error) {
	switch {
	case strings.HasPrefix(target, "mysql://"):
		return mysql.Open(ctx, target)
	case strings.HasPrefix(target, "sqlite://"):
		return sqlite.Open(ctx, strings.TrimPrefix(target, "sqlite://"))
	case strings.Contains(target, "://"):
		return nil, fmt.Errorf("open store: unsupported database URL %q (want mysql:// or sqlite:// or a file path)", target)
	default:
		return sqlite.Open(ctx, target)
	}
}
