package server

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/convert"
)

// PutRole creates or replaces a custom role; the actor needs
// ADMINISTER_ROLES on the role's scope and, when an existing role moves to
// another scope, on the scope it leaves too (authz.Engine.PutRoleAs).
func (v *service) PutRole(ctx context.Context, req *connect.Request[authzv1.PutRoleRequest]) (*connect.Response[authzv1.PutRoleResponse], error) {
	p := req.Spec().Procedure
	actor, err := actorOf(req.Msg.GetActor())
	if err != nil {
		return nil, err
	}
	rev, err := v.s.written(p, actor.String())(v.s.engine.PutRoleAs(ctx, actor, convert.Role(req.Msg.GetRole())))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authzv1.PutRoleResponse{Revision: rev}), nil
}

// DeleteRole deletes a custom role; the actor needs ADMINISTER_ROLES on
// the role's scope (authz.Engine.DeleteRoleAs).
func (v *service) DeleteRole(ctx context.Context, req *connect.Request[authzv1.DeleteRoleRequest]) (*connect.Response[authzv1.DeleteRoleResponse], error) {
	p := req.Spec().Procedure
	actor, err := actorOf(req.Msg.GetActor())
	if err != nil {
		return nil, err
	}
	rev, err := v.s.written(p, actor.String())(v.s.engine.DeleteRoleAs(ctx, actor, req.Msg.GetName()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authzv1.DeleteRoleResponse{Revision: rev}), nil
}

// AssignRole assigns a role, until the end the request names if any; the
// actor needs ASSIGN_ROLES on the entity (authz.Engine.AssignRoleAs).
func (v *service) AssignRole(ctx context.Context, req *connect.Request[authzv1.AssignRoleRequest]) (*connect.Response[authzv1.AssignRoleResponse], error) {
	p, m := req.Spec().Procedure, req.Msg
	actor, err := actorOf(m.GetActor())
	if err != nil {
		return nil, err
	}
	ar := authz.AssignRequest{UserID: m.GetUserId(), Role: m.GetRole(), EntityID: m.GetEntityId(), Reason: m.GetReason()}
	if m.GetExpiresAt() != nil {
		if err := m.GetExpiresAt().CheckValid(); err != nil {
			return nil, v.s.connectError(p, fmt.Errorf("%w: expires_at: %v", authz.ErrInvalidRequest, err))
		}
		ar.ExpiresAt = m.GetExpiresAt().AsTime()
	}
	if m.GetExpiresIn() != nil {
		if err := m.GetExpiresIn().CheckValid(); err != nil {
			return nil, v.s.connectError(p, fmt.Errorf("%w: expires_in: %v", authz.ErrInvalidRequest, err))
		}
		ar.For = m.GetExpiresIn().AsDuration()
		if ar.For == 0 {
			return nil, v.s.connectError(p, fmt.Errorf("%w: expires_in is zero: leave it unset for an assignment that never ends", authz.ErrInvalidRequest))
		}
	}
	rev, err := v.s.written(p, actor.String())(v.s.engine.AssignRoleAs(ctx, actor, ar))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authzv1.AssignRoleResponse{Revision: rev}), nil
}

// RevokeRole revokes an assignment; the actor needs ASSIGN_ROLES on the
// entity (authz.Engine.RevokeAs).
func (v *service) RevokeRole(ctx context.Context, req *connect.Request[authzv1.RevokeRoleRequest]) (*connect.Response[authzv1.RevokeRoleResponse], error) {
	p, m := req.Spec().Procedure, req.Msg
	actor, err := actorOf(m.GetActor())
	if err != nil {
		return nil, err
	}
	rev, err := v.s.written(p, actor.String())(v.s.engine.RevokeAs(ctx, actor, m.GetUserId(), m.GetRole(), m.GetEntityId()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authzv1.RevokeRoleResponse{Revision: rev}), nil
}

// UpsertEntity creates or replaces an entity; the actor needs
// ADMINISTER_ROLES on its parent and, when an existing entity moves, on
// the parent it leaves too; making a root is refused
// (authz.Engine.UpsertEntityAs, authz.WriteUpsertEntity).
func (v *service) UpsertEntity(ctx context.Context, req *connect.Request[authzv1.UpsertEntityRequest]) (*connect.Response[authzv1.UpsertEntityResponse], error) {
	p := req.Spec().Procedure
	actor, err := actorOf(req.Msg.GetActor())
	if err != nil {
		return nil, err
	}
	rev, err := v.s.written(p, actor.String())(v.s.engine.UpsertEntityAs(ctx, actor, convert.Entity(req.Msg.GetEntity())))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authzv1.UpsertEntityResponse{Revision: rev}), nil
}

// SetAccountType sets a user's account type; the actor needs
// ADMINISTER_ROLES on the team (authz.Engine.SetAccountTypeAs).
func (v *service) SetAccountType(ctx context.Context, req *connect.Request[authzv1.SetAccountTypeRequest]) (*connect.Response[authzv1.SetAccountTypeResponse], error) {
	p, m := req.Spec().Procedure, req.Msg
	actor, err := actorOf(m.GetActor())
	if err != nil {
		return nil, err
	}
	rev, err := v.s.written(p, actor.String())(v.s.engine.SetAccountTypeAs(ctx, actor, m.GetTeamId(), m.GetUserId(), convert.AccountType(m.GetAccountType())))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authzv1.SetAccountTypeResponse{Revision: rev}), nil
}

// SetTeamPreferences replaces a team's preferences; the actor needs
// ADMINISTER_ROLES on the team (authz.Engine.SetTeamPrefsAs).
func (v *service) SetTeamPreferences(ctx context.Context, req *connect.Request[authzv1.SetTeamPreferencesRequest]) (*connect.Response[authzv1.SetTeamPreferencesResponse], error) {
	p, m := req.Spec().Procedure, req.Msg
	actor, err := actorOf(m.GetActor())
	if err != nil {
		return nil, err
	}
	rev, err := v.s.written(p, actor.String())(v.s.engine.SetTeamPrefsAs(ctx, actor, m.GetTeamId(), m.GetPreferences()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&authzv1.SetTeamPreferencesResponse{Revision: rev}), nil
}
