package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
)

// Engine errors map to the codes clients act on; nothing unknown comes
// out as anything but Unavailable.
func TestAdminErrorCodes(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	denied := &authz.DeniedError{Actor: authz.Actor{TeamID: "T1", UserID: "U1"}, Write: authz.WritePutRole, Permission: authz.PermAdministerRoles, EntityID: "T2"}
	for _, tc := range []struct {
		err  error
		want connect.Code
	}{
		{fmt.Errorf("authorize: %w", denied), connect.CodePermissionDenied},
		{fmt.Errorf("put role: %w", authz.ErrConflict), connect.CodeAborted},
		{fmt.Errorf("x: %w", authz.ErrInvalidRequest), connect.CodeInvalidArgument},
		{fmt.Errorf("x: %w", authz.ErrNotFound), connect.CodeNotFound},
		{fmt.Errorf("x: %w", authz.ErrStale), connect.CodeFailedPrecondition},
		{context.Canceled, connect.CodeCanceled},
		{context.DeadlineExceeded, connect.CodeDeadlineExceeded},
		{errors.New("database is locked"), connect.CodeUnavailable},
	} {
		got := s.adminError("/p", "T1/U1", tc.err)
		var cerr *connect.Error
		if !errors.As(got, &cerr) || cerr.Code() != tc.want {
			t.Errorf("%v: %v; want %v", tc.err, got, tc.want)
		}
	}
	if got := s.adminError("/p", "T1/U1", denied).Error(); !strings.Contains(got, "ADMINISTER_ROLES on T2") {
		t.Errorf("denial %q does not name the permission and entity", got)
	}
}
