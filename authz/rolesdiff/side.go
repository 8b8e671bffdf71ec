package rolesdiff

import (
	"math/bits"
	"slices"

	"github.com/bastionhq/bastion/authz"
)

// permSet is a set of permissions, as bits over a permIndex.
type permSet []uint64

func (s permSet) add(i int) { s[i/64] |= 1 << (i % 64) }

// or adds every permission of o.
func (s permSet) or(o permSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

// andNot returns the permissions of s that o lacks.
func (s permSet) andNot(o permSet) permSet {
	out := make(permSet, len(s))
	for i := range s {
		out[i] = s[i] &^ o[i]
	}
	return out
}

func (s permSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// each calls fn with the index of every permission of s.
func (s permSet) each(fn func(i int)) {
	for w, word := range s {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			fn(w*64 + b)
			word &^= 1 << b
		}
	}
}

// permIndex numbers the permissions of both sides.
type permIndex struct {
	names []string
	at    map[string]int
}

func newPermIndex(cats ...*authz.Catalog) *permIndex {
	ix := &permIndex{at: map[string]int{}}
	for _, c := range cats {
		for _, p := range c.PermissionNames() {
			if _, ok := ix.at[p]; !ok {
				ix.at[p] = len(ix.names)
				ix.names = append(ix.names, p)
			}
		}
	}
	return ix
}

func (ix *permIndex) newSet() permSet { return make(permSet, (len(ix.names)+63)/64) }

// world numbers the entities and roles of both sides of a comparison, so
// that a user's state is numbers and a million of them compare quickly.
type world struct {
	ix        *permIndex
	ents      map[string]int32
	entIDs    []string
	roles     map[string]int32
	roleNames []string
}

func newWorld(ix *permIndex, refs ...*authz.Reference) *world {
	w := &world{ix: ix, ents: map[string]int32{}, roles: map[string]int32{}}
	for _, ref := range refs {
		for _, id := range sortedKeys(ref.Entities) {
			if _, ok := w.ents[id]; !ok {
				w.ents[id] = int32(len(w.entIDs))
				w.entIDs = append(w.entIDs, id)
			}
		}
	}
	return w
}

// entity returns an entity's number, or -1 for one neither side has.
func (w *world) entity(id string) int32 {
	if n, ok := w.ents[id]; ok {
		return n
	}
	return -1
}

// role returns a role's number, numbering it if new.
func (w *world) role(name string) int32 {
	if n, ok := w.roles[name]; ok {
		return n
	}
	n := int32(len(w.roleNames))
	w.roles[name] = n
	w.roleNames = append(w.roleNames, name)
	return n
}

// side is one state of the model: what each role grants, within which
// scope, and where each entity lies.
type side struct {
	cat    *authz.Catalog
	ref    *authz.Reference
	w      *world
	ix     *permIndex
	grants []permSet // by role number; nil until computed
	scopes []int32   // by role number, set with grants: unscoped, or the scope's entity number (-1: an entity neither side has)
	chains [][]int32 // by entity number: the entity and its ancestors, nearest first
	teams  []int32   // by entity number: the workspace at or above it, or -1
}

// unscoped is the scope of a system role, and of a custom role with none.
const unscoped = int32(-2)

func newSide(cat *authz.Catalog, ref *authz.Reference, w *world) *side {
	s := &side{cat: cat, ref: ref, w: w, ix: w.ix, chains: make([][]int32, len(w.entIDs)), teams: make([]int32, len(w.entIDs))}
	for n, id := range w.entIDs {
		s.teams[n] = -1
		for cur := id; cur != "" && len(s.chains[n]) < authz.MaxDepth; {
			e, ok := ref.Entities[cur]
			if !ok {
				break
			}
			at := w.ents[e.ID]
			s.chains[n] = append(s.chains[n], at)
			if e.Type == authz.TypeWorkspace && s.teams[n] < 0 {
				s.teams[n] = at
			}
			cur = e.ParentID
		}
	}
	return s
}

// role returns what a role grants, as the engine finds it: a system role
// of the roles file first, else a custom role; only permissions the roles
// file declares count (a check of any other is an error, never an allow).
func (s *side) role(n int32) permSet {
	for int(n) >= len(s.grants) {
		s.grants = append(s.grants, nil)
		s.scopes = append(s.scopes, unscoped)
	}
	if g := s.grants[n]; g != nil {
		return g
	}
	g := s.ix.newSet()
	name := s.w.roleNames[n]
	r, ok := s.cat.Roles[name]
	if !ok {
		r = s.ref.Roles[name]
	}
	for _, p := range r.Permissions {
		if _, declared := s.cat.Permissions[p]; declared {
			g.add(s.ix.at[p])
		}
	}
	if r.Scope != "" {
		s.scopes[n] = s.w.entity(r.Scope)
	}
	s.grants[n] = g
	return g
}

// scope returns the entity number of a role's scope, unscoped for a
// system role or a custom role with none, or -1 for a scope neither side
// has (the role then grants nothing anywhere).
func (s *side) scope(n int32) int32 {
	s.role(n)
	return s.scopes[n]
}

// scopeByName is scope for a role's name.
func (s *side) scopeByName(name string) int32 { return s.scope(s.w.role(name)) }

// roleByName is role for a role's name.
func (s *side) roleByName(name string) permSet { return s.role(s.w.role(name)) }

// grant is one assignment of a user: a role on an entity, by number.
type grant struct{ role, entity int32 }

// account is a user's account type in a team, by number (-1: a team
// neither side has).
type account struct {
	team int32
	typ  authz.AccountType
}

// userState is what decides a user's permissions besides the model.
type userState struct {
	grants   []grant
	accounts []account
}

// holds sets out to the permissions u holds on entity point and below, as
// ListUserPermissions and Check count them: through an assignment on the
// entity or an ancestor, if u is a member (not a guest) of the team the
// entity lies in; for an entity in no team (an enterprise), of any team.
// An assignment of a custom role counts only while the role's scope is
// its entity or one of that entity's ancestors, as the engine decides
// (the role or the entity may have moved since it was made).
func (s *side) holds(u *userState, point int32, out permSet) {
	clear(out)
	chain := s.chains[point]
	if len(chain) == 0 || !member(u, s.teams[point]) {
		return
	}
	for _, g := range u.grants {
		at := slices.Index(chain, g.entity)
		if at < 0 {
			continue
		}
		perms := s.role(g.role)
		if sc := s.scopes[g.role]; sc != unscoped && !slices.Contains(chain[at:], sc) {
			continue
		}
		out.or(perms)
	}
}

// member reports whether u has a full (not guest) account in team, or in
// any team when team is -1.
func member(u *userState, team int32) bool {
	for _, a := range u.accounts {
		if (team < 0 && a.team >= 0 || team >= 0 && a.team == team) && a.typ != authz.AccountNone && !a.typ.Restricted() {
			return true
		}
	}
	return false
}
