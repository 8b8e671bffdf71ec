package authz

import (
	"context"
	"fmt"
	"sort"
)

// fresh brings the reference data up to the store's current revision, so
// that writes are validated against what other processes wrote.
func (e *Engine) fresh(ctx context.Context) error {
	_, err := e.Sync(ctx)
	return err
}

// UpsertEntity validates and stores an entity. The type must be declared,
// the parent must exist and be of a type the entity's type admits, and an
// existing entity keeps its type. An empty CreatorID keeps the stored one.
func (e *Engine) UpsertEntity(ctx context.Context, ent Entity, actor string) (Revision, error) {
	return e.upsertEntity(ctx, ent, Prior{}, actor)
}

// upsertEntity is UpsertEntity, written only if the store holds what prior
// expects.
func (e *Engine) upsertEntity(ctx context.Context, ent Entity, prior Prior, actor string) (Revision, error) {
	if err := ValidateID("entity", ent.ID); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if _, ok := e.catalog.EntityTypes[ent.Type]; !ok {
		return 0, fmt.Errorf("%w: unknown entity type %q (declared: %v)", ErrInvalidRequest, ent.Type, sortedKeys(e.catalog.EntityTypes))
	}
	if ent.CreatorID != "" {
		if err := ValidateID("creator", ent.CreatorID); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
	}
	if err := e.fresh(ctx); err != nil {
		return 0, err
	}
	e.refMu.RLock()
	old, exists := e.ref.Entities[ent.ID]
	parent, parentExists := e.ref.Entities[ent.ParentID]
	e.refMu.RUnlock()
	if exists && old.Type != ent.Type {
		return 0, fmt.Errorf("%w: entity %s is a %s; its type cannot change to %s", ErrInvalidRequest, ent.ID, old.Type, ent.Type)
	}
	if ent.ParentID != "" {
		if !parentExists {
			return 0, fmt.Errorf("%w: parent %s of %s does not exist", ErrNotFound, ent.ParentID, ent.ID)
		}
		if ent.ParentID == ent.ID {
			return 0, fmt.Errorf("%w: entity %s cannot be its own parent", ErrInvalidRequest, ent.ID)
		}
		if !e.catalog.ParentAllowed(ent.Type, parent.Type) {
			return 0, fmt.Errorf("%w: a %s cannot have a %s parent (allowed: %v)", ErrInvalidRequest, ent.Type, parent.Type, e.catalog.EntityTypes[ent.Type].Parents)
		}
	}
	if ent.CreatorID == "" && exists {
		ent.CreatorID = old.CreatorID
	}
	rev, err := e.afterWrite(ctx)(e.store.UpsertEntity(ctx, ent, prior, actor))
	if err != nil {
		return 0, fmt.Errorf("upsert entity %s: %w", ent.ID, err)
	}
	return rev, nil
}

// SetCreator records who created an entity (the allow_if_creator rule).
func (e *Engine) SetCreator(ctx context.Context, entityID, userID, actor string) (Revision, error) {
	if err := ValidateID("user", userID); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	ent, err := e.Entity(ctx, entityID)
	if err != nil {
		return 0, err
	}
	ent.CreatorID = userID
	return e.UpsertEntity(ctx, ent, actor)
}

// Entity returns one entity.
func (e *Engine) Entity(ctx context.Context, id string) (Entity, error) {
	if err := e.fresh(ctx); err != nil {
		return Entity{}, err
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	ent, ok := e.ref.Entities[id]
	if !ok {
		return Entity{}, fmt.Errorf("%w: entity %s does not exist", ErrNotFound, id)
	}
	return ent, nil
}

// Entities returns every entity, sorted by id.
func (e *Engine) Entities(ctx context.Context) ([]Entity, error) {
	if err := e.fresh(ctx); err != nil {
		return nil, err
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	out := make([]Entity, 0, len(e.ref.Entities))
	for _, id := range sortedKeys(e.ref.Entities) {
		out = append(out, e.ref.Entities[id])
	}
	return out, nil
}

// requireTeam checks that teamID is a known workspace; e.refMu is not held.
func (e *Engine) requireTeam(ctx context.Context, teamID string) error {
	if err := ValidateID("team", teamID); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	ent, err := e.Entity(ctx, teamID)
	if err != nil {
		return err
	}
	if ent.Type != TypeWorkspace {
		return fmt.Errorf("%w: %s is a %s, not a workspace", ErrInvalidRequest, teamID, ent.Type)
	}
	return nil
}

// SetAccountType sets a user's legacy account type in a team.
func (e *Engine) SetAccountType(ctx context.Context, teamID, userID string, t AccountType, actor string) (Revision, error) {
	return e.setAccountType(ctx, teamID, userID, t, Prior{}, actor)
}

// setAccountType is SetAccountType, written only if the store holds what
// prior expects.
func (e *Engine) setAccountType(ctx context.Context, teamID, userID string, t AccountType, prior Prior, actor string) (Revision, error) {
	if err := ValidateID("user", userID); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if t <= AccountNone || t > AccountPrimaryOwner {
		return 0, fmt.Errorf("%w: account type %d is not a real account type", ErrInvalidRequest, int(t))
	}
	if err := e.requireTeam(ctx, teamID); err != nil {
		return 0, err
	}
	return e.afterWrite(ctx)(e.store.SetAccountType(ctx, teamID, userID, t, prior, actor))
}

// SetTeamPrefs replaces a team's preferences, e.g.
// {"who_can_archive_channels": "admin"}.
func (e *Engine) SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, actor string) (Revision, error) {
	return e.setTeamPrefs(ctx, teamID, prefs, Prior{}, actor)
}

// setTeamPrefs is SetTeamPrefs, written only if the store holds what prior
// expects.
func (e *Engine) setTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, prior Prior, actor string) (Revision, error) {
	if err := e.requireTeam(ctx, teamID); err != nil {
		return 0, err
	}
	for k, v := range prefs {
		if k == "" || len(k) > 128 || len(v) > 1024 {
			return 0, fmt.Errorf("%w: preference %.40q: keys are 1-128 bytes, values at most 1024", ErrInvalidRequest, k)
		}
	}
	return e.afterWrite(ctx)(e.store.SetTeamPrefs(ctx, teamID, prefs, prior, actor))
}

// TeamPrefs returns a team's preferences.
func (e *Engine) TeamPrefs(ctx context.Context, teamID string) (map[string]string, error) {
	if err := e.requireTeam(ctx, teamID); err != nil {
		return nil, err
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	out := map[string]string{}
	for k, v := range e.ref.TeamPrefs[teamID] {
		out[k] = v
	}
	return out, nil
}

// Roles returns the system roles and the custom roles, sorted by name.
func (e *Engine) Roles(ctx context.Context) ([]Role, error) {
	if err := e.fresh(ctx); err != nil {
		return nil, err
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	var out []Role
	for _, r := range e.catalog.Roles {
		out = append(out, r)
	}
	for _, r := range e.ref.Roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Role returns one system or custom role.
func (e *Engine) Role(ctx context.Context, name string) (Role, error) {
	if err := e.fresh(ctx); err != nil {
		return Role{}, err
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	r, ok := e.role(name)
	if !ok {
		return Role{}, fmt.Errorf("%w: role %s does not exist", ErrNotFound, name)
	}
	return *r, nil
}
