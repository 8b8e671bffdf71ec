package client_test

import (
	"context"
	"testing"

	"github.com/bastionhq/bastion/client"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

func benchChecker(b *testing.B, c client.Checker, wantAuthoritative bool) {
	ctx := context.Background()
	req := perm("UOPS", "C2", "SET_PLAN")
	for range 3 { // boot caches
		c.Check(ctx, req)
	}
	if res, err := c.Check(ctx, req); err != nil || !res.Allowed() || res.Authoritative != wantAuthoritative {
		b.Fatalf("warm check: %+v, %v", res, err)
	}
	b.ReportAllocs()
	b.SetParallelism(32) // many callers per core, as a busy backend has
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res, err := c.Check(ctx, req); err != nil || !res.Allowed() {
				b.Errorf("check: %+v, %v", res, err)
				return
			}
		}
	})
}

// BenchmarkCheck measures one permission check through each client, with
// parallel callers: remote over gRPC on loopback (authoritative, SQLite),
// local in-process (authoritative), cached (from memory).
func BenchmarkCheck(b *testing.B) {
	env := servertest.Start(b, storetest.SQLite(b))
	remote := client.NewRemote(env.URL, servertest.APIKey)
	b.Run("remote", func(b *testing.B) { benchChecker(b, remote, true) })
	b.Run("local", func(b *testing.B) { benchChecker(b, client.NewLocal(env.Engine), true) })
	cached := client.NewCached(remote, "T1", nil)
	defer cached.Close()
	b.Run("cached", func(b *testing.B) { benchChecker(b, cached, false) })
}
