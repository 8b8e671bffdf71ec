package router

import (
	"context"
	"time"
)

// Verdict is what became of a message addressed to the bot.
type Verdict string

// Verdicts recorded in the audit log.
const (
	// Ran: the command was authorized and its handler ran.
	Ran Verdict = "ran"
	// Denied: the channel list or the permission service refused.
	Denied Verdict = "denied"
	// Pending: the command waits for approvals.
	Pending Verdict = "pending"
	// Usage: the message named a command but its arguments did not fit.
	Usage Verdict = "usage"
	// Unknown: no command matched.
	Unknown Verdict = "unknown"
	// Interrupted: the worker running the handler stopped before it
	// finished; the handler is not run again.
	Interrupted Verdict = "interrupted"
)

// Invocation is one audit record: who asked what where, the decision and
// its reason, and how the handler ended.
type Invocation struct {
	TeamID    string
	ChannelID string
	UserID    string
	MessageTS string
	Text      string
	// Command is the matched command's usage, empty when none matched.
	Command string
	Verdict Verdict
	Reason  string
	// Result is "ok", "error: …", or empty when no handler ran.
	Result   string
	At       time.Time
	Duration time.Duration
}

// AuditLog stores invocation records.
type AuditLog interface {
	RecordInvocation(ctx context.Context, inv Invocation) error
}
