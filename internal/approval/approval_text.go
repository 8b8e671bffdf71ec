package approval

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/router"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// maxSectionText is Slack's limit on a section block's text.
const maxSectionText = 3000

// requestText is the request post: what would run, the dry run, who must
// approve and how.
func requestText(ar Request, approveEmoji, rejectEmoji string) string {
	if ar.Summary != "" {
		return openedText(ar, approveEmoji, rejectEmoji)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Approval needed for `%s`, asked by <@%s> (request %s).\n", bot.Escape(clip(ar.Text, 200)), ar.CallerID, ar.ID)
	if ar.DryRun != "" {
		// A quote, not a code block: Slack renders the references a dry
		// run names (<#C4>, <@U1>) in a quote, and shows them raw in code.
		b.WriteString("Dry run, nothing changed yet:\n")
		for _, line := range strings.Split(clip(ar.DryRun, 2000), "\n") {
			fmt.Fprintf(&b, "> %s\n", line)
		}
	} else {
		b.WriteString("This command has no dry run: it cannot say in advance what it will change.\n")
	}
	others := "other people"
	if ar.Needed == 1 {
		others = "other person"
	}
	who := "in this channel"
	if ar.Permission != "" {
		who = "with " + ar.Permission + " in this channel"
	}
	fmt.Fprintf(&b, "To run it, <@%s> and %d %s %s must approve. ", ar.CallerID, ar.Needed, others, who)
	if ar.Mode == ByButton {
		b.WriteString("Use the buttons below; Reject cancels it.")
	} else {
		fmt.Fprintf(&b, "React with :%s: to approve or :%s: to reject; removing your :%s: withdraws your approval.",
			approveEmoji, rejectEmoji, approveEmoji)
	}
	fmt.Fprintf(&b, "\nExpires in %s.", ar.ExpiresAt.Sub(ar.CreatedAt))
	return b.String()
}

// requestBlocks is the ByButton post: the text and the three buttons.
func requestBlocks(ar Request, text string) []slack.Block {
	button := func(id, label string, style slack.Style) *slack.ButtonBlockElement {
		b := slack.NewButtonBlockElement(id, ar.ID, slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
		if style != "" {
			b = b.WithStyle(style)
		}
		return b
	}
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(text, maxSectionText), false, false), nil, nil),
		slack.NewActionBlock("bastion_approval",
			button(ApproveActionID, "Approve", slack.StylePrimary),
			button(RejectActionID, "Reject", slack.StyleDanger),
			button(WithdrawActionID, "Withdraw my approval", "")),
	}
}

// updatePost rewrites the request post once the request is closed, with
// its outcome and without buttons.
func (a *Workflow) updatePost(ctx context.Context, ar Request, status string) {
	if ar.PostTS == "" {
		return
	}
	defer a.posts.lock(ar.ID)()
	text := requestText(ar, a.opts.ApproveEmoji, a.opts.RejectEmoji)
	if i := strings.LastIndex(text, "\nTo run it"); i >= 0 {
		text = text[:i]
	} else if i := strings.LastIndex(text, "\n"+openedVoteHead); i >= 0 {
		text = text[:i]
	}
	text += "\n*" + status + "*"
	var blocks []slack.Block
	if ar.Mode == ByButton {
		blocks = []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(text, maxSectionText), false, false), nil, nil)}
	}
	chat, err := a.chat(ctx, ar.TeamID)
	if err == nil {
		err = chat.UpdateMessage(ctx, ar.ChannelID, ar.PostTS, text, blocks)
	}
	if err != nil {
		a.log.Warn("update approval post", "id", ar.ID, "err", err)
	}
}

// say posts in the request's thread, logging a failure: the store, not
// the thread, is the record.
func (a *Workflow) say(ctx context.Context, ar Request, text string) {
	if err := (approvalReply{a: a, ar: ar}).Reply(ctx, text); err != nil {
		a.log.Warn("reply in approval thread", "id", ar.ID, "err", err)
	}
}

// approvalReply is a bot.Responder posting in a request's thread with the
// client of the request's workspace.
type approvalReply struct {
	a  *Workflow
	ar Request
}

func (r approvalReply) Reply(ctx context.Context, text string) error {
	chat, err := r.a.chat(ctx, r.ar.TeamID)
	if err != nil {
		return err
	}
	_, err = chat.PostReply(ctx, r.ar.ChannelID, r.ar.ThreadTS, text)
	return err
}

// ReplyBlocks posts a Block Kit message in the request's thread.
func (r approvalReply) ReplyBlocks(ctx context.Context, text string, blocks []slack.Block) error {
	chat, err := r.a.chat(ctx, r.ar.TeamID)
	if err != nil {
		return err
	}
	_, err = chat.PostBlocks(ctx, r.ar.ChannelID, r.ar.ThreadTS, text, blocks)
	return err
}

// progress describes the votes so far after prefix.
func (a *Workflow) progress(ctx context.Context, ar Request, prefix string) string {
	votes, err := a.opts.Store.ApprovalVotes(ctx, ar.ID)
	if err != nil {
		return prefix
	}
	caller, others := false, 0
	for _, v := range votes {
		switch {
		case v.Kind != VoteApprove:
		case v.UserID == ar.CallerID:
			caller = true
		default:
			others++
		}
	}
	if ar.Summary != "" {
		return fmt.Sprintf("%s Approvals: %d of %d.", prefix, others, ar.Needed)
	}
	state := "still needed"
	if caller {
		state = "given"
	}
	return fmt.Sprintf("%s The caller's approval: %s; others: %d of %d.", prefix, state, others, ar.Needed)
}

// progressLine counts the approvals of a pending request so far, the
// caller's included, out of all it needs, and names who gave them:
// "1 of 2 approvals so far: <@U1>." Only people count, never the bot.
func progressLine(ar Request, votes []Vote) string {
	var who []string
	for _, v := range votes {
		if v.Kind == VoteApprove && !slices.Contains(who, v.UserID) {
			who = append(who, v.UserID)
		}
	}
	if len(who) == 0 {
		return fmt.Sprintf("No approvals yet (0 of %d).", ar.Needed+1)
	}
	return fmt.Sprintf("%d of %d approvals so far: %s.", len(who), ar.Needed+1, mentionList(who))
}

// showProgress rewrites the post of a request still pending with its
// progress line, logging a failure: the store, not the post, is the
// record. A request that ran or closed meanwhile keeps the post its
// outcome wrote.
func (a *Workflow) showProgress(ctx context.Context, ar Request) {
	if ar.PostTS == "" {
		return
	}
	defer a.posts.lock(ar.ID)()
	if now, err := a.opts.Store.Approval(ctx, ar.ID); err != nil || now.State != Pending {
		return
	}
	votes, err := a.opts.Store.ApprovalVotes(ctx, ar.ID)
	if err != nil {
		a.log.Warn("approval progress", "id", ar.ID, "err", err)
		return
	}
	text := requestText(ar, a.opts.ApproveEmoji, a.opts.RejectEmoji) + "\n*" + progressLine(ar, votes) + "*"
	var blocks []slack.Block
	if ar.Mode == ByButton {
		blocks = requestBlocks(ar, text)
	}
	chat, err := a.chat(ctx, ar.TeamID)
	if err == nil {
		err = chat.UpdateMessage(ctx, ar.ChannelID, ar.PostTS, text, blocks)
	}
	if err != nil {
		a.log.Warn("update approval progress", "id", ar.ID, "err", err)
	}
}

// approvers lists who approved, the caller first.
func (a *Workflow) approvers(ctx context.Context, ar Request) []string {
	votes, err := a.opts.Store.ApprovalVotes(ctx, ar.ID)
	if err != nil {
		a.log.Warn("load approvers", "id", ar.ID, "err", err)
	}
	out := []string{ar.CallerID}
	for _, v := range votes {
		if v.Kind == VoteApprove && v.UserID != ar.CallerID {
			out = append(out, v.UserID)
		}
	}
	return out
}

func mentionList(users []string) string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = "<@" + u + ">"
	}
	return strings.Join(out, ", ")
}

// event appends to the request's history, logging a failure.
func (a *Workflow) event(ctx context.Context, id, kind, user, detail string) {
	ev := Event{RequestID: id, Kind: kind, UserID: user, Detail: detail, At: a.opts.Now()}
	if err := a.opts.Store.RecordApprovalEvent(context.WithoutCancel(ctx), ev); err != nil {
		a.log.Error("record approval event", "id", id, "kind", kind, "err", err)
	}
}

// audit records an invocation when an audit log is configured.
func (a *Workflow) audit(ctx context.Context, inv router.Invocation) {
	if a.opts.Audit == nil {
		return
	}
	if err := a.opts.Audit.RecordInvocation(context.WithoutCancel(ctx), inv); err != nil {
		a.log.Error("record invocation", "ts", inv.MessageTS, "err", err)
	}
}
