package loadgen_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bench/loadgen"
)

var rateReqs = []authz.EligibilityRequest{{UserID: "A", Permissions: []string{"P"}}, {UserID: "B", Permissions: []string{"P"}}}

// sleepingChecker takes a fixed time per check and notes when each began.
type sleepingChecker struct {
	take   time.Duration
	mu     sync.Mutex
	starts []time.Time
}

func (c *sleepingChecker) Check(_ context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	c.mu.Lock()
	c.starts = append(c.starts, time.Now())
	c.mu.Unlock()
	time.Sleep(c.take)
	return authz.Result{Decisions: []authz.Decision{{Permission: req.Permissions[0], Allowed: req.UserID == "A"}}}, nil
}

func TestRunRateKeepsToTheRate(t *testing.T) {
	const rate, d = 2000.0, 200 * time.Millisecond
	c := &sleepingChecker{take: time.Millisecond}
	start := time.Now()
	r := loadgen.RunRate(context.Background(), c, rateReqs, rate, 16, d)
	slots := int(rate * d.Seconds()) // scheduled before the end
	if r.Checks > slots || r.Checks < slots/2 || r.Checks != len(c.starts) {
		t.Fatalf("%d checks reported, %d made; want between %d and %d: %v", r.Checks, len(c.starts), slots/2, slots, r)
	}
	if r.Rate != rate || r.Clients != 16 || r.Errors != 0 || r.Allowed == 0 || r.Allowed == r.Checks {
		t.Fatalf("report = %+v", r)
	}
	if r.Elapsed < d-5*time.Millisecond || r.PerSecond() > rate*1.1 {
		t.Fatalf("finished in %v at %.0f/s, ahead of a %v run at %.0f/s", r.Elapsed, r.PerSecond(), d, rate)
	}
	// No check starts more than a millisecond ahead of its slot, so by
	// half time at most about half have started.
	half := start.Add(d / 2)
	early := 0
	for _, s := range c.starts {
		if s.Before(half) {
			early++
		}
	}
	if limit := int(rate*(d/2+2*time.Millisecond).Seconds()) + 1; early > limit {
		t.Fatalf("%d checks started in the first half, want at most %d", early, limit)
	}
	if s := r.String(); !strings.Contains(s, "offered 2000/s, achieved ") {
		t.Fatalf("String() = %q", s)
	}
}

// stallingChecker answers at once, except that one call blocks for stall.
type stallingChecker struct {
	n, stallAt int64
	stall      time.Duration
	slow       atomic.Int64 // calls that themselves took over a millisecond
}

func (c *stallingChecker) Check(_ context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	t0 := time.Now()
	if atomic.AddInt64(&c.n, 1) == c.stallAt {
		time.Sleep(c.stall)
	}
	if time.Since(t0) > time.Millisecond {
		c.slow.Add(1)
	}
	return authz.Result{}, nil
}

func TestRunRateChargesAStallToTheChecksItHeldBack(t *testing.T) {
	const rate, d, stall = 1000.0, 200 * time.Millisecond, 50 * time.Millisecond
	c := &stallingChecker{stallAt: 20, stall: stall}
	r := loadgen.RunRate(context.Background(), c, rateReqs, rate, 1, d)
	// The checks scheduled during the stall wait for it: about 50 of
	// 200, charged up to 50ms. Timed from when they were sent, only the
	// one stalled call would be slow and p99 would be well under it.
	if r.Max < stall || r.P99 < stall/2 {
		t.Fatalf("p99 %v, max %v; want the %v stall charged to the checks behind it: %v", r.P99, r.Max, stall, r)
	}
	if r.Late < 10 {
		t.Fatalf("%d late checks, want the ones scheduled during the stall: %v", r.Late, r)
	}
	// After the stall the caller catches up: the checks behind it are
	// still made.
	if slots := int(rate * d.Seconds()); r.Checks < slots/2 || r.Checks > slots {
		t.Fatalf("%d checks, want between %d and %d: %v", r.Checks, slots/2, slots, r)
	}
	if n := c.slow.Load(); n > 5 {
		t.Fatalf("%d calls were slow themselves, want the one stall (and a little scheduling noise)", n)
	}
}

func TestRunRateShowsWhenItCannotKeepUp(t *testing.T) {
	const rate, d = 2000.0, 100 * time.Millisecond
	c := &sleepingChecker{take: 2 * time.Millisecond}
	r := loadgen.RunRate(context.Background(), c, rateReqs, rate, 1, d)
	// One caller at 2ms a check makes at most 500/s. The backlog is not
	// worked off after the end: 200 slots at 2ms would take 400ms.
	if r.PerSecond() > rate/2 || r.Checks >= int(rate*d.Seconds())/2 || r.Late == 0 {
		t.Fatalf("achieved %.0f/s in %d checks, %d late, of %.0f/s offered: %v", r.PerSecond(), r.Checks, r.Late, rate, r)
	}
	if r.Elapsed > 3*d {
		t.Fatalf("ran %v of a %v run: the backlog was worked off", r.Elapsed, d)
	}
}

func TestRunRateZeroRunsClosedLoop(t *testing.T) {
	c := &countingChecker{}
	r := loadgen.RunRate(context.Background(), c, rateReqs, 0, 2, 20*time.Millisecond)
	if r.Rate != 0 || r.Checks == 0 || r.Late != 0 || !strings.Contains(r.String(), "from 2 clients") {
		t.Fatalf("report = %v", r)
	}
}

func TestRunRateStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	// At 10/s, 8 callers hold slots up to 800ms ahead: they must not
	// sleep through the cancellation.
	loadgen.RunRate(ctx, &countingChecker{}, rateReqs, 10, 8, 10*time.Second)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("returned %v after its context ended", took)
	}
}
