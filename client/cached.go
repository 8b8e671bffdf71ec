package client

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/convert"
)

// Cached answers permission checks for one team from memory. The first
// check of a user reads the user's permissions (ListUserPermissions) and
// opens a WatchPermissions stream that keeps them current; later checks of
// that user are answered locally, marked non-authoritative. Whatever it
// cannot answer from memory goes to the remote server: policy checks
// (legacy rules and creators need the server), other teams, entities it
// has not seen, a permission it has not yet seen applied to an entity
// type, a revision it has not reached, and users whose stream broke. A
// permission on an entity where a grant ends is answered from memory only
// until the server's clock may have reached that end (measured from the
// server's own reading of its clock, never by comparing clocks); from then
// on the server answers until the watch stream brings what is left.
type Cached struct {
	remote *Remote
	teamID string
	log    *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	users    *userTable
	entities atomic.Pointer[entityTree]
	// refreshing is set while a background entity reload runs.
	refreshing atomic.Bool
	// applies records that the server checked a permission on an entity
	// of a type (so it applies there), with the message of a deny.
	applies appliesSet
}

type cachedUser struct {
	perms atomic.Pointer[userIndex]
	// clock relates the server's clock to the local one, as of the
	// user's first read (set before perms).
	clock serverClock
}

// NewCached returns a cache of teamID's users' permissions in front of
// remote. Close it to end its watch streams.
func NewCached(remote *Remote, teamID string, logger *slog.Logger) *Cached {
	if logger == nil {
		logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Cached{remote: remote, teamID: teamID, log: logger, ctx: ctx, cancel: cancel, users: newUserTable()}
}

// Close ends every watch stream; later checks go to the server.
func (c *Cached) Close() { c.cancel() }

// Check implements Checker, answering from memory when it can.
func (c *Cached) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	if req.TeamID == c.teamID && c.ctx.Err() == nil {
		if p := c.permissions(ctx, req.UserID); p != nil && p.perms.Revision >= req.Consistency.AtLeastRevision {
			if res, ok := c.answer(p, req); ok {
				return res, nil
			}
		}
	}
	res, err := c.remote.Check(ctx, req)
	if err == nil {
		c.learn(req, res)
	}
	return res, err
}

// CheckPolicy implements Checker; policies are always asked of the server.
func (c *Cached) CheckPolicy(ctx context.Context, req authz.PolicyRequest) (authz.Result, error) {
	return c.remote.CheckPolicy(ctx, req)
}

// permissions returns the user's cached permissions, booting the user on
// first use; nil when they are not available.
func (c *Cached) permissions(ctx context.Context, userID string) *userIndex {
	if u, ok := c.users.load(userID); ok {
		return u.perms.Load()
	}
	fresh := &cachedUser{}
	if u, loaded := c.users.loadOrStore(userID, fresh); loaded {
		return u.perms.Load()
	}
	if err := c.boot(ctx, userID, fresh); err != nil {
		c.log.Warn("bastion cache: cannot load a user's permissions; asking the server", "user", userID, "error", err)
		c.forget(userID, fresh)
		return nil
	}
	return fresh.perms.Load()
}

// boot loads the user's permissions and the entity tree, then follows the
// user's changes in the background.
func (c *Cached) boot(ctx context.Context, userID string, u *cachedUser) error {
	if c.entities.Load() == nil {
		if err := c.refreshEntities(ctx); err != nil {
			return err
		}
	}
	sent := time.Now()
	res, err := c.remote.rpc.ListUserPermissions(ctx, connect.NewRequest(&authzv1.ListUserPermissionsRequest{TeamId: c.teamID, UserId: userID}))
	if err != nil {
		return fmt.Errorf("list permissions of %s: %w", userID, err)
	}
	perms := convert.UserPermissions(res.Msg.GetPermissions())
	u.clock = serverClock{sent: sent, server: perms.At}
	u.perms.Store(indexPermissions(perms, u.clock))
	stream, err := c.remote.rpc.WatchPermissions(c.ctx, connect.NewRequest(&authzv1.WatchPermissionsRequest{TeamId: c.teamID, UserId: userID}))
	if err != nil {
		return fmt.Errorf("watch permissions of %s: %w", userID, err)
	}
	go c.follow(userID, u, stream)
	return nil
}

// follow applies a user's watch events until the stream ends, then forgets
// the user so that the next check boots again.
func (c *Cached) follow(userID string, u *cachedUser, stream *connect.ServerStreamForClient[authzv1.WatchPermissionsResponse]) {
	defer stream.Close()
	defer c.forget(userID, u)
	for stream.Receive() {
		ev := stream.Msg()
		if ev.GetKind() == authzv1.WatchEventKind_WATCH_EVENT_KIND_SHUTDOWN {
			return
		}
		u.perms.Store(indexPermissions(convert.UserPermissions(ev.GetPermissions()), u.clock))
	}
	if err := stream.Err(); err != nil && c.ctx.Err() == nil {
		c.log.Warn("bastion cache: watch stream ended", "user", userID, "error", err)
	}
}

func (c *Cached) forget(userID string, u *cachedUser) {
	u.perms.Store(nil)
	c.users.remove(userID, u)
}

// refreshEntities reloads the entity tree.
func (c *Cached) refreshEntities(ctx context.Context) error {
	res, err := c.remote.rpc.ListEntities(ctx, connect.NewRequest(&authzv1.ListEntitiesRequest{}))
	if err != nil {
		return fmt.Errorf("list entities: %w", err)
	}
	m := make(map[string]authz.Entity, len(res.Msg.GetEntities()))
	for _, e := range res.Msg.GetEntities() {
		m[e.GetId()] = convert.Entity(e)
	}
	tree := newEntityTree(m)
	c.entities.Store(&tree)
	return nil
}
