package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/sqlite"
)

// OpenReadOnly opens the existing database named by target, as Open
// understands it, for reading only: it creates nothing (a missing SQLite
// file or MySQL database is an error), and a SQLite handle refuses writes.
// On MySQL, read in read-only transactions.
func OpenReadOnly(ctx context.Context, target string) (*sqldb.DB, error) {
	switch {
	case strings.HasPrefix(target, "mysql://"):
		return mysql.OpenExisting(ctx, target)
	case strings.HasPrefix(target, "sqlite://"):
		return sqlite.OpenReadOnly(ctx, strings.TrimPrefix(target, "sqlite://"))
	case strings.Contains(target, "://"):
		return nil, fmt.Errorf("open store: unsupported database URL %q (want mysql:// or sqlite:// or a file path)", target)
	default:
		return sqlite.OpenReadOnly(ctx, target)
	}
}
