package server

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
)

var errNoActor = errors.New("admin writes name the acting user: set actor.team_id and actor.user_id")

// authorize checks, authoritatively, that the actor may make the admin
// write w, by the one rule of authz.AuthorizeAdminWrite, and returns the
// actor as recorded in the audit log ("TEAM/USER"). A denial is
// PermissionDenied naming the missing permission and the decision's
// reason; a check that could not be answered is mapped as engine errors
// are, and refuses the write too.
func (s *Server) authorize(ctx context.Context, procedure string, actor *authzv1.Actor, w authz.AdminWrite) (string, error) {
	if actor.GetTeamId() == "" || actor.GetUserId() == "" {
		return "", connect.NewError(connect.CodeInvalidArgument, errNoActor)
	}
	who := authz.Actor{TeamID: actor.GetTeamId(), UserID: actor.GetUserId()}
	err := s.engine.AuthorizeAdminWrite(ctx, who, w)
	var denied *authz.DeniedError
	switch {
	case errors.As(err, &denied):
		s.log.Info("admin write denied", "procedure", procedure, "actor", who.String(), "permission", denied.Permission, "entity", denied.EntityID, "reason", denied.Reason)
		return "", connect.NewError(connect.CodePermissionDenied, denied)
	case err != nil:
		return "", s.connectError(procedure, fmt.Errorf("authorize %s: %w", w.Kind, err))
	}
	return who.String(), nil
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
