package sqlqueue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestStaleDeliveryCannotSettle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := newClock()
		q := openQueue(t, db, c)
		defer q.Close()
		if _, err := q.Enqueue(ctx, "ev-slow", []byte("body")); err != nil {
			t.Fatal(err)
		}
		stale, err := q.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(testVisibility)
		current, err := q.Receive(ctx)
		if err != nil || current.Attempt() != 2 {
			t.Fatalf("redelivery: got %v, %v", current, err)
		}
		if err := stale.Ack(ctx); !errors.Is(err, sqlqueue.ErrLeaseLost) {
			t.Fatalf("ack of the expired delivery: got %v, want ErrLeaseLost", err)
		}
		if err := stale.Nack(ctx, 0); !errors.Is(err, sqlqueue.ErrLeaseLost) {
			t.Fatalf("nack of the expired delivery: got %v, want ErrLeaseLost", err)
		}
		if err := current.Ack(ctx); err != nil {
			t.Fatalf("ack of the current delivery: %v", err)
		}
		if err := current.Ack(ctx); !errors.Is(err, sqlqueue.ErrLeaseLost) {
			t.Fatalf("second ack: got %v, want ErrLeaseLost", err)
		}
	})
}

func TestReceiveSeesOtherProcessesEnqueue(t *testing.T) {
	open := sqliteOpener(t)
	c := newClock()
	producer, consumer := openQueue(t, open(t), c), openQueue(t, open(t), c)
	defer producer.Close()
	defer consumer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan string, 1)
	go func() {
		d, err := consumer.Receive(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- d.ID()
	}()
	if _, err := producer.Enqueue(ctx, "ev-elsewhere", nil); err != nil {
		t.Fatal(err)
	}
	if id := <-got; id != "ev-elsewhere" {
		t.Fatalf("consumer got %q, want ev-elsewhere", id)
	}
}
