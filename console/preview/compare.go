package preview

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bastionhq/bastion/authz"
)

// maxDepth bounds walks of the tree, as the engine's do.
const maxDepth = 8

// tree is the entity tree at one moment.
type tree struct {
	ents map[string]authz.Entity
	kids map[string][]string
}

func newTree(list []authz.Entity) *tree {
	t := &tree{ents: map[string]authz.Entity{}, kids: map[string][]string{}}
	for _, e := range list {
		t.ents[e.ID] = e
	}
	for _, e := range list {
		if e.ParentID != "" {
			t.kids[e.ParentID] = append(t.kids[e.ParentID], e.ID)
		}
	}
	return t
}

// with returns the tree with e saved in it; a parent that lies below e is
// refused, as the tree would no longer be one.
func (t *tree) with(e authz.Entity) (*tree, error) {
	if old, ok := t.ents[e.ID]; ok && old.Type != e.Type {
		return nil, fmt.Errorf("%w: entity %s is a %s; its type cannot change to %s", authz.ErrInvalidRequest, e.ID, old.Type, e.Type)
	}
	for _, id := range t.chain(e.ParentID) {
		if id == e.ID {
			return nil, fmt.Errorf("%w: %s cannot move below %s, which lies below it", authz.ErrInvalidRequest, e.ID, e.ParentID)
		}
	}
	list := make([]authz.Entity, 0, len(t.ents)+1)
	for id, x := range t.ents {
		if id != e.ID {
			list = append(list, x)
		}
	}
	return newTree(append(list, e)), nil
}

// chain is id and its ancestors, nearest first.
func (t *tree) chain(id string) []string {
	var out []string
	for d := 0; id != "" && d < maxDepth; d++ {
		if _, ok := t.ents[id]; !ok {
			break
		}
		out = append(out, id)
		id = t.ents[id].ParentID
	}
	return out
}

// subtree adds id and what lies below it to into.
func (t *tree) subtree(id string, into map[string]bool) {
	if _, ok := t.ents[id]; !ok {
		return
	}
	var walk func(id string, depth int)
	walk = func(id string, depth int) {
		if into[id] || depth > maxDepth {
			return
		}
		into[id] = true
		for _, k := range t.kids[id] {
			walk(k, depth+1)
		}
	}
	walk(id, 0)
}

// team is the workspace id lies in (id itself for a workspace), "" for
// an entity above every workspace.
func (t *tree) team(id string) string {
	for _, x := range t.chain(id) {
		if t.ents[x].Type == authz.TypeWorkspace {
			return x
		}
	}
	return ""
}

// state is the trees and roles before and after the write.
type state struct {
	before, after     *tree
	roles, rolesAfter map[string]authz.Role
}

// held maps entity -> permission -> true.
type held map[string]map[string]bool

// grants computes what assignments grant on each entity of region in t,
// as a check would, leaving out eligibility.
func grants(cat *authz.Catalog, t *tree, roles map[string]authz.Role, as []authz.Assignment, region map[string]bool) held {
	out := held{}
	for id := range region {
		ent, ok := t.ents[id]
		if !ok {
			continue
		}
		for _, x := range t.chain(id) {
			for _, a := range as {
				if a.EntityID != x {
					continue
				}
				role, ok := roles[a.Role]
				if !ok {
					continue
				}
				for _, p := range role.Permissions {
					if !cat.Applies(p, ent.Type) {
						continue
					}
					if out[id] == nil {
						out[id] = map[string]bool{}
					}
					out[id][p] = true
				}
			}
		}
	}
	return out
}

// eligibility says in which workspaces a user's roles count.
type eligibility map[string]authz.AccountType

func (el eligibility) full(t authz.AccountType) bool {
	return t != authz.AccountNone && !t.Restricted()
}

// allows reports whether the user's roles count on entity id of t.
func (el eligibility) allows(t *tree, id string) bool {
	if team := t.team(id); team != "" {
		return el.full(el[team])
	}
	for _, at := range el {
		if el.full(at) {
			return true
		}
	}
	return false
}

// compare computes one user's gains and losses over region.
func (s *state) compare(cat *authz.Catalog, rec authz.UserRecord, after []authz.Assignment, region map[string]bool) (UserChange, []Ineligible) {
	el := eligibility{}
	for _, a := range rec.AccountTypes {
		el[a.TeamID] = a.Type
	}
	rawBefore := grants(cat, s.before, s.roles, rec.Assignments, region)
	rawAfter := grants(cat, s.after, s.rolesAfter, after, region)
	before, after2 := held{}, held{}
	var inel []Ineligible
	noted := map[string]bool{}
	for id, ps := range rawBefore {
		if el.allows(s.before, id) {
			before[id] = ps
		}
	}
	for id, ps := range rawAfter {
		if el.allows(s.after, id) {
			after2[id] = ps
			continue
		}
		team := s.after.team(id)
		if !noted[team] {
			noted[team] = true
			at := "none"
			if t, ok := el[team]; ok && team != "" {
				at = t.String()
			}
			inel = append(inel, Ineligible{UserID: rec.UserID, TeamID: team, AccountType: at})
		}
	}
	sort.Slice(inel, func(i, j int) bool { return inel[i].TeamID < inel[j].TeamID })
	uc := UserChange{UserID: rec.UserID,
		Gains:  group(s.after, diff(after2, before)),
		Losses: group(s.before, diff(before, after2))}
	return uc, inel
}

// diff returns, by permission, the entities where a holds it and b does
// not.
func diff(a, b held) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for id, ps := range a {
		for p := range ps {
			if !b[id][p] {
				if out[p] == nil {
					out[p] = map[string]bool{}
				}
				out[p][id] = true
			}
		}
	}
	return out
}

// group turns entities by permission into changes: permissions that
// change on the same entities go together, and each set of entities is
// named by its highest members in t.
func group(t *tree, byPerm map[string]map[string]bool) []Change {
	byTop := map[string]*Change{}
	for p, ids := range byPerm {
		var top []string
		for id := range ids {
			if parent := t.ents[id].ParentID; parent == "" || !ids[parent] {
				top = append(top, id)
			}
		}
		sort.Strings(top)
		k := strings.Join(top, " ")
		c := byTop[k]
		if c == nil {
			c = &Change{Entities: top, Covered: len(ids)}
			byTop[k] = c
		}
		c.Permissions = append(c.Permissions, p)
	}
	var out []Change
	for _, c := range byTop {
		sort.Strings(c.Permissions)
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := strings.Join(out[i].Entities, " "), strings.Join(out[j].Entities, " "); a != b {
			return a < b
		}
		return strings.Join(out[i].Permissions, " ") < strings.Join(out[j].Permissions, " ")
	})
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
