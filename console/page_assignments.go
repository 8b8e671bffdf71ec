package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console/preview"
	"github.com/bastionhq/bastion/names"
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
	// Previews says whether the form leads to a preview first.
	Roles    []authz.Role
	Entities []authz.Entity
	Users    []pickOption
	Previews bool
	// Durations are the lengths the assign form offers.
	Durations []struct{ Value, Label string }
}

// pickOption is one choice of a picker: an id, the name it is shown by,
// and more text it is found by.
type pickOption struct{ ID, Label, Search string }

// assignmentRow is one assignment the user may see, with the attributes
// that hide it when the user no longer may.
type assignmentRow struct {
	authz.Assignment
	Attrs template.HTMLAttr
	// Ended is set when the assignment's end has come (it grants
	// nothing; the sweeper removes it).
	Ended bool
}

// assignDurations are the lengths the assign form offers, "" for none.
var assignDurations = []struct{ Value, Label string }{
	{"", "for good"}, {"1h", "1 hour"}, {"4h", "4 hours"}, {"8h", "8 hours"}, {"24h", "1 day"}, {"168h", "7 days"}, {"720h", "30 days"},
}

// assignEnd reads the form's duration: one the form offers, or none.
func assignEnd(r *http.Request) (time.Duration, error) {
	v := strings.TrimSpace(r.PostFormValue("for"))
	for _, d := range assignDurations {
		if d.Value == v {
			if v == "" {
				return 0, nil
			}
			return time.ParseDuration(v)
		}
	}
	return 0, fmt.Errorf("%w: duration %.20q is not one the form offers", authz.ErrInvalidRequest, v)
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
	b := assignmentsBody{Previews: c.previewer != nil}
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
	now := time.Now()
	for _, a := range list {
		if sh, ok := pv.assignmentShown(a); ok {
			b.Assignments = append(b.Assignments, assignmentRow{Assignment: a, Attrs: sh.attrs(), Ended: !a.ActiveAt(now)})
		}
	}
	b.Durations = assignDurations
	var users []string
	if pv.anywhere(authz.PermAssignRoles) {
		var err error
		if users, err = c.assignFormOptions(ctx, pv, &b); err != nil {
			c.readFailed(w, r, s, err)
			return
		}
	}
	lu, le := []string{}, []string{}
	if b.By == "user" {
		lu = append(lu, b.Value)
	} else if b.By == "entity" {
		le = append(le, b.Value)
	}
	for _, a := range b.Assignments {
		lu = append(lu, a.UserID, actorUser(a.GrantedBy))
		le = append(le, a.EntityID, actorTeam(a.GrantedBy))
	}
	for _, e := range b.Entities {
		le = append(le, e.ID)
	}
	l := c.label(ctx, s, append(lu, users...), le)
	b.Users = userOptions(l, users)
	c.renderNeeding(w, r, s, PermViewAssignments, "assignments", "Assignments", b)
}

// userOptions makes picker choices of users, labelled by name.
func userOptions(l *labels, ids []string) []pickOption {
	out := make([]pickOption, 0, len(ids))
	for _, id := range ids {
		o := pickOption{ID: id, Label: l.userText(id)}
		if e, ok := l.book.Entry(names.User, id); ok {
			o.Search = e.Handle
		}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Label) < strings.ToLower(out[j].Label) })
	return out
}

// actorUser and actorTeam split an audit actor "TEAM/USER"; other actors
// give "".
func actorUser(actor string) string {
	if _, u, ok := strings.Cut(actor, "/"); ok {
		return u
	}
	return ""
}

func actorTeam(actor string) string {
	if t, _, ok := strings.Cut(actor, "/"); ok {
		return t
	}
	return ""
}

// assignFormOptions fills what the assign form offers a user who holds
// ASSIGN_ROLES somewhere, and returns the users it offers.
func (c *Console) assignFormOptions(ctx context.Context, pv *permView, b *assignmentsBody) ([]string, error) {
	roles, err := c.engine.Roles(ctx)
	if err != nil {
		return nil, err
	}
	for _, role := range roles {
		if _, seen := pv.roleShown(role); seen || role.Scope == "" || pv.inLine(authz.PermAssignRoles, role.Scope) {
			b.Roles = append(b.Roles, role)
		}
	}
	ents, err := c.engine.Entities(ctx)
	if err != nil {
		return nil, err
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
	return c.teamMembers(ctx, teams)
}

// teamMembers lists the users of teams: those with an account type
// recorded there, and those the name directory learned there.
func (c *Console) teamMembers(ctx context.Context, teams map[string]bool) ([]string, error) {
	accts, err := c.accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range accts {
		if teams[a.TeamID] && !seen[a.UserID] {
			seen[a.UserID] = true
			out = append(out, a.UserID)
		}
	}
	if c.opts.Names != nil && len(teams) > 0 {
		var ids []string
		for t := range teams {
			ids = append(ids, t)
		}
		found, err := c.opts.Names.Search(ctx, names.Query{Kind: names.User, TeamIDs: ids, Limit: maxPickerUsers})
		if err != nil {
			c.log.Warn("console: list users from the name directory", "error", err)
		}
		for _, e := range found {
			if !seen[e.ID] {
				seen[e.ID] = true
				out = append(out, e.ID)
			}
		}
	}
	return out, nil
}

// maxPickerUsers bounds the users a picker offers from the directory.
const maxPickerUsers = 1000

// assignmentForm reads the user, role and entity of an assign or revoke.
func assignmentForm(r *http.Request) (user, role, entity string) {
	return strings.TrimSpace(r.PostFormValue("user")), strings.TrimSpace(r.PostFormValue("role")), strings.TrimSpace(r.PostFormValue("entity"))
}

// assign serves POST /assignments/assign; it needs ASSIGN_ROLES on the
// entity.
func (c *Console) assign(w http.ResponseWriter, r *http.Request, s *userSession) {
	user, role, entity := assignmentForm(r)
	what := fmt.Sprintf("assign %s to %s on %s", role, user, entity)
	dur, err := assignEnd(r)
	if err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	if err := c.knownUser(r, s, user, entity); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if _, err := c.engine.AssignRoleAs(r.Context(), s.Actor(), authz.AssignRequest{UserID: user, Role: role, EntityID: entity, For: dur, Reason: reason}); err != nil {
		c.writeFailed(w, r, s, what, err)
		return
	}
	l := c.label(r.Context(), s, []string{user}, []string{entity})
	until := ""
	if dur > 0 {
		until = " for " + dur.String()
	}
	c.done(w, r, s, fmt.Sprintf("Assigned %s to %s on %s%s.", role, l.userText(user), l.entityText(entity), until), "/assignments?user="+url.QueryEscape(user))
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
	l := c.label(r.Context(), s, []string{user}, []string{entity})
	c.done(w, r, s, fmt.Sprintf("Revoked %s from %s on %s.", role, l.userText(user), l.entityText(entity)), "/assignments?user="+url.QueryEscape(user))
}

// previewAssignment serves POST /assignments/preview: what assigning
// (op=assign) or revoking (op=revoke) a role would change, and the form
// that confirms it. It needs what the write needs, ASSIGN_ROLES on the
// entity.
func (c *Console) previewAssignment(w http.ResponseWriter, r *http.Request, s *userSession) {
	user, role, entity := assignmentForm(r)
	kind, wk, verb, path := preview.Assign, authz.WriteAssign, "Assign", "/assignments/assign"
	if r.PostFormValue("op") == "revoke" {
		kind, wk, verb, path = preview.Revoke, authz.WriteRevoke, "Revoke", "/assignments/revoke"
	}
	back := c.assignBack(r, user)
	b := confirmBody{Heading: verb + " a role", Action: c.opts.Prefix + path, Button: verb, Back: back,
		Fields: []formField{{"user", user}, {"role", role}, {"entity", entity}, {"back", back}}}
	if kind == preview.Assign {
		b.Fields = append(b.Fields, formField{"for", r.PostFormValue("for")}, formField{"reason", r.PostFormValue("reason")})
	}
	what := fmt.Sprintf("%s %s for %s on %s", strings.ToLower(verb), role, user, entity)
	if kind == preview.Assign {
		if err := c.knownUser(r, s, user, entity); errors.Is(err, authz.ErrUnknownUser) {
			// Refused as it stands; pre-provisioning someone who has not
			// joined yet takes a second, deliberate click.
			b.Unknown = err.Error() + "."
			b.Fields = append(b.Fields, formField{allowUnknownUserField, "1"})
		} else if err != nil {
			c.writeFailed(w, r, s, what, err)
			return
		}
	}
	c.confirmWrite(w, r, s, what, authz.AdminWrite{Kind: wk, EntityID: entity},
		preview.Write{Kind: kind, UserID: user, Role: role, EntityID: entity}, b)
}

// allowUnknownUserField, set to 1 on an assign, makes an assignment to a
// user with no account in any workspace (pre-provisioning).
const allowUnknownUserField = "allow_unknown_user"

// knownUser refuses an assignment to a user with no account in any
// workspace, unless the form allows it. It first authorizes the write,
// so that only those who may assign on the entity hear which users
// exist: it returns the refusal, an
// *authz.UnknownUserError naming the users the directory finds alike, or
// an error if the store cannot be read.
func (c *Console) knownUser(r *http.Request, s *userSession, user, entity string) error {
	if r.PostFormValue(allowUnknownUserField) == "1" {
		return nil
	}
	ctx := r.Context()
	if err := authz.AuthorizeAdminWrite(ctx, c.engine, s.Actor(), authz.AdminWrite{Kind: authz.WriteAssign, EntityID: entity}); err != nil {
		return err
	}
	ok, err := c.engine.HasAccount(ctx, user)
	if err != nil || ok {
		return err
	}
	unknown := &authz.UnknownUserError{UserID: user}
	if unknown.Suggestions, err = names.SuggestUsers(ctx, c.opts.Names, user); err != nil {
		c.log.Warn("console: suggest users", "user", user, "error", err)
	}
	return unknown
}
