// Package nats is the queue.Queue for scaled-out deployments: a NATS
// JetStream stream with work-queue retention, read through one durable
// pull consumer that every worker process shares.
//
// Deduplication uses the Nats-Msg-Id header and the stream's duplicate
// window (DedupeWindow, 24 hours by default). The server keeps that window
// in memory: an id is recognised for the whole window while the server
// runs, but after a server restart only ids of messages still in the
// stream are remembered, and a stream deleted or recreated forgets all of
// them. Dedupe here is therefore a best effort against Slack's retries;
// the bot's claim table is the final guard against running a handler twice.
package nats

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	natsclient "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bastionhq/bastion/queue"
)

// Defaults for the zero Options.
const (
	DefaultStream            = "BASTION_EVENTS"
	DefaultSubject           = "bastion.events"
	DefaultConsumer          = "workers"
	DefaultVisibilityTimeout = time.Minute
	DefaultDedupeWindow      = 24 * time.Hour
	DefaultMaxBodySize       = 256 << 10
)

// headerRoom is the part of the server's maximum payload kept for headers.
const headerRoom = 1 << 10

// pullWait bounds one pull request; Receive renews it until a message
// arrives.
const pullWait = 30 * time.Second

// minPullWait is the shortest pull request worth sending.
const minPullWait = time.Millisecond

// Options name the stream and tune the queue; zero fields take the
// defaults above.
type Options struct {
	// Stream is the JetStream stream, created when missing.
	Stream string
	// Subject is the subject messages are published on; the stream holds
	// only this subject.
	Subject string
	// Consumer is the durable consumer every worker process shares.
	Consumer string
	// VisibilityTimeout is the consumer's AckWait: how long a delivery
	// holds its message before the server delivers it again.
	VisibilityTimeout time.Duration
	// DedupeWindow is the stream's duplicate window.
	DedupeWindow time.Duration
	// MaxBodySize is the largest body Enqueue accepts, in bytes; it must
	// fit in the server's maximum payload.
	MaxBodySize int
}

func (o Options) withDefaults() Options {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Subject == "" {
		o.Subject = DefaultSubject
	}
	if o.Consumer == "" {
		o.Consumer = DefaultConsumer
	}
	if o.VisibilityTimeout <= 0 {
		o.VisibilityTimeout = DefaultVisibilityTimeout
	}
	if o.DedupeWindow <= 0 {
		o.DedupeWindow = DefaultDedupeWindow
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	return o
}

// Queue is a durable queue on a JetStream stream. It is safe for
// concurrent use.
type Queue struct {
	conn      *natsclient.Conn
	js        jetstream.JetStream
	consumer  jetstream.Consumer
	opts      Options
	closing   context.Context
	close     context.CancelFunc
	closeOnce sync.Once
}

var _ queue.Queue = (*Queue)(nil)

// Open connects to the NATS server at url (nats://host:4222) and creates
// or updates the stream and the durable consumer.
func Open(ctx context.Context, url string, opts Options) (*Queue, error) {
	opts = opts.withDefaults()
	conn, err := natsclient.Connect(url, natsclient.Name("bastion-queue"))
	if err != nil {
		return nil, fmt.Errorf("open nats queue %s: connect: %w", url, err)
	}
	q, err := setUp(ctx, conn, opts)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("open nats queue %s: %w", url, err)
	}
	return q, nil
}

func setUp(ctx context.Context, conn *natsclient.Conn, opts Options) (*Queue, error) {
	if limit := conn.MaxPayload() - headerRoom; int64(opts.MaxBodySize) > limit {
		return nil, fmt.Errorf("max body size %d exceeds the server's limit of %d", opts.MaxBodySize, limit)
	}
	js, err := jetstream.New(conn)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       opts.Stream,
		Subjects:   []string{opts.Subject},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Duplicates: opts.DedupeWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", opts.Stream, err)
	}
	consumer, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       opts.Consumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       opts.VisibilityTimeout,
		MaxDeliver:    -1,
		FilterSubject: opts.Subject,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", opts.Consumer, err)
	}
	closing, closeFn := context.WithCancel(context.Background())
	return &Queue{conn: conn, js: js, consumer: consumer, opts: opts, closing: closing, close: closeFn}, nil
}

// Enqueue publishes body under id and waits for the stream to store it. It
// reports false when the server recognised id as a duplicate.
func (q *Queue) Enqueue(ctx context.Context, id string, body []byte) (bool, error) {
	if err := queue.ValidateMessage(id, body, q.opts.MaxBodySize); err != nil {
		return false, fmt.Errorf("enqueue: %w", err)
	}
	ack, err := q.js.Publish(ctx, q.opts.Subject, body, jetstream.WithMsgID(encodeID(id)), jetstream.WithExpectStream(q.opts.Stream))
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", id, err)
	}
	return !ack.Duplicate, nil
}

// Receive pulls the next message, waiting until ctx ends or the queue is
// closed.
func (q *Queue) Receive(ctx context.Context) (queue.Delivery, error) {
	for {
		if q.closing.Err() != nil {
			return nil, queue.ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("receive: %w", err)
		}
		msg, err := q.pull(ctx)
		if err == nil {
			return newDelivery(msg)
		}
		switch {
		case q.closing.Err() != nil:
			return nil, queue.ErrClosed
		case ctx.Err() != nil:
			return nil, fmt.Errorf("receive: %w", ctx.Err())
		case errors.Is(err, natsclient.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
			continue // the pull request expired: ask again
		default:
			return nil, fmt.Errorf("receive from %s: %w", q.opts.Stream, err)
		}
	}
}

// pull makes one pull request, ended early by ctx or Close.
func (q *Queue) pull(ctx context.Context) (jetstream.Msg, error) {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < minPullWait {
		// Too short for a pull request: the client refuses it.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-q.closing.Done():
			return nil, queue.ErrClosed
		}
	}
	pullCtx, cancel := context.WithTimeout(ctx, pullWait)
	defer cancel()
	stop := context.AfterFunc(q.closing, cancel)
	defer stop()
	return q.consumer.Next(jetstream.FetchContext(pullCtx))
}

// Close ends blocked Receive calls with queue.ErrClosed and closes the
// connection. Unsettled deliveries are delivered again after the
// visibility timeout.
func (q *Queue) Close() error {
	q.closeOnce.Do(func() {
		q.close()
		q.conn.Close()
	})
	return nil
}
