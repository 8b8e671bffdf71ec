package slackbot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
)

// InteractionsHandlerOptions configure an InteractionsHandler.
type InteractionsHandlerOptions struct {
	// SigningSecret is the app's signing secret; required.
	SigningSecret string
	// Queue stores accepted interactions; required. It is the queue the
	// workers read events from.
	Queue Enqueuer
	// MaxBody bounds request bodies (default DefaultMaxEventBody).
	MaxBody int64
	// Installations, when set, drops clicks from teams whose installation
	// is inactive, as EventsHandler does for events.
	Installations InstallationGate
	Logger        *slog.Logger
}

// InteractionsHandler serves POST /slack/interactions, Slack's
// interactivity request URL: it verifies the signature as EventsHandler
// does, reads the form field "payload", and stores each block_actions
// payload (a button click) in the queue under an id made from the click,
// so a repeated request is stored once. Other interactions are
// acknowledged and dropped.
type InteractionsHandler struct {
	opts InteractionsHandlerOptions
}

// NewInteractionsHandler checks opts and returns the handler.
func NewInteractionsHandler(opts InteractionsHandlerOptions) (*InteractionsHandler, error) {
	if opts.SigningSecret == "" || opts.Queue == nil {
		return nil, errors.New("new interactions handler: SigningSecret and Queue are required")
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxEventBody
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &InteractionsHandler{opts: opts}, nil
}

// InteractionQueueID is the queue id of a block action: a click is
// identified by its team, user, action and action_ts.
func InteractionQueueID(teamID, userID, actionID, actionTS string) string {
	return "slack-action:" + teamID + ":" + userID + ":" + actionID + ":" + actionTS
}

// ServeHTTP verifies, queues and acknowledges one interaction request.
func (h *InteractionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := readSigned(w, r, h.opts.SigningSecret, h.opts.MaxBody, h.opts.Logger)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		refuse(w, http.StatusBadRequest, "no payload form field")
		return
	}
	payload := []byte(form.Get("payload"))
	c, blockActions, err := decodeClick(payload)
	switch {
	case err != nil:
		refuse(w, http.StatusBadRequest, "malformed payload: "+err.Error())
		return
	case !blockActions:
		h.opts.Logger.Debug("ignoring interaction other than block_actions")
		w.WriteHeader(http.StatusOK)
		return
	case !c.complete():
		refuse(w, http.StatusBadRequest, "block_actions without team, user or action")
		return
	}
	id := InteractionQueueID(c.TeamID, c.UserID, c.ActionID, c.ActionTS)
	if !h.active(r.Context(), c) {
		h.opts.Logger.Info("dropped click of an inactive installation", "team", c.TeamID, "id", id)
		w.WriteHeader(http.StatusOK)
		return
	}
	fresh, err := h.opts.Queue.Enqueue(r.Context(), id, payload)
	if err != nil {
		h.opts.Logger.Error("enqueue interaction", "id", id, "err", err)
		http.Error(w, "could not store the interaction; retry", http.StatusServiceUnavailable)
		return
	}
	if !fresh {
		h.opts.Logger.Debug("dropped duplicate interaction", "id", id)
	}
	w.WriteHeader(http.StatusOK)
}

// active reports whether the click's team (or its enterprise) has an
// active installation; without a gate, or when the gate cannot tell, the
// click is kept.
func (h *InteractionsHandler) active(ctx context.Context, c click) bool {
	if h.opts.Installations == nil {
		return true
	}
	return installationActive(ctx, h.opts.Installations, c.TeamID, c.EnterpriseID, h.opts.Logger)
}
