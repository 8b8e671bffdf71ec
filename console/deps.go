package console

import (
	"context"
	"errors"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console/preview"
	"github.com/bastionhq/bastion/slackapp"
)

// Engine is the permission engine the console reads and writes through;
// *authz.Engine satisfies it.
type Engine interface {
	Catalog() *authz.Catalog
	Roles(ctx context.Context) ([]authz.Role, error)
	Role(ctx context.Context, name string) (authz.Role, error)
	PutRoleAs(ctx context.Context, actor authz.Actor, r authz.Role) (authz.Revision, error)
	DeleteRoleAs(ctx context.Context, actor authz.Actor, name string) (authz.Revision, error)
	AssignAs(ctx context.Context, actor authz.Actor, userID, roleName, entityID string) (authz.Revision, error)
	AssignRoleAs(ctx context.Context, actor authz.Actor, req authz.AssignRequest) (authz.Revision, error)
	// HasAccount reports whether userID has an account in some workspace;
	// it returns an error if the store cannot be read.
	HasAccount(ctx context.Context, userID string) (bool, error)
	RevokeAs(ctx context.Context, actor authz.Actor, userID, roleName, entityID string) (authz.Revision, error)
	Assignments(ctx context.Context, f authz.AssignmentFilter) ([]authz.Assignment, error)
	Entities(ctx context.Context) ([]authz.Entity, error)
	SetAccountTypeAs(ctx context.Context, actor authz.Actor, teamID, userID string, t authz.AccountType) (authz.Revision, error)
	SetTeamPrefsAs(ctx context.Context, actor authz.Actor, teamID string, prefs map[string]string) (authz.Revision, error)
	Entity(ctx context.Context, id string) (authz.Entity, error)
	TeamPrefs(ctx context.Context, teamID string) (map[string]string, error)
	Audit(ctx context.Context, f authz.ChangeFilter) ([]authz.Change, error)
	Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error)
	CheckPolicy(ctx context.Context, req authz.PolicyRequest) (authz.Result, error)
	UpsertEntityAs(ctx context.Context, actor authz.Actor, ent authz.Entity) (authz.Revision, error)
	ListUserPermissions(ctx context.Context, teamID, userID string) (authz.UserPermissions, error)
	Subscribe(userID string) (<-chan authz.Revision, func())
}

var _ Engine = (*authz.Engine)(nil)

// Installations lists Slack installations; slackapp.Store (and so
// store/installsql.Store, or Service.Store()) satisfies it.
type Installations interface {
	ListInstallations(ctx context.Context) ([]slackapp.Installation, error)
}

var _ Installations = (slackapp.Store)(nil)

// PendingApproval is one request waiting for approvers, as the approvals
// page shows it.
type PendingApproval struct {
	ID          string
	TeamID      string
	ChannelID   string
	RequesterID string
	// Command is what will run once approved.
	Command string
	// Permission is what approvers other than the requester must hold on
	// the channel when they vote; empty means anyone may.
	Permission string
	// Approvals counts the approvals so far, out of Required.
	Approvals   int
	Required    int
	RequestedAt time.Time
	// ExpiresAt is zero when the request does not expire.
	ExpiresAt time.Time
}

// Approvals lists pending approvals of a team. A nil Approvals means
// approvals are not configured.
type Approvals interface {
	Pending(ctx context.Context, teamID string) ([]PendingApproval, error)
}

// ApprovalVoter casts a console user's vote on a pending request. It must
// apply the rules votes by reaction or button follow, in the approval
// workflow itself: the voter must hold the request's permission on its
// channel at that moment (the requester's own vote is always theirs and
// never counts as another's), a repeated vote changes nothing, and the
// request runs exactly once when enough people approved.
type ApprovalVoter interface {
	// Vote returns what became of the vote. A request that does not
	// exist, or not in v.TeamID, is ErrApprovalNotFound.
	Vote(ctx context.Context, v Vote) (VoteOutcome, error)
}

// Vote is one person's approval or rejection of a pending request.
type Vote struct {
	RequestID string
	TeamID    string
	UserID    string
	Approve   bool
}

// VoteOutcome is what became of a vote.
type VoteOutcome struct {
	// Counted is set when the vote was recorded (or had been already).
	Counted bool
	// Reason says why a vote did not count.
	Reason string
	// State is the request's state after the vote: "pending", "running",
	// "done", "failed", "rejected", "expired" or "interrupted".
	State string
	// Approvals counts approvals by people other than the requester, out
	// of Required; CallerApproved says whether the requester approved.
	Approvals, Required int
	CallerApproved      bool
}

// ErrApprovalNotFound marks a vote on a request that does not exist.
var ErrApprovalNotFound = errors.New("approval request not found")

// Previewer says what one admin write would change;
// *preview.Previewer satisfies it.
type Previewer interface {
	// Preview fails with authz.ErrNotFound or authz.ErrInvalidRequest
	// for a write the engine would refuse.
	Preview(ctx context.Context, w preview.Write) (preview.Result, error)
}

var _ Previewer = (*preview.Previewer)(nil)
