package builtin

import (
	"context"

	"github.com/bastionhq/bastion/authz"
)

// Checker answers permission checks.
type Checker interface {
	Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error)
}

// Directory reads entities, roles and assignments.
type Directory interface {
	Entity(ctx context.Context, id string) (authz.Entity, error)
	Roles(ctx context.Context) ([]authz.Role, error)
	Role(ctx context.Context, name string) (authz.Role, error)
	Assignments(ctx context.Context, f authz.AssignmentFilter) ([]authz.Assignment, error)
	ListUserPermissions(ctx context.Context, teamID, userID string) (authz.UserPermissions, error)
}

// Assigner writes role assignments on behalf of an actor, who must hold
// ASSIGN_ROLES on the entity and is recorded in the audit log.
type Assigner interface {
	AssignAs(ctx context.Context, actor authz.Actor, userID, roleName, entityID string) (authz.Revision, error)
	RevokeAs(ctx context.Context, actor authz.Actor, userID, roleName, entityID string) (authz.Revision, error)
}

// Lookup finds who holds a permission on an entity.
type Lookup interface {
	LookupUsers(ctx context.Context, teamID, entityID, permission string) ([]string, authz.Revision, error)
}

// AuditReader reads the change log; Sync gives its current revision.
type AuditReader interface {
	Audit(ctx context.Context, f authz.ChangeFilter) ([]authz.Change, error)
	Sync(ctx context.Context) (authz.Revision, error)
}

// Engine is everything the built-in commands use; *authz.Engine is one.
type Engine interface {
	Checker
	Directory
	Assigner
	Lookup
	AuditReader
}

var _ Engine = (*authz.Engine)(nil)
