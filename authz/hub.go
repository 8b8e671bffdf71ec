package authz

import "sync"

// hub fans permission-change notifications out to subscribers by user id.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan Revision]struct{}
}

func (h *hub) active() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}

func (h *hub) subscribe(userID string) (<-chan Revision, func()) {
	ch := make(chan Revision, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[string]map[chan Revision]struct{}{}
	}
	if h.subs[userID] == nil {
		h.subs[userID] = map[chan Revision]struct{}{}
	}
	h.subs[userID][ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs[userID], ch)
			if len(h.subs[userID]) == 0 {
				delete(h.subs, userID)
			}
			h.mu.Unlock()
		})
	}
}

// send delivers rev without blocking; a pending notification already says
// "look again", so a full buffer loses nothing.
func send(ch chan Revision, rev Revision) {
	select {
	case ch <- rev:
	default:
	}
}

func (h *hub) notify(userID string, rev Revision) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[userID] {
		send(ch, rev)
	}
}

func (h *hub) notifyAll(rev Revision) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for ch := range set {
			send(ch, rev)
		}
	}
}
