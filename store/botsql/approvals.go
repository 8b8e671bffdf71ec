package botsql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/store/sqldb"
	"strings"
	"time"
)

const approvalColumns = `a.id, a.team_id, a.channel_id, a.message_ts, a.thread_ts, a.caller_id, a.text, a.command, a.needed,
	a.permission, a.mode, a.post_ts, a.dry_run, a.state, a.result, a.created_at, a.expires_at, a.finished_at, a.started_at, a.alive_at,
	a.entity_id, a.summary`

// CreateApproval stores a pending request unless one with its id exists.
func (s *Store) CreateApproval(ctx context.Context, a approval.Request) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.db.InsertIgnore()+` INTO bot_approvals
		(id, team_id, channel_id, message_ts, thread_ts, caller_id, text, command, needed, permission, mode, post_ts, dry_run,
		 state, result, created_at, expires_at, finished_at, entity_id, summary)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
		a.ID, a.TeamID, a.ChannelID, a.MessageTS, a.ThreadTS, a.CallerID, a.Text, clip(a.Command, 1000), a.Needed, a.Permission,
		string(a.Mode), a.PostTS, a.DryRun, string(approval.Pending), a.Result, a.CreatedAt.UnixNano(), a.ExpiresAt.UnixNano(),
		a.EntityID, clip(a.Summary, 2000))
	if err != nil {
		return false, fmt.Errorf("create approval %s: %w", a.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("create approval %s: %w", a.ID, err)
	}
	return n == 1, nil
}

// SetApprovalPost records the post people vote on.
func (s *Store) SetApprovalPost(ctx context.Context, id, postTS string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE bot_approvals SET post_ts = ? WHERE id = ?`, postTS, id); err != nil {
		return fmt.Errorf("set post of approval %s: %w", id, err)
	}
	return nil
}

// Approval returns a request by id.
func (s *Store) Approval(ctx context.Context, id string) (approval.Request, error) {
	a, err := scanApproval(s.db.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM bot_approvals a WHERE a.id = ?`, id))
	if err != nil {
		return approval.Request{}, fmt.Errorf("load approval %s: %w", id, err)
	}
	return a, nil
}

// ApprovalByPost returns the request whose post is channelID/postTS.
func (s *Store) ApprovalByPost(ctx context.Context, teamID, channelID, postTS string) (approval.Request, error) {
	if postTS == "" {
		return approval.Request{}, fmt.Errorf("load approval by post: %w", approval.ErrNotFound)
	}
	a, err := scanApproval(s.db.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM bot_approvals a
		WHERE a.team_id = ? AND a.channel_id = ? AND a.post_ts = ?`, teamID, channelID, postTS))
	if err != nil {
		return approval.Request{}, fmt.Errorf("load approval posted at %s/%s: %w", channelID, postTS, err)
	}
	return a, nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanApproval(row rowScanner, extra ...any) (approval.Request, error) {
	var a approval.Request
	var mode, state string
	var created, expires, finished, started, alive int64
	dest := []any{&a.ID, &a.TeamID, &a.ChannelID, &a.MessageTS, &a.ThreadTS, &a.CallerID, &a.Text, &a.Command, &a.Needed,
		&a.Permission, &mode, &a.PostTS, &a.DryRun, &state, &a.Result, &created, &expires, &finished, &started, &alive,
		&a.EntityID, &a.Summary}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, approval.ErrNotFound
		}
		return a, err
	}
	a.Mode, a.State = approval.Mode(mode), approval.State(state)
	a.CreatedAt, a.ExpiresAt = time.Unix(0, created), time.Unix(0, expires)
	if finished != 0 {
		a.FinishedAt = time.Unix(0, finished)
	}
	if started != 0 {
		a.StartedAt = time.Unix(0, started)
	}
	if alive != 0 {
		a.AliveAt = time.Unix(0, alive)
	}
	return a, nil
}

// ApprovalVotes returns a request's votes in the order they were cast.
func (s *Store) ApprovalVotes(ctx context.Context, id string) ([]approval.Vote, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, vote, via, at_ns FROM bot_approval_votes
		WHERE request_id = ? ORDER BY at_ns, user_id`, id)
	if err != nil {
		return nil, fmt.Errorf("load votes of approval %s: %w", id, err)
	}
	defer rows.Close()
	var out []approval.Vote
	for rows.Next() {
		var v approval.Vote
		var at int64
		if err := rows.Scan(&v.UserID, &v.Kind, &v.Via, &at); err != nil {
			return nil, fmt.Errorf("load votes of approval %s: %w", id, err)
		}
		v.At = time.Unix(0, at)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load votes of approval %s: %w", id, err)
	}
	return out, nil
}

// pendingCond keeps a vote statement to requests still pending.
const pendingCond = `EXISTS (SELECT 1 FROM bot_approvals a WHERE a.id = ? AND a.state = 'pending')`

// AddApprovalVote inserts the vote, or changes its kind, while the request
// is pending.
func (s *Store) AddApprovalVote(ctx context.Context, id string, v approval.Vote) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.db.InsertIgnore()+` INTO bot_approval_votes (request_id, user_id, vote, via, at_ns)
		SELECT ?, ?, ?, ?, ? FROM bot_approvals a WHERE a.id = ? AND a.state = 'pending'`,
		id, v.UserID, v.Kind, v.Via, v.At.UnixNano(), id)
	if added, err := changedAny(res, err); err != nil || added {
		return added, wrapVote(err, id, v.UserID)
	}
	res, err = s.db.ExecContext(ctx, `UPDATE bot_approval_votes SET vote = ?, via = ?, at_ns = ?
		WHERE request_id = ? AND user_id = ? AND vote <> ? AND `+pendingCond,
		v.Kind, v.Via, v.At.UnixNano(), id, v.UserID, v.Kind, id)
	changed, err := changedAny(res, err)
	return changed, wrapVote(err, id, v.UserID)
}

// RemoveApprovalVote deletes a vote while the request is pending.
func (s *Store) RemoveApprovalVote(ctx context.Context, id, userID string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM bot_approval_votes WHERE request_id = ? AND user_id = ? AND `+pendingCond,
		id, userID, id)
	removed, err := changedAny(res, err)
	if err != nil {
		return false, fmt.Errorf("withdraw vote of %s on approval %s: %w", userID, id, err)
	}
	return removed, nil
}

func wrapVote(err error, id, userID string) error {
	if err != nil {
		return fmt.Errorf("record vote of %s on approval %s: %w", userID, id, err)
	}
	return nil
}

// StartApproval is the compare-and-set pending -> running: one UPDATE whose
// condition counts the stored votes, so concurrent workers and processes
// cannot both win and a withdrawal committed first is honoured. It records
// now as the start, which the sweep of interrupted runs counts from.
func (s *Store) StartApproval(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE bot_approvals SET state = 'running', started_at = ?
		WHERE id = ? AND state = 'pending' AND expires_at > ?
		AND EXISTS (SELECT 1 FROM bot_approval_votes v
			WHERE v.request_id = bot_approvals.id AND v.user_id = bot_approvals.caller_id AND v.vote = 'approve')
		AND (SELECT COUNT(*) FROM bot_approval_votes v
			WHERE v.request_id = bot_approvals.id AND v.user_id <> bot_approvals.caller_id AND v.vote = 'approve') >= bot_approvals.needed`,
		now.UnixNano(), id, now.UnixNano())
	started, err := changedAny(res, err)
	if err != nil {
		return false, fmt.Errorf("start approval %s: %w", id, err)
	}
	return started, nil
}

// ReopenApproval moves a running request back to pending and deletes the
// withdrawn votes atomically, so no other worker can start it in between.
func (s *Store) ReopenApproval(ctx context.Context, id string, withdrawn []string) (bool, error) {
	reopened := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bot_approvals SET state = 'pending', started_at = 0, alive_at = 0 WHERE id = ? AND state = 'running'`, id)
		if reopened, err = changedAny(res, err); err != nil || !reopened {
			return err
		}
		for _, u := range withdrawn {
			if _, err := tx.ExecContext(ctx, `DELETE FROM bot_approval_votes WHERE request_id = ? AND user_id = ?`, id, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("reopen approval %s: %w", id, err)
	}
	return reopened, nil
}

// SettleApproval moves a request from one state to another.
func (s *Store) SettleApproval(ctx context.Context, id string, from, to approval.State, result string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE bot_approvals SET state = ?, result = ?, finished_at = ? WHERE id = ? AND state = ?`,
		string(to), result, now.UnixNano(), id, string(from))
	settled, err := changedAny(res, err)
	if err != nil {
		return false, fmt.Errorf("move approval %s from %s to %s: %w", id, from, to, err)
	}
	return settled, nil
}

// staleCond keeps a statement to running requests last known alive before
// the cutoff: their last heartbeat (alive_at), else their start. A request
// started before start times were recorded (started_at 0) counts from its
// deadline: it cannot have started later than that.
const staleCond = `state = 'running' AND (CASE WHEN alive_at <> 0 THEN alive_at WHEN started_at <> 0 THEN started_at ELSE expires_at END) < ?`

// StaleApprovals returns running requests last known alive before
// aliveBefore, oldest first.
func (s *Store) StaleApprovals(ctx context.Context, aliveBefore time.Time, limit int) ([]approval.Request, error) {
	return s.approvalsWhere(ctx, "stale", staleCond+` ORDER BY a.created_at, a.id LIMIT ?`, aliveBefore.UnixNano(), limit)
}

// approvalsWhere returns the requests a WHERE clause (with its ORDER BY
// and LIMIT) selects; what names them in errors.
func (s *Store) approvalsWhere(ctx context.Context, what, where string, args ...any) ([]approval.Request, error) {
	out, err := sqldb.Collect(ctx, s.db, func(r *sql.Rows) (approval.Request, error) { return scanApproval(r) }, `SELECT `+approvalColumns+` FROM bot_approvals a WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load %s approvals: %w", what, err)
	}
	return out, nil
}

// InterruptApproval is the compare-and-set running -> interrupted of a
// request last known alive before aliveBefore: of two sweeps, one wins,
// and a request that was sent back to pending and started again, or
// whose run sent a heartbeat, since it was listed is left to its run.
func (s *Store) InterruptApproval(ctx context.Context, id string, aliveBefore time.Time, result string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE bot_approvals SET state = ?, result = ?, finished_at = ? WHERE id = ? AND `+staleCond,
		string(approval.Interrupted), result, now.UnixNano(), id, aliveBefore.UnixNano())
	interrupted, err := changedAny(res, err)
	if err != nil {
		return false, fmt.Errorf("interrupt approval %s: %w", id, err)
	}
	return interrupted, nil
}

// KeepApprovalAlive records now as the last time the run of a running
// request was known to be going; it reports whether the request was still
// running.
func (s *Store) KeepApprovalAlive(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE bot_approvals SET alive_at = ? WHERE id = ? AND state = 'running'`, now.UnixNano(), id)
	alive, err := changedAny(res, err)
	if err != nil {
		return false, fmt.Errorf("record approval %s alive: %w", id, err)
	}
	return alive, nil
}

// DueApprovals returns pending requests that expire at or before now.
func (s *Store) DueApprovals(ctx context.Context, now time.Time, limit int) ([]approval.Request, error) {
	return s.approvalsWhere(ctx, "due", `a.state = 'pending' AND a.expires_at <= ? ORDER BY a.expires_at LIMIT ?`, now.UnixNano(), limit)
}

// ListApprovals returns requests, newest first, with their vote counts.
func (s *Store) ListApprovals(ctx context.Context, f approval.Filter) ([]approval.Request, error) {
	var where []string
	var args []any
	if f.TeamID != "" {
		where, args = append(where, "a.team_id = ?"), append(args, f.TeamID)
	}
	if f.ChannelID != "" {
		where, args = append(where, "a.channel_id = ?"), append(args, f.ChannelID)
	}
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		for i, st := range f.States {
			marks[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "a.state IN ("+strings.Join(marks, ", ")+")")
	}
	q := `SELECT ` + approvalColumns + `,
		(SELECT COUNT(*) FROM bot_approval_votes v WHERE v.request_id = a.id AND v.user_id <> a.caller_id AND v.vote = 'approve'),
		(SELECT COUNT(*) FROM bot_approval_votes v WHERE v.request_id = a.id AND v.user_id = a.caller_id AND v.vote = 'approve')
		FROM bot_approvals a`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY a.created_at DESC, a.id LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	defer rows.Close()
	var out []approval.Request
	for rows.Next() {
		var callerVotes int
		var others int
		a, err := scanApproval(rows, &others, &callerVotes)
		if err != nil {
			return nil, fmt.Errorf("list approvals: %w", err)
		}
		a.Approvals, a.CallerApproved = others, callerVotes > 0
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	return out, nil
}

// RecordApprovalEvent appends to a request's history.
func (s *Store) RecordApprovalEvent(ctx context.Context, ev approval.Event) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO bot_approval_events (request_id, kind, user_id, detail, at_ns) VALUES (?, ?, ?, ?, ?)`,
		ev.RequestID, ev.Kind, ev.UserID, ev.Detail, ev.At.UnixNano())
	if err != nil {
		return fmt.Errorf("record %s event of approval %s: %w", ev.Kind, ev.RequestID, err)
	}
	return nil
}

// ApprovalEvents returns a request's history, oldest first.
func (s *Store) ApprovalEvents(ctx context.Context, id string) ([]approval.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT request_id, kind, user_id, detail, at_ns FROM bot_approval_events
		WHERE request_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("load history of approval %s: %w", id, err)
	}
	defer rows.Close()
	var out []approval.Event
	for rows.Next() {
		var ev approval.Event
		var at int64
		if err := rows.Scan(&ev.RequestID, &ev.Kind, &ev.UserID, &ev.Detail, &at); err != nil {
			return nil, fmt.Errorf("load history of approval %s: %w", id, err)
		}
		ev.At = time.Unix(0, at)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load history of approval %s: %w", id, err)
	}
	return out, nil
}

func changedAny(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}
