package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// assignmentsBody is the assignments page's data.
type assignmentsBody struct {
	// By is "user", "entity" or "role"; Value what was asked for.
	By, Value   string
	Assignments []authz.Assignment
	Roles       []authz.Role
	Entities    []authz.Entity
	Users       []string
}

// assignmentsPage serves GET /assignments?user=U, ?entity=E or ?role=R:
// the assignments that match, with revoke buttons, and the assign form.
func (c *Console) assignmentsPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	ctx := r.Context()
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
	b.Assignments = list
	if b.Roles, err = c.engine.Roles(ctx); err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	if b.Entities, err = c.engine.Entities(ctx); err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	accts, err := c.accounts(ctx)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	seen := map[string]bool{}
	for _, a := range accts {
		if !seen[a.UserID] {
			seen[a.UserID] = true
			b.Users = append(b.Users, a.UserID)
		}
	}
	c.render(w, r, s, http.StatusOK, "assignments", "Assignments", b)
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
