package console

import (
	"fmt"
	"net/http"

	"github.com/bastionhq/bastion/authz"
)

// teamApprovals is one workspace's pending approvals.
type teamApprovals struct {
	TeamID  string
	Pending []PendingApproval
}

// approvalsBody is the approvals page's data.
type approvalsBody struct {
	Configured bool
	Teams      []teamApprovals
}

// approvalsPage serves GET /approvals: the pending approvals of every
// workspace.
func (c *Console) approvalsPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	b := approvalsBody{Configured: c.opts.Approvals != nil}
	if b.Configured {
		ents, err := c.engine.Entities(r.Context())
		if err != nil {
			c.readFailed(w, r, s, err)
			return
		}
		for _, e := range ents {
			if e.Type != authz.TypeWorkspace {
				continue
			}
			list, err := c.opts.Approvals.Pending(r.Context(), e.ID)
			if err != nil {
				c.readFailed(w, r, s, fmt.Errorf("pending approvals of %s: %w", e.ID, err))
				return
			}
			b.Teams = append(b.Teams, teamApprovals{TeamID: e.ID, Pending: list})
		}
	}
	c.render(w, r, s, http.StatusOK, "approvals", "Pending approvals", b)
}
