package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Grant states.
const (
	// Active: held until EndsAt.
	Active = "active"
	// Ended: EndsAt passed and the thread was told.
	Ended = "ended"
)

// Grant is a role held for a while, as this package records it to remind
// its holder and tell its thread when it ends. The assignment itself, and
// its end, live in the permission engine (Granter).
type Grant struct {
	// ID is derived from team, user, role and entity (GrantID): one
	// record per assignment, reused by later grants of it.
	ID       string
	TeamID   string
	UserID   string
	Role     string
	EntityID string
	// ChannelID and ThreadTS are the thread the grant was asked in, where
	// its end is told.
	ChannelID string
	ThreadTS  string
	// RequestID is the approval request that granted it last.
	RequestID string
	Reason    string
	// Approvers approved it last, the requester left out.
	Approvers []string
	// Duration is what was asked for; a self-extension adds it again.
	Duration time.Duration
	StartsAt time.Time
	EndsAt   time.Time
	// RemindedFor is the end the holder was last reminded of; zero when
	// never.
	RemindedFor time.Time
	State       string
}

// GrantID is the id of the grant of role to user on entity in a team.
func GrantID(teamID, userID, role, entityID string) string {
	sum := sha256.Sum256([]byte(teamID + "/" + userID + "/" + role + "/" + entityID))
	return hex.EncodeToString(sum[:])[:16]
}

// ErrNotFound is returned for an unknown grant.
var ErrNotFound = errors.New("grant not found")

// Store keeps the grants so that every process reminds and tells each
// end once. Each state change is a compare-and-set.
type Store interface {
	// PutGrant records g as active with its end, replacing the record of
	// the same id (a new grant of the same role, or a longer one) and
	// forgetting any reminder.
	PutGrant(ctx context.Context, g Grant) error
	// Grant returns the record of id, or ErrNotFound.
	Grant(ctx context.Context, id string) (Grant, error)
	// ExtendGrant moves an active grant's end from `from` to `to` and
	// reports whether it did: false when its end is no longer `from`
	// (another extension won) or it ended.
	ExtendGrant(ctx context.Context, id string, from, to time.Time) (bool, error)
	// DueReminders lists up to limit active grants ending at or before by
	// whose holder was not reminded of that end.
	DueReminders(ctx context.Context, by time.Time, limit int) ([]Grant, error)
	// MarkReminded records that the holder of id is reminded of the end
	// endsAt, and reports whether this call did: false when another
	// process did first or the end moved.
	MarkReminded(ctx context.Context, id string, endsAt time.Time) (bool, error)
	// DueEnds lists up to limit active grants whose end is at or before now.
	DueEnds(ctx context.Context, now time.Time, limit int) ([]Grant, error)
	// EndGrant moves id from active to ended if its end is still endsAt,
	// and reports whether this call did.
	EndGrant(ctx context.Context, id string, endsAt, now time.Time) (bool, error)
}

// Granter writes the assignment behind a grant into the permission
// engine, which ends it by itself at its end: checks, caches and
// watchers stop counting it from that instant.
type Granter interface {
	// GrantUntil assigns role to user on entity until `until`, or moves
	// the end of that assignment when the user holds it for a while
	// already. The audit record of the write carries the reason, the
	// approval request and every approver. Returns an error, and grants
	// nothing, if the role, user or entity is unknown or the store fails;
	// repeating a call with the same arguments changes nothing more.
	GrantUntil(ctx context.Context, g GrantRequest) error
}

// GrantRequest is one write of a Granter.
type GrantRequest struct {
	TeamID, UserID, Role, EntityID string
	Until                          time.Time
	// RequestID is the approval request behind the grant (or the
	// self-extension's reminder), Reason what the requester gave.
	RequestID string
	Reason    string
	// Approvers approved it, the requester left out; empty for a
	// self-extension within the policy's maximum.
	Approvers []string
}
