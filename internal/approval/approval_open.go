package approval

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/bot"
)

// viaRequest marks the caller's approval recorded when a command opens a
// request itself: asking is approving.
const viaRequest = "request"

// openedVoteHead starts the voting instructions of a request opened by
// OpenRequest; the post's final edit drops everything from it on.
const openedVoteHead = "Approval needed from "

// Spec is what a command that opens its own request (OpenRequest) decides
// about it, where the router's gate would take it from the command's
// declaration: an access request names the approvers' permission, the
// entity they hold it on, and its own summary.
type Spec struct {
	// Needed is how many people besides the caller must approve; at
	// least 1.
	Needed int
	// Permission is what they must hold on EntityID when they vote;
	// empty lets anyone approve.
	Permission string
	// EntityID is where they must hold it; empty means the channel.
	EntityID string
	// Summary heads the request post: what is asked and why (mrkdwn).
	Summary string
	// Eligible, when set, names who may approve, shown in the post; the
	// permission is still checked at the moment of each vote.
	Eligible []string
}

// OpenRequest opens a pending request for req as spec says and posts it
// in req's thread. The caller's own approval is recorded at once, so only
// the others vote, and it never counts as one of spec.Needed. Votes,
// rejection, expiry and the exactly-once start work as for commands that
// need approvals; once approved, req's text is matched again and its
// handler runs once, with req.Approvers set (the caller first). Returns an
// error, and opens nothing, if spec.Needed is below 1, if req is a direct
// message (no approver could see it), or if the workspace's client or the
// store fails; opening the same message twice opens one request.
func (a *Workflow) OpenRequest(ctx context.Context, req *bot.Request, spec Spec) error {
	now := a.opts.Now()
	if spec.Needed < 1 {
		return fmt.Errorf("open request for `%s`: it needs at least one approver besides the caller", req.Command.Usage())
	}
	if strings.TrimSpace(spec.Summary) == "" {
		return fmt.Errorf("open request for `%s`: no summary", req.Command.Usage())
	}
	if req.Direct {
		return fmt.Errorf("this needs %d approver(s), who cannot see a direct message: ask in a channel", spec.Needed)
	}
	mode, err := a.mode(ctx, req.TeamID)
	if err != nil {
		return err
	}
	summary := spec.Summary
	if len(spec.Eligible) > 0 {
		summary += "\nWho may approve: " + mentionList(spec.Eligible) + "."
	}
	ar := Request{
		ID: ID(req.TeamID, req.ChannelID, req.TS), TeamID: req.TeamID, ChannelID: req.ChannelID,
		MessageTS: req.TS, ThreadTS: req.ThreadTS, CallerID: req.UserID, Text: req.Text, Command: req.Command.Usage(),
		Needed: spec.Needed, Permission: spec.Permission, EntityID: spec.EntityID, Summary: summary, Mode: mode,
		State: Pending, CreatedAt: now, ExpiresAt: now.Add(a.opts.TTL),
	}
	return a.open(ctx, ar, true)
}

// openedText is the post of a request opened by OpenRequest.
func openedText(ar Request, approveEmoji, rejectEmoji string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n(request %s)\n", strings.TrimSpace(clip(ar.Summary, 2000)), ar.ID)
	others := "other people"
	if ar.Needed == 1 {
		others = "other person"
	}
	who := ""
	if ar.Permission != "" {
		who = " with " + ar.Permission + " " + ar.approverPlace()
	}
	fmt.Fprintf(&b, "%s%d %s%s, not <@%s>. ", openedVoteHead, ar.Needed, others, who, ar.CallerID)
	if ar.Mode == ByButton {
		b.WriteString("Use the buttons below; Reject cancels it.")
	} else {
		fmt.Fprintf(&b, "React with :%s: to approve or :%s: to reject.", approveEmoji, rejectEmoji)
	}
	fmt.Fprintf(&b, "\nExpires in %s.", ar.ExpiresAt.Sub(ar.CreatedAt))
	return b.String()
}
