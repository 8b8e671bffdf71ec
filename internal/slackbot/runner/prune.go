package runner

import (
	"context"
	"time"
)

// pruneClaims deletes old finished claims now and every PruneInterval
// until ctx ends.
func (r *Runner) pruneClaims(ctx context.Context) {
	if r.pruner == nil {
		return
	}
	t := time.NewTicker(r.opts.PruneInterval)
	defer t.Stop()
	for {
		cutoff := r.opts.Now().Add(-r.opts.ClaimRetention)
		n, err := r.pruner.PruneClaims(ctx, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			r.log.Warn("prune message claims", "err", err)
		case n > 0:
			r.log.Info("pruned message claims", "deleted", n, "before", cutoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
