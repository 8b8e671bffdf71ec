package runner

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/internal/slackbot"

	"github.com/bastionhq/bastion/queue"
	natsq "github.com/bastionhq/bastion/queue/nats"
	"github.com/bastionhq/bastion/queue/sqlqueue"
)

// natsMaxBody is the largest event the NATS queue takes by default: well
// under the server's default 1 MiB payload limit, and far above what
// Slack sends.
const natsMaxBody = 512 << 10

// maxEventBody is the largest event the ingress accepts: what the queue
// stores, so a larger one is refused (413, not retried) rather than failing
// to enqueue again and again.
func maxEventBody(o Options) int64 {
	if o.Queue == nil && o.NATSURL != "" {
		if o.NATS.MaxBodySize > 0 {
			return int64(o.NATS.MaxBodySize)
		}
		return natsMaxBody
	}
	return slackbot.DefaultMaxEventBody
}

// openQueue returns the queue to use and whether the runner owns it.
func openQueue(ctx context.Context, o Options) (queue.Queue, bool, error) {
	switch {
	case o.Queue != nil:
		return o.Queue, false, nil
	case o.NATSURL != "":
		nopts := o.NATS
		nopts.MaxBodySize = int(maxEventBody(o))
		q, err := natsq.Open(ctx, o.NATSURL, nopts)
		if err != nil {
			return nil, false, fmt.Errorf("runner: %w", err)
		}
		return q, true, nil
	default:
		q, err := sqlqueue.Open(ctx, o.DB, sqlqueue.Options{MaxBodySize: slackbot.DefaultMaxEventBody, Now: o.Now, Logger: o.Logger})
		if err != nil {
			return nil, false, fmt.Errorf("runner: %w", err)
		}
		return q, true, nil
	}
}

// drainQueue is what the workers receive from: once stopped it hands out
// no more deliveries, so workers finish the message in hand and return,
// while deliveries already taken can still be settled on the real queue.
type drainQueue struct {
	queue.Queue
	stopped context.Context
	stop    context.CancelFunc
}

func newDrainQueue(q queue.Queue) *drainQueue {
	stopped, stop := context.WithCancel(context.Background())
	return &drainQueue{Queue: q, stopped: stopped, stop: stop}
}

// Receive waits for a delivery, returning queue.ErrClosed once stopped.
func (q *drainQueue) Receive(ctx context.Context) (queue.Delivery, error) {
	if q.stopped.Err() != nil {
		return nil, queue.ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	unhook := context.AfterFunc(q.stopped, cancel)
	defer unhook()
	d, err := q.Queue.Receive(ctx)
	if err != nil && q.stopped.Err() != nil {
		return nil, queue.ErrClosed
	}
	return d, err
}

// Close is the owner's business; the workers must not close the queue.
func (q *drainQueue) Close() error { return nil }
