package sqlqueue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// claimCandidates is how many visible messages one claim attempt looks at,
// so that concurrent workers racing for the head spread over the next ones.
const claimCandidates = 8

type candidate struct {
	seq   int64
	lease string
}

// claim takes the oldest visible message, or returns nil when none is
// visible. A claim is a compare-and-set on (lease, visible_at): of several
// workers that saw the same candidate, exactly one UPDATE matches.
func (q *Queue) claim(ctx context.Context) (*delivery, error) {
	now := q.opts.Now()
	candidates, err := q.visible(ctx, now.UnixNano())
	if err != nil {
		return nil, err
	}
	lease := newLease()
	until := now.Add(q.opts.VisibilityTimeout).UnixNano()
	for _, c := range candidates {
		res, err := q.db.ExecContext(ctx,
			"UPDATE queue_messages SET lease = ?, visible_at = ?, attempts = attempts + 1 WHERE seq = ? AND lease = ? AND visible_at <= ?",
			lease, until, c.seq, c.lease, now.UnixNano())
		if err != nil {
			return nil, fmt.Errorf("claim message %d: %w", c.seq, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("claim message %d: %w", c.seq, err)
		} else if n == 0 {
			continue // another worker took it
		}
		d := &delivery{q: q, seq: c.seq, lease: lease}
		err = q.db.QueryRowContext(ctx, "SELECT id, body, attempts FROM queue_messages WHERE seq = ? AND lease = ?", c.seq, lease).
			Scan(&d.id, &d.body, &d.attempt)
		if errors.Is(err, sql.ErrNoRows) {
			continue // already expired and taken again
		}
		if err != nil {
			return nil, fmt.Errorf("read claimed message %d: %w", c.seq, err)
		}
		return d, nil
	}
	return nil, nil
}

func (q *Queue) visible(ctx context.Context, now int64) ([]candidate, error) {
	rows, err := q.db.QueryContext(ctx,
		"SELECT seq, lease FROM queue_messages WHERE visible_at <= ? ORDER BY seq LIMIT ?", now, claimCandidates)
	if err != nil {
		return nil, fmt.Errorf("find visible messages: %w", err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.seq, &c.lease); err != nil {
			return nil, fmt.Errorf("find visible messages: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find visible messages: %w", err)
	}
	return out, nil
}

func newLease() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
