// Package loadgen drives permission checks from many concurrent callers
// for a fixed time and reports throughput and latency percentiles.
package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// Checker is what is loaded: a client, or the engine itself.
type Checker interface {
	Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error)
}

// Report is the outcome of a run.
type Report struct {
	Checks  int
	Errors  int
	Allowed int
	Elapsed time.Duration
	// P50, P99 and P999 are latency percentiles, each at most 2% below
	// the exact figure; Max is exact.
	P50  time.Duration
	P99  time.Duration
	P999 time.Duration
	Max  time.Duration
	// Clients is how many callers ran: in an open-loop run (RunRate), the
	// most checks in flight at once.
	Clients  int
	FirstErr error
	// Rate is the rate offered in an open-loop run, in checks/s; 0 in a
	// closed-loop one (Run, Once). PerSecond is the rate achieved.
	Rate float64
	// Late counts the checks of an open-loop run sent more than
	// LateAfter after their scheduled time, because every caller was busy
	// or the process stalled. Their latency counts from the scheduled
	// time all the same.
	Late int
	// CPU is the CPU time (user and system) the whole process used during
	// the run: the callers, and the server too when it runs in the same
	// process. Unlike checks/s it does not depend on what else the machine
	// is running. Zero where it cannot be measured.
	CPU time.Duration
}

// CPUPerCheck is the process CPU time per completed check.
func (r Report) CPUPerCheck() time.Duration {
	if r.Checks == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Checks)
}

// PerSecond is the completed checks per second.
func (r Report) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Checks) / r.Elapsed.Seconds()
}

// String renders the report on one line.
func (r Report) String() string {
	s := fmt.Sprintf("%d checks in %v from %d clients: %.0f checks/s", r.Checks, r.Elapsed.Round(time.Millisecond), r.Clients, r.PerSecond())
	if r.Rate > 0 {
		s = fmt.Sprintf("%d checks in %v, at most %d in flight: offered %.0f/s, achieved %.0f/s", r.Checks, r.Elapsed.Round(time.Millisecond), r.Clients, r.Rate, r.PerSecond())
	}
	s += fmt.Sprintf(", p50 %v, p99 %v, p999 %v, max %v, %d allowed, %d errors", r.P50, r.P99, r.P999, r.Max, r.Allowed, r.Errors)
	if r.Rate > 0 {
		s += fmt.Sprintf(", %d sent over %v late", r.Late, LateAfter)
	}
	if r.CPU > 0 {
		s += fmt.Sprintf(", %v CPU per check (%.2f cores)", r.CPUPerCheck().Round(100*time.Nanosecond), r.CPU.Seconds()/r.Elapsed.Seconds())
	}
	if r.FirstErr != nil {
		s += fmt.Sprintf(" (first: %v)", r.FirstErr)
	}
	return s
}

// Run calls c.Check from clients goroutines for d, cycling through reqs
// (each client starts at a different place), and measures every call.
func Run(ctx context.Context, c Checker, reqs []authz.EligibilityRequest, clients int, d time.Duration) Report {
	clients = max(clients, 1)
	// Calls run on the caller's context, not one bounded by d: a deadline
	// would travel with each call (as grpc-timeout) and the server could
	// fail the last calls with deadline_exceeded before the client notices
	// its own context expired. Calls still running at the end are finished
	// and counted.
	return measure(ctx, c, clients, func(start time.Time) nextFunc {
		end := start.Add(d)
		return func(w, n int) (authz.EligibilityRequest, time.Time, bool) {
			return reqs[(w*len(reqs)/clients+n)%len(reqs)], time.Time{}, time.Now().Before(end)
		}
	})
}

// Once calls c.Check exactly once for each of reqs, from clients
// goroutines, and measures every call: a warm-up that reaches every
// request, or a fixed amount of work.
func Once(ctx context.Context, c Checker, reqs []authz.EligibilityRequest, clients int) Report {
	var next atomic.Int64
	return measure(ctx, c, max(clients, 1), func(time.Time) nextFunc {
		return func(int, int) (authz.EligibilityRequest, time.Time, bool) {
			i := int(next.Add(1) - 1)
			if i >= len(reqs) {
				return authz.EligibilityRequest{}, time.Time{}, false
			}
			return reqs[i], time.Time{}, true
		}
	})
}

// nextFunc gives caller w its n-th request and, in an open-loop run, the
// time it is scheduled for; ok is false when the caller should stop.
type nextFunc func(w, n int) (req authz.EligibilityRequest, at time.Time, ok bool)

// measure runs clients goroutines, each calling c.Check with the requests
// next gives it until next says stop, and reports on every call. newNext
// builds next from the time the run starts, after measure has set itself
// up, so that a schedule or a deadline and the reported elapsed time
// count from the same instant. A call's latency counts from when it is
// sent or, when next gives a scheduled time (an open-loop run), from the
// earlier of the two: a call sent late is charged for the wait.
func measure(ctx context.Context, c Checker, clients int, newNext func(start time.Time) nextFunc) Report {
	lat := make([]histogram, clients)
	errs := make([]int, clients)
	late := make([]int, clients)
	allowed := make([]int, clients)
	firstErr := make([]error, clients)
	var wg sync.WaitGroup
	cpu0 := processCPU()
	start := time.Now()
	next := newNext(start)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				req, at, ok := next(w, n)
				if !ok {
					return
				}
				t0 := time.Now()
				if !at.IsZero() {
					if t0.Sub(at) > LateAfter {
						late[w]++
					}
					if at.Before(t0) {
						t0 = at
					}
				}
				res, err := c.Check(ctx, req)
				if ctx.Err() != nil {
					return // the caller gave up: not a measured call
				}
				lat[w].record(time.Since(t0))
				switch {
				case err != nil:
					errs[w]++
					if firstErr[w] == nil {
						firstErr[w] = err
					}
				case res.Allowed():
					allowed[w]++
				}
			}
		}(w)
	}
	wg.Wait()
	r := Report{Elapsed: time.Since(start), Clients: clients}
	if cpu1 := processCPU(); cpu0 > 0 && cpu1 > cpu0 {
		r.CPU = time.Duration(cpu1 - cpu0)
	}
	var all histogram
	for w := range lat {
		all.merge(&lat[w])
		r.Errors += errs[w]
		r.Allowed += allowed[w]
		r.Late += late[w]
		if r.FirstErr == nil {
			r.FirstErr = firstErr[w]
		}
	}
	r.Checks = int(all.n)
	r.P50, r.P99, r.P999, r.Max = all.quantile(0.50), all.quantile(0.99), all.quantile(0.999), all.max
	return r
}
