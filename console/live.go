package console

import (
	"fmt"
	"net/http"
	"time"
)

// events serves GET /events, a server-sent event stream for the
// signed-in user: "ready" once subscribed, then "permissions" whenever
// the engine says the user's permissions may have changed. The page
// fetches /api/permissions again on both.
func (c *Console) events(w http.ResponseWriter, r *http.Request, s *userSession) {
	rc := http.NewResponseController(w)
	// The stream outlives any server write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	changes, stop := c.engine.Subscribe(s.UserID)
	defer stop()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) bool {
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 1000\nevent: ready\ndata: {}\n\n") {
		return
	}
	beat := time.NewTicker(c.opts.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case rev := <-changes:
			if !send("event: permissions\ndata: {\"revision\":%d}\n\n", int64(rev)) {
				return
			}
		case <-beat.C:
			if !send(": keep-alive\n\n") {
				return
			}
		}
	}
}
