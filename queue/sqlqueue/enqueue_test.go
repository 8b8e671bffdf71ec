package sqlqueue_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentEnqueues: enqueues that share transactions each learn
// whether their own id was fresh, duplicates within one group included,
// and every fresh message is delivered once with its body.
func TestConcurrentEnqueues(t *testing.T) {
	for name, newOpener := range map[string]func(t *testing.T) opener{"SQLite": sqliteOpener, "MySQL": mysqlOpener} {
		t.Run(name, func(t *testing.T) {
			q := openQueue(t, newOpener(t)(t), newClock())
			defer q.Close()
			ctx := context.Background()
			const ids, calls = 200, 600
			var fresh atomic.Int64
			var wg sync.WaitGroup
			for i := range calls {
				wg.Go(func() {
					id := fmt.Sprintf("m%03d", i%ids)
					ok, err := q.Enqueue(ctx, id, []byte("body of "+id))
					if err != nil {
						t.Errorf("enqueue %s: %v", id, err)
					}
					if ok {
						fresh.Add(1)
					}
				})
			}
			wg.Wait()
			if fresh.Load() != ids {
				t.Fatalf("%d enqueues reported fresh; want %d, one per id", fresh.Load(), ids)
			}
			seen := map[string]bool{}
			for range ids {
				d, err := q.Receive(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if seen[d.ID()] || string(d.Body()) != "body of "+d.ID() {
					t.Errorf("delivery %s (seen before: %v) with body %q", d.ID(), seen[d.ID()], d.Body())
				}
				seen[d.ID()] = true
				if err := d.Ack(ctx); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestEnqueueReportsStoreFailure: when the group's transaction fails, every
// caller in it gets the error, and none is told its message is stored.
func TestEnqueueReportsStoreFailure(t *testing.T) {
	db := sqliteOpener(t)(t)
	q := openQueue(t, db, newClock())
	defer q.Close()
	db.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if ok, err := q.Enqueue(context.Background(), fmt.Sprint("m", i), []byte("x")); err == nil || ok {
				t.Errorf("enqueue on a closed database: %v, %v; want an error", ok, err)
			}
		})
	}
	wg.Wait()
}

// TestEnqueueGivesUpWithItsContext: a caller whose context ends returns,
// and the queue goes on storing the others' messages.
func TestEnqueueGivesUpWithItsContext(t *testing.T) {
	q := openQueue(t, sqliteOpener(t)(t), newClock())
	defer q.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.Enqueue(ctx, "gone", []byte("x")); err == nil {
		t.Error("enqueue with an ended context succeeded")
	}
	if ok, err := q.Enqueue(context.Background(), "next", []byte("y")); err != nil || !ok {
		t.Fatalf("enqueue after an abandoned one: %v, %v", ok, err)
	}
}
