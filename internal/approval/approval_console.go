package approval

import (
	"context"
	"errors"
	"fmt"
)

// viaConsole marks a vote cast in the admin console.
const viaConsole = "console"

// Cast is a vote cast outside Slack, in the admin console, by a signed-in
// user.
type Cast struct {
	RequestID string
	// TeamID is the workspace the voter believes the request is in; a
	// request of another workspace is answered as not found.
	TeamID  string
	UserID  string
	Approve bool
}

// CastOutcome is what became of a Cast.
type CastOutcome struct {
	// Counted is set when the vote was recorded, now or before.
	Counted bool
	// Reason says why a vote did not count.
	Reason string
	// State is the request's state after the vote.
	State State
	// Approvals counts approvals by people other than the caller, out of
	// Needed; CallerApproved says whether the caller approved.
	Approvals, Needed int
	CallerApproved    bool
}

// Cast counts a vote from the admin console with the rules of votes by
// reaction or button: the caller's vote is the caller's own; anyone
// else's counts only when they hold the request's permission on its
// channel at this moment; a rejection by either cancels the request; a
// repeated vote changes nothing; and the request runs exactly once, here
// when this vote completes it (one conditional update decides, as for
// every other vote). The thread hears of counted votes. A request that
// does not exist, or is not in v.TeamID, is ErrNotFound; a request no
// longer pending is answered with its state and Counted unset.
func (a *Workflow) Cast(ctx context.Context, v Cast) (CastOutcome, error) {
	ar, err := a.opts.Store.Approval(ctx, v.RequestID)
	switch {
	case errors.Is(err, ErrNotFound):
		return CastOutcome{}, fmt.Errorf("vote on %s: %w", v.RequestID, ErrNotFound)
	case err != nil:
		return CastOutcome{}, fmt.Errorf("vote on %s: %w", v.RequestID, err)
	case ar.TeamID != v.TeamID:
		return CastOutcome{}, fmt.Errorf("vote on %s in %s: %w", v.RequestID, v.TeamID, ErrNotFound)
	case ar.State != Pending:
		return CastOutcome{State: ar.State}, nil
	}
	// As for buttons: a workspace that cannot see the outcome keeps the
	// request as it is.
	if _, err := a.chat(ctx, ar.TeamID); err != nil {
		return CastOutcome{}, fmt.Errorf("vote on %s: %w", ar.ID, err)
	}
	if !a.opts.Now().Before(ar.ExpiresAt) {
		if _, err := a.expire(ctx, ar); err != nil {
			return CastOutcome{}, err
		}
		return a.outcome(ctx, ar.ID, false, "")
	}
	ok, why, err := a.eligible(ctx, ar, v.UserID)
	if err != nil {
		return CastOutcome{}, err
	}
	what := "approval"
	if !v.Approve {
		what = "rejection"
	}
	if !ok {
		a.event(ctx, ar.ID, "ignored", v.UserID, what+" in the console: "+why)
		reason := fmt.Sprintf("approvers need %s in this channel", ar.Permission)
		if why != "" {
			reason += ". " + why
		}
		return a.outcome(ctx, ar.ID, false, reason)
	}
	if !v.Approve {
		if err := a.reject(ctx, ar, v.UserID, viaConsole); err != nil {
			return CastOutcome{}, err
		}
		return a.outcome(ctx, ar.ID, true, "")
	}
	added, err := a.approve(ctx, ar, v.UserID, viaConsole)
	if err != nil {
		return CastOutcome{}, err
	}
	if added {
		a.say(ctx, ar, a.progress(ctx, ar, fmt.Sprintf("<@%s> approved in the admin console.", v.UserID)))
	}
	if err := a.tryStart(ctx, ar); err != nil {
		return CastOutcome{}, err
	}
	return a.outcome(ctx, ar.ID, true, "")
}

// outcome reads the request back after a vote.
func (a *Workflow) outcome(ctx context.Context, id string, counted bool, reason string) (CastOutcome, error) {
	ar, err := a.opts.Store.Approval(ctx, id)
	if err != nil {
		return CastOutcome{}, fmt.Errorf("read approval %s after the vote: %w", id, err)
	}
	votes, err := a.opts.Store.ApprovalVotes(ctx, id)
	if err != nil {
		return CastOutcome{}, fmt.Errorf("read votes of %s: %w", id, err)
	}
	out := CastOutcome{Counted: counted, Reason: reason, State: ar.State, Needed: ar.Needed}
	for _, v := range votes {
		switch {
		case v.Kind != VoteApprove:
		case v.UserID == ar.CallerID:
			out.CallerApproved = true
		default:
			out.Approvals++
		}
	}
	return out, nil
}
