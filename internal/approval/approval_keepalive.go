package approval

import (
	"context"
	"sync"
	"time"
)

// keepAlive records, every KeepAliveEvery until the returned stop is
// called, that the run of request id is still going, so that the sweep of
// interrupted runs (InterruptStale) tells a slow command from one whose
// process died. It stops early once the request is no longer running.
func (a *Workflow) keepAlive(ctx context.Context, id string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(a.opts.KeepAliveEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			running, err := a.opts.Store.KeepApprovalAlive(ctx, id, a.opts.Now())
			if err != nil {
				a.log.Warn("record approval run alive", "id", id, "err", err)
				continue
			}
			if !running {
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
