package rolestest

import "fmt"

// Suite is a parsed test file: an organisation and what must hold in it.
type Suite struct {
	// File names the test file in messages.
	File string
	Org  Org
	// Expectations are in file order; a test naming several users under
	// allow or deny gives one expectation per user.
	Expectations []Expectation
	// lines holds the line of each item of Org, by section.
	lines map[Section][]int
}

// Kind says what an expectation asks.
type Kind string

// Kinds of expectations.
const (
	// KindPermission is a permission check (Engine.Check).
	KindPermission Kind = "permission"
	// KindAction is a policy check (Engine.CheckPolicy).
	KindAction Kind = "action"
	// KindWhoCan lists who holds a permission on an entity
	// (Engine.LookupUsers).
	KindWhoCan Kind = "who_can"
	// KindPermissionsOf lists a user's permissions by entity
	// (Engine.ListUserPermissions).
	KindPermissionsOf Kind = "permissions_of"
)

// Deciding reasons an expectation may name besides a rule kind.
const (
	// RuleDefaultDeny: no rule decided, so the check denied.
	RuleDefaultDeny = "default_deny"
	// RuleError: the check could not apply (a permission checked on an
	// entity type it does not apply to, an action on the wrong type).
	RuleError = "error"
)

// Expectation is one thing that must hold.
type Expectation struct {
	// Line is where the expectation is written; Name is its test's name,
	// if it has one.
	Line int
	Name string
	Kind Kind
	// Permission is checked (KindPermission) or looked up (KindWhoCan);
	// Action is the policy of a KindAction check.
	Permission string
	Action     string
	// EntityID is where; TeamID the team the check is made in (by default
	// the workspace at or above the entity, for KindPermissionsOf the
	// user's only team).
	EntityID string
	TeamID   string
	// UserID is who is checked (KindPermission, KindAction) or whose
	// permissions are listed (KindPermissionsOf).
	UserID string
	// Allow is the expected answer of a check; Rule, when set, the
	// expected deciding rule (a rule kind, RuleDefaultDeny or RuleError);
	// Role and AssignedOn, when set, the expected granting assignment.
	Allow      bool
	Rule       string
	Role       string
	AssignedOn string
	// Users is who must hold the permission, exactly (KindWhoCan).
	Users []string
	// Entities is the user's permissions by entity, exactly
	// (KindPermissionsOf): an entity not listed holds none.
	Entities map[string][]string
	// testLine is where the expectation's test begins.
	testLine int
}

// String describes the expectation: "permission ARCHIVE_CHANNEL on C1
// (team T1): UMIA is denied".
func (x Expectation) String() string {
	prefix := ""
	if x.Name != "" {
		prefix = x.Name + ": "
	}
	switch x.Kind {
	case KindPermission, KindAction:
		what := x.Permission
		if x.Kind == KindAction {
			what = x.Action
		}
		verdict := "is denied"
		if x.Allow {
			verdict = "is allowed"
		}
		return fmt.Sprintf("%s%s %s on %s (team %s): %s %s", prefix, x.Kind, what, x.EntityID, x.TeamID, x.UserID, verdict)
	case KindWhoCan:
		return fmt.Sprintf("%swho can %s on %s (team %s)", prefix, x.Permission, x.EntityID, x.TeamID)
	case KindPermissionsOf:
		return fmt.Sprintf("%spermissions of %s in team %s", prefix, x.UserID, x.TeamID)
	}
	return prefix + string(x.Kind)
}

// Line returns the line an item of the organisation is written on (0 when
// unknown).
func (s *Suite) Line(sec Section, index int) int {
	if ls := s.lines[sec]; index >= 0 && index < len(ls) {
		return ls[index]
	}
	return 0
}
