package authz

import (
	"context"
	"errors"
	"fmt"
)

// The permissions admin writes need. They are declared in the built-in
// roles file; ROLES_ADMIN grants both.
const (
	// PermAssignRoles allows assigning roles on an entity and revoking
	// them.
	PermAssignRoles = "ASSIGN_ROLES"
	// PermAdministerRoles allows creating, editing and deleting custom
	// roles of a scope, adding entities below an entity, and changing a
	// team's account types and preferences.
	PermAdministerRoles = "ADMINISTER_ROLES"
)

// AdminWriteKind names an admin write.
type AdminWriteKind int

// Admin writes, each with what the actor must hold (see
// AdminWrite.Requirements).
const (
	// WriteAssign assigns a role: ASSIGN_ROLES on the target entity.
	WriteAssign AdminWriteKind = iota + 1
	// WriteRevoke revokes an assignment: ASSIGN_ROLES on the target entity.
	WriteRevoke
	// WritePutRole creates or replaces a custom role: ADMINISTER_ROLES on
	// its scope and, when an existing role moves to another scope, on the
	// scope it leaves too.
	WritePutRole
	// WriteDeleteRole deletes a custom role: ADMINISTER_ROLES on its scope.
	WriteDeleteRole
	// WriteUpsertEntity creates or replaces an entity: ADMINISTER_ROLES on
	// its parent and, when an existing entity moves to another parent, on
	// the parent it leaves too (on the entity itself when it was a root).
	// A root saved in place needs ADMINISTER_ROLES on itself. Making a
	// root (creating an entity without a parent, or moving one to none)
	// needs ADMINISTER_ROLES above every tree, which no role grants: roots
	// are made only by writes that are not made on behalf of a user (the
	// command line, imports).
	WriteUpsertEntity
	// WriteSetAccountType sets a user's account type in a team:
	// ADMINISTER_ROLES on the team.
	WriteSetAccountType
	// WriteSetTeamPrefs replaces a team's preferences: ADMINISTER_ROLES on
	// the team.
	WriteSetTeamPrefs
)

var adminWriteNames = [...]string{
	WriteAssign:         "assign roles",
	WriteRevoke:         "revoke roles",
	WritePutRole:        "save roles",
	WriteDeleteRole:     "delete roles",
	WriteUpsertEntity:   "save entities",
	WriteSetAccountType: "change account types",
	WriteSetTeamPrefs:   "change team preferences",
}

// String says what the write does, as a verb phrase ("assign roles").
func (k AdminWriteKind) String() string {
	if k > 0 && int(k) < len(adminWriteNames) {
		return adminWriteNames[k]
	}
	return fmt.Sprintf("admin write %d", int(k))
}

// AdminWrite describes an admin write as far as deciding who may make it
// needs. Set the fields its Kind uses:
//
//   - WriteAssign, WriteRevoke: EntityID, the entity of the assignment.
//   - WritePutRole: Scope, the role's scope, and OldScope, the scope of
//     the role it replaces (empty for a new role); PutRoleWrite fills it.
//   - WriteDeleteRole: Scope, the scope of the role being deleted.
//   - WriteUpsertEntity: EntityID and ParentID, as in the new entity, and
//     Replaces and OldParentID for an entity that exists; UpsertEntityWrite
//     fills them.
//   - WriteSetAccountType, WriteSetTeamPrefs: TeamID.
type AdminWrite struct {
	// Kind is the write.
	Kind AdminWriteKind
	// EntityID is the entity of an assignment, or the entity upserted.
	EntityID string
	// ParentID is the parent of the entity upserted; empty for a root.
	ParentID string
	// Replaces is set when the entity upserted exists already, and
	// OldParentID is then its parent (empty for a root).
	Replaces    bool
	OldParentID string
	// Scope is the scope of the role saved or deleted.
	Scope string
	// OldScope is the scope of the role a save replaces; empty when the
	// role is new.
	OldScope string
	// TeamID is the team whose account types or preferences change.
	TeamID string
}

// Requirement is one permission an actor must hold on one entity.
type Requirement struct {
	// Permission is the permission's name, such as ASSIGN_ROLES.
	Permission string
	// EntityID is the entity it must be held on.
	EntityID string
	// NewRoot is set when the write makes EntityID a root (creates it
	// without a parent, or moves it to none): the permission would then
	// have to be held above every tree, and no assignment grants that, so
	// the requirement is never met (AuthorizeAdminWrite refuses it).
	NewRoot bool
}

// Requirements returns what the actor must hold, every pair of it, for
// the write to be allowed. A write that names no target, or of an unknown
// kind, is ErrInvalidRequest: it never comes out as needing nothing.
func (w AdminWrite) Requirements() ([]Requirement, error) {
	need := func(perm, entity, what string) ([]Requirement, error) {
		if entity == "" {
			return nil, fmt.Errorf("%w: to %s, name %s", ErrInvalidRequest, w.Kind, what)
		}
		return []Requirement{{Permission: perm, EntityID: entity}}, nil
	}
	switch w.Kind {
	case WriteAssign, WriteRevoke:
		return need(PermAssignRoles, w.EntityID, "the entity")
	case WritePutRole:
		reqs, err := need(PermAdministerRoles, w.Scope, "the role's scope")
		if err != nil {
			return nil, err
		}
		if w.OldScope != "" && w.OldScope != w.Scope {
			reqs = append(reqs, Requirement{Permission: PermAdministerRoles, EntityID: w.OldScope})
		}
		return reqs, nil
	case WriteDeleteRole:
		return need(PermAdministerRoles, w.Scope, "the role's scope (system roles change only in the roles file)")
	case WriteUpsertEntity:
		at, what := w.ParentID, "the parent"
		if at == "" {
			at, what = w.EntityID, "the entity"
		}
		reqs, err := need(PermAdministerRoles, at, what)
		if err != nil {
			return nil, err
		}
		if w.ParentID == "" && (!w.Replaces || w.OldParentID != "") {
			// Creating a root, or detaching an entity: no subtree holds
			// it afterwards, so nobody's permission on one can allow it.
			reqs[0].NewRoot = true
			return reqs, nil
		}
		if !w.Replaces || w.OldParentID == w.ParentID {
			return reqs, nil
		}
		left := w.OldParentID
		if left == "" {
			left = w.EntityID // a root moving under a parent
		}
		if left != at {
			reqs = append(reqs, Requirement{Permission: PermAdministerRoles, EntityID: left})
		}
		return reqs, nil
	case WriteSetAccountType, WriteSetTeamPrefs:
		return need(PermAdministerRoles, w.TeamID, "the team")
	default:
		return nil, fmt.Errorf("%w: unknown admin write kind %d", ErrInvalidRequest, int(w.Kind))
	}
}

// RoleReader reads one role by name; *Engine is one.
type RoleReader interface {
	Role(ctx context.Context, name string) (Role, error)
}

// PutRoleWrite describes saving r: it reads the role r replaces, so that
// a role moving to another scope is checked on the scope it leaves as
// well. A role that does not exist yet has no old scope; any other failure
// to read it is an error, and the write must then be refused.
func PutRoleWrite(ctx context.Context, roles RoleReader, r Role) (AdminWrite, error) {
	w := AdminWrite{Kind: WritePutRole, Scope: r.Scope}
	old, err := roles.Role(ctx, r.Name)
	switch {
	case err == nil:
		w.OldScope = old.Scope
	case !errors.Is(err, ErrNotFound):
		return AdminWrite{}, fmt.Errorf("read role %s to authorize saving it: %w", r.Name, err)
	}
	return w, nil
}

// EntityReader reads one entity by id; *Engine is one.
type EntityReader interface {
	Entity(ctx context.Context, id string) (Entity, error)
}

// UpsertEntityWrite describes saving e: it reads the entity e replaces, so
// that an entity moving to another parent is checked on the parent it
// leaves as well. An entity that does not exist yet replaces nothing; any
// other failure to read it is an error, and the write must then be
// refused.
func UpsertEntityWrite(ctx context.Context, entities EntityReader, e Entity) (AdminWrite, error) {
	w := AdminWrite{Kind: WriteUpsertEntity, EntityID: e.ID, ParentID: e.ParentID}
	old, err := entities.Entity(ctx, e.ID)
	switch {
	case err == nil:
		w.Replaces, w.OldParentID = true, old.ParentID
	case !errors.Is(err, ErrNotFound):
		return AdminWrite{}, fmt.Errorf("read entity %s to authorize saving it: %w", e.ID, err)
	}
	return w, nil
}

// Actor is the user making an admin write, in the team whose view of
// their permissions decides.
type Actor struct {
	// TeamID is the team the check runs in.
	TeamID string
	// UserID is the acting user.
	UserID string
}

// String is the actor as the audit log records it: "TEAM/USER".
func (a Actor) String() string { return a.TeamID + "/" + a.UserID }

// Checker answers eligibility checks; *Engine is one.
type Checker interface {
	Check(ctx context.Context, req EligibilityRequest) (Result, error)
}

// DeniedError is an admin write refused because the actor lacks a
// permission it needs.
type DeniedError struct {
	// Actor is who was refused.
	Actor Actor
	// Write is what they tried.
	Write AdminWriteKind
	// Permission and EntityID are the first requirement found missing.
	Permission string
	EntityID   string
	// Reason is the decision's explanation.
	Reason string
}

// Error says who may not do what, and which permission on which entity
// they lack.
func (e *DeniedError) Error() string {
	msg := fmt.Sprintf("%s may not %s: it needs %s on %s", e.Actor, e.Write, e.Permission, e.EntityID)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// AuthorizeAdminWrite checks, authoritatively and through c, that actor
// holds every requirement of w. It returns nil when they do, a
// *DeniedError when a permission is missing, and any other error when
// the question could not be answered (an invalid write, an unknown entity,
// an unreachable store); the write must be refused on any error.
func AuthorizeAdminWrite(ctx context.Context, c Checker, actor Actor, w AdminWrite) error {
	if actor.TeamID == "" || actor.UserID == "" {
		return fmt.Errorf("%w: an admin write names the acting user and their team", ErrInvalidRequest)
	}
	reqs, err := w.Requirements()
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if r.NewRoot {
			return &DeniedError{Actor: actor, Write: w.Kind, Permission: r.Permission, EntityID: r.EntityID, Reason: newRootReason(r.EntityID)}
		}
		res, err := c.Check(ctx, EligibilityRequest{
			TeamID:      actor.TeamID,
			UserID:      actor.UserID,
			EntityID:    r.EntityID,
			Permissions: []string{r.Permission},
			Consistency: Consistency{Mode: Authoritative},
		})
		if err != nil {
			return fmt.Errorf("check %s's %s on %s: %w", actor, r.Permission, r.EntityID, err)
		}
		if len(res.Decisions) != 1 {
			return fmt.Errorf("check %s's %s on %s: %d decisions for one permission", actor, r.Permission, r.EntityID, len(res.Decisions))
		}
		if d := res.Decisions[0]; !d.Allowed {
			return &DeniedError{Actor: actor, Write: w.Kind, Permission: r.Permission, EntityID: r.EntityID, Reason: d.Reason.Message}
		}
		if !res.Authoritative {
			return fmt.Errorf("check %s's %s on %s: the answer was not authoritative", actor, r.Permission, r.EntityID)
		}
	}
	return nil
}

// AuthorizeAdminWrite checks, authoritatively, that actor may make w; see
// the function AuthorizeAdminWrite. To write what was authorized, use the
// engine's methods named for the write with "As" (AssignAs, PutRoleAs,
// SetAccountTypeAs, ...): they authorize and then write only if what the
// authorization saw still holds.
func (e *Engine) AuthorizeAdminWrite(ctx context.Context, actor Actor, w AdminWrite) error {
	_, err := e.authorize(ctx, actor, w)
	return err
}

// authorize checks that actor may make w, as AuthorizeAdminWrite does,
// and returns the Prior of the write: the rows every decision rested on,
// as the decision saw them.
func (e *Engine) authorize(ctx context.Context, actor Actor, w AdminWrite) (Prior, error) {
	var seen []SeenRow
	err := AuthorizeAdminWrite(ctx, checkerFunc(func(ctx context.Context, req EligibilityRequest) (Result, error) {
		return e.check(ctx, req, &seen)
	}), actor, w)
	if err != nil {
		return Prior{}, err
	}
	return Prior{Checked: true}.With(seen...), nil
}

// checkerFunc is a function that is a Checker.
type checkerFunc func(ctx context.Context, req EligibilityRequest) (Result, error)

func (f checkerFunc) Check(ctx context.Context, req EligibilityRequest) (Result, error) {
	return f(ctx, req)
}

// newRootReason explains why making entityID a root is refused to every
// actor.
func newRootReason(entityID string) string {
	return "saving " + entityID + " without a parent makes it a root, outside every tree, where no role grants " + PermAdministerRoles +
		"; roots are created and detached only with the command line (bastion entity upsert)"
}
