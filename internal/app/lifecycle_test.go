package app

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
)

// journal records what the parts of a lifecycle did, in order.
type journal struct {
	mu      sync.Mutex
	entries []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, s)
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// waitPart runs until its context ends and notes when it returns.
func waitPart(j *journal, name string) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		j.add("end " + name)
		return nil
	}
}

func testGrace() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// Parts stop in the reverse order of their start, each one's stop
// function (the HTTP server's graceful shutdown) before its context ends.
func TestLifecycleStopsInReverseOrder(t *testing.T) {
	j := &journal{}
	life := newLifecycle(slog.New(slog.DiscardHandler))
	life.start("follower", waitPart(j, "follower"), nil)
	life.start("bot", waitPart(j, "bot"), nil)
	life.start("http", waitPart(j, "http"), func(context.Context) error { j.add("shutdown http"); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := life.wait(ctx, testGrace); err != nil {
		t.Fatal(err)
	}
	want := []string{"shutdown http", "end http", "end bot", "end follower"}
	if got := j.list(); !slices.Equal(got, want) {
		t.Fatalf("stopped %v; want %v", got, want)
	}
}

// A part that fails stops the others, in reverse order, and its error is
// what wait returns, with those of stopping the rest.
func TestLifecyclePartFailureStopsTheRest(t *testing.T) {
	j := &journal{}
	life := newLifecycle(slog.New(slog.DiscardHandler))
	life.start("follower", waitPart(j, "follower"), nil)
	failed := make(chan struct{})
	life.start("bot", func(context.Context) error { <-failed; return errors.New("socket mode gave up") }, nil)
	life.start("http", waitPart(j, "http"), func(context.Context) error { return errors.New("requests still running") })
	close(failed)
	err := life.wait(context.Background(), testGrace)
	if err == nil || !strings.Contains(err.Error(), "bot: socket mode gave up") || !strings.Contains(err.Error(), "stop http: requests still running") {
		t.Fatalf("wait = %v", err)
	}
	if got, want := j.list(), []string{"end http", "end follower"}; !slices.Equal(got, want) {
		t.Fatalf("stopped %v; want %v", got, want)
	}
	if err := life.stop(testGrace); err != nil {
		t.Fatalf("a second stop did something: %v", err)
	}
}
