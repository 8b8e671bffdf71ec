package console

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// events serves GET /events, a server-sent event stream for the
// signed-in user: "ready" once subscribed, then "permissions" whenever
// what the user may see or do changed. The page fetches /api/permissions
// again on both.
//
// The engine says when the user's permissions may have changed; the
// stream then reads the user's view again (as /api/permissions draws it)
// and speaks only when it differs from the last one it announced, so a
// change elsewhere that leaves the user's view alone is not heard of. It
// also looks again at each heartbeat, for changes the engine does not
// announce to the user (an entity moving in the tree). An event carries
// the view's version, never a revision of the store. A view that cannot
// be read is announced, so that the page fails closed.
func (c *Console) events(w http.ResponseWriter, r *http.Request, s *userSession) {
	select {
	case <-c.closed:
		// A browser's EventSource gives up on an error status rather than
		// reconnecting to a server that is going away.
		http.Error(w, "the console is shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	rc := http.NewResponseController(w)
	// The stream outlives any server write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	changes, stop := c.engine.Subscribe(s.UserID)
	defer stop()
	announced := c.viewVersion(r.Context(), s)

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
	// changed announces the view when it is not the one last announced.
	changed := func() bool {
		v := c.viewVersion(r.Context(), s)
		if v != "" && v == announced {
			return true
		}
		announced = v
		return send("event: permissions\ndata: {\"version\":%q}\n\n", v)
	}
	beat := time.NewTicker(c.opts.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.closed:
			return
		case <-changes:
			if !changed() {
				return
			}
		case <-beat.C:
			if !changed() || !send(": keep-alive\n\n") {
				return
			}
		}
	}
}

// viewVersion reads the session user's view afresh and returns its
// version, or "" when it cannot be read.
func (c *Console) viewVersion(ctx context.Context, s *userSession) string {
	fresh := *s
	fresh.perms = nil
	pv, err := c.permissions(ctx, &fresh)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("console: read the user's permissions for the live stream", "user", s.UserID, "error", err)
		}
		return ""
	}
	return pv.Version
}

// Close ends every open live stream and refuses new ones, so that an
// http.Server serving the console can shut down at once instead of
// waiting for open tabs to leave. Pages and actions keep answering.
func (c *Console) Close() {
	c.closeOnce.Do(func() { close(c.closed) })
}
