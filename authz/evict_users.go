package authz

import (
	"slices"
	"sort"
)

// evictInlineBelow is the number of kept users under which the check that
// reaches the bound evicts them itself (in microseconds); from it on, a
// goroutine does.
const evictInlineBelow = 1024

// evictLeastRecent forgets half of the users kept in memory: those whose
// record was verified (read in full, or found current by a version read)
// longest ago. The users checked often stay, so reaching the bound does
// not send every check back to a full read at once. One eviction runs at
// a time; the users read while it runs may overshoot the bound briefly.
func (e *Engine) evictLeastRecent() {
	var verified []int64
	e.users.Range(func(_, v any) bool {
		verified = append(verified, v.(*cachedUser).verifiedAt.Load())
		return true
	})
	if len(verified) == 0 {
		return
	}
	slices.Sort(verified)
	half := len(verified) / 2
	if half == 0 {
		half = 1
	}
	cutoff := verified[half-1]
	// Users verified before cutoff go; of those verified exactly at it,
	// only as many as make up the half (many may share a clock tick).
	atCutoff := half - sort.Search(len(verified), func(i int) bool { return verified[i] >= cutoff })
	e.users.Range(func(k, v any) bool {
		t := v.(*cachedUser).verifiedAt.Load()
		if t > cutoff || (t == cutoff && atCutoff <= 0) {
			return true
		}
		if e.users.CompareAndDelete(k, v) {
			e.userCount.Add(-1)
			if t == cutoff {
				atCutoff--
			}
		}
		return true
	})
}
