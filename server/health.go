package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
)

// ping asks the engine whether it can answer (authz.Engine.Ready: the
// store answers, and its history is the one the engine holds) within the
// ready timeout.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.ready)
	defer cancel()
	start := time.Now()
	err := s.engine.Ready(ctx)
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.metrics.store.WithLabelValues(result).Observe(time.Since(start).Seconds())
	if err != nil {
		return fmt.Errorf("permission store: %w", err)
	}
	return nil
}

// healthz answers liveness: the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz answers readiness: 503 while draining, when the store does not
// answer in time, or while the store's history is not the one the engine
// holds and reading it again fails (restored from a backup, created
// anew); the body says which.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.draining() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "shutting down")
		return
	}
	if err := s.ping(r.Context()); err != nil {
		s.log.Warn("not ready", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		if errors.Is(err, authz.ErrUnavailable) {
			// Details (addresses, ids) go to the log only.
			fmt.Fprintln(w, "store history changed: the permission store was restored or created anew, and reading it again failed")
		} else {
			fmt.Fprintln(w, "store unreachable")
		}
		return
	}
	fmt.Fprintln(w, "ready")
}

// healthChecker answers the gRPC health service: SERVING when the store
// answers, for the whole server ("") and for the PermissionService.
type healthChecker struct{ s *Server }

func (h *healthChecker) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	if req.Service != "" && req.Service != authzv1connect.PermissionServiceName {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("unknown service %q", req.Service))
	}
	if h.s.draining() || h.s.ping(ctx) != nil {
		return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
	}
	return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
}
