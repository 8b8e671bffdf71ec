// Package httpcommandsql keeps the ledger of runs sent to the endpoints of
// HTTP commands (httpcommand.RunLedger) in Bastion's SQL store (SQLite or
// MySQL), under the "httpcommand" component.
package httpcommandsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/store/sqldb"
)

const component = "httpcommand"

var migrations = []sqldb.Migration{{
	Version: 1,
	Name:    "run ledger",
	SQL: `CREATE TABLE http_command_runs (
	request_id VARCHAR(64) NOT NULL PRIMARY KEY,
	command VARCHAR(1000) NOT NULL,
	endpoint VARCHAR(2048) NOT NULL,
	team_id VARCHAR(32) NOT NULL,
	channel_id VARCHAR(32) NOT NULL,
	user_id VARCHAR(32) NOT NULL,
	outcome VARCHAR(16) NOT NULL,
	detail TEXT NOT NULL,
	claimed_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX http_command_runs_claimed ON http_command_runs (claimed_at);`,
}, {
	// On MySQL a VARCHAR compares by its collation (the database's
	// default unless the table says otherwise, which ignores case): a
	// request id, team, channel or user then compares byte for byte on
	// every database, as on SQLite. The command and endpoint are clipped
	// to their length in bytes.
	Version: 2,
	Name:    "ids compare byte for byte",
	SQL:     `-- SQLite compares text byte for byte already`,
	MySQL: `ALTER TABLE http_command_runs MODIFY request_id VARBINARY(64) NOT NULL, MODIFY command VARBINARY(1000) NOT NULL,
	MODIFY endpoint VARBINARY(2048) NOT NULL, MODIFY team_id VARBINARY(32) NOT NULL, MODIFY channel_id VARBINARY(32) NOT NULL,
	MODIFY user_id VARBINARY(32) NOT NULL, MODIFY outcome VARBINARY(16) NOT NULL;`,
}}

// Ledger implements httpcommand.RunLedger over SQL.
type Ledger struct {
	db *sqldb.DB
}

var _ httpcommand.RunLedger = (*Ledger)(nil)

// Tables lists the tables the http command ledger creates: on Vitess, tables of the
// unsharded keyspace (deploy/vitess), which Open checks before migrating.
func Tables() []string { return sqldb.CreatedTables(migrations, sqldb.MySQL) }

// Open migrates the ledger's table in db and returns a ledger on it; db
// stays the caller's to close. It refuses (sqldb.ErrCollation) a table
// whose ids would not compare byte for byte.
func Open(ctx context.Context, db *sqldb.DB) (*Ledger, error) {
	if err := sqldb.CheckVitessUnsharded(ctx, db, "http command ledger", Tables()); err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, component, migrations); err != nil {
		return nil, fmt.Errorf("open http command ledger: %w", err)
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations, db.Dialect)); err != nil {
		return nil, fmt.Errorf("open http command ledger: %w", err)
	}
	return &Ledger{db: db}, nil
}

// ClaimRun inserts r as sending unless its request id is stored, then
// reads the stored run; the insert's row count says whose it is.
func (l *Ledger) ClaimRun(ctx context.Context, r httpcommand.Run) (httpcommand.Run, bool, error) {
	res, err := l.db.ExecContext(ctx, l.db.InsertIgnore()+` INTO http_command_runs
		(request_id, command, endpoint, team_id, channel_id, user_id, outcome, detail, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)`,
		r.RequestID, clip(r.Command, 1000), clip(r.Endpoint, 2048), r.TeamID, r.ChannelID, r.UserID,
		string(httpcommand.OutcomeSending), r.ClaimedAt.UnixNano())
	if err != nil {
		return httpcommand.Run{}, false, fmt.Errorf("claim run %s: %w", r.RequestID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return httpcommand.Run{}, false, fmt.Errorf("claim run %s: %w", r.RequestID, err)
	}
	stored, err := l.LookupRun(ctx, r.RequestID)
	if err != nil {
		return httpcommand.Run{}, false, fmt.Errorf("claim run %s: %w", r.RequestID, err)
	}
	return stored, n == 1, nil
}

// FinishRun sets the outcome of a run still sending.
func (l *Ledger) FinishRun(ctx context.Context, requestID string, outcome httpcommand.Outcome, detail string, at time.Time) error {
	res, err := l.db.ExecContext(ctx, `UPDATE http_command_runs SET outcome = ?, detail = ?, finished_at = ?
		WHERE request_id = ? AND outcome = ?`, string(outcome), clip(detail, 4000), at.UnixNano(), requestID, string(httpcommand.OutcomeSending))
	if err != nil {
		return fmt.Errorf("finish run %s: %w", requestID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("finish run %s: %w", requestID, err)
	}
	if n == 0 {
		if _, err := l.LookupRun(ctx, requestID); err != nil {
			return fmt.Errorf("finish run %s: %w", requestID, err)
		}
	}
	return nil
}

// LookupRun reads the run of requestID.
func (l *Ledger) LookupRun(ctx context.Context, requestID string) (httpcommand.Run, error) {
	var r httpcommand.Run
	var outcome string
	var claimed, finished int64
	err := l.db.QueryRowContext(ctx, `SELECT request_id, command, endpoint, team_id, channel_id, user_id, outcome, detail, claimed_at, finished_at
		FROM http_command_runs WHERE request_id = ?`, requestID).
		Scan(&r.RequestID, &r.Command, &r.Endpoint, &r.TeamID, &r.ChannelID, &r.UserID, &outcome, &r.Detail, &claimed, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return httpcommand.Run{}, fmt.Errorf("run %s: %w", requestID, httpcommand.ErrRunNotFound)
	}
	if err != nil {
		return httpcommand.Run{}, fmt.Errorf("read run %s: %w", requestID, err)
	}
	r.Outcome, r.ClaimedAt = httpcommand.Outcome(outcome), time.Unix(0, claimed)
	if finished != 0 {
		r.FinishedAt = time.Unix(0, finished)
	}
	return r, nil
}

// PruneRuns deletes the runs with an outcome claimed before cutoff and
// reports how many it deleted. Keep runs at least as long as the bot's
// message claims: a request id whose run is pruned could be sent again by
// a message delivered after that.
func (l *Ledger) PruneRuns(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := l.db.ExecContext(ctx, `DELETE FROM http_command_runs WHERE claimed_at < ? AND outcome <> ?`,
		cutoff.UnixNano(), string(httpcommand.OutcomeSending))
	if err != nil {
		return 0, fmt.Errorf("prune http command runs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune http command runs: %w", err)
	}
	return n, nil
}

// clip cuts s to at most n bytes, at a character boundary.
// PruneEvery calls PruneRuns with a cutoff of keep ago at once and then
// every interval until ctx ends, logging what it deleted; it returns nil
// when ctx ends. Runs are kept at least a day.
func (l *Ledger) PruneEvery(ctx context.Context, interval, keep time.Duration, log *slog.Logger) error {
	keep = max(keep, 24*time.Hour)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		cutoff := time.Now().Add(-keep)
		n, err := l.PruneRuns(ctx, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("prune http command runs", "err", err)
		case n > 0:
			log.Info("pruned http command runs", "deleted", n, "before", cutoff)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
