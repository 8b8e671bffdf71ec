package rolesdiff

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// Change is one user gaining or losing one permission on one entity and
// what lies below it (where no other assignment of theirs decides
// otherwise).
type Change struct {
	UserID     string `json:"user_id"`
	Permission string `json:"permission"`
	EntityID   string `json:"entity_id"`
	EntityType string `json:"entity_type,omitempty"`
	Gained     bool   `json:"gained"`
}

// RoleDelta is a role whose permissions or scope change, and how many
// assignments of it were read.
type RoleDelta struct {
	Role   string   `json:"role"`
	Gained []string `json:"gained,omitempty"`
	Lost   []string `json:"lost,omitempty"`
	// OldScope and NewScope are set when the scope a role grants within
	// changes ("" for none: a system role, or no role).
	OldScope    string `json:"old_scope,omitempty"`
	NewScope    string `json:"new_scope,omitempty"`
	Assignments int    `json:"assignments"`
}

// Impact is who gains and loses what. A user holds a permission on an
// entity as ListUserPermissions and Check count it: through a role
// assigned on the entity or an ancestor (a custom role only while its
// scope is that entity or one of its ancestors), while a member (not a
// guest) of the entity's team. Changes are reported on the entities where
// they happen: the entities of the assignments whose roles change, the
// entity an assignment is made or revoked on, the entity that moves and
// the assignments below it whose team or scope it leaves or enters. A
// change covers the entity and what lies below it.
type Impact struct {
	// Changes are sorted by permission, losses first, then user and
	// entity.
	Changes []Change `json:"changes"`
	// Roles are the roles whose permissions change, by name.
	Roles []RoleDelta `json:"roles,omitempty"`
	// Revision is the revision of the organisation read.
	Revision authz.Revision `json:"revision"`
	// AssignmentsRead counts the assignments read to decide.
	AssignmentsRead int `json:"assignments_read"`
}

// ForCatalogs returns who gains and loses what when the roles file goes
// from old to new, on the organisation src holds. It reads, one query per
// role, only the assignments of roles whose permissions change and of
// roles granting any permission that changes (a user may hold it through
// another role), and the account types of their holders.
func ForCatalogs(ctx context.Context, src Source, old, new *authz.Catalog) (*Impact, error) {
	ref, err := src.Reference(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the organisation: %w", err)
	}
	w := newWorld(newPermIndex(old, new), ref)
	return roleImpact(ctx, src, newSide(old, ref, w), newSide(new, ref, w))
}

// roleImpact is the impact of going from before to after when only what
// roles grant changes (the roles file, or a custom role).
func roleImpact(ctx context.Context, src Source, before, after *side) (*Impact, error) {
	imp := &Impact{Revision: before.ref.Revision}
	names := map[string]bool{}
	for _, m := range []map[string]authz.Role{before.cat.Roles, after.cat.Roles, before.ref.Roles, after.ref.Roles} {
		for name := range m {
			names[name] = true
		}
	}
	w := before.w
	delta := before.ix.newSet()
	var changed []string
	for _, name := range sortedKeys(names) {
		b, a := before.roleByName(name), after.roleByName(name)
		gained, lost := a.andNot(b), b.andNot(a)
		rd := RoleDelta{Role: name, Gained: before.ix.namesOf(gained), Lost: before.ix.namesOf(lost)}
		if roleExists(before, name) && roleExists(after, name) && before.scopeByName(name) != after.scopeByName(name) {
			// Where its assignments grant changes: everything it grants,
			// before or after, may change for its holders.
			gained, lost = a, b
			rd.OldScope, rd.NewScope = scopeOf(before, name), scopeOf(after, name)
		}
		if gained.empty() && lost.empty() {
			continue
		}
		delta.or(gained)
		delta.or(lost)
		changed = append(changed, name)
		imp.Roles = append(imp.Roles, rd)
	}
	if len(changed) == 0 {
		return imp, nil
	}
	// Holders of changed roles are the candidates, on the entities of
	// those assignments.
	users := map[string]*candidate{}
	for i, name := range changed {
		role, n := w.role(name), 0
		err := src.EachAssignmentOfRole(ctx, name, func(userID, entityID string) error {
			n++
			ent := w.entity(entityID)
			if ent < 0 {
				return nil // the engine ignores an assignment on no entity
			}
			c := users[userID]
			if c == nil {
				c = &candidate{}
				users[userID] = c
			}
			c.state.grants = append(c.state.grants, grant{role: role, entity: ent})
			c.points = append(c.points, ent)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read assignments of %s: %w", name, err)
		}
		imp.Roles[i].Assignments = n
		imp.AssignmentsRead += n
	}
	// Other roles granting a changed permission may keep it for them.
	for _, name := range sortedKeys(names) {
		if slices.Contains(changed, name) || !intersects(before.roleByName(name), delta) && !intersects(after.roleByName(name), delta) {
			continue
		}
		role := w.role(name)
		err := src.EachAssignmentOfRole(ctx, name, func(userID, entityID string) error {
			imp.AssignmentsRead++
			if c := users[userID]; c != nil {
				if ent := w.entity(entityID); ent >= 0 {
					c.state.grants = append(c.state.grants, grant{role: role, entity: ent})
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read assignments of %s: %w", name, err)
		}
	}
	if err := readAccounts(ctx, src, w, users); err != nil {
		return nil, err
	}
	imp.Changes = compare(before, after, users, delta, nil)
	return imp, nil
}

// roleExists reports whether side s has a role of that name, system or
// custom.
func roleExists(s *side, name string) bool {
	_, system := s.cat.Roles[name]
	_, custom := s.ref.Roles[name]
	return system || custom
}

// scopeOf is the scope a role grants within on side s, as the engine
// finds the role: "" for a system role or none.
func scopeOf(s *side, name string) string {
	if _, system := s.cat.Roles[name]; system {
		return ""
	}
	return s.ref.Roles[name].Scope
}

// candidate is a user whose permissions may change, and the entities
// where they may.
type candidate struct {
	state  userState
	points []int32
}

// readAccounts fills in the candidates' account types.
func readAccounts(ctx context.Context, src Source, w *world, users map[string]*candidate) error {
	ids := sortedKeys(users)
	err := src.EachAccountType(ctx, ids, func(userID string, a authz.AccountTypeRecord) error {
		if c := users[userID]; c != nil {
			c.state.accounts = append(c.state.accounts, account{team: w.entity(a.TeamID), typ: a.Type})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read account types: %w", err)
	}
	return nil
}

// compare returns the changes of the candidates' permissions in delta on
// their points, from before to after; edit, when not nil, gives a user's
// state after.
func compare(before, after *side, users map[string]*candidate, delta permSet, edit func(userID string, u *userState) *userState) []Change {
	var out []Change
	b, a := before.ix.newSet(), before.ix.newSet()
	for userID, c := range users {
		then := &c.state
		now := then
		if edit != nil {
			now = edit(userID, then)
		}
		slices.Sort(c.points)
		for _, point := range slices.Compact(c.points) {
			before.holds(then, point, b)
			after.holds(now, point, a)
			for i := range b {
				gained, lost := a[i]&^b[i]&delta[i], b[i]&^a[i]&delta[i]
				if gained|lost == 0 {
					continue
				}
				id := before.w.entIDs[point]
				typ := entityType(before, after, id)
				permSet{gained}.each(func(bit int) {
					out = append(out, Change{UserID: userID, Permission: before.ix.names[i*64+bit], EntityID: id, EntityType: typ, Gained: true})
				})
				permSet{lost}.each(func(bit int) {
					out = append(out, Change{UserID: userID, Permission: before.ix.names[i*64+bit], EntityID: id, EntityType: typ})
				})
			}
		}
	}
	sortChanges(out)
	return out
}

func entityType(before, after *side, id string) string {
	if e, ok := after.ref.Entities[id]; ok {
		return e.Type
	}
	return before.ref.Entities[id].Type
}

func sortChanges(cs []Change) {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Permission != b.Permission {
			return a.Permission < b.Permission
		}
		if a.Gained != b.Gained {
			return !a.Gained
		}
		if a.UserID != b.UserID {
			return a.UserID < b.UserID
		}
		return a.EntityID < b.EntityID
	})
}

func intersects(a, b permSet) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

// namesOf returns the names of the permissions of s, sorted.
func (ix *permIndex) namesOf(s permSet) []string {
	var out []string
	s.each(func(i int) { out = append(out, ix.names[i]) })
	sort.Strings(out)
	return out
}

// Summary is the changes of one permission in one direction.
type Summary struct {
	Permission string `json:"permission"`
	Gained     bool   `json:"gained"`
	Users      int    `json:"users"`
	Entities   int    `json:"entities"`
	// Changes are this permission's changes, in Impact's order.
	Changes []Change `json:"-"`
}

// Summaries groups the changes by permission and direction, in Impact's
// order.
func (imp *Impact) Summaries() []Summary {
	var out []Summary
	for start := 0; start < len(imp.Changes); {
		c := imp.Changes[start]
		end := start
		users, ents := map[string]bool{}, map[string]bool{}
		for end < len(imp.Changes) && imp.Changes[end].Permission == c.Permission && imp.Changes[end].Gained == c.Gained {
			users[imp.Changes[end].UserID] = true
			ents[imp.Changes[end].EntityID] = true
			end++
		}
		out = append(out, Summary{Permission: c.Permission, Gained: c.Gained, Users: len(users), Entities: len(ents), Changes: imp.Changes[start:end]})
		start = end
	}
	return out
}

// String describes a change: "UMIA loses ARCHIVE_CHANNEL on C1 (channel)".
func (c Change) String() string {
	verb := "loses"
	if c.Gained {
		verb = "gains"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s on %s", c.UserID, verb, c.Permission, c.EntityID)
	if c.EntityType != "" {
		fmt.Fprintf(&b, " (%s)", c.EntityType)
	}
	return b.String()
}
