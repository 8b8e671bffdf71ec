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
// changed on the way. Each read of the log starts at the change last
// applied, which must still be there as applied: when it is not, or the
// store has no change up to target and is behind it, the store's history
// is not the one followed, and the engine reads it again in full instead
// (after which the caller's epoch has passed).
func (e *Engine) syncReference(ctx context.Context, target Revision) error {
	if e.Revision() >= target {
		return nil
	}
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	for {
		e.refMu.RLock()
		from, last, epoch, broken := e.ref.Revision, e.last, e.epoch, e.broken
		e.refMu.RUnlock()
		if from >= target || broken != nil {
			return broken
		}
		after := from
		if last != nil {
			after = last.Revision - 1
		}
		changes, err := e.store.Changes(ctx, ChangeFilter{After: after, Limit: syncBatch})
		if err != nil {
			return fmt.Errorf("follow change log after revision %d: %w", from, err)
		}
		if last != nil {
			if len(changes) == 0 || !sameChange(changes[0], *last) {
				_, err := e.rereadLocked(ctx, epoch, fmt.Sprintf("the change at revision %d is not the one this process applied: the store's history was replaced", last.Revision))
				return err
			}
			changes = changes[1:]
			if len(changes) > 0 && changes[0].Revision <= from {
				_, err := e.rereadLocked(ctx, epoch, fmt.Sprintf("a change appeared at revision %d, which this process had passed", changes[0].Revision))
				return err
			}
		}
		if len(changes) == 0 {
			// No entry up to target. A store at target or beyond has
			// revisions without entries (nothing to apply); one behind it
			// went back in time, and target came from the history it left.
			current, err := e.store.CurrentRevision(ctx)
			if err != nil {
				return fmt.Errorf("read current revision: %w", err)
			}
			if current < target {
				_, err := e.rereadLocked(ctx, epoch, wentBack(current, target))
				return err
			}
			e.refMu.Lock()
			e.ref.Revision = target
			e.refMu.Unlock()
			return nil
		}
		for _, c := range changes {
			if c.Kind == ChangeImport {
				ref, err := e.store.LoadReference(ctx)
				if err != nil {
					return fmt.Errorf("reload reference data after an import: %w", err)
				}
				e.replaceReference(ref)
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
			applied := c
			e.last = &applied
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

// applyChange updates the reference data for one change; e.refMu is held.
func (e *Engine) applyChange(c Change) error {
	// Forget the user a change names, unless the record held was read
	// after the change (its version is the change's or later).
	if c.UserID != "" {
		if v, ok := e.users.Load(c.UserID); ok && v.(*cachedUser).rec.Version < c.Revision && e.users.CompareAndDelete(c.UserID, v) {
			e.userCount.Add(-1)
		}
	}
	e.wakeSweeper(c)
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
