package client

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bastionhq/bastion/authz"
)

// userIndex is a user's permissions arranged to answer checks without
// scanning or allocating: by entity, each permission the user holds there
// with the grant and message of the allow.
type userIndex struct {
	perms    authz.UserPermissions
	byEntity map[string]map[string]*allowance
}

// allowance is why a permission is allowed on an entity.
type allowance struct {
	grant   authz.Grant
	message string
	// deadline, when set, is the local instant (with its monotonic
	// reading) from which the server's clock may have reached the end of
	// a grant on the entity: from then on the allowance is not answered
	// from memory (serverClock.local).
	deadline time.Time
}

// serverClock pairs a local instant, taken before a request, with the
// server's clock as the answer reported it (UserPermissions.At), read
// after that instant.
type serverClock struct {
	sent   time.Time // local, with a monotonic reading
	server time.Time // the server's clock, zero when it reported none
}

// local returns the local instant from which the server's clock may read
// t or later: the server read its clock after sent, so at sent+d it reads
// at most server+d. Used for ends, it errs early, never late, and never
// compares the server's clock with the local one. Zero when t or the
// server's clock is unknown.
func (c serverClock) local(t time.Time) time.Time {
	if t.IsZero() || c.server.IsZero() {
		return time.Time{}
	}
	return c.sent.Add(t.Sub(c.server))
}

// indexPermissions builds the index of p, with the deadlines of entities
// whose grants end read through clock.
func indexPermissions(p authz.UserPermissions, clock serverClock) *userIndex {
	idx := &userIndex{perms: p, byEntity: make(map[string]map[string]*allowance, len(p.Entities))}
	for _, ep := range p.Entities {
		deadline := clock.local(ep.Until)
		if !ep.Until.IsZero() && deadline.IsZero() {
			// An end without the server's clock: never answer it here.
			deadline = clock.sent
		}
		g := authz.Grant{EntityID: ep.EntityID}
		if len(ep.Grants) > 0 {
			g = ep.Grants[0]
		}
		m := idx.byEntity[ep.EntityID]
		if m == nil {
			m = make(map[string]*allowance, len(ep.Permissions))
			idx.byEntity[ep.EntityID] = m
		}
		for _, perm := range ep.Permissions {
			if _, ok := m[perm]; !ok {
				m[perm] = &allowance{grant: g, message: "role " + g.Role + " on " + g.EntityID + " grants " + perm, deadline: deadline}
			}
		}
	}
	return idx
}

// appliesKey names a permission on an entity type.
type appliesKey struct{ permission, entityType string }

// appliesSet records which permissions apply to which entity types, each
// with the message of its deny. Reads are lock-free; the set only grows,
// copied on write (it learns each pair once).
type appliesSet struct {
	mu sync.Mutex // held by writers
	m  atomic.Pointer[map[appliesKey]string]
}

// denyMessage returns the deny message of perm on entityType, and whether
// the pair is known to apply.
func (a *appliesSet) denyMessage(perm, entityType string) (string, bool) {
	m := a.m.Load()
	if m == nil {
		return "", false
	}
	msg, ok := (*m)[appliesKey{perm, entityType}]
	return msg, ok
}

// add records that perm applies to entityType.
func (a *appliesSet) add(perm, entityType string) {
	k := appliesKey{perm, entityType}
	if _, ok := a.denyMessage(perm, entityType); ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	old := a.m.Load()
	next := map[appliesKey]string{}
	if old != nil {
		if _, ok := (*old)[k]; ok {
			return
		}
		for key, v := range *old {
			next[key] = v
		}
	}
	next[k] = "no role assignment grants " + perm
	a.m.Store(&next)
}
