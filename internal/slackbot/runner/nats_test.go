package runner_test

import (
	"context"
	"testing"
	"time"

	natsclient "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// deleteStream removes a test's stream.
func deleteStream(t *testing.T, name string) {
	conn, err := natsclient.Connect(natsURL)
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
