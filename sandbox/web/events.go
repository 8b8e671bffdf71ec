package web

import (
	"fmt"
	"net/http"
	"time"
)

// serveEvents streams server-sent events: one "change" event when the
// stream opens and one after every change of the sandbox's state. The page
// reloads its state on each; it needs no more than the signal.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	select {
	case <-h.done:
		// A browser's EventSource gives up on an error status instead of
		// reconnecting every second to a stream that ends at once.
		writeError(w, &requestError{status: http.StatusServiceUnavailable, msg: "the sandbox page is shutting down"})
		return
	default:
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, &requestError{status: http.StatusInternalServerError, msg: "streaming is not supported by this server"})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	keepAlive := time.NewTicker(h.opts.KeepAlive)
	defer keepAlive.Stop()

	// Take the change channel before announcing: a change that happens
	// between the two is then announced again, never missed.
	changed := h.sb.Changed()
	if _, err := fmt.Fprint(w, "retry: 1000\nevent: change\ndata: {}\n\n"); err != nil {
		return
	}
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-changed:
			changed = h.sb.Changed()
			if _, err := fmt.Fprint(w, "event: change\ndata: {}\n\n"); err != nil {
				return
			}
		}
		flusher.Flush()
	}
}
