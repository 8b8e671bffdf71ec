package authz

import (
	"fmt"
	"sort"
	"strings"
)

// Built-in entity types. Others can be declared in the roles file.
const (
	TypeEnterprise = "enterprise"
	TypeWorkspace  = "workspace"
	TypeChannel    = "channel"
)

// EntityType declares a kind of entity and which types may be its parent.
type EntityType struct {
	Name    string
	Parents []string
}

// Permission is a named action that roles grant.
type Permission struct {
	Name        string
	Description string
	// AppliesTo lists the entity types the permission can be checked on.
	AppliesTo []string
}

// Role is a named set of permissions. System roles come from the roles file;
// custom roles are created at runtime, scoped to an enterprise or workspace
// (they can only be assigned on that entity or below it).
type Role struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
	// Scope is the enterprise or workspace a custom role belongs to; empty
	// for system roles.
	Scope  string `json:"scope,omitempty"`
	System bool   `json:"system,omitempty"`
}

// Grants reports whether the role includes permission p.
func (r *Role) Grants(p string) bool {
	for _, q := range r.Permissions {
		if q == p {
			return true
		}
	}
	return false
}

// Policy is the ordered rule list of a named action such as channel.archive.
type Policy struct {
	Action     string
	EntityType string
	Rules      []Rule
}

// Catalog is the declared model: entity types, permissions, system roles and
// policies, as read from a roles file.
type Catalog struct {
	EntityTypes map[string]EntityType
	Permissions map[string]Permission
	Roles       map[string]Role
	Policies    map[string]Policy
	// Requests holds the request policy of each system role that can be
	// requested for a limited time, by role name.
	Requests map[string]RequestPolicy
}

// PermissionNames returns the declared permission names, sorted.
func (c *Catalog) PermissionNames() []string { return sortedKeys(c.Permissions) }

// RoleNames returns the system role names, sorted.
func (c *Catalog) RoleNames() []string { return sortedKeys(c.Roles) }

// ActionNames returns the names of the declared policies, sorted.
func (c *Catalog) ActionNames() []string { return sortedKeys(c.Policies) }

// Applies reports whether permission p can be checked on entities of type t.
func (c *Catalog) Applies(p, t string) bool {
	perm, ok := c.Permissions[p]
	if !ok {
		return false
	}
	for _, a := range perm.AppliesTo {
		if a == t {
			return true
		}
	}
	return false
}

// ParentAllowed reports whether an entity of type child may have a parent of
// type parent ("" for no parent, allowed for every type).
func (c *Catalog) ParentAllowed(child, parent string) bool {
	if parent == "" {
		return true
	}
	for _, p := range c.EntityTypes[child].Parents {
		if p == parent {
			return true
		}
	}
	return false
}

// checkRolePermissions verifies that every permission of r is declared.
func (c *Catalog) checkRolePermissions(r Role) error {
	if len(r.Permissions) == 0 {
		return fmt.Errorf("role %s has no permissions", r.Name)
	}
	seen := map[string]bool{}
	for _, p := range r.Permissions {
		if _, ok := c.Permissions[p]; !ok {
			return fmt.Errorf("role %s: unknown permission %s", r.Name, p)
		}
		if seen[p] {
			return fmt.Errorf("role %s: permission %s listed twice", r.Name, p)
		}
		seen[p] = true
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// EntityTypeNames returns the declared entity type names, sorted.
func (c *Catalog) EntityTypeNames() []string { return sortedKeys(c.EntityTypes) }

// MaxDepth bounds the entity tree: an entity and its ancestors are at most
// MaxDepth entities, which is how far a check walks up. A catalog whose
// entity types chain deeper is refused (Catalog.CheckDepth), so entities
// written through the engine never lie deeper; an entity that does
// (imported rows, or a roles file changed under existing data) makes the
// checks on it fail with an error instead of ignoring its farthest
// ancestors.
const MaxDepth = 8

// TypeChain returns the longest chain of entity types an entity of type t
// can head: t, one of its parent types, one of that type's, and so on up
// to a type without parents. Parent types must not form a cycle (the
// roles file refuses them); a cycle ends the chain where it repeats.
func (c *Catalog) TypeChain(t string) []string {
	memo := map[string][]string{}
	var walk func(t string, seen map[string]bool) []string
	walk = func(t string, seen map[string]bool) []string {
		if chain, ok := memo[t]; ok {
			return chain
		}
		if seen[t] {
			return nil
		}
		seen[t] = true
		defer delete(seen, t)
		var longest []string
		for _, p := range c.EntityTypes[t].Parents {
			if chain := walk(p, seen); len(chain) > len(longest) {
				longest = chain
			}
		}
		chain := append([]string{t}, longest...)
		memo[t] = chain
		return chain
	}
	return walk(t, map[string]bool{})
}

// CheckDepth reports the first entity type, by name, that heads a chain of
// more than MaxDepth types.
func (c *Catalog) CheckDepth() error {
	for _, t := range c.EntityTypeNames() {
		if chain := c.TypeChain(t); len(chain) > MaxDepth {
			return fmt.Errorf("entity type %s heads a chain of %d entity types (%s), more than the %d levels a check walks up",
				t, len(chain), strings.Join(chain, " → "), MaxDepth)
		}
	}
	return nil
}

// errTooDeep is the error of a walk up from entityID that did not reach a
// root within MaxDepth entities.
func errTooDeep(entityID string) error {
	return fmt.Errorf("entity %s has more than %d ancestors (the entity tree is at most %d deep, or its parents form a cycle); checks on it cannot be answered",
		entityID, MaxDepth-1, MaxDepth)
}
