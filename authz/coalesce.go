package authz

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// coalescedReadTimeout bounds a version read made on behalf of several
// checks; it does not end with the context of the check that made it.
const coalescedReadTimeout = 10 * time.Second

// versionReads merges the version reads of concurrent single-user checks:
// a check that finds limit reads in flight waits for the next read, which
// carries every user queued by then. A read starts after every check it
// carries began, so each answer is as current as a read of its own. With
// few concurrent checks each read carries one user and nothing waits.
type versionReads struct {
	read  func(ctx context.Context, ids []string) ([]Revision, Revision, error)
	limit int

	mu       sync.Mutex
	pending  []*versionWait
	inFlight int
}

// versionWait is one check's place in the queue; done is closed once
// version, current or err is set.
type versionWait struct {
	id               string
	version, current Revision
	err              error
	done             chan struct{}
}

// get returns the user's version and the store's current revision.
func (v *versionReads) get(ctx context.Context, id string) (Revision, Revision, error) {
	v.mu.Lock()
	if v.inFlight < v.limit && len(v.pending) == 0 {
		// Nothing to wait for or merge with: read alone, on the caller's
		// context, then hand over whatever queued meanwhile.
		v.inFlight++
		v.mu.Unlock()
		versions, current, err := v.read(ctx, []string{id})
		if next := v.next(); next != nil {
			go v.drain(ctx, next)
		}
		if err == nil && len(versions) != 1 {
			err = fmt.Errorf("read the version of user %s: store returned %d", id, len(versions))
		}
		if err != nil {
			return 0, 0, err
		}
		return versions[0], current, nil
	}
	w := &versionWait{id: id, done: make(chan struct{})}
	v.pending = append(v.pending, w)
	var batch []*versionWait
	if v.inFlight < v.limit {
		batch = v.takeLocked()
	}
	v.mu.Unlock()
	if batch != nil {
		v.run(ctx, batch)
		if next := v.next(); next != nil {
			go v.drain(ctx, next)
		}
	}
	select {
	case <-w.done:
		return w.version, w.current, w.err
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}

// takeLocked removes every queued check as one read in flight; v.mu is
// held.
func (v *versionReads) takeLocked() []*versionWait {
	batch := v.pending
	v.pending = nil
	v.inFlight++
	return batch
}

// next ends the read just made and takes the next, or returns nil when
// nothing is queued.
func (v *versionReads) next() []*versionWait {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.inFlight--
	if len(v.pending) == 0 {
		return nil
	}
	return v.takeLocked()
}

// drain makes reads until the queue is empty.
func (v *versionReads) drain(ctx context.Context, batch []*versionWait) {
	for batch != nil {
		v.run(ctx, batch)
		batch = v.next()
	}
}

// run makes one read for batch and hands each check its answer.
func (v *versionReads) run(ctx context.Context, batch []*versionWait) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), coalescedReadTimeout)
	defer cancel()
	ids := make([]string, 0, len(batch))
	at := make(map[string]int, len(batch))
	for _, w := range batch {
		if _, ok := at[w.id]; !ok {
			at[w.id] = len(ids)
			ids = append(ids, w.id)
		}
	}
	versions, current, err := v.read(ctx, ids)
	if err == nil && len(versions) != len(ids) {
		err = fmt.Errorf("read the versions of %d users: store returned %d", len(ids), len(versions))
	}
	for _, w := range batch {
		if err == nil {
			w.version, w.current = versions[at[w.id]], current
		}
		w.err = err
		close(w.done)
	}
}
