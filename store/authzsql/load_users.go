package authzsql

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// fieldSep separates the fields of a packed row of a user read. Ids and
// names cannot contain it (authz.ValidateID, authz.ValidateName).
const fieldSep = "\x1f"

// An assignment row packs its kind, user, role, entity, end (unix
// milliseconds, 0 for none) and grantor, in that order: the grantor, free
// text, comes last.

// Kinds of rows of a user read: the first field of the packed column.
const (
	rowAssignment  = "a"
	rowAccountType = "t"
	rowVersion     = "v"
)

// loadUsersQuery reads the assignments, account types and versions (the
// revision of the last write to each user) of n users, and the current
// revision (a reference table, copied to every shard on
// Vitess), in one statement keyed by user id. Each row is one packed text
// column (kind, user, then the row's fields, joined by fieldSep) and one
// number: reading two columns instead of six halves the driver's work per
// row, which dominates a check. The revision row has an empty text column.
// It is one statement, so the rows and the version are of one snapshot; the
// version comes first in case a database ever read the parts at different
// times (rows newer than their version only cause a needless re-read).
func loadUsersQuery(n int) string {
	in := "(?" + strings.Repeat(",?", n-1) + ")"
	sep := "'" + fieldSep + "'"
	return `SELECT concat_ws(` + sep + `, '` + rowVersion + `', user_id), rev FROM authz_user_revisions WHERE user_id IN ` + in + `
UNION ALL
SELECT concat_ws(` + sep + `, '` + rowAssignment + `', user_id, role, entity_id, expires_at, granted_by), granted_at FROM authz_assignments WHERE user_id IN ` + in + `
UNION ALL
SELECT concat_ws(` + sep + `, '` + rowAccountType + `', user_id, team_id, account_type), 0 FROM authz_account_types WHERE user_id IN ` + in + `
UNION ALL
SELECT '', rev FROM authz_revision WHERE id = 1`
}

// LoadUser implements authz.Store.
func (s *Store) LoadUser(ctx context.Context, userID string) (authz.UserRecord, error) {
	recs := []authz.UserRecord{{UserID: userID}}
	if err := s.readUsers(ctx, recs); err != nil {
		return recs[0], err
	}
	return recs[0], nil
}

// LoadUsers implements authz.UserBatchLoader: the records of userIDs, in
// order, read with one statement per maxUsersPerQuery ids.
func (s *Store) LoadUsers(ctx context.Context, userIDs []string) ([]authz.UserRecord, error) {
	recs := make([]authz.UserRecord, len(userIDs))
	for i, id := range userIDs {
		recs[i].UserID = id
	}
	for start := 0; start < len(recs); start += maxUsersPerQuery {
		if err := s.readUsers(ctx, recs[start:min(start+maxUsersPerQuery, len(recs))]); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// readUsers fills recs (at most maxUsersPerQuery, UserID set) with one
// statement.
func (s *Store) readUsers(ctx context.Context, recs []authz.UserRecord) error {
	stmt, class, err := s.users.get(ctx, len(recs))
	if err != nil {
		return err
	}
	args := make([]any, 3*class)
	for i := range class {
		id := recs[min(i, len(recs)-1)].UserID
		args[i], args[class+i], args[2*class+i] = id, id, id
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", describeUsers(recs), err)
	}
	defer rows.Close()
	if err := scanUsers(rows, recs); err != nil {
		return fmt.Errorf("read %s: %w", describeUsers(recs), err)
	}
	return nil
}

// scanUsers distributes the rows of a user read over recs.
func scanUsers(rows *sql.Rows, recs []authz.UserRecord) error {
	var index map[string]int
	if len(recs) > 1 {
		index = make(map[string]int, len(recs))
		for i := range recs {
			index[recs[i].UserID] = i
		}
	}
	sawRevision := false
	var rev authz.Revision
	// Declared once, not per row: Scan's destinations escape to the heap.
	var packed string
	var n int64
	for rows.Next() {
		if err := rows.Scan(&packed, &n); err != nil {
			return err
		}
		if packed == "" {
			rev, sawRevision = authz.Revision(n), true
			continue
		}
		kind, rest, _ := strings.Cut(packed, fieldSep)
		user, rest, _ := strings.Cut(rest, fieldSep)
		i := 0
		if index != nil {
			var ok bool
			if i, ok = index[user]; !ok {
				return fmt.Errorf("row of unrequested user %q", user)
			}
		} else if user != recs[0].UserID {
			return fmt.Errorf("row of unrequested user %q", user)
		}
		rec := &recs[i]
		switch kind {
		case rowAssignment:
			role, rest, _ := strings.Cut(rest, fieldSep)
			entity, rest, _ := strings.Cut(rest, fieldSep)
			expires, grantedBy, ok := strings.Cut(rest, fieldSep)
			if !ok {
				return fmt.Errorf("malformed assignment row of user %s", user)
			}
			var expiresAt time.Time
			if expires != "0" {
				ms, err := strconv.ParseInt(expires, 10, 64)
				if err != nil {
					return fmt.Errorf("assignment of user %s: end %q: %w", user, expires, err)
				}
				expiresAt = fromMillis(ms)
			}
			if rec.Assignments == nil {
				rec.Assignments = make([]authz.Assignment, 0, typicalAssignments)
			}
			rec.Assignments = append(rec.Assignments, authz.Assignment{UserID: rec.UserID, Role: role, EntityID: entity, GrantedBy: grantedBy, GrantedAt: fromMillis(n), ExpiresAt: expiresAt})
		case rowAccountType:
			team, accountType, ok := strings.Cut(rest, fieldSep)
			if !ok {
				return fmt.Errorf("malformed account type row of user %s", user)
			}
			t, err := authz.ParseAccountType(accountType)
			if err != nil {
				return fmt.Errorf("user %s in team %s: %w", user, team, err)
			}
			rec.AccountTypes = append(rec.AccountTypes, authz.AccountTypeRecord{TeamID: team, Type: t})
		case rowVersion:
			rec.Version = authz.Revision(n)
		default:
			return fmt.Errorf("row of unknown kind %q", kind)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !sawRevision {
		return fmt.Errorf("revision row missing (database not migrated?)")
	}
	for i := range recs {
		recs[i].Revision = rev
	}
	return nil
}

// describeUsers names the users of a read for an error message.
func describeUsers(recs []authz.UserRecord) string {
	if len(recs) == 1 {
		return "user " + recs[0].UserID
	}
	return fmt.Sprintf("%d users (%s, ...)", len(recs), recs[0].UserID)
}
