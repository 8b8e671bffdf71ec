package loadgen_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bench/loadgen"
)

type countingChecker struct{ n atomic.Int64 }

func (c *countingChecker) Check(_ context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	if c.n.Add(1)%10 == 0 {
		return authz.Result{}, errors.New("every tenth fails")
	}
	return authz.Result{Decisions: []authz.Decision{{Permission: req.Permissions[0], Allowed: req.UserID == "A"}}}, nil
}

func TestRunCountsAndOrdersPercentiles(t *testing.T) {
	c := &countingChecker{}
	reqs := []authz.EligibilityRequest{{UserID: "A", Permissions: []string{"P"}}, {UserID: "B", Permissions: []string{"P"}}}
	r := loadgen.Run(context.Background(), c, reqs, 4, 50*time.Millisecond)
	if r.Checks == 0 || r.Errors == 0 || r.Allowed == 0 || r.Allowed >= r.Checks-r.Errors {
		t.Fatalf("report = %+v", r)
	}
	if !(r.P50 <= r.P99 && r.P99 <= r.P999 && r.P999 <= r.Max) || r.PerSecond() <= 0 || r.FirstErr == nil {
		t.Fatalf("report = %+v", r)
	}
	if int64(r.Checks) > c.n.Load() {
		t.Fatalf("reported %d checks, made %d", r.Checks, c.n.Load())
	}
}

func TestOnceMakesEachRequestOnce(t *testing.T) {
	c := &countingChecker{}
	reqs := make([]authz.EligibilityRequest, 101)
	for i := range reqs {
		reqs[i] = authz.EligibilityRequest{UserID: "A", Permissions: []string{"P"}}
	}
	r := loadgen.Once(context.Background(), c, reqs, 8)
	if r.Checks != len(reqs) || c.n.Load() != int64(len(reqs)) || r.Errors != 10 {
		t.Fatalf("report = %+v after %d calls; want %d checks, 10 errors", r, c.n.Load(), len(reqs))
	}
}
