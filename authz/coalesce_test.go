package authz

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedReads is a version source whose reads each answer with their own
// sequence number as the current revision, and wait for release first.
type gatedReads struct {
	started chan []string // each read's ids, as it starts
	release chan struct{}
	reads   atomic.Int64
	fail    atomic.Bool
}

func newGatedReads() *gatedReads {
	return &gatedReads{started: make(chan []string, 100), release: make(chan struct{}, 100)}
}

func (g *gatedReads) read(_ context.Context, ids []string) ([]Revision, Revision, error) {
	n := g.reads.Add(1)
	g.started <- ids
	<-g.release
	if g.fail.Load() {
		return nil, 0, errors.New("store down")
	}
	v := make([]Revision, len(ids))
	for i := range v {
		v[i] = Revision(n * 100)
	}
	return v, Revision(n), nil
}

type answer struct {
	version, current Revision
	err              error
}

func getAsync(v *versionReads, ctx context.Context, id string) chan answer {
	ch := make(chan answer, 1)
	go func() {
		ver, cur, err := v.get(ctx, id)
		ch <- answer{ver, cur, err}
	}()
	return ch
}

// waitPending waits until n checks are queued behind the reads in
// flight.
func waitPending(t *testing.T, v *versionReads, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v.mu.Lock()
		queued := len(v.pending)
		v.mu.Unlock()
		if queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d checks queued, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func waitStarted(t *testing.T, g *gatedReads) []string {
	t.Helper()
	select {
	case ids := <-g.started:
		return ids
	case <-time.After(5 * time.Second):
		t.Fatal("no read started")
		return nil
	}
}

// A check that arrives while the read limit is taken is answered by a
// later read that carries every check queued meanwhile, never by a read
// that began before it arrived.
func TestVersionReadsMergeQueuedChecksIntoALaterRead(t *testing.T) {
	g := newGatedReads()
	v := &versionReads{read: g.read, limit: 1}
	ctx := context.Background()
	first := getAsync(v, ctx, "U1")
	if ids := waitStarted(t, g); len(ids) != 1 || ids[0] != "U1" {
		t.Fatalf("first read carries %v", ids)
	}
	// Read 1 is in flight: these queue.
	var queued []chan answer
	for _, id := range []string{"U2", "U3", "U2"} {
		queued = append(queued, getAsync(v, ctx, id))
	}
	waitPending(t, v, 3)
	g.release <- struct{}{}
	if a := <-first; a.err != nil || a.current != 1 {
		t.Fatalf("first check: %+v, want read 1", a)
	}
	if ids := waitStarted(t, g); len(ids) != 2 {
		t.Fatalf("second read carries %v, want U2 and U3 once each", ids)
	}
	g.release <- struct{}{}
	for i, ch := range queued {
		if a := <-ch; a.err != nil || a.current != 2 || a.version != 200 {
			t.Fatalf("queued check %d: %+v, want read 2", i, a)
		}
	}
	if n := g.reads.Load(); n != 2 {
		t.Fatalf("%d reads for 4 checks, want 2", n)
	}
}

// A failed read fails every check it carries, and a check whose caller
// gives up returns at once without disturbing the others.
func TestVersionReadsFailTogetherAndLetCallersGiveUp(t *testing.T) {
	g := newGatedReads()
	v := &versionReads{read: g.read, limit: 1}
	leader := getAsync(v, context.Background(), "U1")
	waitStarted(t, g)
	ctx, cancel := context.WithCancel(context.Background())
	quitter := getAsync(v, ctx, "U2")
	stayer := getAsync(v, context.Background(), "U3")
	waitPending(t, v, 2)
	cancel()
	if a := <-quitter; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("cancelled check: %+v", a)
	}
	g.fail.Store(true)
	var wg sync.WaitGroup
	wg.Go(func() {
		g.release <- struct{}{}
		waitStarted(t, g)
		g.release <- struct{}{}
	})
	if a := <-leader; a.err == nil {
		t.Fatalf("leader: %+v, want the store's error", a)
	}
	if a := <-stayer; a.err == nil {
		t.Fatalf("queued check: %+v, want the store's error", a)
	}
	wg.Wait()
}
