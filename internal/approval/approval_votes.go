package approval

import (
	"context"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/internal/slackbot"
	"slices"
	"strings"
)

// Ways a vote arrives.
const (
	viaReaction = "reaction"
	viaButton   = "button"
)

// HandleReaction counts a reaction on a request's post. The reactions on
// the post, read back from Slack, are the source of truth: the event only
// says which post to look at, so lost, repeated or reordered events
// cannot leave a stale vote behind.
func (a *Workflow) HandleReaction(ctx context.Context, ev slackbot.ReactionEvent) error {
	emoji := baseEmoji(ev.Reaction)
	if emoji != a.opts.ApproveEmoji && emoji != a.opts.RejectEmoji {
		return nil
	}
	ar, err := a.opts.Store.ApprovalByPost(ctx, ev.TeamID, ev.ChannelID, ev.MessageTS)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil // a reaction on some other message
	case err != nil:
		return fmt.Errorf("reaction on %s: %w", ev.MessageTS, err)
	case ar.State != Pending || ar.Mode != ByReaction:
		return nil
	}
	return a.reconcile(ctx, ar, &ev)
}

// baseEmoji drops a skin tone ("thumbsup::skin-tone-2").
func baseEmoji(name string) string {
	if i := strings.Index(name, "::"); i >= 0 {
		return name[:i]
	}
	return name
}

// reconcile brings the stored votes of a ByReaction request in line with
// the reactions on its post, then starts it when it has enough approvals.
// ev, when set, is the reaction that prompted the call: its author hears
// why a vote did not count.
func (a *Workflow) reconcile(ctx context.Context, ar Request, ev *slackbot.ReactionEvent) error {
	now := a.opts.Now()
	if !now.Before(ar.ExpiresAt) {
		_, err := a.expire(ctx, ar)
		return err
	}
	chat, err := a.chat(ctx, ar.TeamID)
	if err != nil {
		return fmt.Errorf("read votes on approval %s: %w", ar.ID, err)
	}
	reactions, err := chat.ReactionUsers(ctx, ar.ChannelID, ar.PostTS)
	if err != nil {
		return fmt.Errorf("read votes on approval %s: %w", ar.ID, err)
	}
	self := a.botUser(ctx, ar)
	approvers, rejecters := a.people(reactions, a.opts.ApproveEmoji, self), a.people(reactions, a.opts.RejectEmoji, self)
	prompted := func(user, emoji string) bool {
		return ev != nil && ev.Added && ev.UserID == user && baseEmoji(ev.Reaction) == emoji
	}
	for _, u := range rejecters {
		ok, why, err := a.eligible(ctx, ar, u)
		if err != nil {
			return err
		}
		if ok {
			return a.reject(ctx, ar, u, viaReaction)
		}
		if prompted(u, a.opts.RejectEmoji) {
			a.ignored(ctx, ar, u, "rejection", why)
		}
	}
	votes, err := a.opts.Store.ApprovalVotes(ctx, ar.ID)
	if err != nil {
		return fmt.Errorf("reconcile approval %s: %w", ar.ID, err)
	}
	changed := false
	for _, v := range votes {
		if v.Kind == VoteApprove && v.Via == viaReaction && !slices.Contains(approvers, v.UserID) {
			if err := a.withdraw(ctx, ar, v.UserID); err != nil {
				return err
			}
			changed = true
		}
	}
	for _, u := range approvers {
		if slices.ContainsFunc(votes, func(v Vote) bool { return v.UserID == u && v.Kind == VoteApprove }) {
			continue // counted when it was cast
		}
		ok, why, err := a.eligible(ctx, ar, u)
		if err != nil {
			return err
		}
		if !ok {
			if prompted(u, a.opts.ApproveEmoji) {
				a.ignored(ctx, ar, u, "approval", why)
			}
			continue
		}
		added, err := a.approve(ctx, ar, u, viaReaction)
		if err != nil {
			return err
		}
		changed = changed || added
	}
	err = a.tryStart(ctx, ar)
	if changed {
		a.showProgress(ctx, ar)
	}
	return err
}

// botUser is the bot's user in a request's workspace; when that is
// unknown, the configured one.
func (a *Workflow) botUser(ctx context.Context, ar Request) string {
	id, err := slackbot.BotUserIn(ctx, a.opts.BotUsers, slackbot.Workspace{TeamID: ar.TeamID}, a.opts.BotUserID)
	if err != nil {
		a.log.Warn("bot user unknown; using the configured one", "id", ar.ID, "err", err)
		return a.opts.BotUserID
	}
	return id
}

// people lists who added emoji, leaving out the bot (botUser).
func (a *Workflow) people(reactions map[string][]string, emoji, botUser string) []string {
	var out []string
	for name, users := range reactions {
		if baseEmoji(name) != emoji {
			continue
		}
		for _, u := range users {
			if u != "" && u != botUser && u != a.opts.BotUserID && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	slices.Sort(out)
	return out
}

// HandleAction counts a click on a request's Approve, Reject or Withdraw
// button.
func (a *Workflow) HandleAction(ctx context.Context, ev slackbot.ActionEvent) error {
	if !strings.HasPrefix(ev.ActionID, approvalButtonPrefix) {
		return nil
	}
	ar, err := a.opts.Store.Approval(ctx, ev.Value)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("button %s: %w", ev.ActionID, err)
	// A click can come before the post it was made on is recorded (the
	// post is sent, then stored): its buttons carry the request's id, so
	// the click counts; once the post is recorded, a click must be on it.
	case ar.TeamID != ev.TeamID || ar.ChannelID != ev.ChannelID || (ev.MessageTS != "" && ar.PostTS != "" && ev.MessageTS != ar.PostTS):
		a.log.Warn("button for an approval posted elsewhere", "id", ar.ID, "team", ev.TeamID, "channel", ev.ChannelID)
		return nil
	case ar.State != Pending:
		return nil
	}
	// A workspace without a client (uninstalled) cannot see the outcome:
	// leave the request as it is rather than run it unseen.
	if _, err := a.chat(ctx, ar.TeamID); err != nil {
		return fmt.Errorf("button %s: %w", ev.ActionID, err)
	}
	if !a.opts.Now().Before(ar.ExpiresAt) {
		_, err := a.expire(ctx, ar)
		return err
	}
	if ev.ActionID == WithdrawActionID {
		return a.withdraw(ctx, ar, ev.UserID)
	}
	ok, why, err := a.eligible(ctx, ar, ev.UserID)
	if err != nil {
		return err
	}
	switch {
	case ev.ActionID == RejectActionID && ok:
		return a.reject(ctx, ar, ev.UserID, viaButton)
	case ev.ActionID == RejectActionID:
		a.ignored(ctx, ar, ev.UserID, "rejection", why)
		return nil
	case ev.ActionID != ApproveActionID:
		return nil
	case !ok:
		a.ignored(ctx, ar, ev.UserID, "approval", why)
		return nil
	}
	added, err := a.approve(ctx, ar, ev.UserID, viaButton)
	if err != nil {
		return err
	}
	if added {
		a.say(ctx, ar, a.progress(ctx, ar, fmt.Sprintf("<@%s> approved.", ev.UserID)))
	}
	err = a.tryStart(ctx, ar)
	if added {
		a.showProgress(ctx, ar)
	}
	return err
}

// eligible says whether user's vote counts: the caller's always does
// (as the caller's own, never as one of the others); anyone else needs
// the approval permission on the channel now.
func (a *Workflow) eligible(ctx context.Context, ar Request, user string) (bool, string, error) {
	if user == ar.CallerID || ar.Permission == "" {
		return true, "", nil
	}
	if a.opts.Authorizer == nil {
		return false, "no permission service is configured", nil
	}
	d, err := a.opts.Authorizer.CheckPermission(ctx, ar.TeamID, user, ar.approverEntity(), ar.Permission)
	if err != nil {
		return false, "", fmt.Errorf("check %s for approver %s of %s: %w", ar.Permission, user, ar.ID, err)
	}
	return d.Allowed, d.Reason, nil
}

// approve stores user's approval and reports whether it is new.
func (a *Workflow) approve(ctx context.Context, ar Request, user, via string) (bool, error) {
	added, err := a.opts.Store.AddApprovalVote(ctx, ar.ID, Vote{UserID: user, Kind: VoteApprove, Via: via, At: a.opts.Now()})
	if err != nil {
		return false, err
	}
	if added {
		role := "approver"
		if user == ar.CallerID {
			role = "caller"
		}
		a.event(ctx, ar.ID, "approved", user, role+" by "+via)
	}
	return added, nil
}

// withdraw deletes user's approval while the request is pending.
func (a *Workflow) withdraw(ctx context.Context, ar Request, user string) error {
	removed, err := a.opts.Store.RemoveApprovalVote(ctx, ar.ID, user)
	if err != nil {
		return err
	}
	if removed {
		a.event(ctx, ar.ID, "withdrawn", user, "")
		if ar.Mode == ByButton {
			a.showProgress(ctx, ar)
			a.say(ctx, ar, a.progress(ctx, ar, fmt.Sprintf("<@%s> withdrew their approval.", user)))
		}
	}
	return nil
}

// ignored tells the thread why user's vote does not count.
func (a *Workflow) ignored(ctx context.Context, ar Request, user, what, why string) {
	a.event(ctx, ar.ID, "ignored", user, what+": "+why)
	text := fmt.Sprintf("<@%s>'s %s does not count: approvers need %s %s.", user, what, ar.Permission, ar.approverPlace())
	if why != "" {
		text += " " + why
	}
	a.say(ctx, ar, text)
}

// approverEntity is where approvers must hold the request's permission.
func (ar Request) approverEntity() string {
	if ar.EntityID != "" {
		return ar.EntityID
	}
	return ar.ChannelID
}

// approverPlace names approverEntity in a sentence: "in this channel",
// "on <#C1>" or "on T1".
func (ar Request) approverPlace() string {
	switch e := ar.approverEntity(); {
	case e == ar.ChannelID:
		return "in this channel"
	case strings.HasPrefix(e, "C") || strings.HasPrefix(e, "G"):
		return "on <#" + e + ">"
	default:
		return "on " + e
	}
}
