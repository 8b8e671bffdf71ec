package console

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bastionhq/bastion/authz"
)

// permView is the signed-in user's permissions as pages and the script
// use them: permissions by entity plus every entity's parent, so that an
// assignment on an entity also covers what lies below it.
type permView struct {
	TeamID      string                    `json:"team_id"`
	UserID      string                    `json:"user_id"`
	AccountType string                    `json:"account_type"`
	Revision    int64                     `json:"revision"`
	Entities    []authz.EntityPermissions `json:"entities"`
	Parents     map[string]string         `json:"parents"`
}

// maxAncestry bounds parent walks, as the engine does.
const maxAncestry = 8

// can reports whether the view grants permission on entity or one of its
// ancestors; with entity "", on any entity.
func (p *permView) can(permission, entity string) bool {
	held := func(id string) bool {
		for _, ep := range p.Entities {
			if ep.EntityID != id {
				continue
			}
			for _, q := range ep.Permissions {
				if q == permission {
					return true
				}
			}
		}
		return false
	}
	if entity == "" {
		for _, ep := range p.Entities {
			if held(ep.EntityID) {
				return true
			}
		}
		return false
	}
	for id, d := entity, 0; id != "" && d < maxAncestry; d++ {
		if held(id) {
			return true
		}
		id = p.Parents[id]
	}
	return false
}

// permissions reads the session user's permissions, authoritatively.
func (c *Console) permissions(ctx context.Context, s *userSession) (*permView, error) {
	up, err := c.engine.ListUserPermissions(ctx, s.TeamID, s.UserID)
	if err != nil {
		return nil, fmt.Errorf("permissions of %s: %w", s.Actor(), err)
	}
	ents, err := c.engine.Entities(ctx)
	if err != nil {
		return nil, fmt.Errorf("entities: %w", err)
	}
	pv := &permView{TeamID: up.TeamID, UserID: up.UserID, AccountType: up.AccountType.String(),
		Revision: int64(up.Revision), Entities: up.Entities, Parents: map[string]string{}}
	if pv.Entities == nil {
		pv.Entities = []authz.EntityPermissions{}
	}
	for _, e := range ents {
		if e.ParentID != "" {
			pv.Parents[e.ID] = e.ParentID
		}
	}
	return pv, nil
}

// permissionsJSON serves GET /api/permissions: the view the page's script
// draws controls from.
func (c *Console) permissionsJSON(w http.ResponseWriter, r *http.Request, s *userSession) {
	pv, err := c.permissions(r.Context(), s)
	if err != nil {
		c.log.Warn("console: permissions for the page", "user", s.UserID, "error", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Your permissions could not be read. Try again."})
		return
	}
	writeJSON(w, http.StatusOK, pv)
}
