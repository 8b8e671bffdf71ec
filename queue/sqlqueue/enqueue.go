package sqlqueue

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/bastionhq/bastion/queue"
)

// maxGroup bounds the messages one transaction stores.
const maxGroup = 256

// groupTimeout bounds one group's transaction: it stores the messages of
// several callers, so it does not end with any one caller's context.
const groupTimeout = 30 * time.Second

// committer groups concurrent enqueues into shared transactions (group
// commit): while one transaction is being written, the enqueues that
// arrive wait, and the next transaction stores all of them. On SQLite,
// where writers take turns, a flood of events then costs a few write
// transactions instead of one each, and no enqueue waits behind the
// others' turns.
type committer struct {
	mu      sync.Mutex
	pending []*enqueueing
	running bool
}

// enqueueing is one Enqueue call waiting for its group; done is closed once
// fresh or err is set.
type enqueueing struct {
	id    string
	body  []byte
	fresh bool
	err   error
	done  chan struct{}
}

// Enqueue stores body under id, unless id was enqueued within the dedupe
// window, in which case it stores nothing and reports false. Concurrent
// calls share transactions; each returns once its message is committed.
func (q *Queue) Enqueue(ctx context.Context, id string, body []byte) (bool, error) {
	if err := queue.ValidateMessage(id, body, q.opts.MaxBodySize); err != nil {
		return false, fmt.Errorf("enqueue: %w", err)
	}
	if body == nil {
		body = []byte{}
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("enqueue %s: %w", id, err)
	}
	e := &enqueueing{id: id, body: body, done: make(chan struct{})}
	c := &q.commits
	c.mu.Lock()
	c.pending = append(c.pending, e)
	start := !c.running
	c.running = true
	c.mu.Unlock()
	if start {
		go q.commitPending()
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		// The message may still be stored; a retry under the same id is
		// then reported as a duplicate.
		return false, fmt.Errorf("enqueue %s: %w", id, ctx.Err())
	}
	if e.err != nil {
		return false, fmt.Errorf("enqueue %s: %w", id, e.err)
	}
	return e.fresh, nil
}

// commitPending stores groups of waiting enqueues until none is left.
func (q *Queue) commitPending() {
	c := &q.commits
	for {
		c.mu.Lock()
		group := c.pending[:min(len(c.pending), maxGroup)]
		c.pending = c.pending[len(group):]
		if len(group) == 0 {
			c.pending = nil
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		q.commitGroup(group)
	}
}

// commitGroup stores group in one transaction and answers each caller.
func (q *Queue) commitGroup(group []*enqueueing) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	now := q.opts.Now().UnixNano()
	fresh := make([]bool, len(group))
	err := q.db.Tx(ctx, func(tx *sql.Tx) error {
		clear(fresh)
		dedupe, err := tx.PrepareContext(ctx, q.db.InsertIgnore()+" INTO queue_dedupe (id, enqueued_at) VALUES (?, ?)")
		if err != nil {
			return fmt.Errorf("record ids: %w", err)
		}
		defer dedupe.Close()
		store, err := tx.PrepareContext(ctx, "INSERT INTO queue_messages (id, body, attempts, visible_at, lease) VALUES (?, ?, 0, ?, '')")
		if err != nil {
			return fmt.Errorf("store messages: %w", err)
		}
		defer store.Close()
		for i, e := range group {
			res, err := dedupe.ExecContext(ctx, e.id, now)
			if err != nil {
				return fmt.Errorf("record id %s: %w", e.id, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("record id %s: %w", e.id, err)
			}
			if n == 0 {
				continue
			}
			if _, err := store.ExecContext(ctx, e.id, e.body, now); err != nil {
				return fmt.Errorf("store message %s: %w", e.id, err)
			}
			fresh[i] = true
		}
		return nil
	})
	anyFresh := false
	for i, e := range group {
		e.fresh, e.err = fresh[i] && err == nil, err
		anyFresh = anyFresh || e.fresh
		close(e.done)
	}
	if anyFresh {
		q.enqueued.notify()
	}
}
