package console

import (
	"context"
	"time"

	"github.com/bastionhq/bastion/authz"
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
	RevokeAs(ctx context.Context, actor authz.Actor, userID, roleName, entityID string) (authz.Revision, error)
	Assignments(ctx context.Context, f authz.AssignmentFilter) ([]authz.Assignment, error)
	Entities(ctx context.Context) ([]authz.Entity, error)
	SetAccountTypeAs(ctx context.Context, actor authz.Actor, teamID, userID string, t authz.AccountType) (authz.Revision, error)
	SetTeamPrefsAs(ctx context.Context, actor authz.Actor, teamID string, prefs map[string]string) (authz.Revision, error)
	TeamPrefs(ctx context.Context, teamID string) (map[string]string, error)
	Audit(ctx context.Context, f authz.ChangeFilter) ([]authz.Change, error)
	Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error)
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
