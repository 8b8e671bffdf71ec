package authz

import "time"

// Revision numbers every write to the store; it only grows.
type Revision int64

// ReasonKind classifies why a decision was made.
type ReasonKind string

// Reason kinds.
const (
	// ReasonRule: a rule of the policy decided.
	ReasonRule ReasonKind = "rule"
	// ReasonDefault: no rule decided, so the default deny applies.
	ReasonDefault ReasonKind = "default_deny"
	// ReasonError: the question could not be answered (unknown permission,
	// permission not applicable to the entity); the answer is deny.
	ReasonError ReasonKind = "error"
)

// Grant names the role assignment through which RBAC allowed.
type Grant struct {
	Role      string `json:"role"`
	EntityID  string `json:"entity_id"`
	GrantedBy string `json:"granted_by,omitempty"`
	// ExpiresAt is when the assignment ends (zero: never).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Reason explains a decision.
type Reason struct {
	Kind ReasonKind `json:"kind"`
	// Rule is the deciding rule (for ReasonRule), and RuleIndex its place
	// in the policy, from 0.
	Rule      RuleKind `json:"rule,omitempty"`
	RuleIndex int      `json:"rule_index"`
	// Grant is set when RuleAllowIfHasPermission allowed.
	Grant   *Grant `json:"grant,omitempty"`
	Message string `json:"message"`
}

// Decision is the answer for one permission or action.
type Decision struct {
	// Permission or Action is what was asked.
	Permission string `json:"permission,omitempty"`
	Action     string `json:"action,omitempty"`
	Allowed    bool   `json:"allowed"`
	Reason     Reason `json:"reason"`
}

// Result is the answer to one check request.
type Result struct {
	Decisions []Decision `json:"decisions"`
	// Revision is the store revision the decisions reflect.
	Revision Revision `json:"revision"`
	// Authoritative is false for answers served from the bounded-staleness
	// cache.
	Authoritative bool `json:"authoritative"`
}

// Allowed reports whether every decision of the result allows.
func (r Result) Allowed() bool {
	if len(r.Decisions) == 0 {
		return false
	}
	for _, d := range r.Decisions {
		if !d.Allowed {
			return false
		}
	}
	return true
}
