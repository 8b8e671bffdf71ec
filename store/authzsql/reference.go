package authzsql

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

// LoadReference implements authz.Store. It reads in one transaction so the
// revision matches the rows.
func (s *Store) LoadReference(ctx context.Context) (*authz.Reference, error) {
	ref := &authz.Reference{Entities: map[string]authz.Entity{}, TeamPrefs: map[string]map[string]string{}, Roles: map[string]authz.Role{}}
	tx, err := s.db.BeginTx(ctx, &sqlReadOnly)
	if err != nil {
		return nil, fmt.Errorf("load reference data: %w", err)
	}
	defer tx.Rollback()
	var rev int64
	if err := tx.QueryRowContext(ctx, "SELECT rev FROM authz_revision WHERE id = 1").Scan(&rev); err != nil {
		return nil, fmt.Errorf("load reference data: revision: %w", err)
	}
	ref.Revision = authz.Revision(rev)
	rows, err := tx.QueryContext(ctx, "SELECT id, type, parent_id, creator_id FROM authz_entities")
	if err != nil {
		return nil, fmt.Errorf("load entities: %w", err)
	}
	for rows.Next() {
		var e authz.Entity
		if err := rows.Scan(&e.ID, &e.Type, &e.ParentID, &e.CreatorID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load entities: %w", err)
		}
		ref.Entities[e.ID] = e
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, "SELECT team_id, prefs FROM authz_team_prefs")
	if err != nil {
		return nil, fmt.Errorf("load team preferences: %w", err)
	}
	for rows.Next() {
		var team, raw string
		prefs := map[string]string{}
		if err := rows.Scan(&team, &raw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load team preferences: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &prefs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load team preferences of %s: %w", team, err)
		}
		ref.TeamPrefs[team] = prefs
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, "SELECT name, description, permissions, scope_id FROM authz_roles")
	if err != nil {
		return nil, fmt.Errorf("load roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r authz.Role
		var perms string
		if err := rows.Scan(&r.Name, &r.Description, &perms, &r.Scope); err != nil {
			return nil, fmt.Errorf("load roles: %w", err)
		}
		if err := json.Unmarshal([]byte(perms), &r.Permissions); err != nil {
			return nil, fmt.Errorf("load role %s: %w", r.Name, err)
		}
		ref.Roles[r.Name] = r
	}
	return ref, rows.Err()
}
