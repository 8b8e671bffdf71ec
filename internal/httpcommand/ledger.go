package httpcommand

import (
	"context"
	"errors"
	"time"
)

// Outcome is how a run sent to an endpoint ended, as the ledger records
// it.
type Outcome string

// Outcomes of a run.
const (
	// OutcomeSending: the run was recorded and is being sent, or the
	// process sending it stopped before it recorded the outcome. Either
	// way it is never sent again.
	OutcomeSending Outcome = "sending"
	// OutcomeOK: the endpoint answered 2xx with a readable answer.
	OutcomeOK Outcome = "ok"
	// OutcomeFailed: the endpoint answered with a status other than 2xx.
	OutcomeFailed Outcome = "failed"
	// OutcomeUnreadable: the endpoint answered 2xx, so the command ran,
	// but its answer could not be read.
	OutcomeUnreadable Outcome = "unreadable"
	// OutcomeUnknown: the run was sent and no answer came (timeout,
	// broken connection): it may or may not have run.
	OutcomeUnknown Outcome = "unknown"
	// OutcomeNotSent: no connection to the endpoint could be made;
	// nothing was sent.
	OutcomeNotSent Outcome = "not_sent"
)

// Run is the ledger's record of one run sent to an endpoint.
type Run struct {
	RequestID string
	// Command is the command's usage; Endpoint its URL without the query.
	Command   string
	Endpoint  string
	TeamID    string
	ChannelID string
	UserID    string
	Outcome   Outcome
	// Detail says more about the outcome (the status, the error).
	Detail string
	// ClaimedAt is when the run was recorded, just before it was sent;
	// FinishedAt when its outcome was, zero before.
	ClaimedAt  time.Time
	FinishedAt time.Time
}

// ErrRunNotFound is returned for a request id the ledger does not hold.
var ErrRunNotFound = errors.New("run not found")

// RunLedger records each run before it is sent, so that a request id is
// sent to run at most once across retries, redeliveries, workers, processes
// and restarts. store/httpcommandsql keeps it in Bastion's database.
type RunLedger interface {
	// ClaimRun stores r with Outcome OutcomeSending, in one conditional
	// insert, unless a run with r.RequestID is stored. It returns the
	// stored run and whether this call stored it: of any number of
	// concurrent or later calls for one request id, exactly one gets true,
	// and only that caller may send the run.
	ClaimRun(ctx context.Context, r Run) (Run, bool, error)
	// FinishRun records the outcome of a run still OutcomeSending. It
	// returns ErrRunNotFound when no run has requestID, and changes
	// nothing when the run already has an outcome.
	FinishRun(ctx context.Context, requestID string, outcome Outcome, detail string, at time.Time) error
	// LookupRun returns the run of requestID, or ErrRunNotFound.
	LookupRun(ctx context.Context, requestID string) (Run, error)
}
