package sqlqueue

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestPruneForgetsOnlyExpiredSettledIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := &manualClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
		q, err := Open(ctx, db, Options{Now: c.Now, PollInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		mustEnqueue := func(id string, wantFresh bool) {
			t.Helper()
			fresh, err := q.Enqueue(ctx, id, []byte(id))
			if err != nil || fresh != wantFresh {
				t.Fatalf("enqueue %s: got (%v, %v), want (%v, nil)", id, fresh, err, wantFresh)
			}
		}
		mustEnqueue("handled", true)
		mustEnqueue("still-queued", true)
		d, err := q.Receive(ctx)
		if err != nil || d.ID() != "handled" {
			t.Fatalf("receive: got %v, %v", d, err)
		}
		if err := d.Ack(ctx); err != nil {
			t.Fatal(err)
		}

		c.advance(DedupeWindow - time.Minute)
		mustEnqueue("recent", true)
		if n, err := q.prune(ctx); err != nil || n != 0 {
			t.Fatalf("prune inside the window: got (%d, %v), want (0, nil)", n, err)
		}
		mustEnqueue("handled", false)

		c.advance(2 * time.Minute)
		if n, err := q.prune(ctx); err != nil || n != 1 {
			t.Fatalf("prune after the window: got (%d, %v), want (1, nil)", n, err)
		}
		mustEnqueue("handled", true)
		mustEnqueue("still-queued", false)
		mustEnqueue("recent", false)
	})
}
