package server_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

// BenchmarkReplicaWatchDelay measures how long a change written through
// replica A takes to reach a watcher on replica B when both share one MySQL
// database (B learns of it from its change-log follower). Each iteration
// assigns or revokes a role through A and waits for B's event; p50 and p99
// of the delay after A acknowledged the write are reported.
func BenchmarkReplicaWatchDelay(b *testing.B) {
	db := storetest.MySQL(b)
	a, r := servertest.Start(b, db), servertest.Start(b, db)
	ca, cb := a.Client(servertest.APIKey), r.Client(servertest.APIKey)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := cb.WatchPermissions(ctx, connect.NewRequest(&authzv1.WatchPermissionsRequest{TeamId: "T1", UserId: "UMEMBER"}))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if !w.Receive() {
		b.Fatal(w.Err())
	}
	actor := &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}
	delays := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		var err error
		if i%2 == 0 {
			_, err = ca.AssignRole(ctx, connect.NewRequest(&authzv1.AssignRoleRequest{Actor: actor, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2"}))
		} else {
			_, err = ca.RevokeRole(ctx, connect.NewRequest(&authzv1.RevokeRoleRequest{Actor: actor, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2"}))
		}
		acked := time.Now()
		if err != nil {
			b.Fatal(err)
		}
		if !w.Receive() {
			b.Fatal(w.Err())
		}
		if got := len(w.Msg().GetPermissions().GetEntities()) == 1; got != (i%2 == 0) {
			b.Fatalf("event %d: %v", i, w.Msg())
		}
		delays = append(delays, time.Since(acked))
	}
	b.StopTimer()
	slices.Sort(delays)
	b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "p99-ms")
}
