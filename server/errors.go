package server

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
)

// connectError maps an engine error to an RPC error. Anything the engine
// does not classify is a store failure: Unavailable, so callers deny and
// may retry elsewhere.
func (s *Server) connectError(procedure string, err error) error {
	var code connect.Code
	switch {
	case errors.Is(err, context.Canceled):
		code = connect.CodeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		code = connect.CodeDeadlineExceeded
	case errors.Is(err, authz.ErrInvalidRequest):
		code = connect.CodeInvalidArgument
	case errors.Is(err, authz.ErrNotFound):
		code = connect.CodeNotFound
	case errors.Is(err, authz.ErrStale):
		code = connect.CodeFailedPrecondition
	case errors.Is(err, authz.ErrConflict):
		code = connect.CodeAborted
	case errors.Is(err, authz.ErrUnavailable):
		// The engine refuses to answer from data it cannot vouch for
		// (the store was restored or created anew): deny, ask again.
		code = connect.CodeUnavailable
		s.log.Warn("permission store unavailable", "procedure", procedure, "error", err)
	default:
		code = connect.CodeUnavailable
		s.log.Error("permission store failure", "procedure", procedure, "error", err)
		err = fmt.Errorf("permission store unavailable: %w", err)
	}
	return connect.NewError(code, err)
}

var errDraining = errors.New("server is shutting down; reconnect to another replica")
