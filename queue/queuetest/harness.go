// Package queuetest is the conformance suite every queue.Queue
// implementation passes, plus shared benchmarks.
package queuetest

import (
	"testing"
	"time"

	"github.com/bastionhq/bastion/queue"
)

// Harness is what the suite needs from an implementation under test. A
// harness stands for one underlying queue (one table, one stream).
type Harness struct {
	// Open opens the queue under test. Every call opens the same
	// underlying queue afresh, as a restarted process would, and the
	// returned queue is closed when the test ends (Close must tolerate
	// being called twice).
	Open func(t *testing.T) queue.Queue
	// Advance moves the queues' clock forward by d. Implementations bound
	// to a server's clock sleep instead.
	Advance func(d time.Duration)
	// VisibilityTimeout is the visibility timeout the opened queues use.
	VisibilityTimeout time.Duration
	// MaxBodySize is the largest body the opened queues accept.
	MaxBodySize int
}

// NewHarness returns a harness on a fresh underlying queue.
type NewHarness func(t *testing.T) Harness

func (h Harness) open(t *testing.T) queue.Queue {
	t.Helper()
	q := h.Open(t)
	t.Cleanup(func() { q.Close() })
	return q
}
