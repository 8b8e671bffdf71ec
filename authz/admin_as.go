package authz

import (
	"context"
	"fmt"
)

// The writes below are made on behalf of an actor. Each reads what it
// replaces (the role or entity saved or deleted), authorizes the write
// (AuthorizeAdminWrite), and writes only if every row the decision rested
// on and the row replaced are still at the revisions seen (Prior),
// compared in the write's transaction: a concurrent move, even one moved
// back since, cannot slip an unauthorized change through; the write fails
// with ErrConflict instead. A refusal is a *DeniedError. The permission
// server, the admin console and the bot's grant and revoke write through
// them.

// AssignAs gives userID the role on entityID, with no end, on behalf of
// actor, who needs ASSIGN_ROLES on the entity (AssignRoleAs).
func (e *Engine) AssignAs(ctx context.Context, actor Actor, userID, roleName, entityID string) (Revision, error) {
	return e.AssignRoleAs(ctx, actor, AssignRequest{UserID: userID, Role: roleName, EntityID: entityID})
}

// RevokeAs removes userID's role on entityID on behalf of actor, who
// needs ASSIGN_ROLES on the entity.
func (e *Engine) RevokeAs(ctx context.Context, actor Actor, userID, roleName, entityID string) (Revision, error) {
	prior, err := e.authorize(ctx, actor, AdminWrite{Kind: WriteRevoke, EntityID: entityID})
	if err != nil {
		return 0, err
	}
	return e.revoke(ctx, userID, roleName, entityID, prior, actor.String())
}

// PutRoleAs creates or replaces the custom role r on behalf of actor, who
// needs ADMINISTER_ROLES on r's scope and, when an existing role moves to
// another scope, on the scope it leaves too.
func (e *Engine) PutRoleAs(ctx context.Context, actor Actor, r Role) (Revision, error) {
	old, exists, replaced, err := e.seenRole(ctx, r.Name)
	if err != nil {
		return 0, err
	}
	w := AdminWrite{Kind: WritePutRole, Scope: r.Scope}
	if exists {
		w.OldScope = old.Scope
	}
	prior, err := e.authorize(ctx, actor, w)
	if err != nil {
		return 0, err
	}
	return e.putRole(ctx, r, prior.With(replaced), actor.String())
}

// DeleteRoleAs deletes the custom role name on behalf of actor, who needs
// ADMINISTER_ROLES on its scope.
func (e *Engine) DeleteRoleAs(ctx context.Context, actor Actor, name string) (Revision, error) {
	role, exists, replaced, err := e.seenRole(ctx, name)
	if err != nil {
		return 0, err
	}
	if !exists {
		if _, system := e.catalog.Roles[name]; system {
			return 0, fmt.Errorf("%w: %s is a system role; system roles change only in the roles file", ErrInvalidRequest, name)
		}
		return 0, fmt.Errorf("%w: role %s does not exist", ErrNotFound, name)
	}
	prior, err := e.authorize(ctx, actor, AdminWrite{Kind: WriteDeleteRole, Scope: role.Scope})
	if err != nil {
		return 0, err
	}
	return e.deleteRole(ctx, name, prior.With(replaced), actor.String())
}

// UpsertEntityAs creates or replaces ent on behalf of actor, who needs
// ADMINISTER_ROLES on its parent and, when an existing entity moves, on
// the parent it leaves too; making a root is refused to every actor
// (WriteUpsertEntity).
func (e *Engine) UpsertEntityAs(ctx context.Context, actor Actor, ent Entity) (Revision, error) {
	if err := e.fresh(ctx); err != nil {
		return 0, err
	}
	e.refMu.RLock()
	old, exists := e.ref.Entities[ent.ID]
	replaced := SeenRow{Kind: RowEntity, ID: ent.ID, Revision: e.ref.EntityRevisions[ent.ID], Parent: old.ParentID}
	e.refMu.RUnlock()
	w := AdminWrite{Kind: WriteUpsertEntity, EntityID: ent.ID, ParentID: ent.ParentID, Replaces: exists, OldParentID: old.ParentID}
	prior, err := e.authorize(ctx, actor, w)
	if err != nil {
		return 0, err
	}
	return e.upsertEntity(ctx, ent, prior.With(replaced), actor.String())
}

// SetAccountTypeAs sets userID's account type in teamID on behalf of
// actor, who needs ADMINISTER_ROLES on the team.
func (e *Engine) SetAccountTypeAs(ctx context.Context, actor Actor, teamID, userID string, t AccountType) (Revision, error) {
	prior, err := e.authorize(ctx, actor, AdminWrite{Kind: WriteSetAccountType, TeamID: teamID})
	if err != nil {
		return 0, err
	}
	return e.setAccountType(ctx, teamID, userID, t, prior, actor.String())
}

// SetTeamPrefsAs replaces teamID's preferences on behalf of actor, who
// needs ADMINISTER_ROLES on the team.
func (e *Engine) SetTeamPrefsAs(ctx context.Context, actor Actor, teamID string, prefs map[string]string) (Revision, error) {
	prior, err := e.authorize(ctx, actor, AdminWrite{Kind: WriteSetTeamPrefs, TeamID: teamID})
	if err != nil {
		return 0, err
	}
	return e.setTeamPrefs(ctx, teamID, prefs, prior, actor.String())
}

// seenRole returns the custom role name as the engine holds it after
// catching up with the store, whether it exists, and its row as seen
// (revision 0 when there is no such custom role).
func (e *Engine) seenRole(ctx context.Context, name string) (Role, bool, SeenRow, error) {
	if err := e.fresh(ctx); err != nil {
		return Role{}, false, SeenRow{}, err
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	r, ok := e.ref.Roles[name]
	return r, ok, SeenRow{Kind: RowRole, ID: name, Revision: e.ref.RoleRevisions[name], Parent: r.Scope}, nil
}

// ancestorsLocked is id's ancestors, nearest first; ok is false when the
// walk did not reach a root within MaxDepth entities. e.refMu is held.
func (e *Engine) ancestorsLocked(id string) (out []string, ok bool) {
	for d := 1; d < MaxDepth; d++ {
		id = e.ref.Entities[id].ParentID
		if id == "" {
			return out, true
		}
		out = append(out, id)
	}
	return out, e.ref.Entities[id].ParentID == ""
}
