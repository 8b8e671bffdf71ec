package sqldb

import (
	"context"
	"database/sql"
)

// Collect runs query on db and returns every row as scan reads it. It
// returns the first error of the query, of a scan or of the iteration,
// unwrapped: callers add their own context.
func Collect[T any](ctx context.Context, db *DB, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
