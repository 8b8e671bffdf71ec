package botsql

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/internal/router"
	"time"
)

// RecordInvocation appends an invocation to the audit log.
func (s *Store) RecordInvocation(ctx context.Context, inv router.Invocation) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO bot_invocations
		(team_id, channel_id, user_id, message_ts, text, command, verdict, reason, result, at_ns, duration_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.TeamID, inv.ChannelID, inv.UserID, inv.MessageTS, inv.Text, clip(inv.Command, 1000), string(inv.Verdict),
		inv.Reason, inv.Result, inv.At.UnixNano(), int64(inv.Duration))
	if err != nil {
		return fmt.Errorf("record invocation of %q by %s: %w", inv.Command, inv.UserID, err)
	}
	return nil
}

// RecentInvocations returns up to limit invocations of a team, newest first.
func (s *Store) RecentInvocations(ctx context.Context, teamID string, limit int) ([]router.Invocation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT team_id, channel_id, user_id, message_ts, text, command, verdict, reason, result, at_ns, duration_ns
		FROM bot_invocations WHERE team_id = ? ORDER BY id DESC LIMIT ?`, teamID, limit)
	if err != nil {
		return nil, fmt.Errorf("read invocations of %s: %w", teamID, err)
	}
	defer rows.Close()
	var out []router.Invocation
	for rows.Next() {
		var inv router.Invocation
		var verdict string
		var at, dur int64
		if err := rows.Scan(&inv.TeamID, &inv.ChannelID, &inv.UserID, &inv.MessageTS, &inv.Text, &inv.Command, &verdict,
			&inv.Reason, &inv.Result, &at, &dur); err != nil {
			return nil, fmt.Errorf("read invocations of %s: %w", teamID, err)
		}
		inv.Verdict, inv.At, inv.Duration = router.Verdict(verdict), time.Unix(0, at), time.Duration(dur)
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read invocations of %s: %w", teamID, err)
	}
	return out, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
