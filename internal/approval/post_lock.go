package approval

import "sync"

// postLocks orders one process's writes to each request's post. A
// progress update checks that the request is still pending and writes
// under the same lock as the update that closes the post, which is made
// after the request's new state is stored; so a progress update begun
// before the close can no longer land over it and bring the buttons back.
// Writes from other processes are not ordered by it.
type postLocks struct {
	mu   sync.Mutex
	held map[string]*postLock
}

type postLock struct {
	mu    sync.Mutex
	users int
}

// lock waits for the post of request id and returns its release.
func (p *postLocks) lock(id string) (unlock func()) {
	p.mu.Lock()
	if p.held == nil {
		p.held = make(map[string]*postLock)
	}
	l := p.held[id]
	if l == nil {
		l = &postLock{}
		p.held[id] = l
	}
	l.users++
	p.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		p.mu.Lock()
		if l.users--; l.users == 0 {
			delete(p.held, id)
		}
		p.mu.Unlock()
	}
}
