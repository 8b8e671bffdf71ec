package authz

import (
	"strconv"
	"testing"
)

// BenchmarkEvictLeastRecent measures one eviction at the default bound:
//
//	go test ./authz -run '^$' -bench EvictLeastRecent
func BenchmarkEvictLeastRecent(b *testing.B) {
	e := &Engine{maxUsers: DefaultUsersInMemory}
	var next int64
	fill := func() {
		for e.userCount.Load() < DefaultUsersInMemory {
			next++
			cu := &cachedUser{rec: UserRecord{UserID: "U" + strconv.FormatInt(next, 10)}}
			cu.verifiedAt.Store(next * 7919 % DefaultUsersInMemory)
			e.users.Store(cu.rec.UserID, cu)
			e.userCount.Add(1)
		}
	}
	for b.Loop() {
		b.StopTimer()
		fill()
		b.StartTimer()
		e.evictLeastRecent()
	}
	if n := e.userCount.Load(); n != DefaultUsersInMemory/2 {
		b.Fatalf("%d users kept after an eviction from %d", n, DefaultUsersInMemory)
	}
}
