package authzsql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
)

// recordStoreID gives the store its id unless it has one: a random one,
// recorded once; the first process to record it wins.
func recordStoreID(ctx context.Context, db *sqldb.DB) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("make a store id: %w", err)
	}
	if _, err := db.ExecContext(ctx, db.InsertIgnore()+" INTO authz_store (id, store_id) VALUES (1, ?)", hex.EncodeToString(b[:])); err != nil {
		return fmt.Errorf("record the store id: %w", err)
	}
	return nil
}

// headQuery reads the store id, the current revision and the change at a
// revision in one statement.
const headQuery = `SELECT s.store_id, r.rev, c.revision, c.at_ms, c.actor, c.kind, c.change_key, c.user_id, c.team_id, c.entity_id, c.before_json, c.after_json
FROM authz_revision r
JOIN authz_store s ON s.id = 1
LEFT JOIN authz_changes c ON c.revision = ?
WHERE r.id = 1`

// Head implements authz.Store.
func (s *Store) Head(ctx context.Context, at authz.Revision) (authz.Head, error) {
	return readHead(ctx, s.db, at)
}

// readHead reads the head through q (the database or a transaction).
func readHead(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, at authz.Revision) (authz.Head, error) {
	var h authz.Head
	var rev sql.NullInt64
	var atMS sql.NullInt64
	var actor, kind, key, user, team, entity, before, after sql.NullString
	err := q.QueryRowContext(ctx, headQuery, int64(at)).Scan(&h.StoreID, &h.Revision, &rev, &atMS, &actor, &kind, &key, &user, &team, &entity, &before, &after)
	if err == sql.ErrNoRows {
		return h, fmt.Errorf("read the store's head: no store id or revision row (database not migrated?)")
	}
	if err != nil {
		return h, fmt.Errorf("read the store's head: %w", err)
	}
	if at > 0 && rev.Valid {
		h.At = &authz.Change{Revision: authz.Revision(rev.Int64), At: fromLogMillis(atMS.Int64), Actor: actor.String, Kind: authz.ChangeKind(kind.String),
			Key: key.String, UserID: user.String, TeamID: team.String, EntityID: entity.String, Before: before.String, After: after.String}
	}
	return h, nil
}
