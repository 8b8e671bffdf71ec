package approval

import (
	"context"
	"errors"
	"time"
)

// State is the life cycle of an approval request:
// pending -> running -> done | failed | interrupted, or pending ->
// rejected | expired.
type State string

// Approval states.
const (
	// Pending: waiting for approvals.
	Pending State = "pending"
	// Running: approved; one worker won the right to run it.
	Running State = "running"
	// Done: the command ran and succeeded.
	Done State = "done"
	// Failed: the command ran and failed, or could not be run.
	Failed State = "failed"
	// Rejected: the caller or an eligible approver rejected it.
	Rejected State = "rejected"
	// Expired: not enough approvals came in time.
	Expired State = "expired"
	// Interrupted: it stayed running for Options.RunTimeout
	// with neither an outcome nor a heartbeat from its run, because the
	// process running it stopped (crash, kill, deploy). The command may or may not have run, and it is never
	// run again. An outcome recorded later, by a run that was only slow,
	// replaces this state.
	Interrupted State = "interrupted"
)

// Mode is how people vote on a request.
type Mode string

// Approval modes.
const (
	// ByReaction: votes are emoji reactions on the request's post.
	ByReaction Mode = "reactions"
	// ByButton: votes are Block Kit button clicks, where the workspace
	// did not grant the scopes reactions need.
	ByButton Mode = "buttons"
)

// Vote kinds stored per request and user.
const (
	VoteApprove = "approve"
	VoteReject  = "reject"
)

// Request is a command waiting for, or done with, approvals.
type Request struct {
	// ID is derived from the command's message, so a message opens at
	// most one request.
	ID        string
	TeamID    string
	ChannelID string
	// MessageTS is the caller's message; ThreadTS the thread replies go to.
	MessageTS string
	ThreadTS  string
	CallerID  string
	// Text is the command as the caller typed it; it is matched again
	// when the request runs.
	Text string
	// Command is the matched command's usage.
	Command string
	// Needed is how many people besides the caller must approve.
	Needed int
	// Permission is what approvers other than the caller must hold on the
	// channel (or EntityID); empty means anyone.
	Permission string
	// EntityID is where approvers must hold Permission when it is not the
	// channel (an access request's entity); empty means the channel.
	EntityID string
	// Summary, for a request a command opened itself (OpenRequest), heads
	// the post in place of the command and its dry run.
	Summary string
	Mode    Mode
	// PostTS is the bot's request post that people vote on.
	PostTS    string
	DryRun    string
	State     State
	Result    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// FinishedAt is when the request left pending or running; zero before.
	FinishedAt time.Time
	// StartedAt is when the request last moved to running; zero before
	// (and for requests that ran before start times were recorded).
	StartedAt time.Time
	// AliveAt is when the process running the request last said the run
	// was still going (KeepApprovalAlive); zero before its first
	// heartbeat.
	AliveAt time.Time
	// Approvals counts approvals by people other than the caller and
	// CallerApproved says whether the caller approved; filled by listings.
	Approvals      int
	CallerApproved bool
}

// Vote is one person's vote on a request.
type Vote struct {
	UserID string
	// Kind is VoteApprove or VoteReject.
	Kind string
	// Via is "reaction" or "button".
	Via string
	At  time.Time
}

// Event is one audit record of a request's history.
type Event struct {
	RequestID string
	// Kind is one of requested, approved, withdrawn, rejected, ignored,
	// expired, started, ran, failed, interrupted.
	Kind   string
	UserID string
	Detail string
	At     time.Time
}

// Filter selects requests to list.
type Filter struct {
	// TeamID and ChannelID narrow the list when set.
	TeamID    string
	ChannelID string
	// States keeps requests in these states; all states when empty.
	States []State
	// Limit bounds the list (default 100), newest first.
	Limit int
}

// ErrNotFound is returned for an unknown request.
var ErrNotFound = errors.New("approval request not found")

// Store keeps approval requests, their votes and their history so
// that they survive restarts and are shared by every worker. Every state
// change is a compare-and-set in the store.
type Store interface {
	// CreateApproval stores a new pending request; it reports false when
	// a request with the same ID exists.
	CreateApproval(ctx context.Context, a Request) (bool, error)
	// SetApprovalPost records the post people vote on.
	SetApprovalPost(ctx context.Context, id, postTS string) error
	// Approval returns a request by id, or ErrNotFound.
	Approval(ctx context.Context, id string) (Request, error)
	// ApprovalByPost returns the request whose post is channelID/postTS,
	// or ErrNotFound.
	ApprovalByPost(ctx context.Context, teamID, channelID, postTS string) (Request, error)
	// ApprovalVotes returns a request's votes.
	ApprovalVotes(ctx context.Context, id string) ([]Vote, error)
	// AddApprovalVote stores v while the request is pending; it reports
	// whether anything changed (a repeated vote changes nothing).
	AddApprovalVote(ctx context.Context, id string, v Vote) (bool, error)
	// RemoveApprovalVote deletes userID's vote while the request is
	// pending; it reports whether there was one.
	RemoveApprovalVote(ctx context.Context, id, userID string) (bool, error)
	// StartApproval moves the request from pending to running in one
	// conditional update, only when it has not expired at now, the caller
	// approved, and Needed other people approved, and records now as its
	// start. It reports whether this call did so: exactly one caller ever
	// gets true.
	StartApproval(ctx context.Context, id string, now time.Time) (bool, error)
	// ReopenApproval moves a running request back to pending and deletes
	// the votes of withdrawn, in one transaction: the winner of
	// StartApproval does so when it finds approvals taken back on Slack
	// before the command started. It reports whether the request was
	// running.
	ReopenApproval(ctx context.Context, id string, withdrawn []string) (bool, error)
	// SettleApproval moves the request from one state to another with a
	// result; it reports whether this call did so.
	SettleApproval(ctx context.Context, id string, from, to State, result string, now time.Time) (bool, error)
	// KeepApprovalAlive records now as AliveAt of a running request; it
	// reports whether the request was still running.
	KeepApprovalAlive(ctx context.Context, id string, now time.Time) (bool, error)
	// StaleApprovals returns up to limit running requests last known
	// alive before aliveBefore (AliveAt, else StartedAt, else ExpiresAt),
	// oldest first.
	StaleApprovals(ctx context.Context, aliveBefore time.Time, limit int) ([]Request, error)
	// InterruptApproval moves a running request last known alive before
	// aliveBefore to interrupted with a result, in one conditional update;
	// it reports whether this call did so: of concurrent sweeps, exactly
	// one gets true.
	InterruptApproval(ctx context.Context, id string, aliveBefore time.Time, result string, now time.Time) (bool, error)
	// DueApprovals returns up to limit pending requests that expire at or
	// before now.
	DueApprovals(ctx context.Context, now time.Time, limit int) ([]Request, error)
	// ListApprovals returns requests, newest first, with vote counts.
	ListApprovals(ctx context.Context, f Filter) ([]Request, error)
	// RecordApprovalEvent appends to a request's history.
	RecordApprovalEvent(ctx context.Context, ev Event) error
	// ApprovalEvents returns a request's history, oldest first.
	ApprovalEvents(ctx context.Context, id string) ([]Event, error)
}
