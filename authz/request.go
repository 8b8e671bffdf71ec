package authz

import (
	"errors"
	"fmt"
)

// MaxPermissionsPerCheck bounds the permissions of one eligibility request.
const MaxPermissionsPerCheck = 100

// ErrInvalidRequest marks a request that is malformed.
var ErrInvalidRequest = errors.New("invalid request")

// ErrNotFound marks a request that names an entity, team, role or
// assignment that does not exist.
var ErrNotFound = errors.New("not found")

// ConsistencyMode says how fresh the data behind a check must be.
type ConsistencyMode int

const (
	// Authoritative reflects every write acknowledged before the check
	// began, in any process sharing the store. The default.
	Authoritative ConsistencyMode = iota
	// BoundedStaleness may answer from a cache at most MaxStaleness old.
	// For non-authoritative uses such as drawing a UI.
	BoundedStaleness
)

// Consistency is a check's freshness requirement.
type Consistency struct {
	Mode ConsistencyMode
	// AtLeastRevision, when set, makes the answer reflect at least this
	// revision (a revision returned by an earlier write).
	AtLeastRevision Revision
}

// EligibilityRequest asks whether a user of a team may do permissions on an
// entity.
type EligibilityRequest struct {
	TeamID      string      `json:"team_id"`
	UserID      string      `json:"user_id"`
	EntityID    string      `json:"entity_id"`
	Permissions []string    `json:"permissions"`
	Consistency Consistency `json:"-"`
}

// Validate reports the first problem with the request's shape.
func (r *EligibilityRequest) Validate() error {
	if err := validateSubject(r.TeamID, r.UserID, r.EntityID); err != nil {
		return err
	}
	if len(r.Permissions) == 0 {
		return fmt.Errorf("%w: no permissions to check", ErrInvalidRequest)
	}
	if len(r.Permissions) > MaxPermissionsPerCheck {
		return fmt.Errorf("%w: %d permissions in one request, at most %d", ErrInvalidRequest, len(r.Permissions), MaxPermissionsPerCheck)
	}
	for _, p := range r.Permissions {
		if err := ValidateName("permission", p); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
	}
	return nil
}

// PolicyRequest asks whether a user of a team may do a named action (a
// policy such as channel.archive) on an entity.
type PolicyRequest struct {
	Action      string      `json:"action"`
	TeamID      string      `json:"team_id"`
	UserID      string      `json:"user_id"`
	EntityID    string      `json:"entity_id"`
	Consistency Consistency `json:"-"`
}

// Validate reports the first problem with the request's shape.
func (r *PolicyRequest) Validate() error {
	if r.Action == "" {
		return fmt.Errorf("%w: no action", ErrInvalidRequest)
	}
	if len(r.Action) > maxIDLen {
		return fmt.Errorf("%w: action name longer than %d bytes", ErrInvalidRequest, maxIDLen)
	}
	return validateSubject(r.TeamID, r.UserID, r.EntityID)
}

func validateSubject(team, user, entity string) error {
	for _, f := range [...]struct{ kind, id string }{{"team", team}, {"user", user}, {"entity", entity}} {
		if err := ValidateID(f.kind, f.id); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
	}
	return nil
}
