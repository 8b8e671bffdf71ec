package authzsql_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bastionhq/bastion/bench/dataset"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqlite"
)

// BenchmarkLoadUsers measures the check path's store reads on SQLite, per
// user: one user per read (Check) and 32 per read (a BatchCheck), over
// generated users with 10 assignments each; in full (a user not in memory
// or changed) and versions only (a user in memory).
func BenchmarkLoadUsers(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	spec := dataset.ForAssignments(100_000)
	if _, err := dataset.Generate(ctx, st, spec, nil); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = dataset.UserID(i * (spec.Users / len(ids)))
	}
	for _, per := range []int{1, 32} {
		b.Run(fmt.Sprintf("users=%d", per), func(b *testing.B) {
			b.ReportAllocs()
			users := 0
			for i := 0; b.Loop(); i++ {
				start := (i * per) % len(ids)
				recs, err := st.LoadUsers(ctx, ids[start:start+per])
				if err != nil {
					b.Fatal(err)
				}
				if len(recs[0].Assignments) == 0 {
					b.Fatalf("user %s has no assignments", recs[0].UserID)
				}
				users += per
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(users), "ns/user")
		})
		b.Run(fmt.Sprintf("versions/users=%d", per), func(b *testing.B) {
			b.ReportAllocs()
			users := 0
			for i := 0; b.Loop(); i++ {
				start := (i * per) % len(ids)
				v, _, err := st.UserVersions(ctx, ids[start:start+per])
				if err != nil {
					b.Fatal(err)
				}
				if v[0] == 0 {
					b.Fatalf("user %s has no version", ids[start])
				}
				users += per
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(users), "ns/user")
		})
	}
}
