package loadgen

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// LateAfter is how far behind its scheduled time an open-loop check must
// be sent to count in Report.Late.
const LateAfter = time.Millisecond

// wakeEarly is how long before its scheduled time a caller waiting for a
// check's slot wakes. Go's timers wait in whole milliseconds when the
// process is idle, so a caller woken at the slot would be up to a
// millisecond late, and the generator's own slack would be charged as
// latency; a check sent early is timed from when it is sent instead.
const wakeEarly = time.Millisecond

// RunRate offers c.Check at a fixed rate (checks/s) for d, cycling through
// reqs, from at most maxInFlight callers at once, and measures every call:
// an open-loop run, to measure latency at a given load rather than the
// most the system can take (Run).
//
// Check i is scheduled at i/rate from the start, whether or not earlier
// checks have returned, and its latency counts from that time (a check
// may go out up to a millisecond early, and then counts from its send):
// when the system stalls, the checks it held back are charged for their
// wait (coordinated omission), not only the one call that stalled. When every
// caller is busy, checks start late (Report.Late); checks not started by
// the end are not made, and the achieved rate falls short of the
// offered one. A rate of 0 or less runs closed loop, as Run does.
func RunRate(ctx context.Context, c Checker, reqs []authz.EligibilityRequest, rate float64, maxInFlight int, d time.Duration) Report {
	if rate <= 0 {
		return Run(ctx, c, reqs, maxInFlight, d)
	}
	// As in Run, calls run on the caller's context, with no deadline.
	interval := float64(time.Second) / rate
	var slot atomic.Int64
	r := measure(ctx, c, max(maxInFlight, 1), func(start time.Time) nextFunc {
		end := start.Add(d)
		return func(int, int) (authz.EligibilityRequest, time.Time, bool) {
			i := slot.Add(1) - 1
			at := start.Add(time.Duration(float64(i) * interval))
			now := time.Now()
			if !at.Before(end) || !now.Before(end) {
				return authz.EligibilityRequest{}, time.Time{}, false
			}
			if wait := at.Sub(now) - wakeEarly; wait > 0 && !sleep(ctx, wait) {
				return authz.EligibilityRequest{}, time.Time{}, false
			}
			return reqs[int(i%int64(len(reqs)))], at, true
		}
	})
	r.Rate = rate
	return r
}

// sleep waits for d, and reports false if ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
