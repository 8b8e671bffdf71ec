package console

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console/preview"
)

// entitiesBody is the entities page's data.
type entitiesBody struct {
	Rows []entityRow
	// Types are the entity types of the roles file, Parents the entities
	// below which the user may add or move entities (ADMINISTER_ROLES),
	// and Movable the entities the user may move (ADMINISTER_ROLES on
	// their parent).
	Types    []string
	Parents  []authz.Entity
	Movable  []authz.Entity
	Previews bool
}

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
			if depth < authz.MaxDepth {
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
	var ids, creators []string
	b := entitiesBody{Types: c.engine.Catalog().EntityTypeNames(), Previews: c.previewer != nil}
	for _, e := range ents {
		if pv.can(PermViewAssignments, e.ID) {
			visible = append(visible, e)
			creators = append(creators, e.CreatorID)
		}
		if pv.can(authz.PermAdministerRoles, e.ID) {
			b.Parents = append(b.Parents, e)
		}
		if e.ParentID != "" && pv.can(authz.PermAdministerRoles, e.ParentID) || e.ParentID == "" && pv.can(authz.PermAdministerRoles, e.ID) {
			b.Movable = append(b.Movable, e)
		}
		ids = append(ids, e.ID)
	}
	// Parents are offered from the top of the tree down, entities to
	// move from the bottom up.
	sortByDepth(b.Parents, false)
	sortByDepth(b.Movable, true)
	b.Rows = entityTree(visible)
	for i := range b.Rows {
		b.Rows[i].Attrs = shown{Permission: PermViewAssignments, Entities: []string{b.Rows[i].ID}}.attrs()
	}
	c.label(r.Context(), s, creators, ids)
	c.renderNeeding(w, r, s, PermViewAssignments, "entities", "Entities", b)
}

// entityForm reads the entity an add or move form saves: a move keeps
// the entity's type and creator.
func (c *Console) entityForm(r *http.Request) (authz.Entity, error) {
	e := authz.Entity{ID: strings.TrimSpace(r.PostFormValue("id")), Type: strings.TrimSpace(r.PostFormValue("type")),
		ParentID: strings.TrimSpace(r.PostFormValue("parent"))}
	if r.PostFormValue("op") == "move" || e.Type == "" {
		old, err := c.engine.Entity(r.Context(), e.ID)
		if err != nil {
			return e, err
		}
		e.Type = old.Type
	}
	return e, nil
}

// previewEntity serves POST /entities/preview: what adding an entity, or
// moving one below another parent, would change, and the form that
// confirms it. It needs what the write needs: ADMINISTER_ROLES on the
// new parent and, for a move, on the parent it leaves.
func (c *Console) previewEntity(w http.ResponseWriter, r *http.Request, s *userSession) {
	e, err := c.entityForm(r)
	what := "save entity " + e.ID
	if err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	aw, err := authz.UpsertEntityWrite(r.Context(), c.engine, e)
	if err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	heading := "Add an entity"
	if aw.Replaces {
		heading = "Move an entity"
	}
	back := c.backTo(r, "/entities")
	b := confirmBody{Heading: heading, Action: c.opts.Prefix + "/entities", Button: "Save", Back: back,
		Fields: []formField{{"id", e.ID}, {"type", e.Type}, {"parent", e.ParentID}, {"back", back}}}
	c.confirmWrite(w, r, s, what, aw, preview.Write{Kind: preview.UpsertEntity, Entity: e}, b)
}

// upsertEntity serves POST /entities: add an entity or move one, with
// the permission server's authorization (Engine.UpsertEntityAs).
func (c *Console) upsertEntity(w http.ResponseWriter, r *http.Request, s *userSession) {
	e, err := c.entityForm(r)
	what := "save entity " + e.ID
	if err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	if _, err := c.engine.UpsertEntityAs(r.Context(), s.Actor(), e); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	l := c.label(r.Context(), s, nil, []string{e.ID, e.ParentID})
	where := "at the top of the tree"
	if e.ParentID != "" {
		where = "below " + l.entityText(e.ParentID)
	}
	c.done(w, r, s, fmt.Sprintf("Saved the %s %s %s.", e.Type, l.entityText(e.ID), where), "/entities")
}

// typeRank orders entity types from the top of the tree down.
func typeRank(t string) int {
	switch t {
	case authz.TypeEnterprise:
		return 0
	case authz.TypeWorkspace:
		return 1
	case authz.TypeChannel:
		return 2
	}
	return 3
}

// sortByDepth orders entities by type, enterprises first (channels first
// when bottomUp), then by id.
func sortByDepth(list []authz.Entity, bottomUp bool) {
	sort.SliceStable(list, func(i, j int) bool {
		ri, rj := typeRank(list[i].Type), typeRank(list[j].Type)
		if ri != rj {
			return ri < rj != bottomUp
		}
		return list[i].ID < list[j].ID
	})
}
