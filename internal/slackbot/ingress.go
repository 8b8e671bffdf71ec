package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	// Installations, when set, gates events by installation: app_uninstalled
	// and tokens_revoked are applied to it, and events of a team whose
	// installation is inactive are acknowledged and dropped.
	Installations InstallationGate
	Logger        *slog.Logger
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
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &EventsHandler{opts: opts}, nil
}

// envelope is the outer shape of an Events API request.
type envelope struct {
	Type         string `json:"type"`
	Challenge    string `json:"challenge"`
	EventID      string `json:"event_id"`
	TeamID       string `json:"team_id"`
	EnterpriseID string `json:"enterprise_id"`
	Event        *struct {
		Type string `json:"type"`
	} `json:"event"`
}

// EventQueueID is the queue id of an Events API event.
func EventQueueID(eventID string) string { return "slack-event:" + eventID }

func (h *EventsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := readSigned(w, r, h.opts.SigningSecret, h.opts.MaxBody, h.opts.Logger)
	if !ok {
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
		keep, err := admit(r.Context(), h.opts.Installations, env, h.opts.Logger)
		if err != nil {
			h.opts.Logger.Error("apply installation event", "event_id", env.EventID, "team", env.TeamID, "err", err)
			http.Error(w, "could not apply the installation event; retry", http.StatusServiceUnavailable)
			return
		}
		if !keep {
			w.WriteHeader(http.StatusOK)
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

// InstallationGate knows which teams have the app installed and applies
// the events that change it; *slackapp.Service is one.
type InstallationGate interface {
	// IsActive reports whether the team (or enterprise) has an active
	// installation.
	IsActive(ctx context.Context, teamID string) (bool, error)
	// HandleLifecycleEvent applies app_uninstalled and tokens_revoked; it
	// reports whether eventType was one it handles.
	HandleLifecycleEvent(ctx context.Context, teamID, eventType string) (bool, error)
}

// Lifecycle event types the ingress hands to the InstallationGate.
const (
	EventAppUninstalled = "app_uninstalled"
	EventTokensRevoked  = "tokens_revoked"
)

// admit decides whether an event callback goes to the queue. Without a
// gate every event does. With one, lifecycle events are applied to it and
// not queued (the workers have nothing to do with them), and events of a
// team without an active installation are dropped with a log line. When
// the gate cannot say whether a team is active the event is queued: the
// installation store being down must not lose commands, which are still
// authorized one by one. An error means a lifecycle event could not be
// applied and Slack should send it again.
func admit(ctx context.Context, gate InstallationGate, env envelope, log *slog.Logger) (bool, error) {
	if gate == nil || env.Event == nil {
		return true, nil
	}
	switch env.Event.Type {
	case EventAppUninstalled, EventTokensRevoked:
		if _, err := gate.HandleLifecycleEvent(ctx, env.TeamID, env.Event.Type); err != nil {
			return false, fmt.Errorf("%s for team %s: %w", env.Event.Type, env.TeamID, err)
		}
		log.Info("applied installation event", "type", env.Event.Type, "team", env.TeamID, "event_id", env.EventID)
		return false, nil
	}
	if !installationActive(ctx, gate, env.TeamID, env.EnterpriseID, log) {
		log.Info("dropped event of an inactive installation", "team", env.TeamID, "enterprise", env.EnterpriseID,
			"type", env.Event.Type, "event_id", env.EventID)
		return false, nil
	}
	return true, nil
}

// installationActive reports whether the team, or the enterprise of an
// org-wide install, has an active installation. When the gate cannot tell
// it answers true, with a log line.
func installationActive(ctx context.Context, gate InstallationGate, teamID, enterpriseID string, log *slog.Logger) bool {
	active, err := gate.IsActive(ctx, teamID)
	if err == nil && !active && enterpriseID != "" && enterpriseID != teamID {
		active, err = gate.IsActive(ctx, enterpriseID)
	}
	if err != nil {
		log.Warn("could not check the installation; keeping the request", "team", teamID, "err", err)
		return true
	}
	return active
}
