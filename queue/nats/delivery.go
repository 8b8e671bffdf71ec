package nats

import (
	"context"
	"fmt"
	"time"

	natsclient "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bastionhq/bastion/queue"
)

// delivery is one delivery of a stream message through the consumer.
type delivery struct {
	msg     jetstream.Msg
	id      string
	attempt int
}

var _ queue.Delivery = (*delivery)(nil)

func newDelivery(msg jetstream.Msg) (*delivery, error) {
	meta, err := msg.Metadata()
	if err != nil {
		return nil, fmt.Errorf("receive: read delivery metadata: %w", err)
	}
	id, err := decodeID(msg.Headers().Get(natsclient.MsgIdHdr))
	if err != nil {
		return nil, fmt.Errorf("receive: %w", err)
	}
	return &delivery{
		msg:     msg,
		id:      id,
		attempt: int(meta.NumDelivered),
	}, nil
}

func (d *delivery) ID() string { return d.id }

func (d *delivery) Body() []byte {
	if body := d.msg.Data(); body != nil {
		return body
	}
	return []byte{}
}

func (d *delivery) Attempt() int { return d.attempt }

// Ack removes the message and waits for the server to confirm it.
func (d *delivery) Ack(ctx context.Context) error {
	if err := d.msg.DoubleAck(ctx); err != nil {
		return fmt.Errorf("ack %s: %w", d.id, err)
	}
	return nil
}

// Nack asks the server to deliver the message again after delay.
func (d *delivery) Nack(ctx context.Context, delay time.Duration) error {
	var err error
	if delay > 0 {
		err = d.msg.NakWithDelay(delay)
	} else {
		err = d.msg.Nak()
	}
	if err != nil {
		return fmt.Errorf("nack %s: %w", d.id, err)
	}
	return nil
}
