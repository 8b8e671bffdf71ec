package authz

import (
	"context"
	"log/slog"
	"time"
)

// DefaultFollowInterval is how often Follow reads the store's revision.
const DefaultFollowInterval = 25 * time.Millisecond

// Subscribe returns a channel that receives a revision whenever userID's
// effective permissions may have changed (an assignment or revoke, an
// account type change, an edit of a role the user holds), and a function
// that ends the subscription. Notifications are coalesced: after one
// arrives, read the user's permissions again.
//
// Changes made through this engine notify at once; changes made by other
// processes sharing the store notify when Follow (or any authoritative
// check) reads them.
func (e *Engine) Subscribe(userID string) (<-chan Revision, func()) {
	return e.hub.subscribe(userID)
}

// Follow syncs from the store's change log every interval until ctx ends,
// so cached answers and subscribers follow writes made by other processes,
// and runs the sweeper (RunSweeper) alongside, so that assignments that
// end are removed with an entry in the change log. Store errors are logged
// and retried; Follow returns ctx's error.
func (e *Engine) Follow(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultFollowInterval
	}
	swept := make(chan struct{})
	go func() { defer close(swept); e.RunSweeper(ctx, DefaultSweepPoll) }()
	defer func() { <-swept }()
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		_, err := e.Sync(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			e.logger.Warn("follow the permission change log", "error", err)
			failing = true
		case err == nil && failing:
			e.logger.Info("following the permission change log again")
			failing = false
		}
	}
}

// afterWrite brings this engine up to a write's revision so that its own
// subscribers hear of it at once. A failure here is not the write's: the
// next check or Follow tick catches up.
//
// It is curried so that a store call's two results pass straight through:
// e.afterWrite(ctx)(e.store.Assign(...)).
func (e *Engine) afterWrite(ctx context.Context) func(Revision, error) (Revision, error) {
	return func(rev Revision, err error) (Revision, error) {
		if err != nil {
			return rev, err
		}
		if syncErr := e.syncReference(ctx, rev); syncErr != nil {
			e.logger.Warn("catch up after a write", "revision", rev, "error", syncErr)
		}
		return rev, nil
	}
}

func defaultLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
