package convert

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
)

// AccountTypeToProto returns the enum value for an account type; the two
// enumerations share their numbering.
func AccountTypeToProto(t authz.AccountType) authzv1.AccountType { return authzv1.AccountType(t) }

// AccountType returns the engine's account type for an enum value.
func AccountType(t authzv1.AccountType) authz.AccountType { return authz.AccountType(t) }

// RoleToProto returns the message for a role.
func RoleToProto(r authz.Role) *authzv1.Role {
	return &authzv1.Role{Name: r.Name, Description: r.Description, Permissions: r.Permissions, Scope: r.Scope, System: r.System}
}

// Role returns the engine role for a message.
func Role(m *authzv1.Role) authz.Role {
	return authz.Role{Name: m.GetName(), Description: m.GetDescription(), Permissions: m.GetPermissions(), Scope: m.GetScope(), System: m.GetSystem()}
}

// EntityToProto returns the message for an entity.
func EntityToProto(e authz.Entity) *authzv1.Entity {
	return &authzv1.Entity{Id: e.ID, Type: e.Type, ParentId: e.ParentID, CreatorId: e.CreatorID}
}

// Entity returns the engine entity for a message.
func Entity(m *authzv1.Entity) authz.Entity {
	return authz.Entity{ID: m.GetId(), Type: m.GetType(), ParentID: m.GetParentId(), CreatorID: m.GetCreatorId()}
}

// AssignmentToProto returns the message for an assignment.
func AssignmentToProto(a authz.Assignment) *authzv1.Assignment {
	return &authzv1.Assignment{UserId: a.UserID, Role: a.Role, EntityId: a.EntityID, GrantedBy: a.GrantedBy, GrantedAt: timestamp(a.GrantedAt),
		ExpiresAt: timestamp(a.ExpiresAt), Reason: a.Reason}
}

// Assignment returns the engine assignment for a message.
func Assignment(m *authzv1.Assignment) authz.Assignment {
	return authz.Assignment{UserID: m.GetUserId(), Role: m.GetRole(), EntityID: m.GetEntityId(), GrantedBy: m.GetGrantedBy(),
		GrantedAt: fromTimestamp(m.GetGrantedAt()), ExpiresAt: fromTimestamp(m.GetExpiresAt()), Reason: m.GetReason()}
}

// ChangeToProto returns the message for an audit-log entry.
func ChangeToProto(c authz.Change) *authzv1.Change {
	return &authzv1.Change{
		Revision: int64(c.Revision), At: timestamp(c.At), Actor: c.Actor, Kind: string(c.Kind), Key: c.Key,
		UserId: c.UserID, TeamId: c.TeamID, EntityId: c.EntityID, Before: c.Before, After: c.After,
	}
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// fromTimestamp is the time of m, zero when m is unset.
func fromTimestamp(m *timestamppb.Timestamp) time.Time {
	if m == nil {
		return time.Time{}
	}
	return m.AsTime()
}

// UserPermissionsToProto returns the message for a user's permissions.
func UserPermissionsToProto(u authz.UserPermissions) *authzv1.UserPermissions {
	out := &authzv1.UserPermissions{
		TeamId: u.TeamID, UserId: u.UserID, AccountType: AccountTypeToProto(u.AccountType),
		Entities: make([]*authzv1.EntityPermissions, len(u.Entities)), Revision: int64(u.Revision), At: timestamp(u.At),
	}
	for i, e := range u.Entities {
		grants := make([]*authzv1.Grant, len(e.Grants))
		for j := range e.Grants {
			grants[j] = GrantToProto(&e.Grants[j])
		}
		out.Entities[i] = &authzv1.EntityPermissions{EntityId: e.EntityID, EntityType: e.EntityType, Permissions: e.Permissions, Grants: grants, Until: timestamp(e.Until)}
	}
	return out
}

// UserPermissions returns the engine value for a message.
func UserPermissions(m *authzv1.UserPermissions) authz.UserPermissions {
	out := authz.UserPermissions{
		TeamID: m.GetTeamId(), UserID: m.GetUserId(), AccountType: AccountType(m.GetAccountType()),
		Entities: make([]authz.EntityPermissions, len(m.GetEntities())), Revision: authz.Revision(m.GetRevision()), At: fromTimestamp(m.GetAt()),
	}
	for i, e := range m.GetEntities() {
		grants := make([]authz.Grant, len(e.GetGrants()))
		for j, g := range e.GetGrants() {
			grants[j] = *Grant(g)
		}
		out.Entities[i] = authz.EntityPermissions{EntityID: e.GetEntityId(), EntityType: e.GetEntityType(), Permissions: e.GetPermissions(), Grants: grants, Until: fromTimestamp(e.GetUntil())}
	}
	return out
}
