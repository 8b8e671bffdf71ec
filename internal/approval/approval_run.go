package approval

import (
	"context"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/router"
	"slices"
	"strings"
	"time"
)

// Verdicts the approval flow adds to the audit log.
const (
	// Rejected: the caller or an eligible approver rejected the request.
	VerdictRejected router.Verdict = "rejected"
	// Expired: the request did not get enough approvals in time.
	VerdictExpired router.Verdict = "expired"
)

// tryStart runs the request when the store lets this call move it from
// pending to running: exactly one call ever does. For votes by reaction
// the winner first reads the post again: approvals taken back on Slack
// since they were counted (a removal handled before the matching
// addition on another worker) reopen the request instead of running it.
func (a *Workflow) tryStart(ctx context.Context, ar Request) error {
	started, err := a.opts.Store.StartApproval(ctx, ar.ID, a.opts.Now())
	if err != nil || !started {
		return err
	}
	if ar.Mode == ByReaction {
		withdrawn, err := a.withdrawnOnSlack(ctx, ar)
		if err != nil || len(withdrawn) > 0 {
			if _, rerr := a.opts.Store.ReopenApproval(context.WithoutCancel(ctx), ar.ID, withdrawn); rerr != nil {
				return errors.Join(err, rerr)
			}
			for _, u := range withdrawn {
				a.event(ctx, ar.ID, "withdrawn", u, "no longer on the post when it was about to run")
			}
			return err
		}
	}
	a.execute(context.WithoutCancel(ctx), ar)
	return nil
}

// withdrawnOnSlack lists the stored approvals by reaction whose reaction
// is no longer on the post.
func (a *Workflow) withdrawnOnSlack(ctx context.Context, ar Request) ([]string, error) {
	chat, err := a.chat(ctx, ar.TeamID)
	if err != nil {
		return nil, fmt.Errorf("read votes on approval %s: %w", ar.ID, err)
	}
	reactions, err := chat.ReactionUsers(ctx, ar.ChannelID, ar.PostTS)
	if err != nil {
		return nil, fmt.Errorf("read votes on approval %s: %w", ar.ID, err)
	}
	approvers := a.people(reactions, a.opts.ApproveEmoji, a.botUser(ctx, ar))
	votes, err := a.opts.Store.ApprovalVotes(ctx, ar.ID)
	if err != nil {
		return nil, fmt.Errorf("check votes of approval %s: %w", ar.ID, err)
	}
	var out []string
	for _, v := range votes {
		if v.Kind == VoteApprove && v.Via == viaReaction && !slices.Contains(approvers, v.UserID) {
			out = append(out, v.UserID)
		}
	}
	return out, nil
}

// execute runs an approved request's command in its thread and records
// how it ended. It is called once per request, by the winner of
// StartApproval; it never returns an error so the event that triggered it
// is not retried.
func (a *Workflow) execute(ctx context.Context, ar Request) {
	start := a.opts.Now()
	approvers := a.approvers(ctx, ar)
	a.event(ctx, ar.ID, "started", "", "approved by "+strings.Join(approvers, ", "))
	// A request a command opened itself names only the others: asking
	// was the caller's approval.
	shown := approvers
	if ar.Summary != "" && len(approvers) > 1 {
		shown = approvers[1:]
	}
	if ar.Summary != "" {
		a.say(ctx, ar, fmt.Sprintf("Approved by %s.", mentionList(shown)))
	} else {
		a.say(ctx, ar, fmt.Sprintf("Approved by %s. Running `%s`.", mentionList(approvers), bot.Escape(clip(ar.Text, 200))))
	}
	inv := router.Invocation{TeamID: ar.TeamID, ChannelID: ar.ChannelID, UserID: ar.CallerID, MessageTS: ar.MessageTS, Text: ar.Text,
		Command: ar.Command, Verdict: router.Ran, Reason: "approved by " + strings.Join(approvers, ", "), At: start}
	out := approvalReply{a: a, ar: ar}
	msg := bot.Message{TeamID: ar.TeamID, ChannelID: ar.ChannelID, UserID: ar.CallerID, Text: ar.Text, TS: ar.MessageTS, ThreadTS: ar.ThreadTS}
	stopHeartbeat := a.keepAlive(ctx, ar.ID)
	err := a.run(ctx, msg, out, approvers)
	stopHeartbeat()
	var denied *deniedError
	switch {
	case errors.As(err, &denied):
		inv.Verdict, inv.Reason, inv.Result = router.Denied, denied.reason, "not run"
		a.say(ctx, ar, fmt.Sprintf("Not run: %s", denied.reason))
	case err != nil:
		inv.Result = "error: " + err.Error()
		a.say(ctx, ar, fmt.Sprintf("`%s` failed: %v", ar.Command, err))
	default:
		inv.Result = "ok"
	}
	state, kind := Done, "ran"
	if inv.Result != "ok" {
		state, kind = Failed, "failed"
	}
	late, err := a.settleRun(ctx, ar, state, inv.Result)
	if err != nil {
		a.log.Error("record approval result", "id", ar.ID, "err", err)
	}
	if late {
		// The thread was told the outcome is unknown: tell it after all.
		inv.Result = joinResult(inv.Result, lateNote)
		a.say(ctx, ar, fmt.Sprintf("`%s` finished after all, after it was reported interrupted: %s.",
			bot.Escape(clip(ar.Text, 200)), clip(inv.Result, 300)))
	}
	a.event(ctx, ar.ID, kind, ar.CallerID, inv.Result)
	ar.State = state
	status := "Approved by " + mentionList(shown) + " and run."
	switch {
	case denied != nil:
		status = "Approved by " + mentionList(shown) + ", but not run: " + clip(denied.reason, 200)
	case state == Failed:
		status = "Approved by " + mentionList(shown) + "; it failed: " + clip(inv.Result, 200)
	}
	a.updatePost(ctx, ar, status)
	inv.Duration = a.opts.Now().Sub(start)
	a.audit(ctx, inv)
}

// lateNote marks the outcome of a run that outlasted RunTimeout.
const lateNote = "finished after being declared interrupted"

// settleRun records how a run ended. A run that outlasted RunTimeout was
// declared interrupted meanwhile; its real outcome then replaces that
// (late is true), since it is better known than "unknown".
func (a *Workflow) settleRun(ctx context.Context, ar Request, state State, result string) (late bool, err error) {
	now := a.opts.Now()
	settled, err := a.opts.Store.SettleApproval(ctx, ar.ID, Running, state, result, now)
	if err != nil || settled {
		return false, err
	}
	late, err = a.opts.Store.SettleApproval(ctx, ar.ID, Interrupted, state, joinResult(result, lateNote), now)
	if err == nil && !late {
		a.log.Warn("approval was neither running nor interrupted when its run ended", "id", ar.ID)
	}
	return late, err
}

// deniedError says the caller may no longer run the command.
type deniedError struct{ reason string }

func (e *deniedError) Error() string { return e.reason }

// run matches the request's text to its command again, checks that the
// caller still holds its permission, and runs the handler with the
// request's approvers.
func (a *Workflow) run(ctx context.Context, msg bot.Message, out bot.Responder, approvers []string) error {
	req, err := a.opts.Router.Resolve(msg, out)
	if err != nil {
		return &deniedError{reason: "the command is no longer registered (" + err.Error() + ")"}
	}
	req.Approvers = approvers
	if p := req.Command.Permission; p != "" {
		d, err := a.opts.Router.Authorize(ctx, msg, p)
		switch {
		case err != nil:
			return &deniedError{reason: "the permission service is unavailable: " + err.Error()}
		case !d.Allowed:
			return &deniedError{reason: fmt.Sprintf("<@%s> no longer holds %s here. %s", msg.UserID, p, d.Reason)}
		}
	}
	return a.opts.Router.Run(ctx, req)
}

// reject cancels the request on behalf of user.
func (a *Workflow) reject(ctx context.Context, ar Request, user, via string) error {
	if _, err := a.opts.Store.AddApprovalVote(ctx, ar.ID, Vote{UserID: user, Kind: VoteReject, Via: via, At: a.opts.Now()}); err != nil {
		return err
	}
	ok, err := a.opts.Store.SettleApproval(ctx, ar.ID, Pending, Rejected, "rejected by "+user, a.opts.Now())
	if err != nil || !ok {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	a.event(ctx, ar.ID, "rejected", user, "by "+via)
	a.say(ctx, ar, fmt.Sprintf("Rejected by <@%s>: `%s` will not run.", user, bot.Escape(clip(ar.Text, 200))))
	ar.State = Rejected
	a.updatePost(ctx, ar, fmt.Sprintf("Rejected by <@%s>.", user))
	a.audit(ctx, router.Invocation{TeamID: ar.TeamID, ChannelID: ar.ChannelID, UserID: ar.CallerID, MessageTS: ar.MessageTS, Text: ar.Text,
		Command: ar.Command, Verdict: VerdictRejected, Reason: "rejected by " + user, At: a.opts.Now()})
	return nil
}

// expire closes a request whose time is up, unless something else closed
// it first; it reports whether this call did.
func (a *Workflow) expire(ctx context.Context, ar Request) (bool, error) {
	ok, err := a.opts.Store.SettleApproval(ctx, ar.ID, Pending, Expired, "expired", a.opts.Now())
	if err != nil || !ok {
		return false, err
	}
	ctx = context.WithoutCancel(ctx)
	ttl := ar.ExpiresAt.Sub(ar.CreatedAt)
	a.event(ctx, ar.ID, "expired", "", "after "+ttl.String())
	a.say(ctx, ar, fmt.Sprintf("This request expired after %s without enough approvals: `%s` was not run.", ttl, bot.Escape(clip(ar.Text, 200))))
	ar.State = Expired
	a.updatePost(ctx, ar, "Expired.")
	a.audit(ctx, router.Invocation{TeamID: ar.TeamID, ChannelID: ar.ChannelID, UserID: ar.CallerID, MessageTS: ar.MessageTS, Text: ar.Text,
		Command: ar.Command, Verdict: VerdictExpired, Reason: "no quorum within " + ttl.String(), At: a.opts.Now()})
	return true, nil
}

// ExpireDue expires every pending request whose time is up at now and
// returns how many this call expired. A periodic loop (Run) calls it; a
// vote on an expired request also expires it.
func (a *Workflow) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	return sweep("expire",
		func(limit int) ([]Request, error) { return a.opts.Store.DueApprovals(ctx, now, limit) },
		func(ar Request) (bool, error) { return a.expire(ctx, ar) })
}

// sweep applies act ("expire", "interrupt") to every request list returns,
// a batch of approvalExpireBatch at a time until a batch comes back short,
// and returns how many act reports it changed.
func sweep(verb string, list func(limit int) ([]Request, error), act func(Request) (bool, error)) (int, error) {
	n := 0
	for {
		batch, err := list(approvalExpireBatch)
		if err != nil {
			return n, fmt.Errorf("%s approvals: %w", verb, err)
		}
		for _, ar := range batch {
			ok, err := act(ar)
			if err != nil {
				return n, fmt.Errorf("%s approval %s: %w", verb, ar.ID, err)
			}
			if ok {
				n++
			}
		}
		if len(batch) < approvalExpireBatch {
			return n, nil
		}
	}
}

// Run expires due requests and declares interrupted the runs that
// outlasted RunTimeout (InterruptStale), at once and then every
// ExpireEvery until ctx ends.
func (a *Workflow) Run(ctx context.Context) error {
	t := time.NewTicker(a.opts.ExpireEvery)
	defer t.Stop()
	for {
		if _, err := a.ExpireDue(ctx, a.opts.Now()); err != nil && ctx.Err() == nil {
			a.log.Error("expire approvals", "err", err)
		}
		if _, err := a.InterruptStale(ctx, a.opts.Now()); err != nil && ctx.Err() == nil {
			a.log.Error("interrupt stale approval runs", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// joinResult appends b to an invocation's result a.
func joinResult(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// clip shortens s to at most n runes for quoting in a message.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
