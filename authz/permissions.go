package authz

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// EntityPermissions is what a user may do on one entity and everything
// below it, and the assignments that grant it.
type EntityPermissions struct {
	EntityID    string   `json:"entity_id"`
	EntityType  string   `json:"entity_type"`
	Permissions []string `json:"permissions"`
	Grants      []Grant  `json:"grants"`
	// Until is the earliest end of Grants (zero when none ends): from
	// then on Permissions may name some no longer held.
	Until time.Time `json:"until,omitzero"`
}

// UserPermissions is a user's effective RBAC permissions, what a client
// fetches once to draw its UI. Guests and users without an account in the
// team have none, as checks would deny them.
type UserPermissions struct {
	TeamID      string              `json:"team_id"`
	UserID      string              `json:"user_id"`
	AccountType AccountType         `json:"account_type"`
	Entities    []EntityPermissions `json:"entities"`
	Revision    Revision            `json:"revision"`
	// At is the engine's clock (Options.Now) when the permissions were
	// computed: assignments ended by then are left out, and the Until of
	// each entity is to be compared with it, not with another clock.
	At time.Time `json:"at,omitzero"`
}

// ListUserPermissions returns the user's effective permissions by entity,
// read authoritatively.
func (e *Engine) ListUserPermissions(ctx context.Context, teamID, userID string) (UserPermissions, error) {
	if err := validateSubject(teamID, userID, teamID); err != nil {
		return UserPermissions{}, err
	}
	for attempt := 1; ; attempt++ {
		user, _, epoch, err := e.loadUser(ctx, userID, Consistency{})
		if err == nil {
			var out UserPermissions
			out, err = e.userPermissions(teamID, userID, user, epoch)
			if err == nil {
				return out, nil
			}
		}
		if !errors.Is(err, errHistoryChanged) || attempt == historyAttempts {
			return UserPermissions{}, err
		}
	}
}

// userPermissions lists the permissions of a loaded user.
func (e *Engine) userPermissions(teamID, userID string, user *UserRecord, epoch uint64) (UserPermissions, error) {
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	if err := e.sameHistory(position{epoch: epoch}); err != nil {
		return UserPermissions{}, err
	}
	if t, ok := e.ref.Entities[teamID]; !ok || t.Type != TypeWorkspace {
		return UserPermissions{}, fmt.Errorf("%w: team %s is not a known workspace", ErrNotFound, teamID)
	}
	now := e.now()
	out := UserPermissions{TeamID: teamID, UserID: userID, AccountType: user.AccountType(teamID), Revision: user.Revision, At: now.UTC()}
	if out.AccountType == AccountNone || out.AccountType.Restricted() {
		return out, nil
	}
	byEntity := map[string]*EntityPermissions{}
	for _, a := range user.Assignments {
		if !a.ActiveAt(now) {
			// Ended: absent from this instant, swept or not.
			continue
		}
		role, ok := e.role(a.Role)
		ent, entOK := e.ref.Entities[a.EntityID]
		if !ok || !entOK || (role.Scope != "" && !e.isWithin(a.EntityID, role.Scope)) {
			// Unknown, or outside its custom role's scope: it grants
			// nothing (see evaluateRule).
			continue
		}
		ep := byEntity[a.EntityID]
		if ep == nil {
			ep = &EntityPermissions{EntityID: a.EntityID, EntityType: ent.Type}
			byEntity[a.EntityID] = ep
		}
		ep.Grants = append(ep.Grants, Grant{Role: a.Role, EntityID: a.EntityID, GrantedBy: a.GrantedBy, ExpiresAt: a.ExpiresAt})
		if !a.ExpiresAt.IsZero() && (ep.Until.IsZero() || a.ExpiresAt.Before(ep.Until)) {
			ep.Until = a.ExpiresAt
		}
		for _, p := range role.Permissions {
			if !contains(ep.Permissions, p) {
				ep.Permissions = append(ep.Permissions, p)
			}
		}
	}
	for _, id := range sortedKeys(byEntity) {
		ep := byEntity[id]
		sort.Strings(ep.Permissions)
		out.Entities = append(out.Entities, *ep)
	}
	return out, nil
}

// LookupUsers returns, sorted, the members of teamID whose role assignments
// on the entity or an ancestor allow permission there, exactly as a check
// would: guests and users without an account in teamID are left out.
func (e *Engine) LookupUsers(ctx context.Context, teamID, entityID, permission string) ([]string, Revision, error) {
	if err := validateSubject(teamID, teamID, entityID); err != nil {
		return nil, 0, err
	}
	if err := ValidateName("permission", permission); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if _, ok := e.catalog.Permissions[permission]; !ok {
		return nil, 0, fmt.Errorf("%w: unknown permission %s", ErrNotFound, permission)
	}
	ent, err := e.Entity(ctx, entityID)
	if err != nil {
		return nil, 0, err
	}
	candidates := map[string]bool{}
	for id, d := ent.ID, 0; id != "" && d < MaxDepth; d++ {
		list, err := e.store.ListAssignments(ctx, AssignmentFilter{EntityID: id})
		if err != nil {
			return nil, 0, fmt.Errorf("lookup holders on %s: %w", id, err)
		}
		for _, a := range list {
			candidates[a.UserID] = true
		}
		e.refMu.RLock()
		id = e.ref.Entities[id].ParentID
		e.refMu.RUnlock()
	}
	var users []string
	var rev Revision
	for _, u := range sortedKeys(candidates) {
		res, err := e.Check(ctx, EligibilityRequest{TeamID: teamID, UserID: u, EntityID: entityID, Permissions: []string{permission}})
		if err != nil {
			return nil, 0, err
		}
		rev = max(rev, res.Revision)
		if res.Allowed() {
			users = append(users, u)
		}
	}
	return users, rev, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
