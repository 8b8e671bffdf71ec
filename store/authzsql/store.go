// Package authzsql stores Bastion's permission model in SQL: SQLite by
// default, MySQL, MariaDB or Vitess when scaled out, with the same schema
// and queries. Every query on the check path is keyed by user id.
package authzsql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
)

// loadUserQuery is the check path: one read, keyed by user id, of the
// user's assignments and account types, plus the current revision (a
// reference table, copied to every shard on Vitess).
const loadUserQuery = `SELECT 0, role, entity_id, granted_by, granted_at FROM authz_assignments WHERE user_id = ?
UNION ALL
SELECT 1, team_id, account_type, '', 0 FROM authz_account_types WHERE user_id = ?
UNION ALL
SELECT 2, '', '', '', rev FROM authz_revision WHERE id = 1`

// typicalAssignments sizes a user's assignment list up front, so that
// reading a user rarely grows it.
const typicalAssignments = 16

// CheckPathQueries lists the statements a check runs, for tests that prove
// each names user_id (and so reaches one shard).
func CheckPathQueries() []string { return []string{loadUserQuery} }

// Store implements authz.Store on a SQL database.
type Store struct {
	db       *sqldb.DB
	loadUser *sql.Stmt
}

var _ authz.Store = (*Store)(nil)

// Open migrates the permission tables of db and returns the store.
func Open(ctx context.Context, db *sqldb.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, component, migrations); err != nil {
		return nil, err
	}
	stmt, err := db.PrepareContext(ctx, loadUserQuery)
	if err != nil {
		return nil, fmt.Errorf("prepare check query: %w", err)
	}
	return &Store{db: db, loadUser: stmt}, nil
}

// Close releases the prepared statements (not the database).
func (s *Store) Close() error { return s.loadUser.Close() }

// LoadUser implements authz.Store.
func (s *Store) LoadUser(ctx context.Context, userID string) (authz.UserRecord, error) {
	rec := authz.UserRecord{UserID: userID}
	rows, err := s.loadUser.QueryContext(ctx, userID, userID)
	if err != nil {
		return rec, fmt.Errorf("read user %s: %w", userID, err)
	}
	defer rows.Close()
	sawRevision := false
	// Declared once, not per row: Scan's destinations escape to the heap.
	var kind int
	var a, b, c string
	var n int64
	for rows.Next() {
		if err := rows.Scan(&kind, &a, &b, &c, &n); err != nil {
			return rec, fmt.Errorf("read user %s: %w", userID, err)
		}
		switch kind {
		case 0:
			if rec.Assignments == nil {
				rec.Assignments = make([]authz.Assignment, 0, typicalAssignments)
			}
			rec.Assignments = append(rec.Assignments, authz.Assignment{UserID: userID, Role: a, EntityID: b, GrantedBy: c, GrantedAt: fromMillis(n)})
		case 1:
			t, err := authz.ParseAccountType(b)
			if err != nil {
				return rec, fmt.Errorf("read user %s in team %s: %w", userID, a, err)
			}
			rec.AccountTypes = append(rec.AccountTypes, authz.AccountTypeRecord{TeamID: a, Type: t})
		case 2:
			rec.Revision, sawRevision = authz.Revision(n), true
		}
	}
	if err := rows.Err(); err != nil {
		return rec, fmt.Errorf("read user %s: %w", userID, err)
	}
	if !sawRevision {
		return rec, fmt.Errorf("read user %s: revision row missing (database not migrated?)", userID)
	}
	return rec, nil
}

// CurrentRevision implements authz.Store.
func (s *Store) CurrentRevision(ctx context.Context) (authz.Revision, error) {
	var rev int64
	if err := s.db.QueryRowContext(ctx, "SELECT rev FROM authz_revision WHERE id = 1").Scan(&rev); err != nil {
		return 0, fmt.Errorf("read revision: %w", err)
	}
	return authz.Revision(rev), nil
}
