package sqlqueue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bastionhq/bastion/queue"
)

// ErrLeaseLost is returned by Ack and Nack when the delivery no longer
// holds its message: it was settled already, or its visibility timeout
// passed and the message was delivered again.
var ErrLeaseLost = errors.New("delivery no longer holds the message")

// delivery is one claim on a message, identified by its lease token.
type delivery struct {
	q       *Queue
	seq     int64
	id      string
	body    []byte
	attempt int
	lease   string
}

var _ queue.Delivery = (*delivery)(nil)

func (d *delivery) ID() string   { return d.id }
func (d *delivery) Body() []byte { return d.body }
func (d *delivery) Attempt() int { return d.attempt }

// Ack deletes the message, provided this delivery still holds it.
func (d *delivery) Ack(ctx context.Context) error {
	res, err := d.q.db.ExecContext(ctx, "DELETE FROM queue_messages WHERE seq = ? AND lease = ?", d.seq, d.lease)
	if err := settled(res, err); err != nil {
		return fmt.Errorf("ack %s: %w", d.id, err)
	}
	return nil
}

// Nack releases the message for another delivery after delay.
func (d *delivery) Nack(ctx context.Context, delay time.Duration) error {
	visibleAt := d.q.opts.Now().Add(max(delay, 0)).UnixNano()
	res, err := d.q.db.ExecContext(ctx, "UPDATE queue_messages SET lease = '', visible_at = ? WHERE seq = ? AND lease = ?", visibleAt, d.seq, d.lease)
	if err := settled(res, err); err != nil {
		return fmt.Errorf("nack %s: %w", d.id, err)
	}
	if delay <= 0 {
		d.q.enqueued.notify()
	}
	return nil
}

// settled checks that a statement guarded by the lease touched the message.
func settled(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}
