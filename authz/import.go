package authz

import (
	"context"
	"fmt"
)

// Import bulk-loads rows without the per-row validation of the other
// writes, except id and name syntax; it is for seeding and for moving data
// from another system. The catalog must know every assigned role, and every
// entity type.
func (e *Engine) Import(ctx context.Context, batch Import, actor string) (Revision, error) {
	for _, ent := range batch.Entities {
		if err := ValidateID("entity", ent.ID); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
		if _, ok := e.catalog.EntityTypes[ent.Type]; !ok {
			return 0, fmt.Errorf("%w: entity %s: unknown type %q", ErrInvalidRequest, ent.ID, ent.Type)
		}
	}
	for _, a := range batch.AccountTypes {
		if ValidateID("team", a.TeamID) != nil || ValidateID("user", a.UserID) != nil || a.Type <= AccountNone || a.Type > AccountPrimaryOwner {
			return 0, fmt.Errorf("%w: account row %+v", ErrInvalidRequest, a)
		}
	}
	for _, a := range batch.Assignments {
		if ValidateID("user", a.UserID) != nil || ValidateID("entity", a.EntityID) != nil || ValidateName("role", a.Role) != nil {
			return 0, fmt.Errorf("%w: assignment row %+v", ErrInvalidRequest, a)
		}
	}
	rev, err := e.store.Import(ctx, batch, actor)
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	return e.afterWrite(ctx)(rev, nil)
}
