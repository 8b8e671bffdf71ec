package botsql

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/bastionhq/bastion/internal/slackbot"
	"time"
)

// Claim inserts a running claim for key unless one exists, then reads the
// stored claim; Won tells whether the insert was this call's.
func (s *Store) Claim(ctx context.Context, key slackbot.MessageKey, deliveryID, worker string, now time.Time) (slackbot.Claim, error) {
	res, err := s.db.ExecContext(ctx, s.db.InsertIgnore()+` INTO bot_claims
		(team_id, channel_id, ts, state, worker, delivery_id, heartbeat_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		key.TeamID, key.ChannelID, key.TS, string(slackbot.ClaimRunning), worker, deliveryID, now.UnixNano(), now.UnixNano())
	if err != nil {
		return slackbot.Claim{}, fmt.Errorf("claim message %s/%s/%s: %w", key.TeamID, key.ChannelID, key.TS, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return slackbot.Claim{}, fmt.Errorf("claim message %s/%s/%s: %w", key.TeamID, key.ChannelID, key.TS, err)
	}
	var c slackbot.Claim
	var state string
	var beat int64
	err = s.db.QueryRowContext(ctx, `SELECT state, worker, delivery_id, heartbeat_at FROM bot_claims
		WHERE team_id = ? AND channel_id = ? AND ts = ?`, key.TeamID, key.ChannelID, key.TS).
		Scan(&state, &c.Worker, &c.DeliveryID, &beat)
	if err != nil {
		return slackbot.Claim{}, fmt.Errorf("read claim of %s/%s/%s: %w", key.TeamID, key.ChannelID, key.TS, err)
	}
	c.State, c.Heartbeat, c.Won = slackbot.ClaimState(state), time.Unix(0, beat), n == 1
	return c, nil
}

// Heartbeat moves the claim's heartbeat forward while worker runs it, and
// reports false when the claim is no longer running under worker.
func (s *Store) Heartbeat(ctx context.Context, key slackbot.MessageKey, worker string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE bot_claims SET heartbeat_at = ?
		WHERE team_id = ? AND channel_id = ? AND ts = ? AND worker = ? AND state = ?`,
		now.UnixNano(), key.TeamID, key.ChannelID, key.TS, worker, string(slackbot.ClaimRunning))
	return changedOne(res, err, "heartbeat", key)
}

// Finish sets the state of worker's running claim.
func (s *Store) Finish(ctx context.Context, key slackbot.MessageKey, worker string, state slackbot.ClaimState, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE bot_claims SET state = ?, finished_at = ?
		WHERE team_id = ? AND channel_id = ? AND ts = ? AND worker = ? AND state = ?`,
		string(state), now.UnixNano(), key.TeamID, key.ChannelID, key.TS, worker, string(slackbot.ClaimRunning))
	return changedOne(res, err, "finish claim", key)
}

// Interrupt marks a running claim with a stale heartbeat interrupted.
func (s *Store) Interrupt(ctx context.Context, key slackbot.MessageKey, staleBefore, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE bot_claims SET state = ?, finished_at = ?
		WHERE team_id = ? AND channel_id = ? AND ts = ? AND state = ? AND heartbeat_at < ?`,
		string(slackbot.ClaimInterrupted), now.UnixNano(), key.TeamID, key.ChannelID, key.TS, string(slackbot.ClaimRunning), staleBefore.UnixNano())
	return changedOne(res, err, "interrupt claim", key)
}

// PruneClaims deletes finished claims created before cutoff and reports
// how many it deleted. Keep claims for days: Slack redelivers for minutes,
// but a message can be replayed much later by a queue recovering its data.
func (s *Store) PruneClaims(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM bot_claims WHERE created_at < ? AND state <> ?`, cutoff.UnixNano(), string(slackbot.ClaimRunning))
	if err != nil {
		return 0, fmt.Errorf("prune claims: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune claims: %w", err)
	}
	return n, nil
}

func changedOne(res sql.Result, err error, what string, key slackbot.MessageKey) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("%s %s/%s/%s: %w", what, key.TeamID, key.ChannelID, key.TS, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("%s %s/%s/%s: %w", what, key.TeamID, key.ChannelID, key.TS, err)
	}
	return n == 1, nil
}
