package authz

import (
	"errors"
	"fmt"
)

// ErrConflict marks a write refused because what it replaces changed after
// the write was authorized; reading again and retrying decides anew.
var ErrConflict = errors.New("conflict")

// Prior is what an admin write expects to find in the store. The write is
// authorized on the state it changes (the scope a role leaves, the parent
// an entity leaves, the ancestors of the entity an assignment is on); the
// store compares Prior in the write's own transaction, so another write
// landing between the authorization and this one makes it fail with
// ErrConflict instead of changing something nobody authorized. The zero
// Prior expects nothing.
type Prior struct {
	// Checked makes the store compare; when false, anything is replaced.
	Checked bool
	// Exists is whether the entity or role must exist.
	Exists bool
	// Parent is, when Exists, the parent the entity must have (empty for a
	// root) or the scope the role must have.
	Parent string
	// Lineage is, for an assignment, the ancestors its entity must have,
	// nearest first (empty for a root): who may assign on an entity
	// depends on them (VerifyLineage).
	Lineage []string
	// RoleScope is, for an assignment of a custom role, the scope the role
	// must still have: it was assigned only because the entity lies in it.
	// Empty for a system role.
	RoleScope string
}

// VerifyRoleScope compares the scope of the custom role name that the store
// holds (exists, scope) with p.RoleScope, for an assignment; it does
// nothing for an unchecked Prior or a system role.
func (p Prior) VerifyRoleScope(name string, exists bool, scope string) error {
	if !p.Checked || p.RoleScope == "" {
		return nil
	}
	return Prior{Checked: true, Exists: true, Parent: p.RoleScope}.Verify("role", name, "scope", exists, scope)
}

// Verify compares what the store holds (whether the thing exists, and its
// parent or scope) with p, and returns an ErrConflict naming the
// difference. kind and id name the thing ("entity", "C1"); parentWord is
// what its parent is called ("parent", "scope").
func (p Prior) Verify(kind, id, parentWord string, exists bool, parent string) error {
	switch {
	case !p.Checked:
		return nil
	case p.Exists && !exists:
		return fmt.Errorf("%w: %s %s was deleted after this write was authorized", ErrConflict, kind, id)
	case !p.Exists && exists:
		return fmt.Errorf("%w: %s %s was created after this write was authorized", ErrConflict, kind, id)
	case exists && parent != p.Parent:
		return fmt.Errorf("%w: %s %s moved from %s %s to %s after this write was authorized",
			ErrConflict, kind, id, parentWord, orNone(p.Parent), orNone(parent))
	}
	return nil
}

// VerifyLineage compares the ancestors of entityID that the store holds,
// read one by one through parentOf, with p.Lineage, and returns an
// ErrConflict naming the first difference: the entity was deleted, or it
// or one of its ancestors moved. It does nothing for an unchecked Prior.
func (p Prior) VerifyLineage(entityID string, parentOf func(id string) (parent string, exists bool, err error)) error {
	if !p.Checked {
		return nil
	}
	id := entityID
	for depth := 0; depth <= MaxDepth; depth++ {
		parent, exists, err := parentOf(id)
		if err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("%w: entity %s was deleted after this write was authorized", ErrConflict, id)
		}
		want := ""
		if depth < len(p.Lineage) {
			want = p.Lineage[depth]
		}
		if parent != want {
			return fmt.Errorf("%w: entity %s moved from parent %s to %s after this write was authorized",
				ErrConflict, id, orNone(want), orNone(parent))
		}
		if parent == "" {
			return nil
		}
		id = parent
	}
	return fmt.Errorf("%w: entity %s has more than %d ancestors", ErrConflict, entityID, MaxDepth)
}

// Prior is what w expects to replace, for the writes that replace a role
// or an entity (WritePutRole, WriteDeleteRole, WriteUpsertEntity); other
// writes expect nothing. Pass it with the write so that what was
// authorized is what is replaced.
func (w AdminWrite) Prior() Prior {
	switch w.Kind {
	case WritePutRole:
		// A custom role always has a scope: an empty OldScope is a new role.
		return Prior{Checked: true, Exists: w.OldScope != "", Parent: w.OldScope}
	case WriteDeleteRole:
		return Prior{Checked: true, Exists: true, Parent: w.Scope}
	case WriteUpsertEntity:
		return Prior{Checked: true, Exists: w.Replaces, Parent: w.OldParentID}
	}
	return Prior{}
}

func orNone(id string) string {
	if id == "" {
		return "(none)"
	}
	return id
}
