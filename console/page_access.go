package console

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// accessBody is the access page's data: what one user may do on one
// entity, and why.
type accessBody struct {
	UserID, EntityID, TeamID string
	// AccountType is the user's account type in TeamID.
	AccountType string
	// Permissions and Actions are answered as checks answer them.
	Permissions []accessRow
	Actions     []accessRow
	// Entities and Users are what the form offers.
	Entities []authz.Entity
	Users    []pickOption
}

// accessRow is one permission or action, its answer and why.
type accessRow struct {
	Name, Description string
	Allowed           bool
	Why               template.HTML
}

// accessPage serves GET /access?user=U&entity=E[&team=T]: the user's
// effective permissions on the entity, and the actions (policies) of its
// type, each with the rule that decided and, for a role, the assignment
// that granted it. The check is made in the entity's workspace (for an
// entity above every workspace, in team, by default the reader's). Your
// own are shown on the entities of your workspace and near your roles;
// another user's need VIEW_ASSIGNMENTS on the entity, as their
// assignments there do.
func (c *Console) accessPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	ctx := r.Context()
	pv, err := c.permissions(ctx, s)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	q := r.URL.Query()
	b := accessBody{UserID: strings.TrimSpace(q.Get("user")), EntityID: strings.TrimSpace(q.Get("entity"))}
	if b.UserID == "" {
		b.UserID = s.UserID
	}
	ents, err := c.engine.Entities(ctx)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	own := b.UserID == s.UserID
	// Your own access is yours to read on the entities of your workspace
	// and near your roles; another user's needs VIEW_ASSIGNMENTS there.
	mayRead := func(id string) bool {
		return pv.can(PermViewAssignments, id) || own && (teamOf(pv, id) == s.TeamID || pv.holdsSomewhereAround(id))
	}
	for _, e := range ents {
		if mayRead(e.ID) {
			b.Entities = append(b.Entities, e)
		}
	}
	teams := map[string]bool{}
	for _, e := range ents {
		if e.Type == authz.TypeWorkspace && pv.inLine(PermViewAssignments, e.ID) {
			teams[e.ID] = true
		}
	}
	members, err := c.teamMembers(ctx, teams)
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	var users, entIDs []string
	if b.EntityID != "" {
		if !mayRead(b.EntityID) {
			// The entity is named as asked for: its name is not the
			// reader's to learn.
			c.fail(w, r, s, http.StatusForbidden, fmt.Sprintf("You need %s on %s to see what %s may do there.",
				PermViewAssignments, b.EntityID, b.UserID))
			return
		}
		if users, entIDs, err = c.explain(r, s, pv, &b); err != nil {
			c.readFailed(w, r, s, err)
			return
		}
	}
	for _, e := range b.Entities {
		entIDs = append(entIDs, e.ID)
	}
	l := c.label(ctx, s, append(append(users, b.UserID), members...), append(entIDs, b.EntityID, b.TeamID))
	b.Users = userOptions(l, members)
	c.render(w, r, s, http.StatusOK, "access", "Access", b)
}

// holdsSomewhereAround reports whether the view holds any permission on
// id, above it or below it: the entities a user's own access page offers.
func (p *permView) holdsSomewhereAround(id string) bool {
	for _, ep := range p.Entities {
		for _, perm := range ep.Permissions {
			if p.inLine(perm, id) {
				return true
			}
		}
	}
	return false
}

// decided is one answer to explain once names are read.
type decided struct {
	row    *accessRow
	d      authz.Decision
	policy *authz.Policy
}

// explain answers every permission and action of the entity's type for
// b.UserID, and returns the users and entities the explanations name.
func (c *Console) explain(r *http.Request, s *userSession, pv *permView, b *accessBody) ([]string, []string, error) {
	ctx := r.Context()
	cat := c.engine.Catalog()
	typ, known := pv.types[b.EntityID]
	if !known {
		return nil, nil, fmt.Errorf("%w: entity %s is not known", authz.ErrNotFound, b.EntityID)
	}
	b.TeamID = teamOf(pv, b.EntityID)
	if b.TeamID == "" {
		b.TeamID = strings.TrimSpace(r.URL.Query().Get("team"))
		if b.TeamID == "" {
			b.TeamID = s.TeamID
		}
	}
	up, err := c.engine.ListUserPermissions(ctx, b.TeamID, b.UserID)
	if err != nil {
		return nil, nil, err
	}
	b.AccountType = up.AccountType.String()
	var perms []string
	for _, p := range cat.PermissionNames() {
		if cat.Applies(p, typ) {
			perms = append(perms, p)
		}
	}
	var pending []decided
	if len(perms) > 0 {
		res, err := c.engine.Check(ctx, authz.EligibilityRequest{TeamID: b.TeamID, UserID: b.UserID, EntityID: b.EntityID, Permissions: perms})
		if err != nil {
			return nil, nil, err
		}
		b.Permissions = make([]accessRow, len(res.Decisions))
		for i, d := range res.Decisions {
			b.Permissions[i] = accessRow{Name: d.Permission, Description: cat.Permissions[d.Permission].Description, Allowed: d.Allowed}
			pending = append(pending, decided{row: &b.Permissions[i], d: d})
		}
	}
	for _, name := range cat.ActionNames() {
		pol := cat.Policies[name]
		if pol.EntityType != typ {
			continue
		}
		res, err := c.engine.CheckPolicy(ctx, authz.PolicyRequest{Action: name, TeamID: b.TeamID, UserID: b.UserID, EntityID: b.EntityID})
		if err != nil {
			return nil, nil, err
		}
		if len(res.Decisions) == 0 {
			continue
		}
		b.Actions = append(b.Actions, accessRow{Name: name, Allowed: res.Decisions[0].Allowed})
		pending = append(pending, decided{d: res.Decisions[0], policy: &pol})
	}
	// Rows of actions were appended after their pointers would have
	// moved: tie them now.
	a := 0
	for i := range pending {
		if pending[i].policy != nil {
			pending[i].row = &b.Actions[a]
			a++
		}
	}
	var users, ents []string
	for _, p := range pending {
		if g := p.d.Reason.Grant; g != nil {
			ents = append(ents, g.EntityID)
			users = append(users, actorUser(g.GrantedBy))
			ents = append(ents, actorTeam(g.GrantedBy))
		}
	}
	l := c.label(ctx, s, append(users, b.UserID), append(ents, b.EntityID, b.TeamID))
	prefs, err := c.engine.TeamPrefs(ctx, b.TeamID)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range pending {
		p.row.Why = why(l, b, p.d, p.policy, prefs, pv.types[b.EntityID])
	}
	return users, ents, nil
}

// teamOf is the workspace entity id lies in, "" above every workspace.
func teamOf(pv *permView, id string) string {
	for d := 0; id != "" && d < authz.MaxDepth; d++ {
		if pv.types[id] == authz.TypeWorkspace {
			return id
		}
		id = pv.tree[id]
	}
	return ""
}

// why explains a decision in names.
func why(l *labels, b *accessBody, d authz.Decision, pol *authz.Policy, prefs map[string]string, typ string) template.HTML {
	esc := template.HTMLEscapeString
	user, team := l.userHTML(b.UserID), l.entityHTML(b.TeamID)
	switch d.Reason.Kind {
	case authz.ReasonDefault:
		if pol == nil {
			return "No role of theirs on this " + template.HTML(esc(typ)) + " or above it grants it."
		}
		return "No rule of the policy allowed it."
	case authz.ReasonError:
		return template.HTML(esc(d.Reason.Message))
	}
	switch d.Reason.Rule {
	case authz.RuleDenyIfActorRestricted:
		if b.AccountType == authz.AccountNone.String() {
			return user + " has no account in " + team + ", so no role counts here."
		}
		return user + " is a guest (" + template.HTML(esc(b.AccountType)) + ") in " + team + ": guests never pass on a role alone."
	case authz.RuleAllowIfHasPermission:
		g := d.Reason.Grant
		if g == nil {
			return template.HTML(esc(d.Reason.Message))
		}
		out := "Role <code class=\"role\">" + template.HTML(esc(g.Role)) + "</code> on " + l.entityHTML(g.EntityID) + " grants it"
		if g.GrantedBy != "" {
			out += " (granted by " + l.actorHTML(g.GrantedBy) + ")"
		}
		return out + "."
	case authz.RuleAllowIfCreator:
		return user + " created " + l.entityHTML(b.EntityID) + "."
	case authz.RuleAllowIfLegacy:
		if pol != nil && d.Reason.RuleIndex >= 0 && d.Reason.RuleIndex < len(pol.Rules) {
			r := pol.Rules[d.Reason.RuleIndex]
			if r.Preference != "" {
				v, set := prefs[r.Preference]
				how := "set to"
				if !set {
					v, how = r.Default, "by default"
				}
				return template.HTML(fmt.Sprintf("Legacy rule: the workspace's <code>%s</code> is %s <code>%s</code>, and ", esc(r.Preference), how, esc(v))) +
					user + template.HTML(" is "+esc(b.AccountType)+" there.")
			}
			return template.HTML("Legacy rule: at least "+esc(r.MinAccountType.String())+", and ") + user + template.HTML(" is "+esc(b.AccountType)+".")
		}
	}
	return template.HTML(esc(string(d.Reason.Rule)))
}
