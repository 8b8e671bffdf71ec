package authz

import (
	"context"
	"fmt"
	"time"
)

// AssignRequest is one role to give: to whom, which, where, until when,
// and why. It is what AssignRoleAs and AssignRole take.
type AssignRequest struct {
	UserID   string
	Role     string
	EntityID string
	// ExpiresAt ends the assignment at that instant. It must lie after the
	// engine's clock (Options.Now) reads now; it is kept to the
	// millisecond, rounded down.
	ExpiresAt time.Time
	// For ends the assignment that long after the engine's clock reads now
	// (at least a millisecond). Give ExpiresAt or For, not both; neither
	// gives an assignment that never ends.
	For time.Duration
	// Reason says why (at most MaxReasonLength bytes): it is stored with
	// the assignment and recorded in the audit log's entry of the write.
	Reason string
}

// end resolves the request's end against now: zero for none.
func (r AssignRequest) end(now time.Time) (time.Time, error) {
	switch {
	case !r.ExpiresAt.IsZero() && r.For != 0:
		return time.Time{}, fmt.Errorf("%w: give an end time or a duration, not both", ErrInvalidRequest)
	case r.For < 0 || (r.For > 0 && r.For < time.Millisecond):
		return time.Time{}, fmt.Errorf("%w: duration %s: an assignment lasts at least 1ms", ErrInvalidRequest, r.For)
	case r.For > 0:
		return now.Add(r.For).Truncate(time.Millisecond).UTC(), nil
	case r.ExpiresAt.IsZero():
		return time.Time{}, nil
	}
	end := r.ExpiresAt.Truncate(time.Millisecond).UTC()
	if !end.After(now) {
		return time.Time{}, fmt.Errorf("%w: end %s is not in the future (now %s)", ErrInvalidRequest,
			end.Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	if end.Year() > 9999 {
		return time.Time{}, fmt.Errorf("%w: end %s is after the year 9999", ErrInvalidRequest, end.Format(time.RFC3339))
	}
	return end, nil
}

// AssignRoleAs gives req.UserID the role req.Role on req.EntityID on
// behalf of actor, who needs ASSIGN_ROLES on the entity, until the end
// req names (none when it names none). Every admin assignment goes
// through it: AssignAs is AssignRoleAs without an end, and the permission
// service, the console, the command line and the bot call it. This
// signature is stable; fields may be added to AssignRequest.
//
// The end is read against the engine's clock (Options.Now): from that
// instant every check of every engine on the store treats the assignment
// as absent, and the first sweep (Engine.Sweep) afterwards removes it with
// a ChangeExpire entry in the change log. Assigning an assignment that
// exists replaces its end and reason: this extends or shortens it, or,
// with no end, makes it permanent; it is one ChangeAssign entry recording
// the row before and after, like any other write.
//
// Returns an error wrapping ErrInvalidRequest if the request is malformed
// (bad ids, an end not in the future, both an end and a duration, a reason
// too long), ErrNotFound if the role or entity does not exist, a
// *DeniedError if actor lacks ASSIGN_ROLES on the entity, and ErrConflict
// if what the decision rested on changed before the write committed.
func (e *Engine) AssignRoleAs(ctx context.Context, actor Actor, req AssignRequest) (Revision, error) {
	prior, err := e.authorize(ctx, actor, AdminWrite{Kind: WriteAssign, EntityID: req.EntityID})
	if err != nil {
		return 0, err
	}
	return e.assign(ctx, req, prior, actor.String())
}

// AssignRole is AssignRoleAs without authorization, for writes not made
// on behalf of a user (the command line, seeding): actor is recorded as
// given.
func (e *Engine) AssignRole(ctx context.Context, req AssignRequest, actor string) (Revision, error) {
	return e.assign(ctx, req, Prior{}, actor)
}

// assign is AssignRole, written only if the store holds what prior
// expects; a checked prior then expects the custom role assigned as
// validated too.
func (e *Engine) assign(ctx context.Context, req AssignRequest, prior Prior, actor string) (Revision, error) {
	if len(req.Reason) > MaxReasonLength {
		return 0, fmt.Errorf("%w: reason is %d bytes, at most %d", ErrInvalidRequest, len(req.Reason), MaxReasonLength)
	}
	now := e.now()
	end, err := req.end(now)
	if err != nil {
		return 0, err
	}
	a, roleRow, err := e.validateAssignment(ctx, req.UserID, req.Role, req.EntityID)
	if err != nil {
		return 0, err
	}
	if prior.Checked && roleRow != nil {
		prior = prior.With(*roleRow)
	}
	a.GrantedBy = actor
	a.GrantedAt = now.UTC()
	a.ExpiresAt = end
	a.Reason = req.Reason
	return e.afterWrite(ctx)(e.store.Assign(ctx, a, prior, actor))
}
