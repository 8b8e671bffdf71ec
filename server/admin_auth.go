package server

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
)

// Permissions an actor needs for admin writes.
const (
	permAssignRoles     = "ASSIGN_ROLES"
	permAdministerRoles = "ADMINISTER_ROLES"
)

var errNoActor = errors.New("admin writes name the acting user: set actor.team_id and actor.user_id")

// authorize checks, authoritatively, that the actor holds permission on
// entityID, and returns the actor as recorded in the audit log
// ("TEAM/USER"). A denial is PermissionDenied with the decision's reason.
func (s *Server) authorize(ctx context.Context, procedure string, actor *authzv1.Actor, permission, entityID string) (string, error) {
	if actor.GetTeamId() == "" || actor.GetUserId() == "" {
		return "", connect.NewError(connect.CodeInvalidArgument, errNoActor)
	}
	res, err := s.engine.Check(ctx, authz.EligibilityRequest{
		TeamID:      actor.GetTeamId(),
		UserID:      actor.GetUserId(),
		EntityID:    entityID,
		Permissions: []string{permission},
		Consistency: authz.Consistency{Mode: authz.Authoritative},
	})
	if err != nil {
		return "", s.connectError(procedure, fmt.Errorf("check the actor's %s on %s: %w", permission, entityID, err))
	}
	who := actor.GetTeamId() + "/" + actor.GetUserId()
	if !res.Allowed() {
		reason := ""
		if len(res.Decisions) > 0 {
			reason = res.Decisions[0].Reason.Message
		}
		s.log.Info("admin write denied", "procedure", procedure, "actor", who, "permission", permission, "entity", entityID, "reason", reason)
		return "", connect.NewError(connect.CodePermissionDenied,
			fmt.Errorf("%s may not do this: it needs %s on %s (%s)", who, permission, entityID, reason))
	}
	return who, nil
}

// written returns a function that logs an admin write's result and maps
// its error; it takes an engine write's two results as they come:
// s.written(p, actor)(s.engine.Assign(...)).
func (s *Server) written(procedure, actor string) func(authz.Revision, error) (int64, error) {
	return func(rev authz.Revision, err error) (int64, error) {
		if err != nil {
			return 0, s.connectError(procedure, err)
		}
		s.log.Info("admin write", "procedure", procedure, "actor", actor, "revision", int64(rev))
		return int64(rev), nil
	}
}

func errSystemRole(name string) error {
	return fmt.Errorf("%s is a system role; system roles change only in the roles file", name)
}
