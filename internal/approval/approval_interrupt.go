package approval

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/router"
	"time"
)

// InterruptStale declares interrupted every running request whose run has
// not been heard of (started, or sent a heartbeat) since before now minus
// RunTimeout: the process that won its start stopped (crash, kill,
// deploy) before recording how it ended. The command
// is not run again, since it may have run; the thread hears that its
// outcome is unknown. Each request moves by one conditional update, so of
// several processes sweeping at once one reports it. It returns how many
// this call declared interrupted. Run calls it periodically.
func (a *Workflow) InterruptStale(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-a.opts.RunTimeout)
	return sweep("interrupt",
		func(limit int) ([]Request, error) { return a.opts.Store.StaleApprovals(ctx, cutoff, limit) },
		func(ar Request) (bool, error) { return a.interrupt(ctx, ar, cutoff) })
}

// interrupt marks one stale run interrupted, unless another sweep did or
// the run ended first, and tells the thread; it reports whether this call
// did.
func (a *Workflow) interrupt(ctx context.Context, ar Request, cutoff time.Time) (bool, error) {
	since := "its deadline " + ar.ExpiresAt.UTC().Format(time.RFC3339)
	if !ar.StartedAt.IsZero() {
		since = ar.StartedAt.UTC().Format(time.RFC3339)
	}
	if !ar.AliveAt.IsZero() {
		since += ", last heard of " + ar.AliveAt.UTC().Format(time.RFC3339)
	}
	result := fmt.Sprintf("outcome unknown: no result and no sign of its run for %s (running since %s)", a.opts.RunTimeout, since)
	ok, err := a.opts.Store.InterruptApproval(ctx, ar.ID, cutoff, result, a.opts.Now())
	if err != nil || !ok {
		return false, err
	}
	ctx = context.WithoutCancel(ctx)
	a.log.Warn("approval run interrupted", "id", ar.ID, "command", ar.Command, "caller", ar.CallerID, "since", since)
	a.event(ctx, ar.ID, "interrupted", "", result)
	a.say(ctx, ar, fmt.Sprintf("The run of `%s`, asked by <@%s>, was interrupted: the bot stopped before recording how it ended "+
		"(no result and no sign of its run for %s). Its outcome is unknown and it will not be run again. "+
		"Check the target of the command before you run it again.", bot.Escape(clip(ar.Text, 200)), ar.CallerID, a.opts.RunTimeout))
	ar.State = Interrupted
	a.updatePost(ctx, ar, "Interrupted: the outcome of the run is unknown.")
	a.audit(ctx, router.Invocation{TeamID: ar.TeamID, ChannelID: ar.ChannelID, UserID: ar.CallerID, MessageTS: ar.MessageTS, Text: ar.Text,
		Command: ar.Command, Verdict: router.Interrupted, Reason: "no outcome or heartbeat for " + a.opts.RunTimeout.String(),
		Result: "unknown", At: a.opts.Now()})
	return true, nil
}
