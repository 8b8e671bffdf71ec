package authz

import (
	"context"
	"encoding/json"
	"fmt"
)

// syncBatch is how many change-log entries one read takes.
const syncBatch = 1000

// syncReference applies the change log to the in-memory reference data until
// it reflects at least revision target, and drops cached users whose rows
// changed on the way.
func (e *Engine) syncReference(ctx context.Context, target Revision) error {
	if e.Revision() >= target {
		return nil
	}
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	for {
		from := e.Revision()
		if from >= target {
			return nil
		}
		changes, err := e.store.Changes(ctx, ChangeFilter{After: from, Limit: syncBatch})
		if err != nil {
			return fmt.Errorf("follow change log after revision %d: %w", from, err)
		}
		if len(changes) == 0 {
			// Revisions with no visible entry (a write that changed
			// nothing): nothing to apply up to target.
			e.refMu.Lock()
			e.ref.Revision = target
			e.refMu.Unlock()
			return nil
		}
		for _, c := range changes {
			if c.Kind == ChangeImport {
				if err := e.reload(ctx); err != nil {
					return err
				}
				e.hub.notifyAll(changes[len(changes)-1].Revision)
				return nil
			}
		}
		e.refMu.Lock()
		for _, c := range changes {
			if err := e.applyChange(c); err != nil {
				e.refMu.Unlock()
				return err
			}
			e.ref.Revision = c.Revision
		}
		e.refMu.Unlock()
		e.notify(ctx, changes)
	}
}

// notify tells subscribers whose effective permissions the changes may
// have altered: the user a change names, and every holder of an edited role.
func (e *Engine) notify(ctx context.Context, changes []Change) {
	if !e.hub.active() {
		return
	}
	for _, c := range changes {
		if c.UserID != "" {
			e.hub.notify(c.UserID, c.Revision)
		}
		if c.Kind == ChangeRolePut || c.Kind == ChangeRoleDelete {
			holders, err := e.store.ListAssignments(ctx, AssignmentFilter{Role: c.Key})
			if err != nil {
				// Holders cannot be named: tell everyone rather than no one.
				e.hub.notifyAll(c.Revision)
				continue
			}
			for _, h := range holders {
				e.hub.notify(h.UserID, c.Revision)
			}
		}
	}
}

// reload replaces the reference data with a fresh read and empties the
// user cache; used after bulk imports. e.refreshMu is held.
func (e *Engine) reload(ctx context.Context) error {
	ref, err := e.store.LoadReference(ctx)
	if err != nil {
		return fmt.Errorf("reload reference data: %w", err)
	}
	ref.init()
	e.refMu.Lock()
	e.ref = ref
	e.refMu.Unlock()
	e.users.Clear()
	e.userCount.Store(0)
	return nil
}

// applyChange updates the reference data for one change; e.refMu is held.
func (e *Engine) applyChange(c Change) error {
	// Forget the user a change names, unless the record held was read
	// after the change (its version is the change's or later).
	if c.UserID != "" {
		if v, ok := e.users.Load(c.UserID); ok && v.(*cachedUser).rec.Version < c.Revision && e.users.CompareAndDelete(c.UserID, v) {
			e.userCount.Add(-1)
		}
	}
	switch c.Kind {
	case ChangeEntity:
		var ent Entity
		if err := json.Unmarshal([]byte(c.After), &ent); err != nil {
			return fmt.Errorf("change %d: decode entity: %w", c.Revision, err)
		}
		e.ref.Entities[ent.ID] = ent
		e.ref.EntityRevisions[ent.ID] = c.Revision
	case ChangeTeamPrefs:
		prefs := map[string]string{}
		if err := json.Unmarshal([]byte(c.After), &prefs); err != nil {
			return fmt.Errorf("change %d: decode team preferences: %w", c.Revision, err)
		}
		e.ref.TeamPrefs[c.TeamID] = prefs
	case ChangeRolePut:
		var r Role
		if err := json.Unmarshal([]byte(c.After), &r); err != nil {
			return fmt.Errorf("change %d: decode role: %w", c.Revision, err)
		}
		e.ref.Roles[r.Name] = r
		e.ref.RoleRevisions[r.Name] = c.Revision
	case ChangeRoleDelete:
		delete(e.ref.Roles, c.Key)
		delete(e.ref.RoleRevisions, c.Key)
	}
	return nil
}
