package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// auditBody is the audit page's data.
type auditBody struct {
	Filter  auditFilter
	Kinds   []authz.ChangeKind
	Changes []authz.Change
	// Next is the After value of the next page, 0 when this one is the last.
	Next int64
}

type auditFilter struct {
	Actor, User, Entity, Kind string
	After                     int64
	Limit                     int
}

// auditKinds are the change kinds the filter offers.
var auditKinds = []authz.ChangeKind{authz.ChangeAssign, authz.ChangeRevoke, authz.ChangeRolePut, authz.ChangeRoleDelete,
	authz.ChangeAccountType, authz.ChangeTeamPrefs, authz.ChangeEntity, authz.ChangeImport}

// auditPage serves GET /audit?actor=&user=&entity=&kind=&after=&limit=:
// change-log entries in revision order, filtered.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, s *userSession) {
	q := r.URL.Query()
	f := auditFilter{Actor: strings.TrimSpace(q.Get("actor")), User: strings.TrimSpace(q.Get("user")),
		Entity: strings.TrimSpace(q.Get("entity")), Kind: q.Get("kind"), Limit: 100}
	if v, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && v > 0 {
		f.After = v
	}
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 && v <= 1000 {
		f.Limit = v
	}
	changes, err := c.engine.Audit(r.Context(), authz.ChangeFilter{After: authz.Revision(f.After), Actor: f.Actor,
		UserID: f.User, EntityID: f.Entity, Kind: authz.ChangeKind(f.Kind), Limit: f.Limit})
	if err != nil {
		c.readFailed(w, r, s, err)
		return
	}
	b := auditBody{Filter: f, Kinds: auditKinds, Changes: changes}
	if len(changes) == f.Limit {
		b.Next = int64(changes[len(changes)-1].Revision)
	}
	c.render(w, r, s, http.StatusOK, "audit", "Audit log", b)
}
