package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Commands returns the chat commands of the approval flow, for the
// runtime to register: `approvals` lists the pending requests of the
// channel it is said in.
func (a *Approvals) Commands() []Command {
	return []Command{{
		Pattern:     "approvals",
		Description: "List the requests waiting for approvals in this channel.",
		Group:       "Approvals",
		Handler:     a.listHandler,
	}}
}

func (a *Approvals) listHandler(ctx context.Context, req *Request) error {
	list, err := a.opts.Store.ListApprovals(ctx, ApprovalFilter{TeamID: req.TeamID, ChannelID: req.ChannelID,
		States: []ApprovalState{ApprovalPending}, Limit: 20})
	if err != nil {
		return fmt.Errorf("list approvals: %w", err)
	}
	if len(list) == 0 {
		return req.Reply(ctx, "No requests are waiting for approvals in this channel.")
	}
	now := a.opts.Now()
	var b strings.Builder
	b.WriteString("Waiting for approvals here:")
	for _, ar := range list {
		caller := "still needed"
		if ar.CallerApproved {
			caller = "given"
		}
		left := ar.ExpiresAt.Sub(now).Round(time.Minute)
		if left < 0 {
			left = 0
		}
		fmt.Fprintf(&b, "\n• %s `%s` asked by <@%s>: caller's approval %s, others %d of %d; expires in %s.",
			ar.ID, escape(clip(ar.Text, 120)), ar.CallerID, caller, ar.Approvals, ar.Needed, left)
	}
	return req.Reply(ctx, b.String())
}
