package access

import (
	"context"
	"fmt"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// Assigner is the permission engine's write of an assignment with an
// end; *authz.Engine is one.
type Assigner interface {
	// AssignRole gives req.Role to req.UserID on req.EntityID until
	// req.ExpiresAt, recording actor and req.Reason in the audit log;
	// see authz.Engine.AssignRole.
	AssignRole(ctx context.Context, req authz.AssignRequest, actor string) (authz.Revision, error)
}

// EngineGranter is the Granter of a permission engine: the grant is an
// assignment whose end the engine enforces (every check denies from that
// instant and its sweeper removes it), written on the approvers' word.
// The audit log's entry names an approver as the actor (the holder for a
// self-extension) and carries, in the assignment's reason, the
// requester's reason, every approver and the approval request.
type EngineGranter struct {
	Engine Assigner
}

var _ Granter = EngineGranter{}

// GrantUntil assigns the role until r.Until; repeating it changes nothing.
func (g EngineGranter) GrantUntil(ctx context.Context, r GrantRequest) error {
	actor := r.TeamID + "/" + r.UserID
	if len(r.Approvers) > 0 {
		actor = r.TeamID + "/" + r.Approvers[0]
	}
	_, err := g.Engine.AssignRole(ctx, authz.AssignRequest{UserID: r.UserID, Role: r.Role, EntityID: r.EntityID,
		ExpiresAt: r.Until, Reason: AuditReason(r)}, actor)
	if err != nil {
		return fmt.Errorf("assign %s to %s on %s until %s: %w", r.Role, r.UserID, r.EntityID, r.Until.UTC().Format("2006-01-02 15:04:05"), err)
	}
	return nil
}

// AuditReason is the reason an EngineGranter records: the requester's
// reason, who asked, every approver and the approval request, within
// authz.MaxReasonLength.
func AuditReason(r GrantRequest) string {
	tail := " · requested by " + r.UserID
	if len(r.Approvers) > 0 {
		tail += " · approved by " + strings.Join(r.Approvers, ", ")
	} else {
		tail += " · extended by the holder within the role's maximum"
	}
	if r.RequestID != "" {
		tail += " · access request " + r.RequestID
	}
	reason := r.Reason
	if room := authz.MaxReasonLength - len(tail); len(reason) > room {
		reason = clipBytes(reason, max(room-len("…"), 0)) + "…"
	}
	out := reason + tail
	if len(out) > authz.MaxReasonLength {
		out = clipBytes(out, authz.MaxReasonLength)
	}
	return out
}

// clipBytes cuts s to at most n bytes on a rune boundary.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
