package server

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server/convert"
)

// ListRoles lists system and custom roles.
func (v *service) ListRoles(ctx context.Context, req *connect.Request[authzv1.ListRolesRequest]) (*connect.Response[authzv1.ListRolesResponse], error) {
	roles, err := v.s.engine.Roles(ctx)
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	out := &authzv1.ListRolesResponse{Roles: make([]*authzv1.Role, len(roles))}
	for i, r := range roles {
		out.Roles[i] = convert.RoleToProto(r)
	}
	return connect.NewResponse(out), nil
}

// GetRole returns one role.
func (v *service) GetRole(ctx context.Context, req *connect.Request[authzv1.GetRoleRequest]) (*connect.Response[authzv1.GetRoleResponse], error) {
	r, err := v.s.engine.Role(ctx, req.Msg.GetName())
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	return connect.NewResponse(&authzv1.GetRoleResponse{Role: convert.RoleToProto(r)}), nil
}

// ListAssignments lists assignments by user, entity or role.
func (v *service) ListAssignments(ctx context.Context, req *connect.Request[authzv1.ListAssignmentsRequest]) (*connect.Response[authzv1.ListAssignmentsResponse], error) {
	m := req.Msg
	f := authz.AssignmentFilter{UserID: m.GetUserId(), EntityID: m.GetEntityId(), Role: m.GetRole()}
	if b := m.GetExpiringBefore(); b != nil {
		if err := b.CheckValid(); err != nil {
			return nil, v.s.connectError(req.Spec().Procedure, fmt.Errorf("%w: expiring_before: %v", authz.ErrInvalidRequest, err))
		}
		f.ExpiringBefore = b.AsTime()
	}
	as, err := v.s.engine.Assignments(ctx, f)
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	out := &authzv1.ListAssignmentsResponse{Assignments: make([]*authzv1.Assignment, len(as))}
	for i, a := range as {
		out.Assignments[i] = convert.AssignmentToProto(a)
	}
	return connect.NewResponse(out), nil
}

// ListEntities lists every entity.
func (v *service) ListEntities(ctx context.Context, req *connect.Request[authzv1.ListEntitiesRequest]) (*connect.Response[authzv1.ListEntitiesResponse], error) {
	ents, err := v.s.engine.Entities(ctx)
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	out := &authzv1.ListEntitiesResponse{Entities: make([]*authzv1.Entity, len(ents))}
	for i, e := range ents {
		out.Entities[i] = convert.EntityToProto(e)
	}
	return connect.NewResponse(out), nil
}

// GetEntity returns one entity.
func (v *service) GetEntity(ctx context.Context, req *connect.Request[authzv1.GetEntityRequest]) (*connect.Response[authzv1.GetEntityResponse], error) {
	e, err := v.s.engine.Entity(ctx, req.Msg.GetId())
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	return connect.NewResponse(&authzv1.GetEntityResponse{Entity: convert.EntityToProto(e)}), nil
}

// GetTeamPreferences returns a team's preferences.
func (v *service) GetTeamPreferences(ctx context.Context, req *connect.Request[authzv1.GetTeamPreferencesRequest]) (*connect.Response[authzv1.GetTeamPreferencesResponse], error) {
	prefs, err := v.s.engine.TeamPrefs(ctx, req.Msg.GetTeamId())
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	return connect.NewResponse(&authzv1.GetTeamPreferencesResponse{Preferences: prefs}), nil
}

// ListAuditLog lists audit-log entries matching the filter.
func (v *service) ListAuditLog(ctx context.Context, req *connect.Request[authzv1.ListAuditLogRequest]) (*connect.Response[authzv1.ListAuditLogResponse], error) {
	m := req.Msg
	changes, err := v.s.engine.Audit(ctx, authz.ChangeFilter{
		After: authz.Revision(m.GetAfterRevision()), Actor: m.GetActor(), UserID: m.GetUserId(),
		EntityID: m.GetEntityId(), Kind: authz.ChangeKind(m.GetKind()), Limit: int(m.GetLimit()),
	})
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	out := &authzv1.ListAuditLogResponse{Changes: make([]*authzv1.Change, len(changes))}
	for i, c := range changes {
		out.Changes[i] = convert.ChangeToProto(c)
	}
	return connect.NewResponse(out), nil
}

// The compiler proves that service implements the generated interface.
var _ authzv1connect.PermissionServiceHandler = (*service)(nil)
