package authz

import "time"

// Bounds of a RequestPolicy, enforced where the roles file is read.
const (
	// MaxRequestDuration is the longest MaxDuration a role may declare.
	MaxRequestDuration = 30 * 24 * time.Hour
	// MinRequestDuration is the shortest.
	MinRequestDuration = time.Minute
	// MaxRequestApprovals is the most approvals a role may ask for.
	MaxRequestApprovals = 10
)

// RequestPolicy says how a system role may be requested for a limited
// time (just-in-time access): a person asks for it on an entity, for a
// duration and a reason, and holds it once enough others approved. A
// role without one cannot be requested.
type RequestPolicy struct {
	// MaxDuration is the longest a grant may last, extensions included
	// when the holder extends it alone (SelfExtend).
	MaxDuration time.Duration
	// Approvals is how many people other than the requester must approve;
	// the requester never counts.
	Approvals int
	// ApproverPermission is what approvers must hold on the entity the role
	// is requested on, when they vote (default PermAssignRoles).
	ApproverPermission string
	// SelfExtend lets the holder extend a grant without new approvals as
	// long as it then lasts at most MaxDuration from its start; longer, an
	// extension is a new request.
	SelfExtend bool
}

// RequestPolicyOf returns the request policy of a system role and whether
// the role can be requested at all.
func (c *Catalog) RequestPolicyOf(role string) (RequestPolicy, bool) {
	p, ok := c.Requests[role]
	return p, ok
}

// RequestableRoles lists the system roles that can be requested, sorted.
func (c *Catalog) RequestableRoles() []string { return sortedKeys(c.Requests) }
