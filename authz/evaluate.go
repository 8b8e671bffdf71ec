package authz

import (
	"fmt"
	"strings"
)

// subject is what one check evaluates against; built under e.refMu.
type subject struct {
	user   *UserRecord
	teamID string
	entity Entity
	chain  [MaxDepth]string // the entity and its ancestors, nearest first
	depth  int
	inTeam bool // the entity is the team or lies below it
	acct   AccountType
}

// newSubject resolves the team and entity of a check; e.refMu is held.
func (e *Engine) newSubject(user *UserRecord, teamID, entityID string) (*subject, error) {
	team, ok := e.ref.Entities[teamID]
	if !ok || team.Type != TypeWorkspace {
		return nil, fmt.Errorf("%w: team %s is not a known workspace", ErrNotFound, teamID)
	}
	ent, ok := e.ref.Entities[entityID]
	if !ok {
		return nil, fmt.Errorf("%w: entity %s is not known", ErrNotFound, entityID)
	}
	s := &subject{user: user, teamID: teamID, entity: ent, acct: user.AccountType(teamID)}
	id := entityID
	for id != "" {
		if s.depth == MaxDepth {
			return nil, errTooDeep(entityID)
		}
		s.chain[s.depth] = id
		s.depth++
		if id == teamID {
			s.inTeam = true
		}
		id = e.ref.Entities[id].ParentID
	}
	return s, nil
}

func (s *subject) covers(entityID string) bool {
	for i := 0; i < s.depth; i++ {
		if s.chain[i] == entityID {
			return true
		}
	}
	return false
}

// role finds a system or custom role; e.refMu is held.
func (e *Engine) role(name string) (*Role, bool) {
	if r, ok := e.catalog.Roles[name]; ok {
		return &r, true
	}
	if r, ok := e.ref.Roles[name]; ok {
		return &r, true
	}
	return nil, false
}

// evaluate runs rules in order; the first that does not abstain decides.
func (e *Engine) evaluate(rules []Rule, s *subject) (bool, Reason) {
	if allowed, r, decided := e.decide(rules, s); decided {
		return allowed, r
	}
	return false, defaultDeny(describeRules(rules))
}

// decide runs rules in order and returns the decision of the first that
// does not abstain; decided is false when every rule abstains.
func (e *Engine) decide(rules []Rule, s *subject) (allowed bool, reason Reason, decided bool) {
	for i, r := range rules {
		allowed, msg, grant, decided := e.evaluateRule(r, s)
		if decided {
			return allowed, Reason{Kind: ReasonRule, Rule: r.Kind, RuleIndex: i, Grant: grant, Message: msg}, true
		}
	}
	return false, Reason{}, false
}

// defaultDeny is the reason of a deny no rule decided; described lists the
// rules (describeRules).
func defaultDeny(described string) Reason {
	return Reason{Kind: ReasonDefault, RuleIndex: -1, Message: "no rule allowed it: " + described}
}

func (e *Engine) evaluateRule(r Rule, s *subject) (allowed bool, msg string, grant *Grant, decided bool) {
	switch r.Kind {
	case RuleDenyIfActorRestricted:
		if s.acct == AccountNone {
			return false, "user " + s.user.UserID + " has no account in team " + s.teamID, nil, true
		}
		if s.acct.Restricted() {
			return false, "user " + s.user.UserID + " is a guest (" + s.acct.String() + ") in team " + s.teamID, nil, true
		}
	case RuleAllowIfLegacy:
		if !s.inTeam {
			return false, "", nil, false
		}
		min, source := r.MinAccountType, "minimum account type"
		if r.Preference != "" {
			v, ok := e.ref.TeamPrefs[s.teamID][r.Preference]
			if !ok {
				v = r.Default
			}
			level, admits, err := ParseLegacyLevel(v)
			if err != nil || !admits {
				return false, "", nil, false
			}
			min, source = level, fmt.Sprintf("team preference %s=%s", r.Preference, v)
		}
		if min != AccountNone && s.acct >= min {
			return true, fmt.Sprintf("legacy: %s admits %s, and user %s is %s", source, min, s.user.UserID, s.acct), nil, true
		}
	case RuleAllowIfCreator:
		if s.entity.CreatorID != "" && s.entity.CreatorID == s.user.UserID {
			return true, fmt.Sprintf("user %s created %s", s.user.UserID, s.entity.ID), nil, true
		}
	case RuleAllowIfHasPermission:
		for _, a := range s.user.Assignments {
			if !s.covers(a.EntityID) {
				continue
			}
			role, ok := e.role(a.Role)
			if !ok || !role.Grants(r.Permission) {
				continue
			}
			return true, "role " + a.Role + " on " + a.EntityID + " grants " + r.Permission,
				&Grant{Role: a.Role, EntityID: a.EntityID, GrantedBy: a.GrantedBy}, true
		}
	}
	return false, "", nil, false
}

func describeRules(rules []Rule) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}
