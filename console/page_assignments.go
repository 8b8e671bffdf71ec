package console

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// assignmentsBody is the assignments page's data.
type assignmentsBody struct {
	// By is "user", "entity" or "role"; Value what was asked for.
	By, Value string
	// Assignments are those that match and that the user may see.
	Assignments []assignmentRow
	// Roles, Entities and Users are what the assign form offers: the
	// roles the user may see or assign, the entities where they may
	// assign, and the members of the workspaces there.
	Roles    []authz.Role
	Entities []authz.Entity
	Users    []string
}

// assignmentRow is one assignment the user may see, with the attributes
// that hide it when the user no longer may.
type assignmentRow struct {
	authz.Assignment
	Attrs template.HTMLAttr
}

// assignmentsPage serves GET /assignments?user=U, ?entity=E or ?role=R:
// the assignments that match and that the user may see (their own, and
// those on entities where they hold VIEW_ASSIGNMENTS), with revoke
// buttons, and the assign form.
func (c *Console) assignmentsPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	ctx := r.Context()
	pv, err := c.permissions(ctx, s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	var b assignmentsBody
	q := r.URL.Query()
	for _, by := range []string{"user", "entity", "role"} {
		if v := strings.TrimSpace(q.Get(by)); v != "" {
			b.By, b.Value = by, v
			break
		}
	}
	if b.By == "" {
		b.By, b.Value = "user", s.UserID
	}
	f := authz.AssignmentFilter{}
	switch b.By {
	case "user":
		f.UserID = b.Value
	case "entity":
		f.EntityID = b.Value
	case "role":
		f.Role = b.Value
	}
	list, err := c.engine.Assignments(ctx, f)
	if err != nil {
		c.readFailed(w, r, s, fmt.Errorf("list assignments by %s %s: %w", b.By, b.Value, err))
		return
	}
	for _, a := range list {
		if sh, ok := pv.assignmentShown(a); ok {
			b.Assignments = append(b.Assignments, assignmentRow{Assignment: a, Attrs: sh.attrs()})
		}
	}
	if pv.anywhere(authz.PermAssignRoles) {
		if err := c.assignFormOptions(ctx, pv, &b); err != nil {
			c.readFailed(w, r, s, err)
			return
		}
	}
	c.renderNeeding(w, r, s, PermViewAssignments, "assignments", "Assignments", b)
}

// assignFormOptions fills what the assign form offers a user who holds
// ASSIGN_ROLES somewhere.
func (c *Console) assignFormOptions(ctx context.Context, pv *permView, b *assignmentsBody) error {
	roles, err := c.engine.Roles(ctx)
	if err != nil {
		return err
	}
	for _, role := range roles {
		if _, seen := pv.roleShown(role); seen || role.Scope == "" || pv.inLine(authz.PermAssignRoles, role.Scope) {
			b.Roles = append(b.Roles, role)
		}
	}
	ents, err := c.engine.Entities(ctx)
	if err != nil {
		return err
	}
	teams := map[string]bool{}
	for _, e := range ents {
		if pv.can(authz.PermAssignRoles, e.ID) {
			b.Entities = append(b.Entities, e)
		}
		if e.Type == authz.TypeWorkspace && pv.inLine(authz.PermAssignRoles, e.ID) {
			teams[e.ID] = true
		}
	}
	accts, err := c.accounts(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range accts {
		if teams[a.TeamID] && !seen[a.UserID] {
			seen[a.UserID] = true
			b.Users = append(b.Users, a.UserID)
		}
	}
	return nil
}

// assignmentForm reads the user, role and entity of an assign or revoke.
func assignmentForm(r *http.Request) (user, role, entity string) {
	return strings.TrimSpace(r.PostFormValue("user")), strings.TrimSpace(r.PostFormValue("role")), strings.TrimSpace(r.PostFormValue("entity"))
}

// assign serves POST /assignments/assign; it needs ASSIGN_ROLES on the
// entity.
func (c *Console) assign(w http.ResponseWriter, r *http.Request, s *userSession) {
	user, role, entity := assignmentForm(r)
	what := fmt.Sprintf("assign %s to %s on %s", role, user, entity)
	if _, err := c.engine.AssignAs(r.Context(), s.Actor(), user, role, entity); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	c.done(w, r, s, fmt.Sprintf("Assigned %s to %s on %s.", role, user, entity), "/assignments?user="+url.QueryEscape(user))
}

// revoke serves POST /assignments/revoke; it needs ASSIGN_ROLES on the
// entity.
func (c *Console) revoke(w http.ResponseWriter, r *http.Request, s *userSession) {
	user, role, entity := assignmentForm(r)
	what := fmt.Sprintf("revoke %s from %s on %s", role, user, entity)
	if _, err := c.engine.RevokeAs(r.Context(), s.Actor(), user, role, entity); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	c.done(w, r, s, fmt.Sprintf("Revoked %s from %s on %s.", role, user, entity), "/assignments?user="+url.QueryEscape(user))
}
