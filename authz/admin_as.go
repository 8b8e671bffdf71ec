package authz

import (
	"context"
	"fmt"
)

// The writes below change something whose current state decides who may
// change it: the scope a role leaves, the parent an entity leaves, the
// ancestors of the entity an assignment is on. Each reads that state,
// authorizes the write on it (AuthorizeAdminWrite) and writes only if the
// store still holds it, in the write's transaction, so a concurrent move
// cannot slip an unauthorized change through; it fails with ErrConflict
// instead. A refusal is a *DeniedError. The permission server, the admin
// console and the bot's grant and revoke write through them.

// AssignAs gives userID the role on entityID on behalf of actor, who
// needs ASSIGN_ROLES on the entity.
func (e *Engine) AssignAs(ctx context.Context, actor Actor, userID, roleName, entityID string) (Revision, error) {
	prior, err := e.assignmentPrior(ctx, actor, WriteAssign, entityID)
	if err != nil {
		return 0, err
	}
	return e.assign(ctx, userID, roleName, entityID, prior, actor.String())
}

// RevokeAs removes userID's role on entityID on behalf of actor, who
// needs ASSIGN_ROLES on the entity.
func (e *Engine) RevokeAs(ctx context.Context, actor Actor, userID, roleName, entityID string) (Revision, error) {
	prior, err := e.assignmentPrior(ctx, actor, WriteRevoke, entityID)
	if err != nil {
		return 0, err
	}
	return e.revoke(ctx, userID, roleName, entityID, prior, actor.String())
}

// assignmentPrior reads entityID's ancestors, then authorizes actor's
// assign or revoke on it, and returns the ancestors for the write to
// compare. They are read first: if they move before the check, the check
// may see the move but the write then fails, never the other way round.
func (e *Engine) assignmentPrior(ctx context.Context, actor Actor, kind AdminWriteKind, entityID string) (Prior, error) {
	if err := e.fresh(ctx); err != nil {
		return Prior{}, err
	}
	prior := Prior{Checked: true, Lineage: e.lineage(entityID)}
	if err := e.AuthorizeAdminWrite(ctx, actor, AdminWrite{Kind: kind, EntityID: entityID}); err != nil {
		return Prior{}, err
	}
	return prior, nil
}

// lineage is id's ancestors as the engine knows them, nearest first.
func (e *Engine) lineage(id string) []string {
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	return e.ancestorsLocked(id)
}

// ancestorsLocked is id's ancestors, nearest first; e.refMu is held.
func (e *Engine) ancestorsLocked(id string) []string {
	var out []string
	for d := 0; d < MaxDepth; d++ {
		id = e.ref.Entities[id].ParentID
		if id == "" {
			break
		}
		out = append(out, id)
	}
	return out
}

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
// ADMINISTER_ROLES on its parent and, when an existing entity moves, on
// the parent it leaves too; making a root is refused to every actor
// (WriteUpsertEntity).
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
