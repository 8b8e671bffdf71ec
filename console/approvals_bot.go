package console

import (
	"context"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/internal/approval"
)

// ApprovalLister is the part of approval.Store the console reads
// (store/botsql.Store satisfies it).
type ApprovalLister interface {
	ListApprovals(ctx context.Context, f approval.Filter) ([]approval.Request, error)
}

// BotApprovals adapts the bot's approval store to Approvals:
// Options{Approvals: console.BotApprovals{Store: store}}.
type BotApprovals struct {
	Store ApprovalLister
	// Limit bounds each team's list (default 100).
	Limit int
}

// Pending lists a team's pending requests, newest first.
func (b BotApprovals) Pending(ctx context.Context, teamID string) ([]PendingApproval, error) {
	list, err := b.Store.ListApprovals(ctx, approval.Filter{TeamID: teamID, States: []approval.State{approval.Pending}, Limit: b.Limit})
	if err != nil {
		return nil, fmt.Errorf("pending approvals of %s: %w", teamID, err)
	}
	out := make([]PendingApproval, 0, len(list))
	for _, a := range list {
		out = append(out, PendingApproval{ID: a.ID, TeamID: a.TeamID, ChannelID: a.ChannelID, RequesterID: a.CallerID,
			Command: a.Text, Permission: a.Permission, Approvals: a.Approvals, Required: a.Needed, RequestedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt})
	}
	return out, nil
}

// ApprovalCaster is the part of the approval workflow that counts votes
// cast in the console; *approval.Workflow is one.
type ApprovalCaster interface {
	Cast(ctx context.Context, v approval.Cast) (approval.CastOutcome, error)
}

// WorkflowVotes casts the console's votes through the approval
// workflow's own vote path: Options{Votes: console.WorkflowVotes{Workflow: w}}.
type WorkflowVotes struct {
	Workflow ApprovalCaster
}

// Vote casts v.
func (w WorkflowVotes) Vote(ctx context.Context, v Vote) (VoteOutcome, error) {
	out, err := w.Workflow.Cast(ctx, approval.Cast{RequestID: v.RequestID, TeamID: v.TeamID, UserID: v.UserID, Approve: v.Approve})
	if errors.Is(err, approval.ErrNotFound) {
		return VoteOutcome{}, fmt.Errorf("%w: %v", ErrApprovalNotFound, err)
	}
	if err != nil {
		return VoteOutcome{}, err
	}
	return VoteOutcome{Counted: out.Counted, Reason: out.Reason, State: string(out.State), Approvals: out.Approvals,
		Required: out.Needed, CallerApproved: out.CallerApproved}, nil
}
