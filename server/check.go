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
// The eligibility items are answered together, so that their users are
// read from the store in one query.
func (v *service) BatchCheck(ctx context.Context, req *connect.Request[authzv1.BatchCheckRequest]) (*connect.Response[authzv1.BatchCheckResponse], error) {
	items := req.Msg.GetItems()
	if len(items) > MaxBatchItems {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%d checks in one batch, at most %d", len(items), MaxBatchItems))
	}
	out := &authzv1.BatchCheckResponse{Results: make([]*authzv1.BatchCheckResult, len(items))}
	var eligibility []authz.EligibilityRequest
	var at []int // item index of each eligibility request
	for i, it := range items {
		switch {
		case it.GetEligibility() != nil:
			eligibility = append(eligibility, convert.Eligibility(it.GetEligibility()))
			at = append(at, i)
		case it.GetPolicy() != nil:
			res, err := v.s.checkPolicy(ctx, it.GetPolicy())
			out.Results[i] = v.batchResult(req.Spec().Procedure, res, err)
		default:
			out.Results[i] = v.batchResult(req.Spec().Procedure, nil, fmt.Errorf("%w: batch item %d is empty", authz.ErrInvalidRequest, i))
		}
	}
	if len(eligibility) > 0 {
		for k, r := range v.s.engine.CheckBatch(ctx, eligibility) {
			v.s.metrics.observeChecks("permission", r.Result, r.Err)
			var res *authzv1.CheckResponse
			if r.Err == nil {
				res = convert.ResultToProto(r.Result)
			}
			out.Results[at[k]] = v.batchResult(req.Spec().Procedure, res, r.Err)
		}
	}
	return connect.NewResponse(out), nil
}

// batchResult is one item's answer: its response, or its error with the
// code Check would have returned.
func (v *service) batchResult(procedure string, res *authzv1.CheckResponse, err error) *authzv1.BatchCheckResult {
	if err != nil {
		cerr := v.s.connectError(procedure, err).(*connect.Error)
		return &authzv1.BatchCheckResult{Result: &authzv1.BatchCheckResult_Error{
			Error: &authzv1.BatchCheckError{Code: cerr.Code().String(), Message: cerr.Message()},
		}}
	}
	return &authzv1.BatchCheckResult{Result: &authzv1.BatchCheckResult_Response{Response: res}}
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
