package authzsql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

// importChunk is how many rows one multi-row INSERT carries.
const importChunk = 500

// Import implements authz.Store with multi-row upserts in one transaction.
func (s *Store) Import(ctx context.Context, b authz.Import, actor string) (authz.Revision, error) {
	return s.write(ctx, func(tx *sql.Tx, rev int64) (authz.Change, bool, error) {
		c := authz.Change{Actor: actor, Kind: authz.ChangeImport, Key: "import",
			After: fmt.Sprintf(`{"entities":%d,"account_types":%d,"assignments":%d}`, len(b.Entities), len(b.AccountTypes), len(b.Assignments))}
		ents := make([][]any, len(b.Entities))
		for i, e := range b.Entities {
			ents[i] = []any{e.ID, e.Type, e.ParentID, e.CreatorID, rev}
		}
		if err := s.insertRows(ctx, tx, "authz_entities (id, type, parent_id, creator_id, revision)", ents, "id", "type", "parent_id", "creator_id", "revision"); err != nil {
			return c, false, fmt.Errorf("import entities: %w", err)
		}
		accts := make([][]any, len(b.AccountTypes))
		for i, a := range b.AccountTypes {
			accts[i] = []any{a.UserID, a.TeamID, a.Type.String(), rev}
		}
		if err := s.insertRows(ctx, tx, "authz_account_types (user_id, team_id, account_type, revision)", accts, "user_id, team_id", "account_type", "revision"); err != nil {
			return c, false, fmt.Errorf("import account types: %w", err)
		}
		asg := make([][]any, len(b.Assignments))
		for i, a := range b.Assignments {
			asg[i] = []any{a.UserID, a.Role, a.EntityID, a.GrantedBy, a.GrantedAt.UnixMilli(), toMillis(a.ExpiresAt), a.Reason, rev}
		}
		if err := s.insertRows(ctx, tx, "authz_assignments (user_id, role, entity_id, granted_by, granted_at, expires_at, reason, revision)", asg,
			"user_id, role, entity_id", "granted_by", "granted_at", "expires_at", "reason", "revision"); err != nil {
			return c, false, fmt.Errorf("import assignments: %w", err)
		}
		if err := s.bumpUsers(ctx, tx, rev, importedUsers(b)); err != nil {
			return c, false, fmt.Errorf("import: %w", err)
		}
		return c, true, nil
	})
}

// insertRows upserts rows into table (with its column list) in chunks.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, table string, rows [][]any, conflict string, update ...string) error {
	for start := 0; start < len(rows); start += importChunk {
		end := min(start+importChunk, len(rows))
		chunk := rows[start:end]
		q := make([]byte, 0, 64+len(chunk)*16)
		q = append(q, "INSERT INTO "+table+" VALUES "...)
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, r := range chunk {
			if i > 0 {
				q = append(q, ',')
			}
			q = append(q, '(')
			for j := range r {
				if j > 0 {
					q = append(q, ',')
				}
				q = append(q, '?')
			}
			q = append(q, ')')
			args = append(args, r...)
		}
		q = append(q, s.db.Upsert(conflict, update...)...)
		if _, err := tx.ExecContext(ctx, string(q), args...); err != nil {
			return err
		}
	}
	return nil
}

// importedUsers lists, once each, the users an import writes rows of.
func importedUsers(b authz.Import) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, a := range b.AccountTypes {
		add(a.UserID)
	}
	for _, a := range b.Assignments {
		add(a.UserID)
	}
	return out
}
