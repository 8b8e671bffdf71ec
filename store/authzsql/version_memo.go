package authzsql

import (
	"sync"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
)

// memoUsers bounds the user versions a versionMemo keeps; past it, an
// arbitrary one is forgotten for each one added.
const memoUsers = 1 << 17

// versionMemo keeps the user versions and the current revision read from
// the database, with the change token read just before them. While the
// database's token has not moved, nothing was committed since, so they are
// still what a read would return: UserVersions answers from the memo after
// one look at the token, instead of a query. A token that moved empties
// the memo.
type versionMemo struct {
	probe sqldb.ChangeProbe

	mu      sync.RWMutex
	token   sqldb.ChangeToken
	valid   bool // token and current were read
	current authz.Revision
	users   map[string]authz.Revision
}

func newVersionMemo(probe sqldb.ChangeProbe) *versionMemo {
	return &versionMemo{probe: probe, users: make(map[string]authz.Revision)}
}

// lookup returns the versions of ids and the current revision if the memo
// holds them all at token.
func (m *versionMemo) lookup(token sqldb.ChangeToken, ids []string) ([]authz.Revision, authz.Revision, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.valid || m.token != token {
		return nil, 0, false
	}
	versions := make([]authz.Revision, len(ids))
	for i, id := range ids {
		v, ok := m.users[id]
		if !ok {
			return nil, 0, false
		}
		versions[i] = v
	}
	return versions, m.current, true
}

// keep records versions of ids and current, read after the database's
// token was token.
func (m *versionMemo) keep(token sqldb.ChangeToken, ids []string, versions []authz.Revision, current authz.Revision) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.valid || m.token != token {
		m.token, m.valid, m.current = token, true, current
		clear(m.users)
	}
	for i, id := range ids {
		if _, ok := m.users[id]; !ok && len(m.users) >= memoUsers {
			for old := range m.users {
				delete(m.users, old)
				break
			}
		}
		m.users[id] = versions[i]
	}
}
