package authzsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

func readRole(ctx context.Context, tx *sql.Tx, name string) (authz.Role, bool, error) {
	r := authz.Role{Name: name}
	var perms string
	err := tx.QueryRowContext(ctx, "SELECT description, permissions, scope_id FROM authz_roles WHERE name = ?", name).Scan(&r.Description, &perms, &r.Scope)
	if err == sql.ErrNoRows {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("read role %s: %w", name, err)
	}
	if err := json.Unmarshal([]byte(perms), &r.Permissions); err != nil {
		return r, false, fmt.Errorf("read role %s: %w", name, err)
	}
	return r, true, nil
}

// PutRole implements authz.Store.
func (s *Store) PutRole(ctx context.Context, r authz.Role, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.write(ctx, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeRolePut, Key: r.Name, EntityID: r.Scope, After: toJSON(r)}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		before, exists, err := readRole(ctx, tx, r.Name)
		if err != nil {
			return c, false, err
		}
		if exists {
			c.Before = toJSON(before)
			if c.Before == c.After {
				return c, false, nil
			}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO authz_roles (name, description, permissions, scope_id, revision) VALUES (?, ?, ?, ?, ?)"+
			s.db.Upsert("name", "description", "permissions", "scope_id", "revision"), r.Name, r.Description, toJSON(r.Permissions), r.Scope, rev); err != nil {
			return c, false, fmt.Errorf("write role %s: %w", r.Name, err)
		}
		return c, true, nil
	})
}

// DeleteRole implements authz.Store.
func (s *Store) DeleteRole(ctx context.Context, name string, prior authz.Prior, actor string) (authz.Revision, error) {
	return s.write(ctx, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeRoleDelete, Key: name}
		if err := s.verify(ctx, tx, prior); err != nil {
			return c, false, err
		}
		before, exists, err := readRole(ctx, tx, name)
		if err != nil {
			return c, false, err
		}
		if !exists {
			return c, false, fmt.Errorf("%w: role %s does not exist", authz.ErrNotFound, name)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM authz_assignments WHERE role = ?", name).Scan(&n); err != nil {
			return c, false, fmt.Errorf("count holders of role %s: %w", name, err)
		}
		if n > 0 {
			return c, false, fmt.Errorf("%w: role %s is assigned %d times; revoke those assignments first", authz.ErrInvalidRequest, name, n)
		}
		c.Before, c.EntityID = toJSON(before), before.Scope
		if _, err := tx.ExecContext(ctx, "DELETE FROM authz_roles WHERE name = ?", name); err != nil {
			return c, false, fmt.Errorf("delete role %s: %w", name, err)
		}
		return c, true, nil
	})
}
