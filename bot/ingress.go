package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// DefaultMaxEventBody bounds the Events API request bodies EventsHandler reads.
const DefaultMaxEventBody = 1 << 20

// Enqueuer is the part of queue.Queue the ingress uses.
type Enqueuer interface {
	Enqueue(ctx context.Context, id string, body []byte) (bool, error)
}

// EventsHandlerOptions configure an EventsHandler.
type EventsHandlerOptions struct {
	// SigningSecret is the app's signing secret; required.
	SigningSecret string
	// Queue stores accepted events; required.
	Queue Enqueuer
	// MaxBody bounds request bodies (default DefaultMaxEventBody); larger
	// ones get 413.
	MaxBody int64
	// Now is the clock for the signature window (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// EventsHandler serves POST /slack/events: it verifies Slack's signature,
// answers url_verification, and stores each event callback in the queue
// under its event_id before acknowledging it, so a retry of an accepted
// event is acknowledged and dropped.
type EventsHandler struct {
	opts EventsHandlerOptions
}

// NewEventsHandler checks opts and returns the handler.
func NewEventsHandler(opts EventsHandlerOptions) (*EventsHandler, error) {
	if opts.SigningSecret == "" || opts.Queue == nil {
		return nil, errors.New("new events handler: SigningSecret and Queue are required")
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxEventBody
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &EventsHandler{opts: opts}, nil
}

// envelope is the outer shape of an Events API request.
type envelope struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	EventID   string `json:"event_id"`
	TeamID    string `json:"team_id"`
	Event     *struct {
		Type string `json:"type"`
	} `json:"event"`
}

// EventQueueID is the queue id of an Events API event.
func EventQueueID(eventID string) string { return "slack-event:" + eventID }

func (h *EventsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", h.opts.MaxBody))
			return
		}
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := VerifySignature(h.opts.SigningSecret, r.Header.Get("X-Slack-Request-Timestamp"),
		r.Header.Get("X-Slack-Signature"), body, h.opts.Now()); err != nil {
		h.opts.Logger.Warn("rejected events request", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid request signature: "+err.Error(), http.StatusUnauthorized)
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		refuse(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return
	}
	switch env.Type {
	case "url_verification":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, env.Challenge)
	case "event_callback":
		if env.EventID == "" || env.Event == nil {
			refuse(w, http.StatusBadRequest, "event_callback without event_id or event")
			return
		}
		fresh, err := h.opts.Queue.Enqueue(r.Context(), EventQueueID(env.EventID), body)
		if err != nil {
			h.opts.Logger.Error("enqueue event", "event_id", env.EventID, "err", err)
			http.Error(w, "could not store the event; retry", http.StatusServiceUnavailable)
			return
		}
		if !fresh {
			h.opts.Logger.Debug("dropped duplicate event", "event_id", env.EventID, "retry", r.Header.Get("X-Slack-Retry-Num"))
		}
		w.WriteHeader(http.StatusOK)
	case "app_rate_limited":
		h.opts.Logger.Warn("Slack is rate limiting events for a workspace", "team", env.TeamID)
		w.WriteHeader(http.StatusOK)
	default:
		refuse(w, http.StatusBadRequest, fmt.Sprintf("unknown request type %q", env.Type))
	}
}

// refuse answers a request Slack should not retry.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("X-Slack-No-Retry", "1")
	http.Error(w, msg, status)
}
