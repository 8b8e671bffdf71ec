package authz

import (
	"fmt"
	"sync"
)

// RuleKind names a kind of policy rule.
type RuleKind string

// Rule kinds. Each rule allows, denies or abstains.
const (
	// RuleDenyIfActorRestricted denies guests (restricted and ultra
	// restricted accounts) and users with no account in the team.
	RuleDenyIfActorRestricted RuleKind = "deny_if_actor_restricted"
	// RuleAllowIfLegacy allows when the actor's account type reaches the
	// level named by a team preference (or its default), or a fixed minimum
	// account type.
	RuleAllowIfLegacy RuleKind = "allow_if_legacy"
	// RuleAllowIfCreator allows the user who created the entity.
	RuleAllowIfCreator RuleKind = "allow_if_creator"
	// RuleAllowIfHasPermission allows when one of the actor's role
	// assignments, on the entity or an ancestor, grants the permission.
	RuleAllowIfHasPermission RuleKind = "allow_if_has_permission"
)

// RuleKinds lists every rule kind, in documentation order.
func RuleKinds() []RuleKind {
	return []RuleKind{RuleDenyIfActorRestricted, RuleAllowIfLegacy, RuleAllowIfCreator, RuleAllowIfHasPermission}
}

// Rule is one step of a policy.
type Rule struct {
	Kind RuleKind
	// Permission is the permission RuleAllowIfHasPermission looks for.
	Permission string
	// Preference is the team preference RuleAllowIfLegacy reads, e.g.
	// who_can_archive_channels; Default is its value when the team has not
	// set it. MinAccountType replaces both with a fixed level.
	Preference     string
	Default        string
	MinAccountType AccountType
}

// String describes the rule as the roles file spells it.
func (r Rule) String() string {
	switch r.Kind {
	case RuleAllowIfHasPermission:
		return fmt.Sprintf("%s(%s)", r.Kind, r.Permission)
	case RuleAllowIfLegacy:
		if r.Preference != "" {
			return fmt.Sprintf("%s(%s, default %s)", r.Kind, r.Preference, r.Default)
		}
		return fmt.Sprintf("%s(min %s)", r.Kind, r.MinAccountType)
	}
	return string(r.Kind)
}

// permissionPolicy is the rule list of a plain permission check: guests
// and non-members are denied, then RBAC decides.
func permissionPolicy(p string) [2]Rule {
	return [2]Rule{{Kind: RuleDenyIfActorRestricted}, {Kind: RuleAllowIfHasPermission, Permission: p}}
}

// permissionPolicyText caches describeRules of permissionPolicy by
// permission: the text of every default deny of a plain permission check.
// Only permissions of the catalog reach it, so it stays small.
var permissionPolicyText sync.Map // permission -> string

// describePermissionPolicy returns describeRules(permissionPolicy(p)),
// built once per permission.
func describePermissionPolicy(p string) string {
	if v, ok := permissionPolicyText.Load(p); ok {
		return v.(string)
	}
	rules := permissionPolicy(p)
	text := describeRules(rules[:])
	permissionPolicyText.Store(p, text)
	return text
}
