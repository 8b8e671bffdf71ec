package console

import (
	"html/template"
	"net/http"
	"sort"

	"github.com/bastionhq/bastion/authz"
)

// entityRow is one line of the entity tree, indented by Depth, with the
// attributes that hide it when the user may no longer see it.
type entityRow struct {
	authz.Entity
	Depth int
	Attrs template.HTMLAttr
}

// entityTree orders entities depth first, children by id, roots first;
// entities whose parent is missing are listed as roots.
func entityTree(ents []authz.Entity) []entityRow {
	byID := map[string]bool{}
	children := map[string][]authz.Entity{}
	for _, e := range ents {
		byID[e.ID] = true
	}
	var roots []authz.Entity
	for _, e := range ents {
		if e.ParentID == "" || !byID[e.ParentID] {
			roots = append(roots, e)
		} else {
			children[e.ParentID] = append(children[e.ParentID], e)
		}
	}
	var out []entityRow
	var walk func(e authz.Entity, depth int)
	walk = func(e authz.Entity, depth int) {
		out = append(out, entityRow{Entity: e, Depth: depth})
		kids := children[e.ID]
		sort.Slice(kids, func(i, j int) bool { return kids[i].ID < kids[j].ID })
		for _, k := range kids {
			if depth < maxAncestry {
				walk(k, depth+1)
			}
		}
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].ID < roots[j].ID })
	for _, r := range roots {
		walk(r, 0)
	}
	return out
}

// entitiesPage serves GET /entities: enterprise → workspaces → channels,
// as far as the user holds VIEW_ASSIGNMENTS; the top of what they may see
// is drawn as a root.
func (c *Console) entitiesPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	pv, err := c.permissions(r.Context(), s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	ents, err := c.engine.Entities(r.Context())
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	var visible []authz.Entity
	for _, e := range ents {
		if pv.can(PermViewAssignments, e.ID) {
			visible = append(visible, e)
		}
	}
	rows := entityTree(visible)
	for i := range rows {
		rows[i].Attrs = shown{Permission: PermViewAssignments, Entities: []string{rows[i].ID}}.attrs()
	}
	c.renderNeeding(w, r, s, PermViewAssignments, "entities", "Entities", rows)
}
