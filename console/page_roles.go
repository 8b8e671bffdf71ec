package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console/preview"
)

// rolesBody is the roles pages' data.
type rolesBody struct {
	// Roles are the roles the user may see.
	Roles []roleRow
	// Permissions are the roles file's permissions, offered by the role
	// form to users who may edit roles somewhere.
	Permissions []authz.Permission
	// Scopes are the enterprises and workspaces where the user may create
	// custom roles.
	Scopes []authz.Entity
	// Edit is the role being edited (role_edit), or a blank one.
	Edit authz.Role
	// EditAttrs tie the edited role to what lets the user see it.
	EditAttrs template.HTMLAttr
	IsNew     bool
	// Previews says whether the role form leads to a preview first.
	Previews bool
}

// labelRoles reads the names of the scopes the roles pages show.
func (c *Console) labelRoles(r *http.Request, s *userSession, b rolesBody) {
	var ids []string
	for _, role := range b.Roles {
		ids = append(ids, role.Scope)
	}
	for _, e := range b.Scopes {
		ids = append(ids, e.ID)
	}
	c.label(r.Context(), s, nil, append(ids, b.Edit.Scope))
}

// roleRow is one role the user may see, with the attributes that hide it
// when the user no longer may.
type roleRow struct {
	authz.Role
	Attrs template.HTMLAttr
}

// Has reports whether the edited role grants permission p.
func (b rolesBody) Has(p string) bool { return b.Edit.Grants(p) }

// rolesBody reads the roles pv may see, and what the role form offers.
func (c *Console) rolesBody(r *http.Request, pv *permView) (rolesBody, error) {
	b := rolesBody{Previews: c.previewer != nil}
	roles, err := c.engine.Roles(r.Context())
	if err != nil {
		return b, fmt.Errorf("list roles: %w", err)
	}
	for _, role := range roles {
		if sh, ok := pv.roleShown(role); ok {
			b.Roles = append(b.Roles, roleRow{Role: role, Attrs: sh.attrs()})
		}
	}
	if !pv.anywhere(authz.PermAdministerRoles) {
		return b, nil
	}
	cat := c.engine.Catalog()
	for _, n := range cat.PermissionNames() {
		b.Permissions = append(b.Permissions, cat.Permissions[n])
	}
	ents, err := c.engine.Entities(r.Context())
	if err != nil {
		return b, fmt.Errorf("list entities: %w", err)
	}
	for _, e := range ents {
		if (e.Type == authz.TypeEnterprise || e.Type == authz.TypeWorkspace) && pv.can(authz.PermAdministerRoles, e.ID) {
			b.Scopes = append(b.Scopes, e)
		}
	}
	return b, nil
}

// rolesPage serves GET /roles: the roles the user may see with their
// permissions, and the form that creates a custom role. It needs
// VIEW_ROLES.
func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	pv, err := c.permissions(r.Context(), s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	b, err := c.rolesBody(r, pv)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	b.IsNew = true
	c.labelRoles(r, s, b)
	c.renderNeeding(w, r, s, PermViewRoles, "roles", "Roles", b)
}

// roleEditPage serves GET /roles/{name}: one role, and the form that
// edits a custom role. A role the user may not see is answered as one
// that does not exist.
func (c *Console) roleEditPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	pv, err := c.permissions(r.Context(), s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	name := r.PathValue("name")
	role, err := c.engine.Role(r.Context(), name)
	if err != nil && !errors.Is(err, authz.ErrNotFound) {
		c.readFailed(w, r, s, err)
		return
	}
	sh, ok := pv.roleShown(role)
	if err != nil || !ok {
		c.fail(w, r, s, http.StatusNotFound, fmt.Sprintf("No role %s that you may see (roles need %s where they belong).", name, PermViewRoles))
		return
	}
	b, err := c.rolesBody(r, pv)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	b.Edit, b.EditAttrs = role, sh.attrs()
	c.labelRoles(r, s, b)
	c.render(w, r, s, http.StatusOK, "role_edit", "Role "+role.Name, b)
}

// roleForm reads the custom role a role form saves.
func roleForm(r *http.Request) authz.Role {
	return authz.Role{
		Name:        strings.ToUpper(strings.TrimSpace(r.PostFormValue("name"))),
		Description: strings.TrimSpace(r.PostFormValue("description")),
		Scope:       r.PostFormValue("scope"),
		Permissions: r.PostForm["permissions"],
	}
}

// previewRole serves POST /roles/preview: who would gain and lose what if
// the custom role were saved as the form says, and the form that
// confirms it. It needs what saving needs: ADMINISTER_ROLES on the
// role's scope, and on its former scope when it moves.
func (c *Console) previewRole(w http.ResponseWriter, r *http.Request, s *userSession) {
	role := roleForm(r)
	what := "save role " + role.Name
	if role.Scope == "" {
		c.fail(w, r, s, http.StatusBadRequest, "Could not "+what+": choose the enterprise or workspace the role belongs to.")
		return
	}
	aw, err := authz.PutRoleWrite(r.Context(), c.engine, role)
	if err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	back := c.backTo(r, "/roles/"+url.PathEscape(role.Name))
	fields := []formField{{"name", role.Name}, {"description", role.Description}, {"scope", role.Scope}, {"back", back}}
	for _, p := range role.Permissions {
		fields = append(fields, formField{"permissions", p})
	}
	b := confirmBody{Heading: "Save role " + role.Name, Action: c.opts.Prefix + "/roles", Button: "Save role", Back: back, Fields: fields}
	c.confirmWrite(w, r, s, what, aw, preview.Write{Kind: preview.PutRole, NewRole: role}, b)
}

// putRole serves POST /roles: create or replace a custom role. It needs
// ADMINISTER_ROLES on the role's scope, and on its former scope when an
// existing role moves.
func (c *Console) putRole(w http.ResponseWriter, r *http.Request, s *userSession) {
	role := roleForm(r)
	what := "save role " + role.Name
	if role.Scope == "" {
		c.fail(w, r, s, http.StatusBadRequest, "Could not "+what+": choose the enterprise or workspace the role belongs to.")
		return
	}
	if _, err := c.engine.PutRoleAs(r.Context(), s.Actor(), role); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	c.done(w, r, s, "Saved role "+role.Name+".", "/roles/"+url.PathEscape(role.Name))
}

// deleteRole serves POST /roles/{name}/delete; it needs ADMINISTER_ROLES
// on the role's scope.
func (c *Console) deleteRole(w http.ResponseWriter, r *http.Request, s *userSession) {
	name := r.PathValue("name")
	what := "delete role " + name
	if _, err := c.engine.DeleteRoleAs(r.Context(), s.Actor(), name); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	c.done(w, r, s, "Deleted role "+name+".", "/roles")
}

// readFailed answers a page whose data could not be read.
func (c *Console) readFailed(w http.ResponseWriter, r *http.Request, s *userSession, err error) {
	switch {
	case errors.Is(err, authz.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, err.Error())
	case errors.Is(err, authz.ErrInvalidRequest):
		c.fail(w, r, s, http.StatusBadRequest, err.Error())
	default:
		c.log.Error("console: read page data", "path", r.URL.Path, "error", err)
		c.fail(w, r, s, http.StatusInternalServerError, "The page's data could not be read. Try again.")
	}
}
