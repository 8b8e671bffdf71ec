package authz_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// BenchmarkExpiryToWatcher measures, on the real clock, the delay from an
// assignment's end to a subscriber on another replica hearing of it: two
// engines on one store, each following it (and so each running its
// sweeper) every DefaultFollowInterval; the subscriber is on the engine
// that did not make the grant. It reports the delays' p50, p99 and max.
//
//	go test ./authz -run '^$' -bench BenchmarkExpiryToWatcher -benchtime 200x
func BenchmarkExpiryToWatcher(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *sqldb.DB
	}{{"sqlite", storetest.SQLite}, {"mariadb", storetest.MySQL}} {
		b.Run(db.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			store := db.open(b)
			a := newEngine(b, store, nil)
			if err := demo.Load(ctx, a); err != nil {
				b.Fatal(err)
			}
			other := newEngine(b, store, nil)
			done := make(chan struct{}, 2)
			for _, e := range []*authz.Engine{a, other} {
				go func() { e.Follow(ctx, authz.DefaultFollowInterval); done <- struct{}{} }()
			}
			defer func() { cancel(); <-done; <-done }()
			delays := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				user := fmt.Sprintf("UEXP%06d", i)
				ch, stop := other.Subscribe(user)
				end := time.Now().Add(150 * time.Millisecond).Truncate(time.Millisecond)
				rev, err := a.AssignRole(ctx, authz.AssignRequest{UserID: user, Role: "BACKOFFICE_VIEWER", EntityID: demo.ChannelBackoffice, ExpiresAt: end}, "bench")
				if err != nil {
					b.Fatal(err)
				}
				for heard := false; !heard; {
					select {
					case r := <-ch:
						// The grant's own notification may come first; a
						// pending one is not replaced (it says "look
						// again"), so look at what the engine applied.
						if r > rev || other.Revision() > rev {
							heard = true
						}
					case <-time.After(10 * time.Second):
						b.Fatalf("no notification of the expiry of %s", user)
					}
				}
				delays = append(delays, time.Since(end))
				stop()
			}
			b.StopTimer()
			slices.Sort(delays)
			q := func(p float64) float64 { return float64(delays[int(p*float64(len(delays)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(float64(delays[len(delays)-1].Microseconds())/1000, "max-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
