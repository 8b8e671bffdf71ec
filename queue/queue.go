// Package queue defines the durable work queue between the Slack ingress
// (which acknowledges events at once) and the workers that handle them.
// Implementations: queue/sqlqueue (a table in the embedded store, the
// default) and queue/nats (NATS JetStream, when scaled out).
package queue

import (
	"context"
	"errors"
	"time"
)

// ErrClosed is returned by Receive after the queue has been closed.
var ErrClosed = errors.New("queue closed")

// Queue is a durable queue of opaque messages with at-least-once delivery.
// A message whose delivery is neither acknowledged nor negatively
// acknowledged within the queue's visibility timeout (a worker died) is
// delivered again.
type Queue interface {
	// Enqueue durably stores body under id before returning. It reports
	// false, storing nothing, when a message with the same id was enqueued
	// before (within the queue's deduplication window, at least 24 hours).
	Enqueue(ctx context.Context, id string, body []byte) (bool, error)
	// Receive blocks until a message is available, ctx ends, or the queue
	// is closed.
	Receive(ctx context.Context) (Delivery, error)
	// Close releases the queue's resources; blocked Receive calls return
	// ErrClosed.
	Close() error
}

// Delivery is one delivery of a message to a worker.
type Delivery interface {
	// ID is the id the message was enqueued under.
	ID() string
	// Body is the message as enqueued.
	Body() []byte
	// Attempt counts deliveries of this message, starting at 1.
	Attempt() int
	// Ack removes the message for good.
	Ack(ctx context.Context) error
	// Nack gives the message back for another delivery after delay.
	Nack(ctx context.Context, delay time.Duration) error
}
