package sqlqueue

import (
	"context"
	"fmt"
	"time"
)

// pruneEvery deletes expired ids now and then every PruneInterval until the
// queue is closed.
func (q *Queue) pruneEvery() {
	ticker := time.NewTicker(q.opts.PruneInterval)
	defer ticker.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := q.prune(ctx); err != nil {
			q.opts.Logger.Warn("prune queue dedupe ids", "err", err)
		}
		cancel()
		select {
		case <-q.done:
			return
		case <-ticker.C:
		}
	}
}

// prune deletes ids enqueued more than DedupeWindow ago whose messages are
// no longer queued, and reports how many it deleted.
func (q *Queue) prune(ctx context.Context) (int64, error) {
	cutoff := q.opts.Now().Add(-DedupeWindow).UnixNano()
	res, err := q.db.ExecContext(ctx,
		"DELETE FROM queue_dedupe WHERE enqueued_at < ? AND id NOT IN (SELECT id FROM queue_messages)", cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune dedupe ids: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune dedupe ids: %w", err)
	}
	return n, nil
}
