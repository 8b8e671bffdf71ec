// Package accesssql stores the grants of just-in-time access
// (internal/access) in Bastion's SQL store (SQLite or MySQL), under the
// "access" component: what each process needs to remind a holder once and
// tell a grant's end once.
package accesssql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bastionhq/bastion/internal/access"
	"github.com/bastionhq/bastion/store/sqldb"
)

const component = "access"

var migrations = []sqldb.Migration{{
	Version: 1,
	Name:    "grants",
	SQL: `CREATE TABLE access_grants (
	id VARCHAR(32) NOT NULL PRIMARY KEY,
	team_id VARCHAR(32) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	role VARCHAR(128) NOT NULL,
	entity_id VARCHAR(64) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	thread_ts VARCHAR(32) NOT NULL,
	request_id VARCHAR(32) NOT NULL,
	reason TEXT NOT NULL,
	approvers TEXT NOT NULL,
	duration_ns BIGINT NOT NULL,
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	reminded_for BIGINT NOT NULL DEFAULT 0,
	state VARCHAR(16) NOT NULL,
	ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX access_grants_user ON access_grants (team_id, user_id, state);
CREATE INDEX access_grants_due ON access_grants (state, ends_at);`,
	MySQL: `CREATE TABLE access_grants (
	id VARBINARY(32) NOT NULL PRIMARY KEY,
	team_id VARBINARY(32) NOT NULL,
	user_id VARBINARY(32) NOT NULL,
	role VARBINARY(128) NOT NULL,
	entity_id VARBINARY(64) NOT NULL,
	channel_id VARBINARY(32) NOT NULL,
	thread_ts VARBINARY(32) NOT NULL,
	request_id VARBINARY(32) NOT NULL,
	reason TEXT NOT NULL,
	approvers TEXT NOT NULL,
	duration_ns BIGINT NOT NULL,
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	reminded_for BIGINT NOT NULL DEFAULT 0,
	state VARBINARY(16) NOT NULL,
	ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX access_grants_user ON access_grants (team_id, user_id, state);
CREATE INDEX access_grants_due ON access_grants (state, ends_at);`,
}}

// Tables lists the tables this store creates; on Vitess they live in the
// unsharded keyspace (deploy/vitess/vschema_bastion_ref.json).
func Tables() []string { return sqldb.CreatedTables(migrations, sqldb.MySQL) }

// Store implements access.Store over SQL.
type Store struct {
	db *sqldb.DB
}

var _ access.Store = (*Store)(nil)

// Open migrates the access tables in db and returns a store on it; db
// stays the caller's to close.
func Open(ctx context.Context, db *sqldb.DB) (*Store, error) {
	if err := sqldb.CheckVitessUnsharded(ctx, db, "store of temporary grants", Tables()); err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, component, migrations); err != nil {
		return nil, fmt.Errorf("open access store: %w", err)
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations, db.Dialect)); err != nil {
		return nil, fmt.Errorf("open access store: %w", err)
	}
	return &Store{db: db}, nil
}

const columns = `id, team_id, user_id, role, entity_id, channel_id, thread_ts, request_id, reason, approvers,
	duration_ns, starts_at, ends_at, reminded_for, state`

// PutGrant records g as active, replacing the record of its id.
func (s *Store) PutGrant(ctx context.Context, g access.Grant) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO access_grants (`+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`+
		s.db.Upsert("id", "channel_id", "thread_ts", "request_id", "reason", "approvers", "duration_ns", "starts_at", "ends_at", "reminded_for", "state"),
		g.ID, g.TeamID, g.UserID, g.Role, g.EntityID, g.ChannelID, g.ThreadTS, g.RequestID, g.Reason, strings.Join(g.Approvers, ","),
		int64(g.Duration), g.StartsAt.UnixNano(), g.EndsAt.UnixNano(), access.Active)
	if err != nil {
		return fmt.Errorf("put grant %s: %w", g.ID, err)
	}
	return nil
}

// Grant returns the record of id.
func (s *Store) Grant(ctx context.Context, id string) (access.Grant, error) {
	g, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM access_grants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return g, fmt.Errorf("grant %s: %w", id, access.ErrNotFound)
	}
	if err != nil {
		return g, fmt.Errorf("grant %s: %w", id, err)
	}
	return g, nil
}

// ExtendGrant is the compare-and-set of an active grant's end.
func (s *Store) ExtendGrant(ctx context.Context, id string, from, to time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE access_grants SET ends_at = ? WHERE id = ? AND state = ? AND ends_at = ?`,
		to.UnixNano(), id, access.Active, from.UnixNano())
	ok, err := changed(res, err)
	if err != nil {
		return false, fmt.Errorf("extend grant %s: %w", id, err)
	}
	return ok, nil
}

// DueReminders lists active grants ending by `by` not reminded of that end.
func (s *Store) DueReminders(ctx context.Context, by time.Time, limit int) ([]access.Grant, error) {
	return s.list(ctx, "grants to remind of", `state = ? AND ends_at <= ? AND reminded_for <> ends_at ORDER BY ends_at, id LIMIT ?`,
		access.Active, by.UnixNano(), limit)
}

// MarkReminded is the compare-and-set of a reminder.
func (s *Store) MarkReminded(ctx context.Context, id string, endsAt time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE access_grants SET reminded_for = ends_at WHERE id = ? AND state = ? AND ends_at = ? AND reminded_for <> ends_at`,
		id, access.Active, endsAt.UnixNano())
	ok, err := changed(res, err)
	if err != nil {
		return false, fmt.Errorf("mark grant %s reminded: %w", id, err)
	}
	return ok, nil
}

// DueEnds lists active grants whose end is at or before now.
func (s *Store) DueEnds(ctx context.Context, now time.Time, limit int) ([]access.Grant, error) {
	return s.list(ctx, "grants ending", `state = ? AND ends_at <= ? ORDER BY ends_at, id LIMIT ?`, access.Active, now.UnixNano(), limit)
}

// EndGrant is the compare-and-set active -> ended at the end endsAt.
func (s *Store) EndGrant(ctx context.Context, id string, endsAt, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE access_grants SET state = ?, ended_at = ? WHERE id = ? AND state = ? AND ends_at = ?`,
		access.Ended, now.UnixNano(), id, access.Active, endsAt.UnixNano())
	ok, err := changed(res, err)
	if err != nil {
		return false, fmt.Errorf("end grant %s: %w", id, err)
	}
	return ok, nil
}

func (s *Store) list(ctx context.Context, what, where string, args ...any) ([]access.Grant, error) {
	out, err := sqldb.Collect(ctx, s.db, func(r *sql.Rows) (access.Grant, error) { return scan(r) }, `SELECT `+columns+` FROM access_grants WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scan(row scanner) (access.Grant, error) {
	var g access.Grant
	var approvers string
	var dur, starts, ends, reminded int64
	if err := row.Scan(&g.ID, &g.TeamID, &g.UserID, &g.Role, &g.EntityID, &g.ChannelID, &g.ThreadTS, &g.RequestID, &g.Reason, &approvers,
		&dur, &starts, &ends, &reminded, &g.State); err != nil {
		return g, err
	}
	if approvers != "" {
		g.Approvers = strings.Split(approvers, ",")
	}
	g.Duration, g.StartsAt, g.EndsAt = time.Duration(dur), time.Unix(0, starts), time.Unix(0, ends)
	if reminded != 0 {
		g.RemindedFor = time.Unix(0, reminded)
	}
	return g, nil
}

func changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}
