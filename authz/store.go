package authz

import (
	"context"
	"time"
)

// Store persists the permission model. Every write runs in one transaction
// that also appends a Change with the next revision, and returns that
// revision. Implementations: store/authzsql (SQLite, MySQL, Vitess).
type Store interface {
	// LoadUser reads a user's assignments and account types, and the
	// store's current revision, in one query keyed by user id.
	LoadUser(ctx context.Context, userID string) (UserRecord, error)
	// LoadReference reads all entities, team preferences and custom roles.
	LoadReference(ctx context.Context) (*Reference, error)
	// Changes lists change-log entries in revision order, the newest first
	// when the filter asks.
	Changes(ctx context.Context, f ChangeFilter) ([]Change, error)
	// CurrentRevision returns the revision of the last write.
	CurrentRevision(ctx context.Context) (Revision, error)
	// Head reads the store's id, its current revision and the change-log
	// entry at revision at (none for 0), in one read: what an engine
	// compares with the history it followed, to notice a store restored
	// from a backup or created anew.
	Head(ctx context.Context, at Revision) (Head, error)
	// ListAssignments lists assignments by user, entity or role.
	ListAssignments(ctx context.Context, f AssignmentFilter) ([]Assignment, error)

	// The writes below take a Prior: each writes only if the rows prior
	// names are at the revisions it saw, compared within the write
	// (Prior.Verify) such that none can change before it commits; else
	// they fail with ErrConflict and change nothing.

	// UpsertEntity creates or replaces an entity.
	UpsertEntity(ctx context.Context, e Entity, prior Prior, actor string) (Revision, error)
	// SetAccountType sets a user's account type in a team.
	SetAccountType(ctx context.Context, teamID, userID string, t AccountType, prior Prior, actor string) (Revision, error)
	// SetTeamPrefs replaces a team's preferences.
	SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, prior Prior, actor string) (Revision, error)
	// PutRole creates or replaces a custom role.
	PutRole(ctx context.Context, r Role, prior Prior, actor string) (Revision, error)
	// DeleteRole deletes a custom role that has no assignments, or fails
	// with ErrNotFound.
	DeleteRole(ctx context.Context, name string, prior Prior, actor string) (Revision, error)
	// Assign adds an assignment. Assigning an existing one with the same
	// end and reason changes nothing and returns the current revision;
	// with another end or reason it replaces the stored one (its end,
	// reason, grantor and time), logged with the row it replaced.
	Assign(ctx context.Context, a Assignment, prior Prior, actor string) (Revision, error)
	// Revoke removes an assignment, or fails with ErrNotFound.
	Revoke(ctx context.Context, a Assignment, prior Prior, actor string) (Revision, error)
	// Expire removes the assignment a names if the store still holds it
	// with a.ExpiresAt as its end, logged as one ChangeExpire entry, and
	// returns its revision and true; when it holds it no more (another
	// process expired it, it was revoked, or it was given another end) it
	// changes nothing and returns the current revision and false. Fails
	// with ErrInvalidRequest if a has no end or ends after now.
	Expire(ctx context.Context, a Assignment, now time.Time, actor string) (Revision, bool, error)
	// Import writes a batch of rows in one transaction, logged as one
	// ChangeImport entry.
	Import(ctx context.Context, batch Import, actor string) (Revision, error)
}

// UserBatchLoader is implemented by stores that read many users at once.
// CheckBatch uses it to read every user of a batch in one query instead of
// one query per user.
type UserBatchLoader interface {
	// LoadUsers returns the records of userIDs, in order, as LoadUser
	// would (a user with no rows gets an empty record with the revision).
	// A wrapper around a store that cannot fails with an error wrapping
	// errors.ErrUnsupported; the engine then reads users one by one.
	LoadUsers(ctx context.Context, userIDs []string) ([]UserRecord, error)
}

// UserVersionReader is implemented by stores that keep a version per user:
// the revision of the last write that changed the user's assignments or
// account types, written in that write's transaction. The engine then keeps
// the users it has read in memory and, on each authoritative check, reads
// only their versions: a user whose version has not moved is answered from
// memory, which is as current as reading the user again.
type UserVersionReader interface {
	// UserVersions returns the version of each of userIDs (0 for a user
	// never written) and the store's current revision, in one read. A
	// wrapper around a store that keeps no versions fails with an error
	// wrapping errors.ErrUnsupported; the engine then reads users in full.
	UserVersions(ctx context.Context, userIDs []string) (versions []Revision, current Revision, err error)
}
