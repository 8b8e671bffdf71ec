package authz

import (
	"context"
	"fmt"
	"slices"
)

// PutRole creates or replaces a custom role. Its name must not be a system
// role's, its permissions must be declared, and its scope must be an
// existing enterprise or workspace.
func (e *Engine) PutRole(ctx context.Context, r Role, actor string) (Revision, error) {
	return e.putRole(ctx, r, Prior{}, actor)
}

// putRole is PutRole, written only if the store holds what prior expects.
func (e *Engine) putRole(ctx context.Context, r Role, prior Prior, actor string) (Revision, error) {
	if err := ValidateName("role", r.Name); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if _, ok := e.catalog.Roles[r.Name]; ok {
		return 0, fmt.Errorf("%w: %s is a system role; system roles change only in the roles file", ErrInvalidRequest, r.Name)
	}
	r.System = false
	if err := e.catalog.checkRolePermissions(r); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	scope, err := e.Entity(ctx, r.Scope)
	if err != nil {
		return 0, fmt.Errorf("role %s scope: %w", r.Name, err)
	}
	if scope.Type != TypeEnterprise && scope.Type != TypeWorkspace {
		return 0, fmt.Errorf("%w: role %s: scope %s is a %s; custom roles belong to an enterprise or a workspace", ErrInvalidRequest, r.Name, r.Scope, scope.Type)
	}
	return e.afterWrite(ctx)(e.store.PutRole(ctx, r, prior, actor))
}

// DeleteRole deletes a custom role that nobody holds.
func (e *Engine) DeleteRole(ctx context.Context, name, actor string) (Revision, error) {
	return e.deleteRole(ctx, name, Prior{}, actor)
}

// deleteRole is DeleteRole, written only if the store holds what prior
// expects.
func (e *Engine) deleteRole(ctx context.Context, name string, prior Prior, actor string) (Revision, error) {
	if _, ok := e.catalog.Roles[name]; ok {
		return 0, fmt.Errorf("%w: %s is a system role and cannot be deleted", ErrInvalidRequest, name)
	}
	if _, err := e.Role(ctx, name); err != nil {
		return 0, err
	}
	return e.afterWrite(ctx)(e.store.DeleteRole(ctx, name, prior, actor))
}

// Assign gives userID the role on entityID, with no end (AssignRole). A
// custom role can only be assigned within its scope.
func (e *Engine) Assign(ctx context.Context, userID, roleName, entityID, actor string) (Revision, error) {
	return e.assign(ctx, AssignRequest{UserID: userID, Role: roleName, EntityID: entityID}, Prior{}, actor)
}

// Revoke removes an assignment; ErrNotFound when it does not exist.
func (e *Engine) Revoke(ctx context.Context, userID, roleName, entityID, actor string) (Revision, error) {
	return e.revoke(ctx, userID, roleName, entityID, Prior{}, actor)
}

// revoke is Revoke, written only if the store holds what prior expects.
func (e *Engine) revoke(ctx context.Context, userID, roleName, entityID string, prior Prior, actor string) (Revision, error) {
	for _, f := range [...]struct{ kind, id string }{{"user", userID}, {"entity", entityID}} {
		if err := ValidateID(f.kind, f.id); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
	}
	return e.afterWrite(ctx)(e.store.Revoke(ctx, Assignment{UserID: userID, Role: roleName, EntityID: entityID}, prior, actor))
}

// validateAssignment checks an assignment before it is written: a valid
// user, an existing role and entity, and a custom role's scope enclosing
// the entity. It returns the assignment and, for a custom role, the
// role's row as validated.
func (e *Engine) validateAssignment(ctx context.Context, userID, roleName, entityID string) (Assignment, *SeenRow, error) {
	if err := ValidateID("user", userID); err != nil {
		return Assignment{}, nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if err := e.fresh(ctx); err != nil {
		return Assignment{}, nil, err
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	role, ok := e.role(roleName)
	if !ok {
		return Assignment{}, nil, fmt.Errorf("%w: role %s does not exist", ErrNotFound, roleName)
	}
	if _, ok := e.ref.Entities[entityID]; !ok {
		return Assignment{}, nil, fmt.Errorf("%w: entity %s does not exist", ErrNotFound, entityID)
	}
	a := Assignment{UserID: userID, Role: roleName, EntityID: entityID}
	if role.Scope == "" {
		return a, nil, nil
	}
	if !e.isWithin(entityID, role.Scope) {
		return Assignment{}, nil, fmt.Errorf("%w: role %s belongs to %s and cannot be assigned on %s, which is outside it", ErrInvalidRequest, role.Name, role.Scope, entityID)
	}
	return a, &SeenRow{Kind: RowRole, ID: roleName, Revision: e.ref.RoleRevisions[roleName], Parent: role.Scope}, nil
}

// isWithin reports whether id is ancestor or lies below it, within
// MaxDepth entities; e.refMu is held.
func (e *Engine) isWithin(id, ancestor string) bool {
	if id == ancestor {
		return true
	}
	up, _ := e.ancestorsLocked(id)
	return slices.Contains(up, ancestor)
}

// Assignments lists assignments by user, entity or role, or those ending
// at or before f.ExpiringBefore, soonest first. Ended assignments not yet
// swept are listed with their end.
func (e *Engine) Assignments(ctx context.Context, f AssignmentFilter) ([]Assignment, error) {
	n := 0
	for _, v := range []string{f.UserID, f.EntityID, f.Role} {
		if v != "" {
			n++
		}
	}
	if !f.ExpiringBefore.IsZero() {
		n++
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: list assignments by exactly one of user, entity, role or end", ErrInvalidRequest)
	}
	if f.Limit < 0 {
		return nil, fmt.Errorf("%w: limit %d is negative", ErrInvalidRequest, f.Limit)
	}
	return e.store.ListAssignments(ctx, f)
}

// Audit lists change-log entries: who changed what, with before and after.
func (e *Engine) Audit(ctx context.Context, f ChangeFilter) ([]Change, error) {
	if f.Limit <= 0 || f.Limit > 10_000 {
		f.Limit = 100
	}
	return e.store.Changes(ctx, f)
}
