package authz

import (
	"fmt"
	"slices"
	"strings"
	"time"
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
	// outOfScope explains the assignments the last rule evaluated passed
	// over because their custom role's scope does not enclose their
	// entity (the role or the entity moved since they were made), or
	// because they have ended.
	outOfScope []string
	// now is the engine's clock as the check first needed it (nowSet),
	// read once so that every rule of a check sees one instant.
	now    time.Time
	nowSet bool
	clock  func() time.Time
}

// active reports whether assignment a grants anything at the instant the
// check is decided by (the engine's clock, read once per check, and only
// when an assignment has an end).
func (s *subject) active(a *Assignment) bool {
	if a.ExpiresAt.IsZero() {
		return true
	}
	if !s.nowSet {
		s.now, s.nowSet = s.clock(), true
	}
	return a.ActiveAt(s.now)
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
	s := &subject{user: user, teamID: teamID, entity: ent, acct: user.AccountType(teamID), clock: e.now}
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

// coveredAt returns the place of entityID in the chain (0 for the entity
// itself), or -1 when it is neither the entity nor an ancestor.
func (s *subject) coveredAt(entityID string) int {
	for i := 0; i < s.depth; i++ {
		if s.chain[i] == entityID {
			return i
		}
	}
	return -1
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
	return false, defaultDeny(describeRules(rules), s)
}

// decide runs rules in order and returns the decision of the first that
// does not abstain; decided is false when every rule abstains.
func (e *Engine) decide(rules []Rule, s *subject) (allowed bool, reason Reason, decided bool) {
	s.outOfScope = s.outOfScope[:0]
	for i, r := range rules {
		allowed, msg, grant, decided := e.evaluateRule(r, s)
		if decided {
			return allowed, Reason{Kind: ReasonRule, Rule: r.Kind, RuleIndex: i, Grant: grant, Message: msg}, true
		}
	}
	return false, Reason{}, false
}

// defaultDeny is the reason of a deny no rule decided; described lists the
// rules (describeRules). It names the assignments passed over for lying
// outside their role's scope, which would otherwise have allowed.
func defaultDeny(described string, s *subject) Reason {
	msg := "no rule allowed it: " + described
	if len(s.outOfScope) > 0 {
		msg += "; " + strings.Join(s.outOfScope, "; ")
	}
	return Reason{Kind: ReasonDefault, RuleIndex: -1, Message: msg}
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
		for i := range s.user.Assignments {
			a := &s.user.Assignments[i]
			at := s.coveredAt(a.EntityID)
			if at < 0 {
				continue
			}
			role, ok := e.role(a.Role)
			if !ok || !role.Grants(r.Permission) {
				continue
			}
			if !s.active(a) {
				s.outOfScope = append(s.outOfScope, fmt.Sprintf("role %s on %s grants nothing: it ended at %s", a.Role, a.EntityID, a.ExpiresAt.UTC().Format(time.RFC3339Nano)))
				continue
			}
			// A custom role grants only within its scope, wherever the
			// role or the entity has moved since the assignment was made.
			if role.Scope != "" && !slices.Contains(s.chain[at:s.depth], role.Scope) {
				s.outOfScope = append(s.outOfScope, outOfScope(*a, role))
				continue
			}
			return true, "role " + a.Role + " on " + a.EntityID + " grants " + r.Permission,
				&Grant{Role: a.Role, EntityID: a.EntityID, GrantedBy: a.GrantedBy, ExpiresAt: a.ExpiresAt}, true
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

// outOfScope explains why assignment a of custom role grants nothing.
func outOfScope(a Assignment, role *Role) string {
	return fmt.Sprintf("role %s on %s grants nothing: the role belongs to %s and %s lies outside it", a.Role, a.EntityID, role.Scope, a.EntityID)
}
