package authz_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bench/dataset"
	"github.com/bastionhq/bastion/store/sqlite"
)

// BenchmarkCheck measures one permission check for a user with 10
// assignments, with 10k and 1M assignments in the store (10k channels,
// depth 3). The cost must not grow with other users' assignments.
//
//	go test ./authz -run '^$' -bench BenchmarkCheck -benchmem
func BenchmarkCheck(b *testing.B) {
	for _, total := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("assignments=%d", total), func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			e := newEngine(b, db, nil)
			start := time.Now()
			ds, err := dataset.Generate(ctx, e, dataset.ForAssignments(total), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("generated %d assignments in %v", total, time.Since(start).Round(time.Millisecond))
			for _, mode := range []struct {
				name string
				c    authz.ConsistencyMode
			}{{"authoritative", authz.Authoritative}, {"cached", authz.BoundedStaleness}} {
				b.Run(mode.name, func(b *testing.B) {
					const users = 1000
					reqs := make([]authz.EligibilityRequest, users)
					for i := range reqs {
						u := i * (ds.Spec.Users / users)
						reqs[i] = authz.EligibilityRequest{TeamID: ds.Team(u), UserID: dataset.UserID(u), EntityID: ds.Channel(u, i),
							Permissions: []string{"ARCHIVE_CHANNEL"}, Consistency: authz.Consistency{Mode: mode.c}}
						if _, err := e.Check(ctx, reqs[i]); err != nil { // warm the cache
							b.Fatal(err)
						}
					}
					lat := make([]time.Duration, 0, b.N)
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						t0 := time.Now()
						if _, err := e.Check(ctx, reqs[i%users]); err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
					}
					b.StopTimer()
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
					b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
				})
			}
		})
	}
}

// BenchmarkUsersInMemory measures the memory a kept user record takes
// (users with 10 assignments), the figure behind --users-in-memory.
//
//	go test ./authz -run '^$' -bench UsersInMemory
func BenchmarkUsersInMemory(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ds, err := dataset.Generate(ctx, newEngine(b, db, nil), dataset.ForAssignments(100_000), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e := newEngine(b, db, nil)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for u := range ds.Spec.Users {
			if _, err := e.Check(ctx, authz.EligibilityRequest{TeamID: ds.Team(u), UserID: dataset.UserID(u), EntityID: ds.Channel(u, 0),
				Permissions: []string{"ARCHIVE_CHANNEL"}}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(ds.Spec.Users), "B/user")
		runtime.KeepAlive(e)
	}
}
