package authzsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
)

// verify compares the rows prior names with what tx reads (Prior.Verify).
// On MySQL it reads them FOR UPDATE: they stay as compared until the
// write commits, whatever serialises writers.
func (s *Store) verify(ctx context.Context, tx *sql.Tx, prior authz.Prior) error {
	if !prior.Checked {
		return nil
	}
	lock := ""
	if s.db.Dialect == sqldb.MySQL {
		lock = " FOR UPDATE"
	}
	return prior.Verify(func(kind authz.RowKind, id string) (authz.Revision, string, error) {
		var q string
		switch kind {
		case authz.RowEntity:
			q = "SELECT revision, parent_id FROM authz_entities WHERE id = ?"
		case authz.RowRole:
			q = "SELECT revision, scope_id FROM authz_roles WHERE name = ?"
		case authz.RowUser:
			q = "SELECT rev, '' FROM authz_user_revisions WHERE user_id = ?"
		default:
			return 0, "", fmt.Errorf("unknown row kind %q", kind)
		}
		var rev int64
		var parent string
		err := tx.QueryRowContext(ctx, q+lock, id).Scan(&rev, &parent)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, "", nil
		}
		return authz.Revision(rev), parent, err
	})
}
