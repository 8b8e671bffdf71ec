package app

import (
	"context"
	"sync"
	"time"

	"github.com/bastionhq/bastion/queue"
)

// shellQueue is the shell's queue between the sandbox's deliveries and
// the bot's worker: in memory, as the shell's events concern nobody else
// (a queue table shared with a running `bastion dev` would hand them to
// its workers). It counts the messages not yet acknowledged, so that the
// shell knows when the bot has finished with what was typed.
type shellQueue struct {
	mu      sync.Mutex
	seen    map[string]bool
	ready   []*shellDelivery
	pending int // enqueued and not yet acknowledged
	closed  bool
	// wake is closed and replaced at every change.
	wake chan struct{}
}

var _ queue.Queue = (*shellQueue)(nil)

func newShellQueue() *shellQueue {
	return &shellQueue{seen: map[string]bool{}, wake: make(chan struct{})}
}

// changedLocked wakes every waiter; q.mu must be held.
func (q *shellQueue) changedLocked() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// Changed returns a channel closed at the next change.
func (q *shellQueue) Changed() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.wake
}

// Idle reports whether every message enqueued was acknowledged.
func (q *shellQueue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending == 0
}

// Enqueue stores body under id unless id was enqueued before.
func (q *shellQueue) Enqueue(_ context.Context, id string, body []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false, queue.ErrClosed
	}
	if q.seen[id] {
		return false, nil
	}
	q.seen[id] = true
	q.pending++
	q.ready = append(q.ready, &shellDelivery{q: q, id: id, body: body, attempt: 1})
	q.changedLocked()
	return true, nil
}

// Receive waits for a message.
func (q *shellQueue) Receive(ctx context.Context) (queue.Delivery, error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, queue.ErrClosed
		}
		if len(q.ready) > 0 {
			d := q.ready[0]
			q.ready = q.ready[1:]
			q.mu.Unlock()
			return d, nil
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wake:
		}
	}
}

// Close ends Receive calls.
func (q *shellQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		q.changedLocked()
	}
	return nil
}

// shellDelivery is one delivery of a shellQueue message.
type shellDelivery struct {
	q       *shellQueue
	id      string
	body    []byte
	attempt int
	settled bool
}

func (d *shellDelivery) ID() string   { return d.id }
func (d *shellDelivery) Body() []byte { return d.body }
func (d *shellDelivery) Attempt() int { return d.attempt }

// Ack removes the message.
func (d *shellDelivery) Ack(context.Context) error {
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	if !d.settled {
		d.settled = true
		d.q.pending--
		d.q.changedLocked()
	}
	return nil
}

// Nack gives the message back after delay; it stays pending meanwhile.
func (d *shellDelivery) Nack(_ context.Context, delay time.Duration) error {
	d.q.mu.Lock()
	if d.settled {
		d.q.mu.Unlock()
		return nil
	}
	d.settled = true
	d.q.mu.Unlock()
	again := &shellDelivery{q: d.q, id: d.id, body: d.body, attempt: d.attempt + 1}
	time.AfterFunc(delay, func() {
		d.q.mu.Lock()
		defer d.q.mu.Unlock()
		if d.q.closed {
			return
		}
		d.q.ready = append(d.q.ready, again)
		d.q.changedLocked()
	})
	return nil
}
