package console

import (
	"encoding/json"
	"html"
	"html/template"
	"strings"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/permissions"
)

// The permissions the console's pages need to show their data. Each is
// held on an entity and covers it and everything below it; see the
// README's "Admin console" for what each page shows.
const (
	// PermViewRoles shows the system roles, and the custom roles whose
	// scope is at, above or below an entity where it is held.
	PermViewRoles = string(permissions.ViewRoles)
	// PermViewAssignments shows the entities where it is held, and the
	// assignments on them.
	PermViewAssignments = string(permissions.ViewAssignments)
	// PermViewAuditLog shows the audit-log entries about the entities
	// where it is held.
	PermViewAuditLog = string(permissions.ViewAuditLog)
	// PermViewTeamSettings shows a workspace's account types and
	// preferences.
	PermViewTeamSettings = string(permissions.ViewTeamSettings)
	// PermViewInstallations shows a workspace's Slack installation.
	PermViewInstallations = string(permissions.ViewInstallations)
	// PermViewApprovals shows the pending approvals of the channels where
	// it is held.
	PermViewApprovals = string(permissions.ViewApprovals)
)

// shown is why an item is on a page: the permission and the entities the
// script checks to hide it when the permission is lost. An item shown for
// another reason (the user's own assignment or request) has no
// permission, and stays.
type shown struct {
	Permission string
	// Entities must all be covered; empty means "anywhere".
	Entities []string
	// InLine accepts a grant above or below the entity too.
	InLine bool
}

// roleShown says whether the user may see role r: a system role with
// VIEW_ROLES anywhere, a custom role with VIEW_ROLES at, above or below
// its scope.
func (p *permView) roleShown(r authz.Role) (shown, bool) {
	if r.Scope == "" {
		return shown{Permission: PermViewRoles}, p.anywhere(PermViewRoles)
	}
	return shown{Permission: PermViewRoles, Entities: []string{r.Scope}, InLine: true}, p.inLine(PermViewRoles, r.Scope)
}

// assignmentShown says whether the user may see assignment a: their own
// always, others' with VIEW_ASSIGNMENTS on its entity.
func (p *permView) assignmentShown(a authz.Assignment) (shown, bool) {
	if a.UserID == p.UserID {
		return shown{}, true
	}
	return shown{Permission: PermViewAssignments, Entities: []string{a.EntityID}}, p.can(PermViewAssignments, a.EntityID)
}

// changeShown says whether the user may see an audit-log entry: with
// VIEW_AUDIT_LOG on one of the entities it concerns (changeEntities); an
// entry that concerns no entity (a bulk import) needs it on the whole
// tree.
func (p *permView) changeShown(ch authz.Change) (shown, bool) {
	ents := changeEntities(ch)
	if len(ents) == 0 {
		return shown{Permission: PermViewAuditLog, Entities: p.roots}, p.everywhere(PermViewAuditLog)
	}
	for _, e := range ents {
		if p.can(PermViewAuditLog, e) {
			return shown{Permission: PermViewAuditLog, Entities: []string{e}}, true
		}
	}
	return shown{}, false
}

// changeEntities lists the entities an audit-log entry concerns: the one
// it names (an assignment's entity, a role's scope, the team of an
// account type or preferences, the entity saved), plus the scope a role
// had before, and the parents an entity had before and after, so that an
// entity or role leaving a part of the tree shows there too.
func changeEntities(ch authz.Change) []string {
	var out []string
	add := func(id string) {
		if id != "" && !contains(out, id) {
			out = append(out, id)
		}
	}
	add(ch.EntityID)
	switch ch.Kind {
	case authz.ChangeRolePut, authz.ChangeRoleDelete:
		for _, doc := range []string{ch.Before, ch.After} {
			var r authz.Role
			if doc != "" && json.Unmarshal([]byte(doc), &r) == nil {
				add(r.Scope)
			}
		}
	case authz.ChangeEntity:
		for _, doc := range []string{ch.Before, ch.After} {
			var e authz.Entity
			if doc != "" && json.Unmarshal([]byte(doc), &e) == nil {
				add(e.ParentID)
			}
		}
	}
	return out
}

// teamSettingsShown says whether the user may see a workspace's account
// types and preferences.
func (p *permView) teamSettingsShown(teamID string) (shown, bool) {
	return shown{Permission: PermViewTeamSettings, Entities: []string{teamID}}, p.can(PermViewTeamSettings, teamID)
}

// installationShown says whether the user may see an installation: with
// VIEW_INSTALLATIONS on its workspace, or on its enterprise (an
// organisation-wide installation names no workspace).
func (p *permView) installationShown(teamID, enterpriseID string) (shown, bool) {
	for _, id := range []string{teamID, enterpriseID} {
		if id != "" && p.can(PermViewInstallations, id) {
			return shown{Permission: PermViewInstallations, Entities: []string{id}}, true
		}
	}
	return shown{}, false
}

// approvalShown says whether the user may see a pending approval: their
// own request always, others' with VIEW_APPROVALS on its channel (on its
// workspace when the channel is not an entity, as in a direct message).
func (p *permView) approvalShown(a PendingApproval) (shown, bool) {
	if a.RequesterID == p.UserID && a.TeamID == p.TeamID {
		return shown{}, true
	}
	at := a.ChannelID
	if _, known := p.tree[at]; !known {
		at = a.TeamID
	}
	return shown{Permission: PermViewApprovals, Entities: []string{at}}, p.can(PermViewApprovals, at)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// attrs are the attributes that tie a shown item to its permission, so the
// page's script hides it when the permission is lost.
func (s shown) attrs() template.HTMLAttr {
	if s.Permission == "" {
		return ""
	}
	a := `data-needs="` + html.EscapeString(s.Permission) + `"`
	if len(s.Entities) > 0 {
		a += ` data-entity="` + html.EscapeString(strings.Join(s.Entities, " ")) + `"`
	}
	if s.InLine {
		a += ` data-reach="line"`
	}
	return template.HTMLAttr(a)
}
