package slackapp

import (
	"slices"
	"strings"
)

// ScopeSet is a bit set of known scopes: bit n is Scope(n).
type ScopeSet uint64

// Has reports whether s is in the set.
func (b ScopeSet) Has(s Scope) bool { return s < 64 && b&(1<<s) != 0 }

// With returns the set plus s.
func (b ScopeSet) With(s Scope) ScopeSet { return b | 1<<s }

// Scopes is a granted scope list: the known scopes as a bit set plus the
// names of any scope Bastion does not know, kept so nothing is lost.
type Scopes struct {
	Known   ScopeSet
	Unknown []string
}

// ParseScopes reads Slack's comma-separated scope list (as in the
// x-oauth-scopes header or oauth.v2.access's scope field). Blanks and
// duplicates are dropped; unknown names are kept in first-seen order.
func ParseScopes(list string) Scopes {
	var out Scopes
	for _, part := range strings.Split(list, ",") {
		name := strings.TrimSpace(part)
		if name == "" {
			continue
		}
		if s, ok := LookupScope(name); ok {
			out.Known = out.Known.With(s)
		} else if !slices.Contains(out.Unknown, name) {
			out.Unknown = append(out.Unknown, name)
		}
	}
	return out
}

// ScopesOf builds a Scopes from known scopes.
func ScopesOf(scopes ...Scope) Scopes {
	var out Scopes
	for _, s := range scopes {
		out.Known = out.Known.With(s)
	}
	return out
}

// Has reports whether the named scope is granted, known or not.
func (s Scopes) Has(name string) bool {
	if sc, ok := LookupScope(name); ok {
		return s.Known.Has(sc)
	}
	return slices.Contains(s.Unknown, name)
}

// Names lists the granted scopes: known ones in enum order, then unknown.
func (s Scopes) Names() []string {
	var out []string
	for _, sc := range KnownScopes() {
		if s.Known.Has(sc) {
			out = append(out, sc.String())
		}
	}
	return append(out, s.Unknown...)
}

// String is the comma-separated list ParseScopes reads back.
func (s Scopes) String() string { return strings.Join(s.Names(), ",") }

// Equal reports whether both grant the same scopes.
func (s Scopes) Equal(o Scopes) bool {
	if s.Known != o.Known || len(s.Unknown) != len(o.Unknown) {
		return false
	}
	for _, u := range s.Unknown {
		if !slices.Contains(o.Unknown, u) {
			return false
		}
	}
	return true
}
