package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// teamApprovals is one workspace's pending approvals that the user may
// see.
type teamApprovals struct {
	TeamID  string
	Pending []approvalRow
}

// approvalRow is one pending approval, with the attributes that hide it
// when the user may no longer see it, and those of its vote buttons.
type approvalRow struct {
	PendingApproval
	Attrs template.HTMLAttr
	// Own is set on the user's own request: their vote is the
	// requester's, always theirs to cast.
	Own bool
	// VoteAttrs hide the vote buttons from who may not vote (the
	// request's permission on its channel); the workflow decides again.
	VoteAttrs template.HTMLAttr
}

// approvalsBody is the approvals page's data.
type approvalsBody struct {
	Configured bool
	// Voting says whether the page offers Approve and Reject.
	Voting bool
	Teams  []teamApprovals
}

// approvalsPage serves GET /approvals: the pending approvals the user may
// see, by workspace: their own requests, and those in channels where they
// hold VIEW_APPROVALS.
func (c *Console) approvalsPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	pv, err := c.permissions(r.Context(), s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	b := approvalsBody{Configured: c.opts.Approvals != nil, Voting: c.opts.Votes != nil}
	var users, named []string
	if b.Configured {
		ents, err := c.engine.Entities(r.Context())
		if err != nil {
			c.readFailed(w, r, s, err)
			return
		}
		for _, e := range ents {
			// A workspace where the user can see nothing is not read.
			if e.Type != authz.TypeWorkspace || e.ID != s.TeamID && !pv.inLine(PermViewApprovals, e.ID) {
				continue
			}
			list, err := c.opts.Approvals.Pending(r.Context(), e.ID)
			if err != nil {
				c.readFailed(w, r, s, fmt.Errorf("pending approvals of %s: %w", e.ID, err))
				return
			}
			ta := teamApprovals{TeamID: e.ID}
			named = append(named, e.ID)
			for _, a := range list {
				if sh, ok := pv.approvalShown(a); ok {
					row := approvalRow{PendingApproval: a, Attrs: sh.attrs(), Own: a.RequesterID == s.UserID && a.TeamID == s.TeamID}
					if !row.Own && a.Permission != "" {
						row.VoteAttrs = (&pageData{Perms: pv}).Needs(a.Permission, a.ChannelID)
					}
					ta.Pending = append(ta.Pending, row)
					users, named = append(users, a.RequesterID), append(named, a.ChannelID)
				}
			}
			if len(ta.Pending) > 0 || pv.inLine(PermViewApprovals, e.ID) {
				b.Teams = append(b.Teams, ta)
			}
		}
	}
	c.label(r.Context(), s, users, named)
	c.renderNeeding(w, r, s, PermViewApprovals, "approvals", "Pending approvals", b)
}

// vote serves POST /approvals/{id}/vote (vote=approve or reject, team):
// the signed-in user's vote, cast through the approval workflow's own
// vote path. The workflow decides whether it counts: the voter must hold
// the request's permission on its channel now (the requester's vote is
// the requester's own), and the request runs once.
func (c *Console) vote(w http.ResponseWriter, r *http.Request, s *userSession) {
	id := r.PathValue("id")
	approve := r.PostFormValue("vote") != "reject"
	verb := "approve"
	if !approve {
		verb = "reject"
	}
	what := verb + " request " + id
	if c.opts.Votes == nil {
		c.fail(w, r, s, http.StatusNotFound, "Could not "+what+": voting from the console is not configured on this server; vote in Slack.")
		return
	}
	team := strings.TrimSpace(r.PostFormValue("team"))
	if team == "" {
		team = s.TeamID
	}
	out, err := c.opts.Votes.Vote(r.Context(), Vote{RequestID: id, TeamID: team, UserID: s.UserID, Approve: approve})
	switch {
	case errors.Is(err, ErrApprovalNotFound):
		c.fail(w, r, s, http.StatusNotFound, "Could not "+what+": there is no such request.")
		return
	case err != nil:
		c.log.Error("console: vote", "actor", s.Actor().String(), "request", id, "error", err)
		c.fail(w, r, s, http.StatusInternalServerError, "Could not "+what+": the server failed. Try again.")
		return
	case !out.Counted && out.State != "" && out.State != "pending":
		c.fail(w, r, s, http.StatusConflict, fmt.Sprintf("Could not %s: the request is no longer pending (it is %s).", what, out.State))
		return
	case !out.Counted:
		msg := fmt.Sprintf("Your %s does not count", map[bool]string{true: "approval", false: "rejection"}[approve])
		if out.Reason != "" {
			msg += ": " + out.Reason
		}
		c.fail(w, r, s, http.StatusForbidden, msg+".")
		return
	}
	var msg string
	switch {
	case !approve:
		msg = "You rejected the request; it will not run."
	case out.State == "pending":
		msg = fmt.Sprintf("Your approval is recorded: %d of %d approvals%s.", out.Approvals, out.Required,
			map[bool]string{true: "", false: ", and the requester must approve too"}[out.CallerApproved])
	default:
		msg = fmt.Sprintf("Your approval is recorded, and the request has what it needs: it is %s.", out.State)
	}
	c.done(w, r, s, msg, "/approvals")
}
