package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack/socketmode"
)

// SocketAcker acknowledges Socket Mode envelopes; *socketmode.Client is one.
type SocketAcker interface {
	Ack(req socketmode.Request, payload ...interface{})
}

// SocketIngest feeds Socket Mode events into the same queue as the Events
// API, acknowledging each envelope only after the event is stored.
type SocketIngest struct {
	Acker  SocketAcker
	Queue  Enqueuer
	Logger *slog.Logger
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
	if ev.Type != socketmode.EventTypeEventsAPI {
		s.Logger.Debug("socket mode", "type", ev.Type)
		return nil
	}
	if ev.Request == nil {
		return fmt.Errorf("events_api envelope without request")
	}
	var env envelope
	if err := json.Unmarshal(ev.Request.Payload, &env); err != nil || env.EventID == "" {
		s.Acker.Ack(*ev.Request) // a malformed payload would fail the same way again
		return fmt.Errorf("events_api envelope %s: payload without event_id", ev.Request.EnvelopeID)
	}
	if _, err := s.Queue.Enqueue(ctx, EventQueueID(env.EventID), ev.Request.Payload); err != nil {
		return fmt.Errorf("enqueue event %s: %w", env.EventID, err)
	}
	s.Acker.Ack(*ev.Request)
	return nil
}
