package queuetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/queue"
)

// emptyWait is how long the suite waits before concluding that no message
// is deliverable.
const emptyWait = 300 * time.Millisecond

// Run runs the conformance suite; newHarness is called once per test, each
// time on a fresh underlying queue.
func Run(t *testing.T, newHarness NewHarness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"EnqueueReceiveAck", testEnqueueReceiveAck},
		{"DuplicateIDStoredOnce", testDuplicateIDStoredOnce},
		{"IDsCompareExactly", testIDsCompareExactly},
		{"FIFOForOneConsumer", testFIFOForOneConsumer},
		{"RedeliveryAfterVisibilityTimeout", testRedeliveryAfterVisibilityTimeout},
		{"NackWithDelay", testNackWithDelay},
		{"NackWithoutDelay", testNackWithoutDelay},
		{"DurableAcrossRestart", testDurableAcrossRestart},
		{"UnackedRedeliveredAfterRestart", testUnackedRedeliveredAfterRestart},
		{"ConcurrentConsumersNeverShare", testConcurrentConsumersNeverShare},
		{"ReceiveHonoursContext", testReceiveHonoursContext},
		{"ReceiveReturnsErrClosed", testReceiveReturnsErrClosed},
		{"RejectsBadInput", testRejectsBadInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
}

func enqueue(t *testing.T, q queue.Queue, id string, body []byte) {
	t.Helper()
	fresh, err := q.Enqueue(context.Background(), id, body)
	if err != nil {
		t.Fatalf("enqueue %s: %v", id, err)
	}
	if !fresh {
		t.Fatalf("enqueue %s: reported duplicate for a new id", id)
	}
}

func receive(t *testing.T, q queue.Queue) queue.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	d, err := q.Receive(ctx)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return d
}

func expectDelivery(t *testing.T, d queue.Delivery, id string, body []byte, attempt int) {
	t.Helper()
	if d.ID() != id || !bytes.Equal(d.Body(), body) || d.Attempt() != attempt {
		t.Fatalf("got delivery %q body %q attempt %d, want %q body %q attempt %d",
			d.ID(), d.Body(), d.Attempt(), id, body, attempt)
	}
}

func ack(t *testing.T, d queue.Delivery) {
	t.Helper()
	if err := d.Ack(context.Background()); err != nil {
		t.Fatalf("ack %s: %v", d.ID(), err)
	}
}

// expectEmpty asserts that nothing is delivered within emptyWait.
func expectEmpty(t *testing.T, q queue.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), emptyWait)
	defer cancel()
	d, err := q.Receive(ctx)
	if err == nil {
		t.Fatalf("got delivery %q (attempt %d), want none", d.ID(), d.Attempt())
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("receive on an empty queue: got %v, want context.DeadlineExceeded", err)
	}
}

func testEnqueueReceiveAck(t *testing.T, h Harness) {
	q := h.open(t)
	enqueue(t, q, "ev-1", []byte(`{"type":"app_mention"}`))
	enqueue(t, q, "ev-empty", nil)
	d := receive(t, q)
	expectDelivery(t, d, "ev-1", []byte(`{"type":"app_mention"}`), 1)
	ack(t, d)
	d = receive(t, q)
	expectDelivery(t, d, "ev-empty", []byte{}, 1)
	ack(t, d)
	expectEmpty(t, q)
}

func testDuplicateIDStoredOnce(t *testing.T, h Harness) {
	q := h.open(t)
	ctx := context.Background()
	enqueue(t, q, "ev-dup", []byte("first"))
	fresh, err := q.Enqueue(ctx, "ev-dup", []byte("second"))
	if err != nil || fresh {
		t.Fatalf("second enqueue: got (%v, %v), want (false, nil)", fresh, err)
	}
	d := receive(t, q)
	expectDelivery(t, d, "ev-dup", []byte("first"), 1)
	ack(t, d)
	fresh, err = q.Enqueue(ctx, "ev-dup", []byte("third"))
	if err != nil || fresh {
		t.Fatalf("enqueue after ack: got (%v, %v), want (false, nil)", fresh, err)
	}
	expectEmpty(t, q)
}

func testIDsCompareExactly(t *testing.T, h Harness) {
	q := h.open(t)
	ids := []string{"Ev1", "ev1", "ev1 ", "év1"}
	for _, id := range ids {
		enqueue(t, q, id, []byte(id))
	}
	for _, id := range ids {
		d := receive(t, q)
		expectDelivery(t, d, id, []byte(id), 1)
		ack(t, d)
	}
}

func testFIFOForOneConsumer(t *testing.T, h Harness) {
	q := h.open(t)
	const n = 25
	for i := range n {
		enqueue(t, q, fmt.Sprintf("ev-%02d", i), []byte{byte(i)})
	}
	for i := range n {
		d := receive(t, q)
		expectDelivery(t, d, fmt.Sprintf("ev-%02d", i), []byte{byte(i)}, 1)
		ack(t, d)
	}
	expectEmpty(t, q)
}

func testRedeliveryAfterVisibilityTimeout(t *testing.T, h Harness) {
	q := h.open(t)
	enqueue(t, q, "ev-lost", []byte("body"))
	expectDelivery(t, receive(t, q), "ev-lost", []byte("body"), 1)
	expectEmpty(t, q) // held by the first delivery, which is never settled
	h.Advance(h.VisibilityTimeout + h.VisibilityTimeout/10)
	d := receive(t, q)
	expectDelivery(t, d, "ev-lost", []byte("body"), 2)
	ack(t, d)
	expectEmpty(t, q)
}

func testNackWithDelay(t *testing.T, h Harness) {
	q := h.open(t)
	enqueue(t, q, "ev-retry", []byte("body"))
	d := receive(t, q)
	delay := h.VisibilityTimeout
	if err := d.Nack(context.Background(), delay); err != nil {
		t.Fatalf("nack: %v", err)
	}
	expectEmpty(t, q)
	h.Advance(delay + delay/10)
	d = receive(t, q)
	expectDelivery(t, d, "ev-retry", []byte("body"), 2)
	ack(t, d)
	expectEmpty(t, q)
}

func testNackWithoutDelay(t *testing.T, h Harness) {
	q := h.open(t)
	enqueue(t, q, "ev-again", []byte("body"))
	if err := receive(t, q).Nack(context.Background(), 0); err != nil {
		t.Fatalf("nack: %v", err)
	}
	d := receive(t, q)
	expectDelivery(t, d, "ev-again", []byte("body"), 2)
	ack(t, d)
}

func testDurableAcrossRestart(t *testing.T, h Harness) {
	first := h.open(t)
	enqueue(t, first, "ev-kept", []byte("body"))
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	second := h.open(t)
	fresh, err := second.Enqueue(context.Background(), "ev-kept", []byte("again"))
	if err != nil || fresh {
		t.Fatalf("enqueue after restart: got (%v, %v), want (false, nil)", fresh, err)
	}
	d := receive(t, second)
	expectDelivery(t, d, "ev-kept", []byte("body"), 1)
	ack(t, d)
	expectEmpty(t, second)
}

func testUnackedRedeliveredAfterRestart(t *testing.T, h Harness) {
	first := h.open(t)
	enqueue(t, first, "ev-crash", []byte("body"))
	expectDelivery(t, receive(t, first), "ev-crash", []byte("body"), 1)
	if err := first.Close(); err != nil { // the worker dies mid-handler
		t.Fatalf("close: %v", err)
	}
	second := h.open(t)
	h.Advance(h.VisibilityTimeout + h.VisibilityTimeout/10)
	d := receive(t, second)
	expectDelivery(t, d, "ev-crash", []byte("body"), 2)
	ack(t, d)
}

func testConcurrentConsumersNeverShare(t *testing.T, h Harness) {
	const messages, workersPerQueue = 60, 3
	queues := []queue.Queue{h.open(t), h.open(t)} // two processes
	for i := range messages {
		enqueue(t, queues[i%2], fmt.Sprintf("ev-%d", i), []byte("body"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var (
		mu        sync.Mutex
		held      = map[string]bool{}
		delivered = map[string]int{}
		problems  []string
		wg        sync.WaitGroup
	)
	for _, q := range queues {
		for range workersPerQueue {
			wg.Go(func() {
				for {
					d, err := q.Receive(ctx)
					if err != nil {
						if ctx.Err() == nil {
							mu.Lock()
							problems = append(problems, "receive: "+err.Error())
							mu.Unlock()
						}
						return
					}
					mu.Lock()
					if held[d.ID()] {
						problems = append(problems, d.ID()+" held by two consumers at once")
					}
					held[d.ID()] = true
					delivered[d.ID()]++
					mu.Unlock()
					time.Sleep(time.Millisecond) // the handler's work
					mu.Lock()
					delete(held, d.ID())
					mu.Unlock()
					if err := d.Ack(context.Background()); err != nil {
						mu.Lock()
						problems = append(problems, "ack: "+err.Error())
						mu.Unlock()
					}
					mu.Lock()
					if len(delivered) == messages && len(held) == 0 {
						cancel()
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(problems) > 0 {
		t.Fatalf("%d problems, first: %s", len(problems), strings.Join(problems[:min(5, len(problems))], "; "))
	}
	for i := range messages {
		if n := delivered[fmt.Sprintf("ev-%d", i)]; n != 1 {
			t.Errorf("ev-%d delivered %d times, want 1", i, n)
		}
	}
	expectEmpty(t, queues[0])
}

func testReceiveHonoursContext(t *testing.T, h Harness) {
	q := h.open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.Receive(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("receive with a canceled context: got %v, want context.Canceled", err)
	}
	expectEmpty(t, q)
	// A receive given up on must not swallow the next message.
	enqueue(t, q, "ev-after", []byte("body"))
	d := receive(t, q)
	expectDelivery(t, d, "ev-after", []byte("body"), 1)
	ack(t, d)
}

func testReceiveReturnsErrClosed(t *testing.T, h Harness) {
	q := h.open(t)
	done := make(chan error, 1)
	go func() {
		_, err := q.Receive(context.Background())
		done <- err
	}()
	if err := q.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, queue.ErrClosed) {
			t.Fatalf("blocked receive after close: got %v, want queue.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked receive did not return after close")
	}
	if _, err := q.Receive(context.Background()); !errors.Is(err, queue.ErrClosed) {
		t.Fatalf("receive after close: got %v, want queue.ErrClosed", err)
	}
}

func testRejectsBadInput(t *testing.T, h Harness) {
	q := h.open(t)
	ctx := context.Background()
	if _, err := q.Enqueue(ctx, "", []byte("body")); err == nil {
		t.Fatal("enqueue with an empty id: got nil error")
	}
	if _, err := q.Enqueue(ctx, strings.Repeat("x", 1000), []byte("body")); err == nil {
		t.Fatal("enqueue with a 1000-byte id: got nil error")
	}
	if _, err := q.Enqueue(ctx, "ev\nnext", []byte("body")); err == nil {
		t.Fatal("enqueue with a newline in the id: got nil error")
	}
	_, err := q.Enqueue(ctx, "ev-big", make([]byte, h.MaxBodySize+1))
	if err == nil {
		t.Fatal("enqueue with an oversized body: got nil error")
	}
	if !strings.Contains(err.Error(), "body") {
		t.Fatalf("oversized body error %q does not say what is wrong", err)
	}
	expectEmpty(t, q)
	largest := bytes.Repeat([]byte("b"), h.MaxBodySize)
	enqueue(t, q, "ev-big", largest) // the rejected attempt stored nothing
	d := receive(t, q)
	expectDelivery(t, d, "ev-big", largest, 1)
	ack(t, d)
}
