// Package authzsql stores Bastion's permission model in SQL: SQLite by
// default, MySQL, MariaDB or Vitess when scaled out, with the same schema
// and queries. Every query on the check path is keyed by user id.
package authzsql

import (
	"context"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
)

// typicalAssignments sizes a user's assignment list up front, so that
// reading a user rarely grows it.
const typicalAssignments = 16

// CheckPathQueries lists the statements a check runs, for tests that prove
// each names user_id (and so reaches one shard).
func CheckPathQueries() []string {
	return []string{loadUsersQuery(1), loadUsersQuery(4), userVersionsQuery(1), userVersionsQuery(4)}
}

// Store implements authz.Store on a SQL database.
type Store struct {
	db       *sqldb.DB
	users    userStatements // full records (LoadUser, LoadUsers)
	versions userStatements // versions only (UserVersions)
	memo     *versionMemo   // nil when the database has no change probe
}

var (
	_ authz.Store             = (*Store)(nil)
	_ authz.UserBatchLoader   = (*Store)(nil)
	_ authz.UserVersionReader = (*Store)(nil)
)

// Open migrates the permission tables of db and returns the store. On
// Vitess it first checks that vtgate places the tables as deploy/vitess
// lays them out, and fails naming the file to apply when it does not.
func Open(ctx context.Context, db *sqldb.DB) (*Store, error) {
	if db.Vitess {
		if err := checkVitessLayout(ctx, db); err != nil {
			return nil, err
		}
	}
	if err := sqldb.Migrate(ctx, db, component, migrations); err != nil {
		return nil, err
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations, db.Dialect)); err != nil {
		return nil, fmt.Errorf("open permission store: %w", err)
	}
	if err := recordStoreID(ctx, db); err != nil {
		return nil, err
	}
	s := &Store{db: db}
	if db.Changes != nil {
		s.memo = newVersionMemo(db.Changes)
	}
	s.users = userStatements{db: db, query: loadUsersQuery, what: "records"}
	s.versions = userStatements{db: db, query: userVersionsQuery, what: "versions"}
	// Prepare the single-user read now, so that a broken schema fails
	// here rather than on the first check.
	if _, _, err := s.users.get(ctx, 1); err != nil {
		return nil, fmt.Errorf("prepare check query: %w", err)
	}
	return s, nil
}

// Close releases the prepared statements (not the database).
func (s *Store) Close() error {
	return errors.Join(s.users.close(), s.versions.close())
}

// CurrentRevision implements authz.Store.
func (s *Store) CurrentRevision(ctx context.Context) (authz.Revision, error) {
	var rev int64
	if err := s.db.QueryRowContext(ctx, "SELECT rev FROM authz_revision WHERE id = 1").Scan(&rev); err != nil {
		return 0, fmt.Errorf("read revision: %w", err)
	}
	return authz.Revision(rev), nil
}
