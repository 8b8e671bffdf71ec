package server

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/convert"
)

// WatchPermissions streams the user's permissions: at once, then after
// every change that alters them, and a SHUTDOWN event when the server
// drains.
func (v *service) WatchPermissions(ctx context.Context, req *connect.Request[authzv1.WatchPermissionsRequest], stream *connect.ServerStream[authzv1.WatchPermissionsResponse]) error {
	return v.s.watch(ctx, req.Msg, req.Spec().Procedure, stream.Send)
}

// watch serves one WatchPermissions stream on either transport, sending
// its events with send.
func (s *Server) watch(ctx context.Context, req *authzv1.WatchPermissionsRequest, procedure string, send func(*authzv1.WatchPermissionsResponse) error) error {
	if s.draining() {
		return connect.NewError(connect.CodeUnavailable, errDraining)
	}
	s.watchers.Add(1)
	defer s.watchers.Done()
	s.metrics.watchers.Inc()
	defer s.metrics.watchers.Dec()

	team, user := req.GetTeamId(), req.GetUserId()
	// Subscribe first so that no change between the read and the
	// subscription is missed.
	changes, unsubscribe := s.engine.Subscribe(user)
	defer unsubscribe()

	var last *authzv1.UserPermissions
	sendKind := func(kind authzv1.WatchEventKind) error {
		p, err := s.engine.ListUserPermissions(ctx, team, user)
		if err != nil {
			return s.connectError(procedure, err)
		}
		msg := convert.UserPermissionsToProto(p)
		if kind == authzv1.WatchEventKind_WATCH_EVENT_KIND_CHANGED && samePermissions(last, msg) {
			return nil
		}
		last = msg
		return send(&authzv1.WatchPermissionsResponse{Kind: kind, Permissions: msg})
	}
	if err := sendKind(authzv1.WatchEventKind_WATCH_EVENT_KIND_INITIAL); err != nil {
		return err
	}
	s.log.Debug("watch opened", "team", team, "user", user)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.drain:
			s.log.Debug("watch closed for shutdown", "team", team, "user", user)
			return send(&authzv1.WatchPermissionsResponse{Kind: authzv1.WatchEventKind_WATCH_EVENT_KIND_SHUTDOWN})
		case <-changes:
			if err := sendKind(authzv1.WatchEventKind_WATCH_EVENT_KIND_CHANGED); err != nil {
				return err
			}
		}
	}
}

// samePermissions compares two snapshots, ignoring their revisions.
func samePermissions(a, b *authzv1.UserPermissions) bool {
	if a == nil {
		return false
	}
	x, y := proto.CloneOf(a), proto.CloneOf(b)
	x.Revision, y.Revision = 0, 0
	return proto.Equal(x, y)
}
