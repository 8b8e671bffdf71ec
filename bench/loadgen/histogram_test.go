package loadgen

import (
	"testing"
	"time"
)

func TestBucketsKeepTwoPercent(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 63, 64, 65, 127, 128, 1000, 12345, time.Millisecond, 3*time.Second + 7, time.Hour} {
		b := bucket(d)
		lo := lowest(b)
		if lo > d || float64(d-lo) > float64(d)/subBuckets+1 {
			t.Errorf("%v: bucket %d starts at %v", d, b, lo)
		}
		if b+1 < len(histogram{}.counts) && lowest(b+1) <= d {
			t.Errorf("%v: next bucket %d starts at %v, not above it", d, b+1, lowest(b+1))
		}
	}
}

func TestQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 501 * time.Microsecond, 0.99: 991 * time.Microsecond, 0.999: 1000 * time.Microsecond} {
		got := h.quantile(q)
		if got > want || float64(want-got) > float64(want)/subBuckets {
			t.Errorf("q%v = %v, want within 2%% below %v", q, got, want)
		}
	}
	if h.max != time.Millisecond || h.n != 1000 {
		t.Errorf("max %v, n %d", h.max, h.n)
	}
}
