package authz

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ExpiryActor is the actor the change log records for assignments removed
// because they ended (ChangeExpire).
const ExpiryActor = "bastion:expiry"

// sweepBatch is how many ended assignments one read of the store lists.
const sweepBatch = 100

// DefaultSweepPoll is how often the sweeper looks for ended assignments
// when it knows of none ending sooner: a safety net, since it wakes at the
// next end it knows of, and when this engine applies an assignment with
// an end (RunSweeper).
const DefaultSweepPoll = time.Second

// farFuture bounds the listing of the next end.
var farFuture = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Sweep removes every assignment that has ended by the engine's clock
// (Options.Now), each as one ChangeExpire entry of the change log, so
// that subscribers (WatchPermissions), caching clients and the engine's
// of other processes hear of it. Processes sweeping one store at once
// write each expiry once: the store removes an assignment only while it
// still holds it with the end listed (Store.Expire). Checks do not wait
// for a sweep: they treat an ended assignment as absent from its end.
// It returns how many this call removed, and fails if the store cannot be
// read or written.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	removed := 0
	for {
		now := e.now()
		ended, err := e.store.ListAssignments(ctx, AssignmentFilter{ExpiringBefore: now, Limit: sweepBatch})
		if err != nil {
			return removed, fmt.Errorf("list ended assignments: %w", err)
		}
		var last Revision
		for _, a := range ended {
			rev, ok, err := e.store.Expire(ctx, a, now, ExpiryActor)
			if err != nil {
				return removed, fmt.Errorf("expire %s/%s/%s: %w", a.UserID, a.Role, a.EntityID, err)
			}
			if ok {
				removed++
				last = rev
			}
		}
		if last > 0 {
			if _, err := e.afterWrite(ctx)(last, nil); err != nil {
				return removed, err
			}
		}
		if len(ended) < sweepBatch {
			return removed, nil
		}
	}
}

// nextEnd returns the soonest end of any assignment in the store (ended
// ones not yet swept included), zero when none has one.
func (e *Engine) nextEnd(ctx context.Context) (time.Time, error) {
	next, err := e.store.ListAssignments(ctx, AssignmentFilter{ExpiringBefore: farFuture, Limit: 1})
	if err != nil {
		return time.Time{}, fmt.Errorf("list the next end: %w", err)
	}
	if len(next) == 0 {
		return time.Time{}, nil
	}
	return next[0].ExpiresAt, nil
}

// RunSweeper sweeps (Sweep) until ctx ends: at the next end of an
// assignment the store holds, at once when this engine applies an
// assignment with an end (made here or read from the change log), and at
// least every poll (DefaultSweepPoll when poll <= 0). Errors are logged and
// retried; it returns ctx's error. Follow runs it.
func (e *Engine) RunSweeper(ctx context.Context, poll time.Duration) error {
	if poll <= 0 {
		poll = DefaultSweepPoll
	}
	failing := false
	for {
		_, err := e.Sweep(ctx)
		var next time.Time
		if err == nil {
			next, err = e.nextEnd(ctx)
		}
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			e.logger.Warn("sweep ended assignments", "error", err)
			failing = true
		case err == nil && failing:
			e.logger.Info("sweeping ended assignments again")
			failing = false
		}
		wait := poll
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(e.now()), 0))
		}
		if wait == 0 && err == nil {
			// An end has come that the sweep just made found nothing to
			// remove of (another process removed it first, or the store
			// lags the clock): look again after a moment, not at once.
			wait = time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		case <-e.sweepWake:
			t.Stop()
		}
	}
}

// wakeSweeper tells RunSweeper that an assignment with an end was applied;
// e.refMu is held.
func (e *Engine) wakeSweeper(c Change) {
	if c.Kind != ChangeAssign || !strings.Contains(c.After, `"expires_at"`) {
		return
	}
	select {
	case e.sweepWake <- struct{}{}:
	default:
	}
}
