package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/slackbot"
)

// Defaults of Options.
const (
	DefaultRemindBefore = 15 * time.Minute
	DefaultSweepEvery   = 15 * time.Second
	sweepBatch          = 100
	// ExtendActionID is the Extend button of a reminder.
	ExtendActionID = "bastion_access_extend"
)

// Policies answers what the roles file says about requesting a role;
// *authz.Catalog is one.
type Policies interface {
	// RequestPolicyOf returns role's request policy and whether the role
	// can be requested.
	RequestPolicyOf(role string) (authz.RequestPolicy, bool)
	// Applies reports whether permission p can be checked on entities of
	// type t.
	Applies(p, t string) bool
}

// Directory reads the entity tree and who holds a permission; the
// permission engine (*authz.Engine) is one.
type Directory interface {
	// Entity returns an entity, or an error wrapping authz.ErrNotFound.
	Entity(ctx context.Context, id string) (authz.Entity, error)
	// LookupUsers lists who holds permission on entityID in teamID.
	LookupUsers(ctx context.Context, teamID, entityID, permission string) ([]string, authz.Revision, error)
	// Assignments lists assignments by one field of f (here: a user's).
	Assignments(ctx context.Context, f authz.AssignmentFilter) ([]authz.Assignment, error)
}

// Opener opens approval requests a command decides the requirements of;
// *approval.Workflow is one.
type Opener interface {
	// OpenRequest opens and posts a request for req; see
	// approval.Workflow.OpenRequest.
	OpenRequest(ctx context.Context, req *bot.Request, spec approval.Spec) error
}

// Options configure a Service. Policies, Directory, Approvals, Chats,
// Store and Granter are required.
type Options struct {
	Policies  Policies
	Directory Directory
	Approvals Opener
	// Chats is the Slack client of each workspace, for reminders and ends.
	Chats   approval.ChatSource
	Store   Store
	Granter Granter
	// RemindBefore is how long before its end the holder is reminded
	// (default 15 minutes).
	RemindBefore time.Duration
	// SweepEvery is how often Run looks for reminders and ends due
	// (default 15 seconds).
	SweepEvery time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Service serves the request and `my access` commands, the Extend
// button, and the reminders and ends of grants (Run).
type Service struct {
	opts    Options
	log     *slog.Logger
	request *bot.Command
}

var _ slackbot.ActionHook = (*Service)(nil)

// New checks opts and returns the service.
func New(opts Options) (*Service, error) {
	if opts.Policies == nil || opts.Directory == nil || opts.Approvals == nil || opts.Chats == nil || opts.Store == nil || opts.Granter == nil {
		return nil, errors.New("new access service: Policies, Directory, Approvals, Chats, Store and Granter are required")
	}
	if opts.RemindBefore <= 0 {
		opts.RemindBefore = DefaultRemindBefore
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = DefaultSweepEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{opts: opts, log: opts.Logger.With("component", "access")}
	s.request = &bot.Command{
		Pattern:     "request <role> on <where> for <duration:duration> because <reason:text>",
		Description: "Ask for a role on a channel (or `workspace`) for a while; people who may assign it approve.",
		Group:       Group,
		Handler:     s.handleRequest,
	}
	return s, nil
}

// Group heads the commands in help.
const Group = "Temporary access"

// Commands returns `request … on … for … because …` and `my access`;
// register them with the router.
func (s *Service) Commands() []bot.Command {
	return []bot.Command{
		*s.request,
		{Pattern: "my access", Description: "List the roles you hold for a while and when each ends.", Group: Group, Handler: s.handleMyAccess},
	}
}

// chat is the Slack client of a workspace.
func (s *Service) chat(ctx context.Context, teamID string) (approval.Chat, error) {
	c, err := s.opts.Chats.ChatFor(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("slack client of team %s: %w", teamID, err)
	}
	return c, nil
}
