package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/bastionhq/bastion/authz"
)

// permView is the signed-in user's permissions as pages and the script
// use them: permissions by entity plus entities' parents, so that an
// assignment on an entity also covers what lies below it.
//
// Only Parents reaches the browser, and it names the entities at, above
// and below those where the user holds a permission: the script needs no
// more to decide about what a page shows, and the rest of the tree is not
// the user's to see. The server decides with tree, every entity's parent.
type permView struct {
	TeamID      string `json:"team_id"`
	UserID      string `json:"user_id"`
	AccountType string `json:"account_type"`
	// Version changes whenever anything else here does; it names no
	// revision of the store, which would tell how busy others are.
	Version  string                    `json:"version"`
	Entities []authz.EntityPermissions `json:"entities"`
	Parents  map[string]string         `json:"parents"`

	// tree is every entity's parent ("" for a root).
	tree map[string]string
	// types is every entity's type.
	types map[string]string
	// roots are the entities without a parent, sorted.
	roots []string
}

// holds reports whether the view grants permission on exactly id.
func (p *permView) holds(permission, id string) bool {
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

// can reports whether the view grants permission on entity or one of its
// ancestors; with entity "", on any entity.
func (p *permView) can(permission, entity string) bool {
	if entity == "" {
		return p.anywhere(permission)
	}
	for id, d := entity, 0; id != "" && d < authz.MaxDepth; d++ {
		if p.holds(permission, id) {
			return true
		}
		id = p.tree[id]
	}
	return false
}

// anywhere reports whether the view grants permission on some entity.
func (p *permView) anywhere(permission string) bool {
	for _, ep := range p.Entities {
		if p.holds(permission, ep.EntityID) {
			return true
		}
	}
	return false
}

// inLine reports whether the view grants permission on entity, above it
// or below it: what decides whether a custom role of entity concerns the
// user (a role of an enterprise can be assigned in each of its channels).
func (p *permView) inLine(permission, entity string) bool {
	if entity == "" {
		return false
	}
	if p.can(permission, entity) {
		return true
	}
	for _, ep := range p.Entities {
		if !p.holds(permission, ep.EntityID) {
			continue
		}
		for id, d := p.tree[ep.EntityID], 0; id != "" && d < authz.MaxDepth; d++ {
			if id == entity {
				return true
			}
			id = p.tree[id]
		}
	}
	return false
}

// everywhere reports whether the view grants permission on every root,
// and so on the whole tree.
func (p *permView) everywhere(permission string) bool {
	if len(p.roots) == 0 {
		return false
	}
	for _, r := range p.roots {
		if !p.holds(permission, r) {
			return false
		}
	}
	return true
}

// permissions reads the session user's permissions, authoritatively, once
// per request.
func (c *Console) permissions(ctx context.Context, s *userSession) (*permView, error) {
	if s.perms != nil {
		return s.perms, nil
	}
	up, err := c.engine.ListUserPermissions(ctx, s.TeamID, s.UserID)
	if err != nil {
		return nil, fmt.Errorf("permissions of %s: %w", s.Actor(), err)
	}
	ents, err := c.engine.Entities(ctx)
	if err != nil {
		return nil, fmt.Errorf("entities: %w", err)
	}
	pv := newPermView(up, ents)
	s.perms = pv
	return pv, nil
}

// newPermView builds the view of up over the entity tree ents.
func newPermView(up authz.UserPermissions, ents []authz.Entity) *permView {
	pv := &permView{TeamID: up.TeamID, UserID: up.UserID, AccountType: up.AccountType.String(),
		Entities: up.Entities, Parents: map[string]string{}, tree: map[string]string{}, types: map[string]string{}}
	if pv.Entities == nil {
		pv.Entities = []authz.EntityPermissions{}
	}
	children := map[string][]string{}
	for _, e := range ents {
		pv.tree[e.ID] = e.ParentID
		pv.types[e.ID] = e.Type
		if e.ParentID == "" {
			pv.roots = append(pv.roots, e.ID)
		} else {
			children[e.ParentID] = append(children[e.ParentID], e.ID)
		}
	}
	sort.Strings(pv.roots)
	// What the script may know: every held entity, its ancestors and its
	// descendants.
	known, descended := map[string]bool{}, map[string]bool{}
	var below func(id string, depth int)
	below = func(id string, depth int) {
		if descended[id] || depth > authz.MaxDepth {
			return
		}
		known[id], descended[id] = true, true
		for _, k := range children[id] {
			below(k, depth+1)
		}
	}
	for _, ep := range pv.Entities {
		below(ep.EntityID, 0)
		for id, d := pv.tree[ep.EntityID], 0; id != "" && d < authz.MaxDepth; d++ {
			known[id] = true
			id = pv.tree[id]
		}
	}
	for id := range known {
		if parent := pv.tree[id]; parent != "" && known[parent] {
			pv.Parents[id] = parent
		}
	}
	sum, _ := json.Marshal(struct {
		A string
		E []authz.EntityPermissions
		P map[string]string
	}{pv.AccountType, pv.Entities, pv.Parents})
	h := sha256.Sum256(sum)
	pv.Version = hex.EncodeToString(h[:8])
	return pv
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
	// The names of the entities the view names, for the page to draw.
	var ids []string
	for _, ep := range pv.Entities {
		ids = append(ids, ep.EntityID)
	}
	for id := range pv.Parents {
		ids = append(ids, id)
	}
	l := c.readLabels(r.Context(), pv.types, nil, ids)
	out := struct {
		*permView
		Labels map[string]string `json:"labels"`
	}{pv, map[string]string{}}
	for _, id := range ids {
		if t := l.entityText(id); t != id {
			out.Labels[id] = t
		}
	}
	writeJSON(w, http.StatusOK, out)
}
