package loadgen

import (
	"math/bits"
	"time"
)

// subBuckets is how many buckets split each power of two of nanoseconds:
// a recorded latency is known to within 1/subBuckets (under 2%).
const subBuckets = 64

// histogram counts latencies in log-linear buckets, in constant memory,
// so that recording a call costs the same however long the run is (a
// slice of every latency grew, and was copied and scanned by the
// garbage collector, as fast as a cached client answered).
type histogram struct {
	counts [64 * subBuckets]int64
	n      int64
	max    time.Duration
}

// bucket returns the bucket of d: exact below subBuckets ns, then
// subBuckets buckets per power of two.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < subBuckets {
		return int(v)
	}
	exp := bits.Len64(v) - 1 // v is in [2^exp, 2^(exp+1))
	shift := exp - 6         // log2(subBuckets)
	return (exp-5)*subBuckets + int(v>>shift) - subBuckets
}

// lowest returns the smallest latency of bucket b.
func lowest(b int) time.Duration {
	if b < subBuckets {
		return time.Duration(b)
	}
	exp := b/subBuckets + 5
	mant := uint64(b%subBuckets + subBuckets)
	return time.Duration(mant << (exp - 6))
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a fraction q of the calls
// fell: the lowest value of the bucket holding that call, never above
// the largest latency recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := min(h.n-1, int64(float64(h.n)*q))
	var seen int64
	for b, c := range h.counts {
		seen += c
		if seen > rank {
			return min(lowest(b), h.max)
		}
	}
	return h.max
}
