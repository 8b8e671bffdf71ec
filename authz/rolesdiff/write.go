package rolesdiff

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/bastionhq/bastion/authz"
)

// Write is one proposed admin write. Set the fields its Kind uses:
//
//   - authz.WriteAssign, authz.WriteRevoke: Assignment (user, role,
//     entity).
//   - authz.WritePutRole: Role, the custom role as it would be saved.
//   - authz.WriteDeleteRole: Role.Name.
//   - authz.WriteUpsertEntity: Entity, as it would be saved (a new entity,
//     or one moving to another parent).
//   - authz.WriteSetAccountType: TeamID, UserID and AccountType.
//   - authz.WriteSetTeamPrefs: nothing; preferences decide policies, not
//     permissions, so its impact is always empty.
type Write struct {
	Kind        authz.AdminWriteKind
	Assignment  authz.Assignment
	Role        authz.Role
	Entity      authz.Entity
	TeamID      string
	UserID      string
	AccountType authz.AccountType
}

// ForWrite returns who gains and loses what if w were made on the
// organisation src holds, under the roles file cat: the preview of an
// assignment, a role's edit or an entity's move before it is confirmed.
// It validates nothing the write itself would (use the engine for that),
// and reads only the users the write can change.
func ForWrite(ctx context.Context, src Source, cat *authz.Catalog, w Write) (*Impact, error) {
	ref, err := src.Reference(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the organisation: %w", err)
	}
	ix := newPermIndex(cat)
	switch w.Kind {
	case authz.WriteAssign, authz.WriteRevoke:
		wd := newWorld(ix, ref)
		before := newSide(cat, ref, wd)
		g := grant{role: wd.role(w.Assignment.Role), entity: wd.entity(w.Assignment.EntityID)}
		if g.entity < 0 {
			return nil, fmt.Errorf("%w: entity %s does not exist", authz.ErrNotFound, w.Assignment.EntityID)
		}
		add := w.Kind == authz.WriteAssign
		return userImpact(ctx, src, before, before, []string{w.Assignment.UserID}, func(_ string, u *userState) *userState {
			out := &userState{accounts: u.accounts}
			for _, have := range u.grants {
				if have != g {
					out.grants = append(out.grants, have)
				}
			}
			if add {
				out.grants = append(out.grants, g)
			}
			return out
		}, func(string, *userState) []int32 { return []int32{g.entity} })
	case authz.WritePutRole, authz.WriteDeleteRole:
		next := *ref
		next.Roles = maps.Clone(ref.Roles)
		if w.Kind == authz.WritePutRole {
			next.Roles[w.Role.Name] = w.Role
		} else {
			delete(next.Roles, w.Role.Name)
		}
		wd := newWorld(ix, ref)
		return roleImpact(ctx, src, newSide(cat, ref, wd), newSide(cat, &next, wd))
	case authz.WriteUpsertEntity:
		return entityImpact(ctx, src, cat, ref, ix, w.Entity)
	case authz.WriteSetAccountType:
		wd := newWorld(ix, ref)
		before := newSide(cat, ref, wd)
		team := wd.entity(w.TeamID)
		if team < 0 {
			return nil, fmt.Errorf("%w: team %s does not exist", authz.ErrNotFound, w.TeamID)
		}
		return userImpact(ctx, src, before, before, []string{w.UserID}, func(_ string, u *userState) *userState {
			out := &userState{grants: u.grants}
			for _, a := range u.accounts {
				if a.team != team {
					out.accounts = append(out.accounts, a)
				}
			}
			out.accounts = append(out.accounts, account{team: team, typ: w.AccountType})
			return out
		}, func(_ string, u *userState) []int32 {
			// Every entity the user holds a role on may change, the
			// enterprise's too (membership of any team counts there).
			var points []int32
			for _, g := range u.grants {
				points = append(points, g.entity)
			}
			return points
		})
	case authz.WriteSetTeamPrefs:
		return &Impact{Revision: ref.Revision}, nil
	}
	return nil, fmt.Errorf("%w: no preview for %s", authz.ErrInvalidRequest, w.Kind)
}

// userImpact reads users in full and compares what they hold on their
// points, from before to after, every permission counting.
func userImpact(ctx context.Context, src Source, before, after *side, ids []string,
	edit func(string, *userState) *userState, points func(string, *userState) []int32) (*Impact, error) {
	recs, err := src.Users(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	wd := before.w
	imp := &Impact{Revision: before.ref.Revision}
	users := map[string]*candidate{}
	for _, rec := range recs {
		c := &candidate{}
		for _, a := range rec.AccountTypes {
			c.state.accounts = append(c.state.accounts, account{team: wd.entity(a.TeamID), typ: a.Type})
		}
		for _, a := range rec.Assignments {
			if ent := wd.entity(a.EntityID); ent >= 0 {
				c.state.grants = append(c.state.grants, grant{wd.role(a.Role), ent})
			}
		}
		imp.AssignmentsRead += len(rec.Assignments)
		c.points = points(rec.UserID, &c.state)
		users[rec.UserID] = c
	}
	all := before.ix.newSet()
	for i := range before.ix.names {
		all.add(i)
	}
	imp.Changes = compare(before, after, users, all, edit)
	return imp, nil
}

// entityImpact is the impact of saving ent: a new entity, or one that
// moves. Users holding roles above it, before or after, may gain or lose
// on it; when it changes team, or leaves or enters the scope of a custom
// role, so may those holding roles on it and below it (their team, whose
// guests hold nothing, changes; an assignment of a custom role grants
// only within the role's scope).
func entityImpact(ctx context.Context, src Source, cat *authz.Catalog, ref *authz.Reference, ix *permIndex, ent authz.Entity) (*Impact, error) {
	next := *ref
	next.Entities = maps.Clone(ref.Entities)
	if old, ok := next.Entities[ent.ID]; ok && ent.CreatorID == "" {
		ent.CreatorID = old.CreatorID
	}
	next.Entities[ent.ID] = ent
	wd := newWorld(ix, ref, &next)
	before, after := newSide(cat, ref, wd), newSide(cat, &next, wd)
	at := wd.entity(ent.ID)
	watched := slices.Concat(before.chains[at], after.chains[at])
	below := map[int32]bool{}
	if before.teams[at] != after.teams[at] || scopeCrossed(before, after, at) {
		for _, id := range subtree(ref, ent.ID) {
			below[wd.entity(id)] = true
			watched = append(watched, wd.entity(id))
		}
	}
	slices.Sort(watched)
	watched = slices.Compact(watched)
	holders := map[string]bool{}
	for _, n := range watched {
		err := src.EachAssignmentOn(ctx, wd.entIDs[n], func(userID, _ string) error {
			holders[userID] = true
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read assignments on %s: %w", wd.entIDs[n], err)
		}
	}
	return userImpact(ctx, src, before, after, sortedKeys(holders), nil, func(_ string, u *userState) []int32 {
		points := []int32{at}
		for _, g := range u.grants {
			if below[g.entity] {
				points = append(points, g.entity)
			}
		}
		return points
	})
}

// scopeCrossed reports whether entity at leaves or enters the scope of a
// custom role: an ancestor it has on one side only is some role's scope.
func scopeCrossed(before, after *side, at int32) bool {
	b, a := before.chains[at], after.chains[at]
	for name, r := range after.ref.Roles {
		if _, system := after.cat.Roles[name]; system || r.Scope == "" {
			continue
		}
		sc := after.w.entity(r.Scope)
		if slices.Contains(b, sc) != slices.Contains(a, sc) {
			return true
		}
	}
	return false
}

// subtree returns id and every entity below it.
func subtree(ref *authz.Reference, id string) []string {
	children := map[string][]string{}
	for _, e := range ref.Entities {
		children[e.ParentID] = append(children[e.ParentID], e.ID)
	}
	out := []string{id}
	for i := 0; i < len(out) && len(out) <= len(ref.Entities); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}
