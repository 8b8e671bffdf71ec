package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bastionhq/bastion/authz"
)

// The permissions admin writes need. The rules are those of the
// permission server (server/doc.go): assigning and revoking need
// ASSIGN_ROLES on the entity; creating, editing and deleting custom roles
// need ADMINISTER_ROLES on the role's scope; account types and team
// preferences need ADMINISTER_ROLES on the team. package server keeps its
// version unexported, so the rule lives here in this one place.
const (
	permAssignRoles     = "ASSIGN_ROLES"
	permAdministerRoles = "ADMINISTER_ROLES"
)

// deniedError is a write the user may not make (any more).
type deniedError struct {
	doing  string // "assign roles", "edit roles", …
	entity string
	reason string
}

func (e *deniedError) Error() string {
	return fmt.Sprintf("You no longer have permission to %s on %s.", e.doing, e.entity)
}

// authorize checks, authoritatively, that the session's user holds
// permission on entityID; doing names the action for the refusal message.
func (c *Console) authorize(ctx context.Context, s *userSession, permission, entityID, doing string) error {
	res, err := c.engine.Check(ctx, authz.EligibilityRequest{
		TeamID: s.TeamID, UserID: s.UserID, EntityID: entityID,
		Permissions: []string{permission},
		Consistency: authz.Consistency{Mode: authz.Authoritative},
	})
	if err != nil {
		return fmt.Errorf("check %s's %s on %s: %w", s.Actor(), permission, entityID, err)
	}
	if !res.Allowed() {
		reason := ""
		if len(res.Decisions) > 0 {
			reason = res.Decisions[0].Reason.Message
		}
		return &deniedError{doing: doing, entity: entityID, reason: reason}
	}
	return nil
}

// writeFailed answers a write that was refused or failed, with a status
// and message that say why.
func (c *Console) writeFailed(w http.ResponseWriter, r *http.Request, s *userSession, what string, err error) {
	var denied *deniedError
	switch {
	case errors.As(err, &denied):
		c.log.Info("console: write denied", "actor", s.Actor(), "doing", denied.doing, "entity", denied.entity, "reason", denied.reason)
		c.fail(w, r, s, http.StatusForbidden, denied.Error()+" The page you acted from was out of date; go back to see what you can do now.")
	case errors.Is(err, authz.ErrInvalidRequest):
		c.fail(w, r, s, http.StatusBadRequest, fmt.Sprintf("Could not %s: %v", what, err))
	case errors.Is(err, authz.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, fmt.Sprintf("Could not %s: %v", what, err))
	default:
		c.log.Error("console: write failed", "actor", s.Actor(), "what", what, "error", err)
		c.fail(w, r, s, http.StatusInternalServerError, fmt.Sprintf("Could not %s: the server failed. Try again.", what))
	}
}
