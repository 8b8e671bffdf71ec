package slackbot

import (
	"context"
	"time"
)

// MessageKey identifies a Slack message: Slack may deliver one message
// several times under different event ids, but never with another key.
type MessageKey struct {
	TeamID    string
	ChannelID string
	TS        string
}

// ClaimState is the life cycle of a claimed message.
type ClaimState string

// Claim states.
const (
	// ClaimRunning: a worker took the message and is running it.
	ClaimRunning ClaimState = "running"
	// ClaimDone: the message was handled.
	ClaimDone ClaimState = "done"
	// ClaimInterrupted: the worker stopped while running it; it is never
	// run again.
	ClaimInterrupted ClaimState = "interrupted"
)

// Claim is the store's record of who handles a message.
type Claim struct {
	// Won is true when this call created the claim: the caller, and only
	// the caller, may run the message.
	Won        bool
	State      ClaimState
	Worker     string
	DeliveryID string
	// Heartbeat is when the running worker last said it was alive.
	Heartbeat time.Time
}

// ClaimStore records message claims so that each message runs at most once
// across duplicate deliveries, concurrent workers and crashes.
type ClaimStore interface {
	// Claim creates a running claim for key owned by worker unless one
	// exists, and returns the claim as stored.
	Claim(ctx context.Context, key MessageKey, deliveryID, worker string, now time.Time) (Claim, error)
	// Heartbeat records that worker still runs key; it reports false when
	// the claim is no longer running under worker (a redelivery declared
	// the worker dead), and then records nothing.
	Heartbeat(ctx context.Context, key MessageKey, worker string, now time.Time) (bool, error)
	// Finish moves worker's running claim to state; it reports false when
	// the claim is no longer running under worker.
	Finish(ctx context.Context, key MessageKey, worker string, state ClaimState, now time.Time) (bool, error)
	// Interrupt marks a running claim whose last heartbeat is before
	// staleBefore as interrupted; it reports whether this call did so.
	Interrupt(ctx context.Context, key MessageKey, staleBefore, now time.Time) (bool, error)
}
