package namesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Store is the SQL implementation of names.Directory.
type Store struct {
	db  *sqldb.DB
	now func() time.Time
}

var _ names.Directory = (*Store)(nil)

// Open migrates the directory's table and returns a store over db.
func Open(ctx context.Context, db *sqldb.DB) (*Store, error) {
	if err := sqldb.CheckVitessUnsharded(ctx, db, "name directory", Tables()); err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, component, migrations()); err != nil {
		return nil, fmt.Errorf("open name directory: %w", err)
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations(), db.Dialect)); err != nil {
		return nil, fmt.Errorf("open name directory: %w", err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// SetClock replaces the clock that stamps UpdatedAt (for tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

const columns = `kind, id, name, handle, folded, team_id, source, pinned, updated_at`

// lookupChunk bounds the ids of one IN list.
const lookupChunk = 500

func (s *Store) insert() string {
	return `INSERT INTO directory_names (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
}

// Set stores entries set by hand, pinned, in one transaction.
func (s *Store) Set(ctx context.Context, entries []names.Entry) error {
	if err := validateAll(entries); err != nil {
		return fmt.Errorf("set names: %w", err)
	}
	q := s.insert() + s.db.Upsert("kind, id", "name", "handle", "folded", "team_id", "source", "pinned", "updated_at")
	at := s.now().UnixMilli()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, q, args(e, true, at)...); err != nil {
				return fmt.Errorf("set %s: %w", e.Key(), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set names: %w", err)
	}
	return nil
}

// Learn stores filled names in one transaction, leaving pinned entries
// alone, and returns how many entries it wrote.
func (s *Store) Learn(ctx context.Context, entries []names.Entry) (int, error) {
	if err := validateAll(entries); err != nil {
		return 0, fmt.Errorf("learn names: %w", err)
	}
	q := s.insert()
	if s.db.Dialect == sqldb.MySQL {
		var sets []string
		for _, c := range []string{"name", "handle", "folded", "team_id", "source", "updated_at"} {
			sets = append(sets, c+" = IF(pinned = 1, "+c+", VALUES("+c+"))")
		}
		q += " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
	} else {
		q += ` ON CONFLICT(kind, id) DO UPDATE SET name = excluded.name, handle = excluded.handle, folded = excluded.folded,
			team_id = excluded.team_id, source = excluded.source, updated_at = excluded.updated_at WHERE directory_names.pinned = 0`
	}
	at := s.now().UnixMilli()
	written := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, e := range entries {
			if s.db.Dialect == sqldb.MySQL {
				// MySQL counts a pinned row the upsert leaves as it is
				// (found rows, as the store's connections ask): skip it here,
				// locked so a concurrent Set cannot slip in between.
				var pinned bool
				err := tx.QueryRowContext(ctx, `SELECT pinned FROM directory_names WHERE kind = ? AND id = ? FOR UPDATE`,
					string(e.Kind), e.ID).Scan(&pinned)
				switch {
				case err == nil && pinned:
					continue
				case err != nil && !errors.Is(err, sql.ErrNoRows):
					return fmt.Errorf("learn %s: %w", e.Key(), err)
				}
			}
			res, err := tx.ExecContext(ctx, q, args(e, false, at)...)
			if err != nil {
				return fmt.Errorf("learn %s: %w", e.Key(), err)
			}
			if n, err := res.RowsAffected(); err == nil && n > 0 {
				written++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("learn names: %w", err)
	}
	return written, nil
}

// Unset deletes an entry.
func (s *Store) Unset(ctx context.Context, key names.Key) error {
	if err := validateKey(key); err != nil {
		return fmt.Errorf("unset name: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM directory_names WHERE kind = ? AND id = ?`, string(key.Kind), key.ID)
	if err != nil {
		return fmt.Errorf("unset name of %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("unset name of %s: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("unset name of %s: %w", key, names.ErrNotFound)
	}
	return nil
}

// Lookup reads the entries of keys, a few hundred ids per query.
func (s *Store) Lookup(ctx context.Context, keys []names.Key) (map[names.Key]names.Entry, error) {
	out := map[names.Key]names.Entry{}
	byKind := map[names.Kind][]string{}
	seen := map[names.Key]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if validateKey(k) != nil {
			continue // an id that cannot be stored has no name
		}
		byKind[k.Kind] = append(byKind[k.Kind], k.ID)
	}
	for kind, ids := range byKind {
		for len(ids) > 0 {
			n := min(len(ids), lookupChunk)
			chunk := ids[:n]
			ids = ids[n:]
			args := []any{string(kind)}
			for _, id := range chunk {
				args = append(args, id)
			}
			list, err := s.query(ctx, `SELECT `+columns+` FROM directory_names WHERE kind = ? AND id IN (`+placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return nil, fmt.Errorf("look up %d %s names: %w", len(chunk), kind, err)
			}
			for _, e := range list {
				out[e.Key()] = e
			}
		}
	}
	return out, nil
}

// Search finds entries whose folded name, handle or id holds the text;
// names that start with it come first.
func (s *Store) Search(ctx context.Context, q names.Query) ([]names.Entry, error) {
	if !validKind(q.Kind) {
		return nil, fmt.Errorf("search names: %w: unknown kind %q", names.ErrInvalid, q.Kind)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 1000)
	text := names.FoldQuery(q.Text)
	where := `kind = ? AND folded LIKE ? ESCAPE '!'`
	args := []any{string(q.Kind), "%" + likeEscape(text) + "%"}
	if len(q.TeamIDs) > 0 {
		where += ` AND team_id IN (` + placeholders(len(q.TeamIDs)) + `)`
		for _, t := range q.TeamIDs {
			args = append(args, t)
		}
	}
	args = append(args, likeEscape(text)+"%", limit)
	list, err := s.query(ctx, `SELECT `+columns+` FROM directory_names WHERE `+where+
		` ORDER BY CASE WHEN folded LIKE ? ESCAPE '!' THEN 0 ELSE 1 END, folded, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("search %s names for %q: %w", q.Kind, q.Text, err)
	}
	return list, nil
}

// List reads entries in key order.
func (s *Store) List(ctx context.Context, f names.ListFilter) ([]names.Entry, error) {
	if f.Kind != "" && !validKind(f.Kind) {
		return nil, fmt.Errorf("list names: %w: unknown kind %q", names.ErrInvalid, f.Kind)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	where := `(kind > ? OR kind = ? AND id > ?)`
	args := []any{string(f.After.Kind), string(f.After.Kind), f.After.ID}
	if f.Kind != "" {
		where += ` AND kind = ?`
		args = append(args, string(f.Kind))
	}
	args = append(args, limit)
	list, err := s.query(ctx, `SELECT `+columns+` FROM directory_names WHERE `+where+` ORDER BY kind, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list names: %w", err)
	}
	return list, nil
}

func (s *Store) query(ctx context.Context, q string, args ...any) ([]names.Entry, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []names.Entry
	for rows.Next() {
		var e names.Entry
		var kind, source, folded string
		var pinned int
		var at int64
		if err := rows.Scan(&kind, &e.ID, &e.Name, &e.Handle, &folded, &e.TeamID, &source, &pinned, &at); err != nil {
			return nil, err
		}
		e.Kind, e.Source, e.Pinned, e.UpdatedAt = names.Kind(kind), names.Source(source), pinned == 1, time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func args(e names.Entry, pinned bool, at int64) []any {
	p := 0
	if pinned {
		p = 1
	}
	return []any{string(e.Kind), e.ID, e.Name, e.Handle, names.Fold(e), e.TeamID, string(e.Source), p, at}
}

func validateAll(entries []names.Entry) error {
	for _, e := range entries {
		if err := names.Validate(e); err != nil {
			return err
		}
	}
	return nil
}

func validateKey(k names.Key) error {
	return names.Validate(names.Entry{Kind: k.Kind, ID: k.ID, Name: "x", Source: names.FromCLI})
}

func validKind(k names.Kind) bool {
	_, err := names.ParseKind(string(k))
	return err == nil && k != "workspace"
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// likeEscape escapes LIKE's wildcards and the escape character '!'.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
