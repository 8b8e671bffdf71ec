package rolesdiff

import (
	"context"

	"github.com/bastionhq/bastion/authz"
)

// Source reads an organisation's assignments and account types, for
// Impact. store/authzsql's Reader implements it on a database, read-only
// and from one snapshot.
type Source interface {
	// Reference returns the entities, team preferences and custom roles.
	Reference(ctx context.Context) (*authz.Reference, error)
	// EachAssignmentOfRole calls fn with the user and entity of every
	// assignment of role, and stops at fn's first error, returning it.
	EachAssignmentOfRole(ctx context.Context, role string, fn func(userID, entityID string) error) error
	// EachAssignmentOn calls fn with the user and role of every assignment
	// on entityID, and stops at fn's first error, returning it.
	EachAssignmentOn(ctx context.Context, entityID string, fn func(userID, role string) error) error
	// EachAccountType calls fn with every account type of each of
	// userIDs, and stops at fn's first error, returning it.
	EachAccountType(ctx context.Context, userIDs []string, fn func(userID string, a authz.AccountTypeRecord) error) error
	// Users returns the assignments and account types of userIDs, in
	// order (a user with no rows gets an empty record).
	Users(ctx context.Context, userIDs []string) ([]authz.UserRecord, error)
}
