package rolestest

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/authz"
)

// testKinds are the keys that say what a test asks, one per test.
var testKinds = []Kind{KindPermission, KindAction, KindWhoCan, KindPermissionsOf}

// reasons lists what an expectation's rule may name.
func reasons() []string {
	out := []string{RuleDefaultDeny, RuleError}
	for _, k := range authz.RuleKinds() {
		out = append(out, string(k))
	}
	return out
}

// test reads one item of the tests section into expectations.
func (p *parser) test(n *yaml.Node) {
	f := p.fields(n, "test", "name", "permission", "action", "who_can", "permissions_of",
		"entity", "team", "allow", "deny", "users", "entities")
	var kind Kind
	for _, k := range testKinds {
		if f[string(k)] == nil {
			continue
		}
		if kind != "" {
			p.errorf(n, "test asks both %s and %s: write one per test", kind, k)
			return
		}
		kind = k
	}
	if kind == "" && n.Kind == yaml.MappingNode {
		p.errorf(n, "test asks nothing: give one of permission, action, who_can, permissions_of")
		return
	}
	base := Expectation{Line: n.Line, Name: p.scalar(f["name"], "name"), Kind: kind, testLine: n.Line}
	allowed := map[Kind][]string{
		KindPermission:    {"allow", "deny"},
		KindAction:        {"allow", "deny"},
		KindWhoCan:        {"users"},
		KindPermissionsOf: {"entities"},
	}[kind]
	for _, key := range []string{"allow", "deny", "users", "entities"} {
		if f[key] != nil && !slices.Contains(allowed, key) {
			p.errorf(f[key], "a %s test takes %s, not %s", kind, strings.Join(allowed, " and "), key)
		}
	}
	switch kind {
	case KindPermission, KindAction:
		if kind == KindPermission {
			base.Permission, _ = p.name(f, "permission", "permission", n)
		} else {
			base.Action = p.action(f["action"])
		}
		if !p.where(&base, f, n) {
			return
		}
		if f["allow"] == nil && f["deny"] == nil {
			p.errorf(n, "%s test: list the users it must allow or deny", kind)
		}
		p.verdicts(base, f["allow"], true)
		p.verdicts(base, f["deny"], false)
	case KindWhoCan:
		base.Permission, _ = p.name(f, "who_can", "permission", n)
		if !p.where(&base, f, n) {
			return
		}
		if f["users"] == nil {
			p.errorf(n, "who_can test: list the users (users: [] for nobody)")
			return
		}
		base.Users = []string{}
		for _, item := range p.list(f["users"], "users") {
			u := p.scalar(item, "user")
			if p.check(item, authz.ValidateID("user", u)) {
				base.Users = append(base.Users, u)
			}
		}
		p.s.Expectations = append(p.s.Expectations, base)
	case KindPermissionsOf:
		p.permissionsOf(base, f, n)
	}
}

// action reads a policy name.
func (p *parser) action(n *yaml.Node) string {
	a := p.scalar(n, "action")
	if a == "" || len(a) > 64 || strings.ContainsAny(a, " \t\n") {
		p.errorf(n, "action must be a policy name without spaces, at most 64 bytes (e.g. channel.archive)")
	}
	return a
}

// where reads the entity and team of a check or lookup; the team defaults
// to the workspace at or above the entity.
func (p *parser) where(x *Expectation, f map[string]*yaml.Node, n *yaml.Node) bool {
	ent, ok := p.id(f, "entity", "entity", n)
	if !ok {
		return false
	}
	if !p.declared(ent) {
		p.errorf(f["entity"], "entity %s is not declared in entities", ent)
		return false
	}
	x.EntityID = ent
	if f["team"] == nil {
		if x.TeamID = p.workspaceOf(ent); x.TeamID == "" {
			p.errorf(f["entity"], "entity %s is in no workspace: name the team the check is made in (team: T)", ent)
			return false
		}
		return true
	}
	x.TeamID, ok = p.id(f, "team", "team", n)
	return ok && p.isWorkspace(f["team"], x.TeamID)
}

// verdicts reads the users of allow or deny: each a user id, or a mapping
// {user, rule, role, assigned_on}.
func (p *parser) verdicts(base Expectation, n *yaml.Node, allow bool) {
	for _, item := range p.list(n, "users") {
		x := base
		x.Line, x.Allow = item.Line, allow
		if item.Kind == yaml.ScalarNode {
			x.UserID = item.Value
			if p.check(item, authz.ValidateID("user", x.UserID)) {
				p.s.Expectations = append(p.s.Expectations, x)
			}
			continue
		}
		f := p.fields(item, "user", "user", "rule", "role", "assigned_on")
		ok := true
		if x.UserID, ok = p.id(f, "user", "user", item); !ok {
			continue
		}
		if x.Rule = p.scalar(f["rule"], "rule"); f["rule"] != nil && !slices.Contains(reasons(), x.Rule) {
			p.errorf(f["rule"], "unknown rule %q (known: %s)", x.Rule, strings.Join(reasons(), ", "))
			continue
		}
		if f["role"] != nil {
			if x.Role, ok = p.name(f, "role", "role", item); !ok {
				continue
			}
		}
		if x.AssignedOn, ok = p.optionalID(f, "assigned_on", "entity"); !ok {
			continue
		}
		if (x.Role != "" || x.AssignedOn != "") && (!allow || x.Rule != "" && x.Rule != string(authz.RuleAllowIfHasPermission)) {
			p.errorf(item, "role and assigned_on name the assignment that allows through %s: only for users it must allow", authz.RuleAllowIfHasPermission)
			continue
		}
		if x.AssignedOn != "" && !p.declared(x.AssignedOn) {
			p.errorf(f["assigned_on"], "entity %s is not declared in entities", x.AssignedOn)
			continue
		}
		p.s.Expectations = append(p.s.Expectations, x)
	}
}

// permissionsOf reads a test of a user's permissions by entity.
func (p *parser) permissionsOf(x Expectation, f map[string]*yaml.Node, n *yaml.Node) {
	var ok bool
	if x.UserID, ok = p.id(f, "permissions_of", "user", n); !ok {
		return
	}
	if f["entity"] != nil {
		p.errorf(f["entity"], "a permissions_of test lists every entity under entities, not one entity")
		return
	}
	if f["team"] != nil {
		if x.TeamID, ok = p.id(f, "team", "team", n); !ok || !p.isWorkspace(f["team"], x.TeamID) {
			return
		}
	} else if x.TeamID = p.onlyTeam(x.UserID); x.TeamID == "" {
		p.errorf(n, "user %s does not have exactly one account in accounts: name the team (team: T)", x.UserID)
		return
	}
	if f["entities"] == nil {
		p.errorf(n, "permissions_of test: list the permissions by entity under entities ({} for none)")
		return
	}
	x.Entities = map[string][]string{}
	for _, kv := range p.pairs(f["entities"], "entities") {
		if !p.declared(kv.key.Value) {
			p.errorf(kv.key, "entity %s is not declared in entities", kv.key.Value)
			continue
		}
		perms := p.strings(kv.value, "permissions")
		for _, perm := range perms {
			p.check(kv.value, authz.ValidateName("permission", perm))
		}
		slices.Sort(perms)
		x.Entities[kv.key.Value] = perms
	}
	p.s.Expectations = append(p.s.Expectations, x)
}

// entityByID finds a declared entity; the tests are read after the
// entities, so the index is built once.
func (p *parser) entityByID(id string) (authz.Entity, bool) {
	if p.ents == nil {
		p.ents = make(map[string]authz.Entity, len(p.s.Org.Entities))
		for _, e := range p.s.Org.Entities {
			p.ents[e.ID] = e
		}
	}
	e, ok := p.ents[id]
	return e, ok
}

func (p *parser) declared(id string) bool {
	_, ok := p.entityByID(id)
	return ok
}

// isWorkspace reports, at n, a team that is not a declared workspace.
func (p *parser) isWorkspace(n *yaml.Node, id string) bool {
	if e, ok := p.entityByID(id); !ok || e.Type != authz.TypeWorkspace {
		p.errorf(n, "team %s is not a workspace declared in entities", id)
		return false
	}
	return true
}

// workspaceOf returns the workspace at or above id, or "".
func (p *parser) workspaceOf(id string) string {
	for depth := 0; id != "" && depth <= len(p.s.Org.Entities); depth++ {
		e, ok := p.entityByID(id)
		if !ok {
			return ""
		}
		if e.Type == authz.TypeWorkspace {
			return e.ID
		}
		id = e.ParentID
	}
	return ""
}

// onlyTeam returns the team of the user's only account, or "".
func (p *parser) onlyTeam(user string) string {
	team := ""
	for _, a := range p.s.Org.Accounts {
		if a.UserID == user {
			if team != "" {
				return ""
			}
			team = a.TeamID
		}
	}
	return team
}
