package rolesdiff

import (
	"fmt"
	"slices"
	"sort"

	"github.com/bastionhq/bastion/authz"
)

// CatalogDiff is what changes between two roles files, by name. A renamed
// permission or role is listed under its rename, not as removed and added.
type CatalogDiff struct {
	EntityTypesAdded   []string            `json:"entity_types_added,omitempty"`
	EntityTypesRemoved []string            `json:"entity_types_removed,omitempty"`
	EntityTypesChanged []EntityTypeChange  `json:"entity_types_changed,omitempty"`
	PermissionsAdded   []string            `json:"permissions_added,omitempty"`
	PermissionsRemoved []string            `json:"permissions_removed,omitempty"`
	PermissionsRenamed []Rename            `json:"permissions_renamed,omitempty"`
	PermissionsChanged []PermissionChange  `json:"permissions_changed,omitempty"`
	RolesAdded         []string            `json:"roles_added,omitempty"`
	RolesRemoved       []string            `json:"roles_removed,omitempty"`
	RolesRenamed       []Rename            `json:"roles_renamed,omitempty"`
	RolesChanged       []RoleChange        `json:"roles_changed,omitempty"`
	PoliciesAdded      []string            `json:"policies_added,omitempty"`
	PoliciesRemoved    []string            `json:"policies_removed,omitempty"`
	PoliciesChanged    []PolicyRulesChange `json:"policies_changed,omitempty"`
}

// Empty reports whether the two files declare the same model.
func (d *CatalogDiff) Empty() bool {
	return len(d.EntityTypesAdded)+len(d.EntityTypesRemoved)+len(d.EntityTypesChanged)+
		len(d.PermissionsAdded)+len(d.PermissionsRemoved)+len(d.PermissionsRenamed)+len(d.PermissionsChanged)+
		len(d.RolesAdded)+len(d.RolesRemoved)+len(d.RolesRenamed)+len(d.RolesChanged)+
		len(d.PoliciesAdded)+len(d.PoliciesRemoved)+len(d.PoliciesChanged) == 0
}

// EntityTypeChange is an entity type whose allowed parents change.
type EntityTypeChange struct {
	Name       string   `json:"name"`
	OldParents []string `json:"old_parents"`
	NewParents []string `json:"new_parents"`
}

// Rename is a permission or role that seems to have changed only its name;
// Why says what makes it look so ("same description").
type Rename struct {
	Old string `json:"old"`
	New string `json:"new"`
	Why string `json:"why"`
}

// PermissionChange is a permission whose description or entity types
// change (under its new name, when renamed).
type PermissionChange struct {
	Name           string   `json:"name"`
	OldDescription string   `json:"old_description,omitempty"`
	NewDescription string   `json:"new_description,omitempty"`
	OldAppliesTo   []string `json:"old_applies_to,omitempty"`
	NewAppliesTo   []string `json:"new_applies_to,omitempty"`
}

// RoleChange is a system role that grants more or less, or is described
// differently. OldName is set when the role was renamed too.
type RoleChange struct {
	Name           string   `json:"name"`
	OldName        string   `json:"old_name,omitempty"`
	Gained         []string `json:"gained,omitempty"`
	Lost           []string `json:"lost,omitempty"`
	OldDescription string   `json:"old_description,omitempty"`
	NewDescription string   `json:"new_description,omitempty"`
	// OldRequest and NewRequest describe how the role is requested for a
	// while (RequestText) when that changes.
	OldRequest string `json:"old_request,omitempty"`
	NewRequest string `json:"new_request,omitempty"`
}

// RequestText describes how role can be requested for a while in cat:
// "not requestable", or its longest grant, approvals, approvers'
// permission and whether the holder extends alone.
func RequestText(cat *authz.Catalog, role string) string {
	p, ok := cat.RequestPolicyOf(role)
	if !ok {
		return "not requestable"
	}
	s := fmt.Sprintf("requestable for at most %s with %d approval(s) by %s", p.MaxDuration, p.Approvals, p.ApproverPermission)
	if p.SelfExtend {
		s += ", self-extending"
	}
	return s
}

// PolicyRulesChange is a policy whose entity type or rules change.
// Reordered is set when the rules are the same ones in another order.
type PolicyRulesChange struct {
	Action        string   `json:"action"`
	OldEntityType string   `json:"old_entity_type,omitempty"`
	NewEntityType string   `json:"new_entity_type,omitempty"`
	OldRules      []string `json:"old_rules"`
	NewRules      []string `json:"new_rules"`
	Reordered     bool     `json:"reordered,omitempty"`
}

// Compare lists what changes from old to new.
func Compare(old, new *authz.Catalog) *CatalogDiff {
	d := &CatalogDiff{}
	d.compareEntityTypes(old, new)
	d.PermissionsAdded, d.PermissionsRemoved = addedRemoved(old.Permissions, new.Permissions)
	d.PermissionsRenamed, d.PermissionsAdded, d.PermissionsRemoved = permissionRenames(old, new, d.PermissionsAdded, d.PermissionsRemoved)
	d.comparePermissions(old, new)
	d.RolesAdded, d.RolesRemoved = addedRemoved(old.Roles, new.Roles)
	d.RolesRenamed, d.RolesAdded, d.RolesRemoved = roleRenames(old, new, d.PermissionsRenamed, d.RolesAdded, d.RolesRemoved)
	d.compareRoles(old, new)
	d.PoliciesAdded, d.PoliciesRemoved = addedRemoved(old.Policies, new.Policies)
	d.comparePolicies(old, new)
	return d
}

// addedRemoved returns the keys only in b, and only in a, sorted.
func addedRemoved[V any](a, b map[string]V) (added, removed []string) {
	for k := range b {
		if _, ok := a[k]; !ok {
			added = append(added, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

func (d *CatalogDiff) compareEntityTypes(old, new *authz.Catalog) {
	d.EntityTypesAdded, d.EntityTypesRemoved = addedRemoved(old.EntityTypes, new.EntityTypes)
	for _, name := range old.EntityTypeNames() {
		n, ok := new.EntityTypes[name]
		if o := old.EntityTypes[name]; ok && !sameSet(o.Parents, n.Parents) {
			d.EntityTypesChanged = append(d.EntityTypesChanged, EntityTypeChange{Name: name, OldParents: o.Parents, NewParents: n.Parents})
		}
	}
}

func (d *CatalogDiff) comparePermissions(old, new *authz.Catalog) {
	renamedTo := map[string]string{}
	for _, r := range d.PermissionsRenamed {
		renamedTo[r.New] = r.Old
	}
	for _, name := range new.PermissionNames() {
		oldName := name
		if was, ok := renamedTo[name]; ok {
			oldName = was
		}
		o, ok := old.Permissions[oldName]
		if !ok {
			continue
		}
		n := new.Permissions[name]
		c := PermissionChange{Name: name}
		if o.Description != n.Description {
			c.OldDescription, c.NewDescription = o.Description, n.Description
		}
		if !sameSet(o.AppliesTo, n.AppliesTo) {
			c.OldAppliesTo, c.NewAppliesTo = o.AppliesTo, n.AppliesTo
		}
		if c.OldDescription != c.NewDescription || c.OldAppliesTo != nil {
			d.PermissionsChanged = append(d.PermissionsChanged, c)
		}
	}
}

func (d *CatalogDiff) compareRoles(old, new *authz.Catalog) {
	renamedTo := map[string]string{}
	for _, r := range d.RolesRenamed {
		renamedTo[r.New] = r.Old
	}
	permOld := permissionRenameMap(d.PermissionsRenamed)
	for _, name := range new.RoleNames() {
		oldName := name
		if was, ok := renamedTo[name]; ok {
			oldName = was
		}
		o, ok := old.Roles[oldName]
		if !ok {
			continue
		}
		n := new.Roles[name]
		c := RoleChange{Name: name}
		if oldName != name {
			c.OldName = oldName
		}
		// A permission that was renamed is the same permission here;
		// what its holders gain and lose is Impact's business.
		was := mapNames(o.Permissions, permOld)
		c.Gained, c.Lost = setDiff(n.Permissions, was), setDiff(was, n.Permissions)
		if o.Description != n.Description {
			c.OldDescription, c.NewDescription = o.Description, n.Description
		}
		if o, n := RequestText(old, oldName), RequestText(new, name); o != n {
			c.OldRequest, c.NewRequest = o, n
		}
		if len(c.Gained)+len(c.Lost) > 0 || c.OldDescription != c.NewDescription || c.OldRequest != c.NewRequest {
			d.RolesChanged = append(d.RolesChanged, c)
		}
	}
}

func (d *CatalogDiff) comparePolicies(old, new *authz.Catalog) {
	for _, action := range old.ActionNames() {
		n, ok := new.Policies[action]
		if !ok {
			continue
		}
		o := old.Policies[action]
		c := PolicyRulesChange{Action: action, OldRules: ruleTexts(o.Rules), NewRules: ruleTexts(n.Rules)}
		if o.EntityType != n.EntityType {
			c.OldEntityType, c.NewEntityType = o.EntityType, n.EntityType
		}
		same := slices.Equal(c.OldRules, c.NewRules)
		if same && c.OldEntityType == "" {
			continue
		}
		c.Reordered = !same && sameSet(c.OldRules, c.NewRules) && len(c.OldRules) == len(c.NewRules)
		d.PoliciesChanged = append(d.PoliciesChanged, c)
	}
}

func ruleTexts(rules []authz.Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.String()
	}
	return out
}

// sameSet reports whether a and b hold the same strings, ignoring order
// and repeats.
func sameSet(a, b []string) bool {
	return len(setDiff(a, b)) == 0 && len(setDiff(b, a)) == 0
}

// setDiff returns the items of a not in b, sorted and without repeats.
func setDiff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// mapNames returns names with each one found in m replaced by m's value.
func mapNames(names []string, m map[string]string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if to, ok := m[n]; ok {
			n = to
		}
		out[i] = n
	}
	return out
}

func permissionRenameMap(rs []Rename) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		m[r.Old] = r.New
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
