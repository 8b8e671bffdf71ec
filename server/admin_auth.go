package server

import (
	"errors"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
)

var errNoActor = errors.New("admin writes name the acting user: set actor.team_id and actor.user_id")

// actorOf is the acting user an admin write names; it must name both
// the user and their team.
func actorOf(m *authzv1.Actor) (authz.Actor, error) {
	if m.GetTeamId() == "" || m.GetUserId() == "" {
		return authz.Actor{}, connect.NewError(connect.CodeInvalidArgument, errNoActor)
	}
	return authz.Actor{TeamID: m.GetTeamId(), UserID: m.GetUserId()}, nil
}

// written returns a function that logs an admin write's result and maps
// its error; it takes an engine write's two results as they come:
// s.written(p, actor)(s.engine.Assign(...)).
func (s *Server) written(procedure, actor string) func(authz.Revision, error) (int64, error) {
	return func(rev authz.Revision, err error) (int64, error) {
		if err != nil {
			return 0, s.adminError(procedure, actor, err)
		}
		s.log.Info("admin write", "procedure", procedure, "actor", actor, "revision", int64(rev))
		return int64(rev), nil
	}
}

// adminError maps an admin write's error: a *authz.DeniedError is
// PermissionDenied (and logged), anything else as engine errors are.
func (s *Server) adminError(procedure, actor string, err error) error {
	var denied *authz.DeniedError
	if errors.As(err, &denied) {
		s.log.Info("admin write denied", "procedure", procedure, "actor", actor, "permission", denied.Permission, "entity", denied.EntityID, "reason", denied.Reason)
		return connect.NewError(connect.CodePermissionDenied, denied)
	}
	return s.connectError(procedure, err)
}
