package client

import (
	"hash/maphash"
	"sync"

	"github.com/bastionhq/bastion/authz"
)

// entityNode is an entity with its chain of ids from itself up to the
// root, so that a check walks its ancestors without further lookups.
type entityNode struct {
	entity authz.Entity
	chain  []string
	// tooDeep is set when the walk up did not reach a root within
	// authz.MaxDepth entities: the server answers checks on the entity
	// with an error, and memory does not answer them.
	tooDeep bool
}

// entityTree is the entity tree by id.
type entityTree map[string]*entityNode

// newEntityTree indexes entities; a chain stops at a missing parent or
// after authz.MaxDepth entities, as the engine's walk does.
func newEntityTree(entities map[string]authz.Entity) entityTree {
	t := make(entityTree, len(entities))
	for id, e := range entities {
		n := &entityNode{entity: e}
		cur := id
		for ; cur != "" && len(n.chain) < authz.MaxDepth; cur = entities[cur].ParentID {
			if _, ok := entities[cur]; !ok {
				break
			}
			n.chain = append(n.chain, cur)
		}
		if cur != "" && len(n.chain) == authz.MaxDepth {
			n.tooDeep = true
		}
		t[id] = n
	}
	return t
}

// userShards is how many parts the user table is split into, so that
// concurrent checks of different users rarely touch the same lock.
const userShards = 64

// userTable maps user ids to cached users, in shards each with its own
// read-write lock: reads of a shard share its lock, and a boot writes one
// shard only.
type userTable struct {
	seed   maphash.Seed
	shards [userShards]struct {
		mu sync.RWMutex
		m  map[string]*cachedUser
		_  [24]byte // keep shards' locks on separate cache lines
	}
}

func newUserTable() *userTable {
	t := &userTable{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].m = map[string]*cachedUser{}
	}
	return t
}

func (t *userTable) shard(id string) int {
	return int(maphash.String(t.seed, id) % userShards)
}

// load returns the user's entry.
func (t *userTable) load(id string) (*cachedUser, bool) {
	s := &t.shards[t.shard(id)]
	s.mu.RLock()
	u, ok := s.m[id]
	s.mu.RUnlock()
	return u, ok
}

// loadOrStore returns the user's entry, storing fresh when there is none;
// loaded reports whether one was there.
func (t *userTable) loadOrStore(id string, fresh *cachedUser) (u *cachedUser, loaded bool) {
	s := &t.shards[t.shard(id)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.m[id]; ok {
		return u, true
	}
	s.m[id] = fresh
	return fresh, false
}

// remove deletes the user's entry if it is still u.
func (t *userTable) remove(id string, u *cachedUser) {
	s := &t.shards[t.shard(id)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[id] == u {
		delete(s.m, id)
	}
}
