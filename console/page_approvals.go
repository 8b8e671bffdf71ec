package console

import (
	"fmt"
	"html/template"
	"net/http"

	"github.com/bastionhq/bastion/authz"
)

// teamApprovals is one workspace's pending approvals that the user may
// see.
type teamApprovals struct {
	TeamID  string
	Pending []approvalRow
}

// approvalRow is one pending approval, with the attributes that hide it
// when the user may no longer see it.
type approvalRow struct {
	PendingApproval
	Attrs template.HTMLAttr
}

// approvalsBody is the approvals page's data.
type approvalsBody struct {
	Configured bool
	Teams      []teamApprovals
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
	b := approvalsBody{Configured: c.opts.Approvals != nil}
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
			for _, a := range list {
				if sh, ok := pv.approvalShown(a); ok {
					ta.Pending = append(ta.Pending, approvalRow{PendingApproval: a, Attrs: sh.attrs()})
				}
			}
			if len(ta.Pending) > 0 || pv.inLine(PermViewApprovals, e.ID) {
				b.Teams = append(b.Teams, ta)
			}
		}
	}
	c.renderNeeding(w, r, s, PermViewApprovals, "approvals", "Pending approvals", b)
}
