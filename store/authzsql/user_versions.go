package authzsql

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// userVersionsQuery reads the versions of n users (the revision of the last
// write to each; users never written have no row) and the current revision
// in one statement keyed by user id: one short row per user, against about
// a dozen for the users' full records. The revision row has an empty
// user id.
func userVersionsQuery(n int) string {
	in := "(?" + strings.Repeat(",?", n-1) + ")"
	return `SELECT user_id, rev FROM authz_user_revisions WHERE user_id IN ` + in + `
UNION ALL
SELECT '', rev FROM authz_revision WHERE id = 1`
}

// UserVersions implements authz.UserVersionReader.
// When the database has a change probe, it first looks at the database's
// change token: if nothing was committed since the versions asked for were
// last read, they are answered from memory.
func (s *Store) UserVersions(ctx context.Context, userIDs []string) ([]authz.Revision, authz.Revision, error) {
	if s.memo == nil {
		return s.readAllVersions(ctx, userIDs)
	}
	token, ok := s.memo.probe.Token()
	if !ok {
		return s.readAllVersions(ctx, userIDs)
	}
	if versions, current, hit := s.memo.lookup(token, userIDs); hit {
		return versions, current, nil
	}
	versions, current, err := s.readAllVersions(ctx, userIDs)
	if err != nil {
		return nil, 0, err
	}
	s.memo.keep(token, userIDs, versions, current)
	return versions, current, nil
}

// readAllVersions reads the versions of userIDs and the current revision
// from the database.
func (s *Store) readAllVersions(ctx context.Context, userIDs []string) ([]authz.Revision, authz.Revision, error) {
	versions := make([]authz.Revision, len(userIDs))
	var current authz.Revision
	for start := 0; start < len(userIDs); start += maxUsersPerQuery {
		end := min(start+maxUsersPerQuery, len(userIDs))
		rev, err := s.readVersions(ctx, userIDs[start:end], versions[start:end])
		if err != nil {
			return nil, 0, err
		}
		if start == 0 {
			current = rev
		}
	}
	return versions, current, nil
}

// readVersions fills versions for ids (at most maxUsersPerQuery) with one
// statement and returns the current revision.
func (s *Store) readVersions(ctx context.Context, ids []string, versions []authz.Revision) (authz.Revision, error) {
	stmt, class, err := s.versions.get(ctx, len(ids))
	if err != nil {
		return 0, err
	}
	args := make([]any, class)
	for i := range class {
		args[i] = ids[min(i, len(ids)-1)]
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("read versions of %d users (%s, ...): %w", len(ids), ids[0], err)
	}
	defer rows.Close()
	var index map[string]int // for long lists; short ones are scanned
	if len(ids) > 16 {
		index = make(map[string]int, len(ids))
		for i, id := range ids {
			index[id] = i
		}
	}
	var current authz.Revision
	sawRevision := false
	var user string
	var n int64
	for rows.Next() {
		if err := rows.Scan(&user, &n); err != nil {
			return 0, fmt.Errorf("read versions: %w", err)
		}
		if user == "" {
			current, sawRevision = authz.Revision(n), true
			continue
		}
		i, found := index[user]
		if index == nil {
			i = slices.Index(ids, user)
			found = i >= 0
		}
		if found {
			versions[i] = authz.Revision(n)
		} else {
			return 0, fmt.Errorf("read versions: row of unrequested user %q", user)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read versions: %w", err)
	}
	if !sawRevision {
		return 0, fmt.Errorf("read versions: revision row missing (database not migrated?)")
	}
	return current, nil
}

// bumpUsers records rev as the version of each user (distinct ids), in
// the write's transaction.
func (s *Store) bumpUsers(ctx context.Context, tx *sql.Tx, rev int64, userIDs []string) error {
	rows := make([][]any, len(userIDs))
	for i, id := range userIDs {
		rows[i] = []any{id, rev}
	}
	if err := s.insertRows(ctx, tx, "authz_user_revisions (user_id, rev)", rows, "user_id", "rev"); err != nil {
		return fmt.Errorf("record user versions: %w", err)
	}
	return nil
}
