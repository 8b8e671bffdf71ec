package authz

import (
	"context"
	"fmt"
)

// The writes below replace something whose current state decides who may
// replace it: the scope a role leaves, the parent an entity leaves. Each
// reads that state, authorizes the write on it (AuthorizeAdminWrite) and
// writes only if the store still holds it, in the write's transaction, so
// a concurrent move cannot slip an unauthorized change through; it fails
// with ErrConflict instead. A refusal is a *DeniedError. The permission
// server and the admin console write roles and entities through them.

// PutRoleAs creates or replaces the custom role r on behalf of actor, who
// needs ADMINISTER_ROLES on r's scope and, when an existing role moves to
// another scope, on the scope it leaves too.
func (e *Engine) PutRoleAs(ctx context.Context, actor Actor, r Role) (Revision, error) {
	w, err := PutRoleWrite(ctx, e, r)
	if err != nil {
		return 0, err
	}
	if err := e.AuthorizeAdminWrite(ctx, actor, w); err != nil {
		return 0, err
	}
	return e.putRole(ctx, r, w.Prior(), actor.String())
}

// DeleteRoleAs deletes the custom role name on behalf of actor, who needs
// ADMINISTER_ROLES on its scope.
func (e *Engine) DeleteRoleAs(ctx context.Context, actor Actor, name string) (Revision, error) {
	role, err := e.Role(ctx, name)
	if err != nil {
		return 0, err
	}
	if role.Scope == "" {
		return 0, fmt.Errorf("%w: %s is a system role; system roles change only in the roles file", ErrInvalidRequest, name)
	}
	w := AdminWrite{Kind: WriteDeleteRole, Scope: role.Scope}
	if err := e.AuthorizeAdminWrite(ctx, actor, w); err != nil {
		return 0, err
	}
	return e.deleteRole(ctx, name, w.Prior(), actor.String())
}

// UpsertEntityAs creates or replaces ent on behalf of actor, who needs
// ADMINISTER_ROLES on its parent (on ent itself when it has none) and,
// when an existing entity moves, on the parent it leaves too.
func (e *Engine) UpsertEntityAs(ctx context.Context, actor Actor, ent Entity) (Revision, error) {
	w, err := UpsertEntityWrite(ctx, e, ent)
	if err != nil {
		return 0, err
	}
	if err := e.AuthorizeAdminWrite(ctx, actor, w); err != nil {
		return 0, err
	}
	return e.upsertEntity(ctx, ent, w.Prior(), actor.String())
}
