package server

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/convert"
)

// MaxBatchItems bounds the checks of one BatchCheck call.
const MaxBatchItems = 1000

// Check answers an eligibility request.
func (v *service) Check(ctx context.Context, req *connect.Request[authzv1.EligibilityRequest]) (*connect.Response[authzv1.CheckResponse], error) {
	res, err := v.s.check(ctx, req.Msg)
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	return connect.NewResponse(res), nil
}

// CheckPolicy answers whether a user may do a named action.
func (v *service) CheckPolicy(ctx context.Context, req *connect.Request[authzv1.PolicyRequest]) (*connect.Response[authzv1.CheckResponse], error) {
	res, err := v.s.checkPolicy(ctx, req.Msg)
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	return connect.NewResponse(res), nil
}

// BatchCheck answers many checks; an item that fails carries its error.
func (v *service) BatchCheck(ctx context.Context, req *connect.Request[authzv1.BatchCheckRequest]) (*connect.Response[authzv1.BatchCheckResponse], error) {
	items := req.Msg.GetItems()
	if len(items) > MaxBatchItems {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%d checks in one batch, at most %d", len(items), MaxBatchItems))
	}
	out := &authzv1.BatchCheckResponse{Results: make([]*authzv1.BatchCheckResult, len(items))}
	for i, it := range items {
		var res *authzv1.CheckResponse
		var err error
		switch {
		case it.GetEligibility() != nil:
			res, err = v.s.check(ctx, it.GetEligibility())
		case it.GetPolicy() != nil:
			res, err = v.s.checkPolicy(ctx, it.GetPolicy())
		default:
			err = fmt.Errorf("%w: batch item %d is empty", authz.ErrInvalidRequest, i)
		}
		if err != nil {
			cerr := v.s.connectError(req.Spec().Procedure, err).(*connect.Error)
			out.Results[i] = &authzv1.BatchCheckResult{Result: &authzv1.BatchCheckResult_Error{
				Error: &authzv1.BatchCheckError{Code: cerr.Code().String(), Message: cerr.Message()},
			}}
			continue
		}
		out.Results[i] = &authzv1.BatchCheckResult{Result: &authzv1.BatchCheckResult_Response{Response: res}}
	}
	return connect.NewResponse(out), nil
}

func (s *Server) check(ctx context.Context, m *authzv1.EligibilityRequest) (*authzv1.CheckResponse, error) {
	res, err := s.engine.Check(ctx, convert.Eligibility(m))
	s.metrics.observeChecks("permission", res, err)
	if err != nil {
		return nil, err
	}
	return convert.ResultToProto(res), nil
}

func (s *Server) checkPolicy(ctx context.Context, m *authzv1.PolicyRequest) (*authzv1.CheckResponse, error) {
	res, err := s.engine.CheckPolicy(ctx, convert.Policy(m))
	s.metrics.observeChecks("policy", res, err)
	if err != nil {
		return nil, err
	}
	return convert.ResultToProto(res), nil
}

// ListUserPermissions returns a user's effective permissions by entity.
func (v *service) ListUserPermissions(ctx context.Context, req *connect.Request[authzv1.ListUserPermissionsRequest]) (*connect.Response[authzv1.ListUserPermissionsResponse], error) {
	p, err := v.s.engine.ListUserPermissions(ctx, req.Msg.GetTeamId(), req.Msg.GetUserId())
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	return connect.NewResponse(&authzv1.ListUserPermissionsResponse{Permissions: convert.UserPermissionsToProto(p)}), nil
}

// LookupUsers lists the users holding a permission on an entity.
func (v *service) LookupUsers(ctx context.Context, req *connect.Request[authzv1.LookupUsersRequest]) (*connect.Response[authzv1.LookupUsersResponse], error) {
	users, rev, err := v.s.engine.LookupUsers(ctx, req.Msg.GetTeamId(), req.Msg.GetEntityId(), req.Msg.GetPermission())
	if err != nil {
		return nil, v.s.connectError(req.Spec().Procedure, err)
	}
	return connect.NewResponse(&authzv1.LookupUsersResponse{UserIds: users, Revision: int64(rev)}), nil
}
