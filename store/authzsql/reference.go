package authzsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

// referencePage bounds the rows of one read of reference data: Vitess's
// tablets refuse results of more than 10,000 rows by default
// (queryserver-config-max-result-size), and an organisation may have more
// channels than that.
const referencePage = 5000

// LoadReference implements authz.Store. It reads in one transaction so the
// revision, the store id and the last change match the rows, each table
// in pages in key order.
func (s *Store) LoadReference(ctx context.Context) (*authz.Reference, error) {
	tx, err := s.db.BeginTx(ctx, &sqlReadOnly)
	if err != nil {
		return nil, fmt.Errorf("load reference data: %w", err)
	}
	defer tx.Rollback()
	return readReference(ctx, tx)
}

// readReference reads the reference data in tx.
func readReference(ctx context.Context, tx *sql.Tx) (*authz.Reference, error) {
	ref := &authz.Reference{Entities: map[string]authz.Entity{}, TeamPrefs: map[string]map[string]string{}, Roles: map[string]authz.Role{},
		EntityRevisions: map[string]authz.Revision{}, RoleRevisions: map[string]authz.Revision{}}
	var rev int64
	if err := tx.QueryRowContext(ctx, "SELECT rev FROM authz_revision WHERE id = 1").Scan(&rev); err != nil {
		return nil, fmt.Errorf("load reference data: revision: %w", err)
	}
	ref.Revision = authz.Revision(rev)
	head, err := readHead(ctx, tx, ref.Revision)
	if err != nil {
		return nil, fmt.Errorf("load reference data: %w", err)
	}
	ref.StoreID, ref.Last = head.StoreID, head.At
	err = readPages(ctx, tx, "SELECT id, type, parent_id, creator_id, revision FROM authz_entities WHERE id > ? ORDER BY id", func(rows *sql.Rows) (string, error) {
		var e authz.Entity
		var rev int64
		if err := rows.Scan(&e.ID, &e.Type, &e.ParentID, &e.CreatorID, &rev); err != nil {
			return "", err
		}
		ref.Entities[e.ID] = e
		ref.EntityRevisions[e.ID] = authz.Revision(rev)
		return e.ID, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load entities: %w", err)
	}
	err = readPages(ctx, tx, "SELECT team_id, prefs FROM authz_team_prefs WHERE team_id > ? ORDER BY team_id", func(rows *sql.Rows) (string, error) {
		var team, raw string
		prefs := map[string]string{}
		if err := rows.Scan(&team, &raw); err != nil {
			return "", err
		}
		if err := json.Unmarshal([]byte(raw), &prefs); err != nil {
			return "", fmt.Errorf("preferences of %s: %w", team, err)
		}
		ref.TeamPrefs[team] = prefs
		return team, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load team preferences: %w", err)
	}
	err = readPages(ctx, tx, "SELECT name, description, permissions, scope_id, revision FROM authz_roles WHERE name > ? ORDER BY name", func(rows *sql.Rows) (string, error) {
		var r authz.Role
		var perms string
		var rev int64
		if err := rows.Scan(&r.Name, &r.Description, &perms, &r.Scope, &rev); err != nil {
			return "", err
		}
		ref.RoleRevisions[r.Name] = authz.Revision(rev)
		if err := json.Unmarshal([]byte(perms), &r.Permissions); err != nil {
			return "", fmt.Errorf("role %s: %w", r.Name, err)
		}
		ref.Roles[r.Name] = r
		return r.Name, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load roles: %w", err)
	}
	return ref, nil
}

// readPages runs query (which selects rows after a key, "key > ?", in key
// order) page by page until a page comes back short, calling scan on each
// row; scan returns the row's key.
func readPages(ctx context.Context, tx *sql.Tx, query string, scan func(*sql.Rows) (string, error)) error {
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf("%s LIMIT %d", query, referencePage), after)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			if after, err = scan(rows); err != nil {
				rows.Close()
				return err
			}
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil || n < referencePage {
			return err
		}
	}
}
