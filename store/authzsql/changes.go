package authzsql

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// Changes implements authz.Store.
func (s *Store) Changes(ctx context.Context, f authz.ChangeFilter) ([]authz.Change, error) {
	var where []string
	var args []any
	where, args = append(where, "revision > ?"), append(args, int64(f.After))
	if f.Before > 0 {
		where, args = append(where, "revision < ?"), append(args, int64(f.Before))
	}
	for _, c := range [...]struct{ col, val string }{{"actor", f.Actor}, {"user_id", f.UserID}, {"entity_id", f.EntityID}, {"kind", string(f.Kind)}} {
		if c.val != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.val)
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	order := "revision"
	if f.Newest {
		order = "revision DESC"
	}
	q := fmt.Sprintf(`SELECT revision, at_ms, actor, kind, change_key, user_id, team_id, entity_id, before_json, after_json
		FROM authz_changes WHERE %s ORDER BY %s LIMIT %d`, strings.Join(where, " AND "), order, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read change log: %w", err)
	}
	defer rows.Close()
	var out []authz.Change
	for rows.Next() {
		var c authz.Change
		var at int64
		var kind string
		if err := rows.Scan(&c.Revision, &at, &c.Actor, &kind, &c.Key, &c.UserID, &c.TeamID, &c.EntityID, &c.Before, &c.After); err != nil {
			return nil, fmt.Errorf("read change log: %w", err)
		}
		c.At, c.Kind = fromLogMillis(at), authz.ChangeKind(kind)
		out = append(out, c)
	}
	return out, rows.Err()
}

// fromLogMillis is the time of a change-log entry.
func fromLogMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
