package convert

import (
	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
)

// Consistency returns the engine's consistency for a message; nil means
// authoritative.
func Consistency(c *authzv1.Consistency) authz.Consistency {
	out := authz.Consistency{AtLeastRevision: authz.Revision(c.GetAtLeastRevision())}
	if c.GetMode() == authzv1.ConsistencyMode_CONSISTENCY_MODE_BOUNDED_STALENESS {
		out.Mode = authz.BoundedStaleness
	}
	return out
}

// ConsistencyToProto returns the message for an engine consistency.
func ConsistencyToProto(c authz.Consistency) *authzv1.Consistency {
	mode := authzv1.ConsistencyMode_CONSISTENCY_MODE_AUTHORITATIVE
	if c.Mode == authz.BoundedStaleness {
		mode = authzv1.ConsistencyMode_CONSISTENCY_MODE_BOUNDED_STALENESS
	}
	return &authzv1.Consistency{Mode: mode, AtLeastRevision: int64(c.AtLeastRevision)}
}

// Eligibility returns the engine request for a message.
func Eligibility(m *authzv1.EligibilityRequest) authz.EligibilityRequest {
	return authz.EligibilityRequest{
		TeamID:      m.GetTeamId(),
		UserID:      m.GetUserId(),
		EntityID:    m.GetEntityId(),
		Permissions: m.GetPermissions(),
		Consistency: Consistency(m.GetConsistency()),
	}
}

// EligibilityToProto returns the message for an engine request.
func EligibilityToProto(r authz.EligibilityRequest) *authzv1.EligibilityRequest {
	return &authzv1.EligibilityRequest{
		TeamId:      r.TeamID,
		UserId:      r.UserID,
		EntityId:    r.EntityID,
		Permissions: r.Permissions,
		Consistency: ConsistencyToProto(r.Consistency),
	}
}

// Policy returns the engine request for a message.
func Policy(m *authzv1.PolicyRequest) authz.PolicyRequest {
	return authz.PolicyRequest{
		Action:      m.GetAction(),
		TeamID:      m.GetTeamId(),
		UserID:      m.GetUserId(),
		EntityID:    m.GetEntityId(),
		Consistency: Consistency(m.GetConsistency()),
	}
}

// PolicyToProto returns the message for an engine request.
func PolicyToProto(r authz.PolicyRequest) *authzv1.PolicyRequest {
	return &authzv1.PolicyRequest{
		Action:      r.Action,
		TeamId:      r.TeamID,
		UserId:      r.UserID,
		EntityId:    r.EntityID,
		Consistency: ConsistencyToProto(r.Consistency),
	}
}

var reasonKinds = map[authz.ReasonKind]authzv1.ReasonKind{
	authz.ReasonRule:    authzv1.ReasonKind_REASON_KIND_RULE,
	authz.ReasonDefault: authzv1.ReasonKind_REASON_KIND_DEFAULT_DENY,
	authz.ReasonError:   authzv1.ReasonKind_REASON_KIND_ERROR,
}

// ReasonKindToProto returns the enum value for a reason kind.
func ReasonKindToProto(k authz.ReasonKind) authzv1.ReasonKind { return reasonKinds[k] }

// ReasonKind returns the engine's reason kind for an enum value ("" for
// unspecified).
func ReasonKind(k authzv1.ReasonKind) authz.ReasonKind {
	for ek, pk := range reasonKinds {
		if pk == k {
			return ek
		}
	}
	return ""
}

// GrantToProto returns the message for a grant; nil stays nil.
func GrantToProto(g *authz.Grant) *authzv1.Grant {
	if g == nil {
		return nil
	}
	return &authzv1.Grant{Role: g.Role, EntityId: g.EntityID, GrantedBy: g.GrantedBy, ExpiresAt: timestamp(g.ExpiresAt)}
}

// Grant returns the engine grant for a message; nil stays nil.
func Grant(m *authzv1.Grant) *authz.Grant {
	if m == nil {
		return nil
	}
	return &authz.Grant{Role: m.GetRole(), EntityID: m.GetEntityId(), GrantedBy: m.GetGrantedBy(), ExpiresAt: fromTimestamp(m.GetExpiresAt())}
}

// ResultToProto returns the response message for an engine result.
func ResultToProto(r authz.Result) *authzv1.CheckResponse {
	out := &authzv1.CheckResponse{
		Decisions:     make([]*authzv1.Decision, len(r.Decisions)),
		Revision:      int64(r.Revision),
		Authoritative: r.Authoritative,
	}
	for i, d := range r.Decisions {
		out.Decisions[i] = &authzv1.Decision{
			Permission: d.Permission,
			Action:     d.Action,
			Allowed:    d.Allowed,
			Reason: &authzv1.Reason{
				Kind:      ReasonKindToProto(d.Reason.Kind),
				Rule:      string(d.Reason.Rule),
				RuleIndex: int32(d.Reason.RuleIndex),
				Message:   d.Reason.Message,
				Grant:     GrantToProto(d.Reason.Grant),
			},
		}
	}
	return out
}

// Result returns the engine result for a response message.
func Result(m *authzv1.CheckResponse) authz.Result {
	out := authz.Result{
		Decisions:     make([]authz.Decision, len(m.GetDecisions())),
		Revision:      authz.Revision(m.GetRevision()),
		Authoritative: m.GetAuthoritative(),
	}
	for i, d := range m.GetDecisions() {
		r := d.GetReason()
		out.Decisions[i] = authz.Decision{
			Permission: d.GetPermission(),
			Action:     d.GetAction(),
			Allowed:    d.GetAllowed(),
			Reason: authz.Reason{
				Kind:      ReasonKind(r.GetKind()),
				Rule:      authz.RuleKind(r.GetRule()),
				RuleIndex: int(r.GetRuleIndex()),
				Message:   r.GetMessage(),
				Grant:     Grant(r.GetGrant()),
			},
		}
	}
	return out
}
