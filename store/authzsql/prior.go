package authzsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

// verify compares the rows prior names with what the store holds
// (Prior.Verify). It runs once the write holds the revision row, which
// every write takes before anything else it changes and holds until it
// commits (writeUser): no other write can change a compared row between
// the comparison and this write's commit, so the reads take no locks of
// their own. They are read in tx, except a user's version on Vitess, read
// on its own: the user's shard would otherwise join the transaction while
// it holds the revision row, and the writers waiting for that row each
// hold a transaction of their own user's shard, which could leave the
// shard none for it (deploy/vitess).
func (s *Store) verify(ctx context.Context, tx *sql.Tx, prior authz.Prior) error {
	if !prior.Checked {
		return nil
	}
	return prior.Verify(func(kind authz.RowKind, id string) (authz.Revision, string, error) {
		var row *sql.Row
		switch kind {
		case authz.RowEntity:
			row = tx.QueryRowContext(ctx, "SELECT revision, parent_id FROM authz_entities WHERE id = ?", id)
		case authz.RowRole:
			row = tx.QueryRowContext(ctx, "SELECT revision, scope_id FROM authz_roles WHERE name = ?", id)
		case authz.RowUser:
			q := "SELECT rev, '' FROM authz_user_revisions WHERE user_id = ?"
			if s.db.Vitess {
				row = s.db.QueryRowContext(ctx, q, id)
			} else {
				row = tx.QueryRowContext(ctx, q, id)
			}
		default:
			return 0, "", fmt.Errorf("unknown row kind %q", kind)
		}
		var rev int64
		var parent string
		err := row.Scan(&rev, &parent)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, "", nil
		}
		return authz.Revision(rev), parent, err
	})
}
