package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack/socketmode"
)

// SocketAcker acknowledges Socket Mode envelopes; *socketmode.Client is one.
type SocketAcker interface {
	Ack(req socketmode.Request, payload ...any) error
}

var _ SocketAcker = (*socketmode.Client)(nil)

// SocketIngest feeds Socket Mode events into the same queue as the Events
// API, acknowledging each envelope only after the event is stored.
type SocketIngest struct {
	Acker SocketAcker
	Queue Enqueuer
	// Installations, when set, gates events as EventsHandlerOptions
	// describes: lifecycle events are applied to it, events of inactive
	// installations are acknowledged and dropped.
	Installations InstallationGate
	Logger        *slog.Logger
}

// NewSocketIngest returns an ingest for client's events.
func NewSocketIngest(acker SocketAcker, q Enqueuer, logger *slog.Logger) *SocketIngest {
	if logger == nil {
		logger = slog.Default()
	}
	return &SocketIngest{Acker: acker, Queue: q, Logger: logger}
}

// Run consumes events until ctx ends or the channel closes. Start the
// client with client.RunContext(ctx) and pass client.Events.
func (s *SocketIngest) Run(ctx context.Context, events <-chan socketmode.Event) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if err := s.Handle(ctx, ev); err != nil {
				s.Logger.Error("socket mode event", "err", err)
			}
		}
	}
}

// Handle stores one Socket Mode event. An events_api envelope that cannot
// be stored is not acknowledged, so Slack sends it again.
func (s *SocketIngest) Handle(ctx context.Context, ev socketmode.Event) error {
	req := ev.Request
	switch ev.Type {
	case socketmode.EventTypeInteractive:
		return s.handleInteraction(ctx, req)
	case socketmode.EventTypeEventsAPI:
		if req == nil {
			return fmt.Errorf("events_api envelope without request")
		}
	case socketmode.EventTypeErrorBadMessage:
		// slack-go gives up on envelopes whose inner event type it does not
		// map (app_uninstalled, tokens_revoked, …) without acknowledging
		// them; read the envelope ourselves.
		req = badMessageRequest(ev)
		if req == nil {
			s.Logger.Warn("socket mode: unreadable message", "data", fmt.Sprint(ev.Data))
			return nil
		}
	default:
		s.Logger.Debug("socket mode", "type", ev.Type)
		return nil
	}
	var env envelope
	if err := json.Unmarshal(req.Payload, &env); err != nil || env.EventID == "" {
		s.ack(*req) // a malformed payload would fail the same way again
		return fmt.Errorf("events_api envelope %s: payload without event_id", req.EnvelopeID)
	}
	keep, err := admit(ctx, s.Installations, env, s.Logger)
	if err != nil {
		return fmt.Errorf("events_api envelope %s: %w", req.EnvelopeID, err)
	}
	if keep {
		fresh, err := s.Queue.Enqueue(ctx, EventQueueID(env.EventID), req.Payload)
		if err != nil {
			return fmt.Errorf("enqueue event %s: %w", env.EventID, err)
		}
		if !fresh {
			s.Logger.Debug("dropped duplicate event", "event_id", env.EventID, "envelope", req.EnvelopeID, "retry", req.RetryAttempt)
		}
	}
	s.ack(*req)
	return nil
}

// handleInteraction stores a button click (block_actions) in the queue as
// InteractionsHandler does for the HTTP request URL, dropping clicks of
// inactive installations; other interactions are acknowledged and dropped.
func (s *SocketIngest) handleInteraction(ctx context.Context, req *socketmode.Request) error {
	if req == nil {
		return fmt.Errorf("interactive envelope without request")
	}
	c, blockActions, err := decodeClick(req.Payload)
	if err != nil || !blockActions {
		s.Logger.Debug("socket mode: ignoring interaction other than block_actions", "err", err)
		s.ack(*req)
		return nil
	}
	if !c.complete() {
		s.ack(*req)
		return fmt.Errorf("interactive envelope %s: block_actions without team, user or action", req.EnvelopeID)
	}
	if s.Installations != nil && !installationActive(ctx, s.Installations, c.TeamID, c.EnterpriseID, s.Logger) {
		s.Logger.Info("dropped button click of an inactive installation", "team", c.TeamID, "envelope", req.EnvelopeID)
		s.ack(*req)
		return nil
	}
	id := InteractionQueueID(c.TeamID, c.UserID, c.ActionID, c.ActionTS)
	if _, err := s.Queue.Enqueue(ctx, id, req.Payload); err != nil {
		return fmt.Errorf("enqueue interaction %s: %w", id, err)
	}
	s.ack(*req)
	return nil
}

func (s *SocketIngest) ack(req socketmode.Request) {
	if err := s.Acker.Ack(req); err != nil {
		s.Logger.Warn("socket mode ack", "envelope", req.EnvelopeID, "err", err)
	}
}

// badMessageRequest recovers an events_api request from a message
// slack-go could not parse; nil when it is not one.
func badMessageRequest(ev socketmode.Event) *socketmode.Request {
	bad, ok := ev.Data.(*socketmode.ErrorBadMessage)
	if !ok || bad == nil {
		return nil
	}
	var req socketmode.Request
	if err := json.Unmarshal(bad.Message, &req); err != nil || req.Type != socketmode.RequestTypeEventsAPI || req.EnvelopeID == "" {
		return nil
	}
	return &req
}
