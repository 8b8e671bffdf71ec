package authzsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bastionhq/bastion/authz"
)

func assignmentKey(a authz.Assignment) string { return a.UserID + "/" + a.Role + "/" + a.EntityID }

// toMillis is t in unix milliseconds, 0 for the zero time (no end).
func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Assign implements authz.Store. An existing assignment whose end or
// reason differs is replaced (an extension or a shortening), logged with
// what it was before.
func (s *Store) Assign(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.writeUser(ctx, a.UserID, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeAssign, Key: assignmentKey(a), UserID: a.UserID, EntityID: a.EntityID, After: toJSON(a)}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		before, exists, err := s.readAssignment(ctx, tx, a)
		if err != nil {
			return c, false, fmt.Errorf("assign %s: %w", c.Key, err)
		}
		if exists {
			if before.ExpiresAt.Equal(a.ExpiresAt) && before.Reason == a.Reason {
				return c, false, nil
			}
			c.Before = toJSON(before)
			if _, err := tx.ExecContext(ctx, "UPDATE authz_assignments SET granted_by = ?, granted_at = ?, expires_at = ?, reason = ?, revision = ? WHERE user_id = ? AND role = ? AND entity_id = ?",
				a.GrantedBy, a.GrantedAt.UnixMilli(), toMillis(a.ExpiresAt), a.Reason, rev, a.UserID, a.Role, a.EntityID); err != nil {
				return c, false, fmt.Errorf("assign %s: %w", c.Key, err)
			}
			return c, true, nil
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO authz_assignments (user_id, role, entity_id, granted_by, granted_at, expires_at, reason, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			a.UserID, a.Role, a.EntityID, a.GrantedBy, a.GrantedAt.UnixMilli(), toMillis(a.ExpiresAt), a.Reason, rev); err != nil {
			return c, false, fmt.Errorf("assign %s: %w", c.Key, err)
		}
		return c, true, nil
	})
}

// readAssignment reads the stored row of a's user, role and entity in tx.
func (s *Store) readAssignment(ctx context.Context, tx *sql.Tx, a authz.Assignment) (authz.Assignment, bool, error) {
	out := authz.Assignment{UserID: a.UserID, Role: a.Role, EntityID: a.EntityID}
	var at, exp int64
	err := tx.QueryRowContext(ctx, "SELECT granted_by, granted_at, expires_at, reason FROM authz_assignments WHERE user_id = ? AND role = ? AND entity_id = ?",
		a.UserID, a.Role, a.EntityID).Scan(&out.GrantedBy, &at, &exp, &out.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return out, false, nil
	}
	if err != nil {
		return out, false, err
	}
	out.GrantedAt, out.ExpiresAt = fromMillis(at), fromMillis(exp)
	return out, true, nil
}

// Revoke implements authz.Store.
func (s *Store) Revoke(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.writeUser(ctx, a.UserID, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeRevoke, Key: assignmentKey(a), UserID: a.UserID, EntityID: a.EntityID}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		before, exists, err := s.readAssignment(ctx, tx, a)
		if err != nil {
			return c, false, fmt.Errorf("revoke %s: %w", c.Key, err)
		}
		if !exists {
			return c, false, fmt.Errorf("%w: %s holds no role %s on %s", authz.ErrNotFound, a.UserID, a.Role, a.EntityID)
		}
		c.Before = toJSON(before)
		if _, err := tx.ExecContext(ctx, "DELETE FROM authz_assignments WHERE user_id = ? AND role = ? AND entity_id = ?", a.UserID, a.Role, a.EntityID); err != nil {
			return c, false, fmt.Errorf("revoke %s: %w", c.Key, err)
		}
		return c, true, nil
	})
}

// Expire implements authz.Store: it removes a only while the store holds
// it with the end a names and that end is at or before now. The row
// delete and the change-log entry commit together under the revision
// row's lock, so of two processes expiring one assignment at once the
// second finds it gone and writes nothing.
func (s *Store) Expire(ctx context.Context, a authz.Assignment, now time.Time, actor string) (authz.Revision, bool, error) {
	if a.ExpiresAt.IsZero() || a.ExpiresAt.After(now) {
		return 0, false, fmt.Errorf("%w: assignment %s has not ended at %s", authz.ErrInvalidRequest, assignmentKey(a), now.UTC().Format(time.RFC3339Nano))
	}
	removed := false
	rev, err := s.writeUser(ctx, a.UserID, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeExpire, Key: assignmentKey(a), UserID: a.UserID, EntityID: a.EntityID}
		before, exists, err := s.readAssignment(ctx, tx, a)
		if err != nil {
			return c, false, fmt.Errorf("expire %s: %w", c.Key, err)
		}
		if !exists || !before.ExpiresAt.Equal(a.ExpiresAt) {
			// Swept by another process, revoked, or given another end.
			return c, false, nil
		}
		c.Before = toJSON(before)
		res, err := tx.ExecContext(ctx, "DELETE FROM authz_assignments WHERE user_id = ? AND role = ? AND entity_id = ? AND expires_at = ?",
			a.UserID, a.Role, a.EntityID, toMillis(a.ExpiresAt))
		if err != nil {
			return c, false, fmt.Errorf("expire %s: %w", c.Key, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return c, false, fmt.Errorf("expire %s: %w", c.Key, err)
		}
		removed = n > 0
		return c, removed, nil
	})
	return rev, removed && err == nil, err
}

// ListAssignments implements authz.Store. Listing by user is keyed by the
// shard key; by entity, role or end it reads an index (every shard on
// Vitess).
func (s *Store) ListAssignments(ctx context.Context, f authz.AssignmentFilter) ([]authz.Assignment, error) {
	q := "SELECT user_id, role, entity_id, granted_by, granted_at, expires_at, reason FROM authz_assignments WHERE "
	var args []any
	order := " ORDER BY user_id, role, entity_id"
	switch {
	case f.UserID != "":
		q, args = q+"user_id = ?", []any{f.UserID}
	case f.EntityID != "":
		q, args = q+"entity_id = ?", []any{f.EntityID}
	case f.Role != "":
		q, args = q+"role = ?", []any{f.Role}
	case !f.ExpiringBefore.IsZero():
		q, args = q+"expires_at > 0 AND expires_at <= ?", []any{f.ExpiringBefore.UnixMilli()}
		order = " ORDER BY expires_at, user_id, role, entity_id"
	default:
		return nil, fmt.Errorf("%w: list assignments needs a user, entity, role or end", authz.ErrInvalidRequest)
	}
	q += order
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list assignments: %w", err)
	}
	defer rows.Close()
	var out []authz.Assignment
	for rows.Next() {
		var a authz.Assignment
		var at, exp int64
		if err := rows.Scan(&a.UserID, &a.Role, &a.EntityID, &a.GrantedBy, &at, &exp, &a.Reason); err != nil {
			return nil, fmt.Errorf("list assignments: %w", err)
		}
		a.GrantedAt, a.ExpiresAt = fromMillis(at), fromMillis(exp)
		out = append(out, a)
	}
	return out, rows.Err()
}
