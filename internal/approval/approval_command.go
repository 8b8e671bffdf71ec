package approval

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/bot"
	"strings"
	"time"
)

// recentInterruptions is how long the `approvals` command keeps showing a
// run that was interrupted.
const recentInterruptions = 24 * time.Hour

// Commands returns the chat commands of the approval flow, for the
// runtime to register: `approvals` lists the pending requests of the
// channel it is said in, the ones running, and the runs interrupted in the
// last day.
func (a *Workflow) Commands() []bot.Command {
	return []bot.Command{{
		Pattern:     "approvals",
		Description: "List the requests waiting for approvals in this channel, and runs in progress or interrupted.",
		Group:       "Approvals",
		Handler:     a.listHandler,
	}}
}

func (a *Workflow) listHandler(ctx context.Context, req *bot.Request) error {
	list, err := a.opts.Store.ListApprovals(ctx, Filter{TeamID: req.TeamID, ChannelID: req.ChannelID,
		States: []State{Pending}, Limit: 20})
	if err != nil {
		return fmt.Errorf("list approvals: %w", err)
	}
	runs, err := a.opts.Store.ListApprovals(ctx, Filter{TeamID: req.TeamID, ChannelID: req.ChannelID,
		States: []State{Running, Interrupted}, Limit: 20})
	if err != nil {
		return fmt.Errorf("list approvals: %w", err)
	}
	now := a.opts.Now()
	var b strings.Builder
	if len(list) > 0 {
		b.WriteString("Waiting for approvals here:")
	}
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
			ar.ID, bot.Escape(clip(ar.Text, 120)), ar.CallerID, caller, ar.Approvals, ar.Needed, left)
	}
	first := true
	for _, ar := range runs {
		var status string
		switch {
		case ar.State == Running && ar.StartedAt.IsZero():
			status = "running"
		case ar.State == Running:
			status = "running for " + now.Sub(ar.StartedAt).Round(time.Second).String()
		case now.Sub(ar.FinishedAt) > recentInterruptions:
			continue
		default:
			status = "*interrupted*, outcome unknown: check its target before running it again"
		}
		if first {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString("Approved runs here:")
			first = false
		}
		fmt.Fprintf(&b, "\n• %s `%s` asked by <@%s>: %s.", ar.ID, bot.Escape(clip(ar.Text, 120)), ar.CallerID, status)
	}
	if b.Len() == 0 {
		return req.Reply(ctx, "No requests are waiting for approvals in this channel.")
	}
	return req.Reply(ctx, b.String())
}
