package authzsql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

func assignmentKey(a authz.Assignment) string { return a.UserID + "/" + a.Role + "/" + a.EntityID }

// Assign implements authz.Store.
func (s *Store) Assign(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.writeUser(ctx, a.UserID, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeAssign, Key: assignmentKey(a), UserID: a.UserID, EntityID: a.EntityID, After: toJSON(a)}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		res, err := tx.ExecContext(ctx, s.db.InsertIgnore()+" INTO authz_assignments (user_id, role, entity_id, granted_by, granted_at, revision) VALUES (?, ?, ?, ?, ?, ?)",
			a.UserID, a.Role, a.EntityID, a.GrantedBy, a.GrantedAt.UnixMilli(), rev)
		if err != nil {
			return c, false, fmt.Errorf("assign %s: %w", c.Key, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return c, false, fmt.Errorf("assign %s: %w", c.Key, err)
		}
		return c, n > 0, nil
	})
}

// Revoke implements authz.Store.
func (s *Store) Revoke(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.writeUser(ctx, a.UserID, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeRevoke, Key: assignmentKey(a), UserID: a.UserID, EntityID: a.EntityID}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		var before authz.Assignment
		var at int64
		err := tx.QueryRowContext(ctx, "SELECT granted_by, granted_at FROM authz_assignments WHERE user_id = ? AND role = ? AND entity_id = ?",
			a.UserID, a.Role, a.EntityID).Scan(&before.GrantedBy, &at)
		if err == sql.ErrNoRows {
			return c, false, fmt.Errorf("%w: %s holds no role %s on %s", authz.ErrNotFound, a.UserID, a.Role, a.EntityID)
		}
		if err != nil {
			return c, false, fmt.Errorf("revoke %s: %w", c.Key, err)
		}
		before.UserID, before.Role, before.EntityID, before.GrantedAt = a.UserID, a.Role, a.EntityID, fromMillis(at)
		c.Before = toJSON(before)
		if _, err := tx.ExecContext(ctx, "DELETE FROM authz_assignments WHERE user_id = ? AND role = ? AND entity_id = ?", a.UserID, a.Role, a.EntityID); err != nil {
			return c, false, fmt.Errorf("revoke %s: %w", c.Key, err)
		}
		return c, true, nil
	})
}

// ListAssignments implements authz.Store. Listing by user is keyed by the
// shard key; by entity or role it reads an index (every shard on Vitess).
func (s *Store) ListAssignments(ctx context.Context, f authz.AssignmentFilter) ([]authz.Assignment, error) {
	q := "SELECT user_id, role, entity_id, granted_by, granted_at FROM authz_assignments WHERE "
	var arg string
	switch {
	case f.UserID != "":
		q, arg = q+"user_id = ?", f.UserID
	case f.EntityID != "":
		q, arg = q+"entity_id = ?", f.EntityID
	case f.Role != "":
		q, arg = q+"role = ?", f.Role
	default:
		return nil, fmt.Errorf("%w: list assignments needs a user, entity or role", authz.ErrInvalidRequest)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY user_id, role, entity_id", arg)
	if err != nil {
		return nil, fmt.Errorf("list assignments: %w", err)
	}
	defer rows.Close()
	var out []authz.Assignment
	for rows.Next() {
		var a authz.Assignment
		var at int64
		if err := rows.Scan(&a.UserID, &a.Role, &a.EntityID, &a.GrantedBy, &at); err != nil {
			return nil, fmt.Errorf("list assignments: %w", err)
		}
		a.GrantedAt = fromMillis(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
