// Package sqlqueue is the default queue.Queue: a table in Bastion's SQL
// store (SQLite or MySQL). Workers claim a message by setting a fresh lease
// token and pushing its visible_at past the visibility timeout, in one
// compare-and-set UPDATE, so concurrent goroutines and processes never hold
// the same message. Ids are remembered for at least DedupeWindow after
// enqueue.
package sqlqueue

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bastionhq/bastion/queue"
	"github.com/bastionhq/bastion/store/sqldb"
)

// Defaults for the zero Options.
const (
	DefaultVisibilityTimeout = time.Minute
	DefaultPollInterval      = 100 * time.Millisecond
	DefaultPruneInterval     = 10 * time.Minute
	DefaultMaxBodySize       = 256 << 10
	// DedupeWindow is how long an id is remembered after enqueue (longer
	// while its message is still queued).
	DedupeWindow = 24 * time.Hour
)

// Options tune a Queue; zero fields take the defaults above.
type Options struct {
	// VisibilityTimeout is how long a delivery holds its message before the
	// message is delivered again.
	VisibilityTimeout time.Duration
	// PollInterval is how often a waiting Receive looks for messages
	// enqueued by other processes; messages enqueued through the same Queue
	// wake it at once.
	PollInterval time.Duration
	// PruneInterval is how often ids older than DedupeWindow are deleted.
	PruneInterval time.Duration
	// MaxBodySize is the largest body Enqueue accepts, in bytes.
	MaxBodySize int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives pruning failures; slog.Default() when nil.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.VisibilityTimeout <= 0 {
		o.VisibilityTimeout = DefaultVisibilityTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = DefaultPruneInterval
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Queue is a durable queue stored in SQL tables. It is safe for concurrent
// use, and several processes may open the same database.
type Queue struct {
	db        *sqldb.DB
	opts      Options
	enqueued  *signal
	done      chan struct{}
	closeOnce sync.Once
	pruner    sync.WaitGroup
	commits   committer
}

var _ queue.Queue = (*Queue)(nil)

// Tables lists the tables the queue creates: on Vitess, tables of the
// unsharded keyspace (deploy/vitess), which Open checks before migrating.
func Tables() []string { return sqldb.CreatedTables(migrations, sqldb.MySQL) }

// Open creates the queue's tables in db when needed and starts pruning old
// ids. Close stops it; db stays open and belongs to the caller.
func Open(ctx context.Context, db *sqldb.DB, opts Options) (*Queue, error) {
	if err := sqldb.CheckVitessUnsharded(ctx, db, "sql queue", Tables()); err != nil {
		return nil, err
	}
	if err := sqldb.Migrate(ctx, db, component, migrations); err != nil {
		return nil, fmt.Errorf("open sql queue: %w", err)
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations, db.Dialect)); err != nil {
		return nil, fmt.Errorf("open sql queue: %w", err)
	}
	q := &Queue{db: db, opts: opts.withDefaults(), enqueued: newSignal(), done: make(chan struct{})}
	q.pruner.Go(q.pruneEvery)
	return q, nil
}

// Receive claims the oldest visible message, waiting for one until ctx
// ends or the queue is closed.
func (q *Queue) Receive(ctx context.Context) (queue.Delivery, error) {
	for {
		select {
		case <-q.done:
			return nil, queue.ErrClosed
		default:
		}
		// Taken before looking, so an enqueue in between still wakes us.
		wake := q.enqueued.wait()
		d, err := q.claim(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("receive: %w", ctx.Err())
			}
			return nil, fmt.Errorf("receive: %w", err)
		}
		if d != nil {
			return d, nil
		}
		timer := time.NewTimer(q.opts.PollInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("receive: %w", ctx.Err())
		case <-q.done:
			timer.Stop()
			return nil, queue.ErrClosed
		case <-wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// Close stops pruning and makes blocked and later Receive calls return
// queue.ErrClosed. It does not close the database.
func (q *Queue) Close() error {
	q.closeOnce.Do(func() { close(q.done) })
	q.pruner.Wait()
	return nil
}
