package nats_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	natsclient "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bastionhq/bastion/queue"
	"github.com/bastionhq/bastion/queue/nats"
	"github.com/bastionhq/bastion/queue/queuetest"
)

const serverURL = "nats://127.0.0.1:4222"

// testVisibility is the consumer's AckWait in tests: the server's own
// timer, so the suite sleeps through it.
const testVisibility = time.Second

// uniqueOptions names a stream of its own, deleted when the test ends.
func uniqueOptions(t testing.TB) nats.Options {
	var b [6]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	opts := nats.Options{
		Stream:            "QUEUE_TEST_" + suffix,
		Subject:           "queue.test." + suffix,
		VisibilityTimeout: testVisibility,
	}
	t.Cleanup(func() { deleteStream(t, opts.Stream) })
	return opts
}

func deleteStream(t testing.TB, name string) {
	conn, err := natsclient.Connect(serverURL)
	if err != nil {
		t.Errorf("connect to delete stream %s: %v", name, err)
		return
	}
	defer conn.Close()
	js, err := jetstream.New(conn)
	if err != nil {
		t.Errorf("delete stream %s: %v", name, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := js.DeleteStream(ctx, name); err != nil {
		t.Errorf("delete stream %s: %v", name, err)
	}
}

func openQueue(t testing.TB, opts nats.Options) *nats.Queue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, err := nats.Open(ctx, serverURL, opts)
	if err != nil {
		t.Fatalf("open (is nats-server -js running on %s?): %v", serverURL, err)
	}
	return q
}

func TestConformance(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) queuetest.Harness {
		opts := uniqueOptions(t)
		return queuetest.Harness{
			Open:              func(t *testing.T) queue.Queue { return openQueue(t, opts) },
			Advance:           time.Sleep,
			VisibilityTimeout: testVisibility,
			MaxBodySize:       nats.DefaultMaxBodySize,
		}
	})
}
