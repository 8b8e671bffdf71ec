package rolesfile

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/authz"
)

func (p *parser) policy(n *yaml.Node) {
	f := p.fields(n, "policy", "action", "entity_type", "rules")
	action := p.scalar(f["action"], "action")
	if action == "" || len(action) > 64 || strings.ContainsAny(action, " \t") {
		p.errorf(n, "policy needs an action name without spaces, at most 64 bytes (e.g. channel.archive)")
		return
	}
	if _, dup := p.cat.Policies[action]; dup {
		p.errorf(f["action"], "duplicate policy %s", action)
		return
	}
	pol := authz.Policy{Action: action, EntityType: p.scalar(f["entity_type"], "entity_type")}
	if pol.EntityType == "" {
		p.errorf(n, "policy %s: entity_type is required", action)
	} else if _, ok := p.cat.EntityTypes[pol.EntityType]; !ok {
		p.errorf(f["entity_type"], "policy %s: unknown entity type %s", action, pol.EntityType)
	}
	for _, rn := range p.list(f["rules"], "rules") {
		if r, ok := p.rule(action, pol.EntityType, rn); ok {
			pol.Rules = append(pol.Rules, r)
		}
	}
	if len(pol.Rules) == 0 && len(p.list(f["rules"], "rules")) == 0 {
		p.errorf(n, "policy %s has no rules", action)
	}
	p.cat.Policies[action] = pol
}

// rule parses one rule: a bare kind ("allow_if_creator") or a one-key
// mapping from the kind to its argument.
func (p *parser) rule(action, entityType string, n *yaml.Node) (authz.Rule, bool) {
	var kind string
	var arg *yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		kind = n.Value
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			p.errorf(n, "policy %s: a rule is one kind, optionally with one argument", action)
			return authz.Rule{}, false
		}
		kind, arg = n.Content[0].Value, n.Content[1]
	default:
		p.errorf(n, "policy %s: a rule is a kind name or a kind with an argument", action)
		return authz.Rule{}, false
	}
	r := authz.Rule{Kind: authz.RuleKind(kind)}
	switch r.Kind {
	case authz.RuleDenyIfActorRestricted, authz.RuleAllowIfCreator:
		if arg != nil && !(arg.Kind == yaml.MappingNode && len(arg.Content) == 0) {
			p.errorf(n, "policy %s: rule %s takes no argument", action, kind)
			return r, false
		}
	case authz.RuleAllowIfHasPermission:
		r.Permission = p.scalar(arg, "permission")
		if _, ok := p.cat.Permissions[r.Permission]; !ok {
			p.errorf(n, "policy %s: rule %s names unknown permission %q", action, kind, r.Permission)
			return r, false
		}
		if entityType != "" && !p.cat.Applies(r.Permission, entityType) {
			p.errorf(n, "policy %s: permission %s does not apply to %s entities (it applies to %s)",
				action, r.Permission, entityType, strings.Join(p.cat.Permissions[r.Permission].AppliesTo, ", "))
			return r, false
		}
	case authz.RuleAllowIfLegacy:
		return p.legacyRule(action, n, arg, r)
	default:
		names := make([]string, 0, 4)
		for _, k := range authz.RuleKinds() {
			names = append(names, string(k))
		}
		p.errorf(n, "policy %s: unknown rule kind %q (known: %s)", action, kind, strings.Join(names, ", "))
		return r, false
	}
	return r, true
}

func (p *parser) legacyRule(action string, n, arg *yaml.Node, r authz.Rule) (authz.Rule, bool) {
	if arg == nil {
		p.errorf(n, "policy %s: allow_if_legacy needs {preference: NAME, default: LEVEL} or {min_account_type: TYPE}", action)
		return r, false
	}
	f := p.fields(arg, "allow_if_legacy", "preference", "default", "min_account_type")
	r.Preference = p.scalar(f["preference"], "preference")
	r.Default = p.scalar(f["default"], "default")
	min := p.scalar(f["min_account_type"], "min_account_type")
	switch {
	case r.Preference != "" && min != "":
		p.errorf(arg, "policy %s: allow_if_legacy takes a preference or a min_account_type, not both", action)
		return r, false
	case r.Preference != "":
		if r.Default == "" {
			p.errorf(arg, "policy %s: allow_if_legacy preference %s needs a default level", action, r.Preference)
			return r, false
		}
		if _, _, err := authz.ParseLegacyLevel(r.Default); err != nil {
			p.errorf(f["default"], "policy %s: %v", action, err)
			return r, false
		}
	case min != "":
		t, err := authz.ParseAccountType(min)
		if err != nil {
			p.errorf(f["min_account_type"], "policy %s: %v", action, err)
			return r, false
		}
		r.MinAccountType = t
	default:
		p.errorf(arg, "policy %s: allow_if_legacy needs a preference or a min_account_type", action)
		return r, false
	}
	return r, true
}
