package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bastionhq/bastion/authz"
)

// doing names an admin write in the refusal message: "You no longer have
// permission to DOING on …".
func doing(k authz.AdminWriteKind) string {
	switch k {
	case authz.WritePutRole, authz.WriteDeleteRole:
		return "edit roles"
	default:
		return k.String()
	}
}

// writeFailed answers a write that was refused or failed, with a status
// and message that say why.
func (c *Console) writeFailed(w http.ResponseWriter, r *http.Request, s *userSession, what string, err error) {
	var denied *authz.DeniedError
	switch {
	case errors.As(err, &denied):
		c.log.Info("console: write denied", "actor", s.Actor().String(), "write", denied.Write.String(), "permission", denied.Permission, "entity", denied.EntityID, "reason", denied.Reason)
		c.fail(w, r, s, http.StatusForbidden, fmt.Sprintf("You no longer have permission to %s on %s.", doing(denied.Write), c.entityNamedFor(r, s, denied.EntityID))+
			" The page you acted from was out of date; go back to see what you can do now.")
	case errors.Is(err, authz.ErrUnknownUser):
		c.fail(w, r, s, http.StatusBadRequest, fmt.Sprintf("Could not %s: %v. Pick someone from the list, or confirm from the preview to assign anyway (pre-provisioning).", what, err))
	case errors.Is(err, authz.ErrInvalidRequest):
		c.fail(w, r, s, http.StatusBadRequest, fmt.Sprintf("Could not %s: %v", what, err))
	case errors.Is(err, authz.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, fmt.Sprintf("Could not %s: %v", what, err))
	case errors.Is(err, authz.ErrConflict):
		c.fail(w, r, s, http.StatusConflict, fmt.Sprintf("Could not %s: it changed while you were acting (%v). Go back to see it as it is now.", what, err))
	default:
		c.log.Error("console: write failed", "actor", s.Actor().String(), "what", what, "error", err)
		c.fail(w, r, s, http.StatusInternalServerError, fmt.Sprintf("Could not %s: the server failed. Try again.", what))
	}
}

// entityNamedFor names an entity in a message to s's user: by name when
// it lies in their workspace or near their roles, else by the id they
// gave, so that a refusal does not tell them the name of an entity they
// may not see.
func (c *Console) entityNamedFor(r *http.Request, s *userSession, id string) string {
	pv, err := c.permissions(r.Context(), s)
	if err != nil || teamOf(pv, id) != s.TeamID && !pv.holdsSomewhereAround(id) {
		return id
	}
	return c.label(r.Context(), s, nil, []string{id}).entityText(id)
}
