package rolesfile

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/authz"
)

func (p *parser) document(root *yaml.Node) {
	top := p.fields(root, "roles file", "entity_types", "permissions", "roles", "policies")
	// Declarations come before their uses regardless of the order of the
	// sections in the file.
	for _, n := range p.list(top["entity_types"], "entity_types") {
		p.entityType(n)
	}
	if len(p.cat.EntityTypes) == 0 {
		p.errorf(root, "no entity_types declared")
	}
	p.checkEntityParents(top["entity_types"])
	for _, n := range p.list(top["permissions"], "permissions") {
		p.permission(n)
	}
	for _, n := range p.list(top["roles"], "roles") {
		p.role(n)
	}
	for _, n := range p.list(top["policies"], "policies") {
		p.policy(n)
	}
}

func (p *parser) entityType(n *yaml.Node) {
	f := p.fields(n, "entity type", "name", "parents")
	name := p.scalar(f["name"], "entity type name")
	if name == "" {
		p.errorf(n, "entity type has no name")
		return
	}
	if err := authz.ValidateID("entity type", name); err != nil {
		p.errorf(f["name"], "%v", err)
		return
	}
	if _, dup := p.cat.EntityTypes[name]; dup {
		p.errorf(f["name"], "duplicate entity type %s", name)
		return
	}
	p.cat.EntityTypes[name] = authz.EntityType{Name: name, Parents: p.strings(f["parents"], "parents")}
}

// checkEntityParents reports unknown parent types and cycles, so entity
// chains are always finite.
func (p *parser) checkEntityParents(section *yaml.Node) {
	line := map[string]*yaml.Node{}
	for _, n := range p.list(section, "entity_types") {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "name" {
					line[n.Content[i+1].Value] = n
				}
			}
		}
	}
	cycle := false
	for _, name := range sortedTypeNames(p.cat) {
		for _, parent := range p.cat.EntityTypes[name].Parents {
			if _, ok := p.cat.EntityTypes[parent]; !ok {
				p.errorf(line[name], "entity type %s: unknown parent type %s", name, parent)
			}
		}
		if reachesItself(p.cat, name) {
			p.errorf(line[name], "entity type %s is its own ancestor; parent types must not form a cycle", name)
			cycle = true
		}
	}
	if !cycle {
		p.checkDepth(line)
	}
}

// checkDepth reports the entity types that head a chain of more than
// authz.MaxDepth types, the farthest a check walks up the tree: each type
// that does and is no other such type's parent, at its line.
func (p *parser) checkDepth(line map[string]*yaml.Node) {
	tooDeep := map[string][]string{}
	for _, name := range sortedTypeNames(p.cat) {
		if chain := p.cat.TypeChain(name); len(chain) > authz.MaxDepth {
			tooDeep[name] = chain
		}
	}
	for _, name := range sortedTypeNames(p.cat) {
		chain, ok := tooDeep[name]
		if !ok || parentOfAny(p.cat, name, tooDeep) {
			continue
		}
		p.errorf(line[name], "entity type %s heads a chain of %d entity types (%s); a check walks up at most %d levels, so chains may be at most %d types long",
			name, len(chain), strings.Join(chain, " → "), authz.MaxDepth, authz.MaxDepth)
	}
}

// parentOfAny reports whether t is a parent type of a type in set.
func parentOfAny(c *authz.Catalog, t string, set map[string][]string) bool {
	for child := range set {
		if slices.Contains(c.EntityTypes[child].Parents, t) {
			return true
		}
	}
	return false
}

func reachesItself(c *authz.Catalog, start string) bool {
	seen := map[string]bool{}
	stack := append([]string(nil), c.EntityTypes[start].Parents...)
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if t == start {
			return true
		}
		if seen[t] {
			continue
		}
		seen[t] = true
		stack = append(stack, c.EntityTypes[t].Parents...)
	}
	return false
}

func sortedTypeNames(c *authz.Catalog) []string { return c.EntityTypeNames() }

func (p *parser) permission(n *yaml.Node) {
	f := p.fields(n, "permission", "name", "description", "applies_to")
	name := p.scalar(f["name"], "permission name")
	if err := authz.ValidateName("permission", name); err != nil {
		p.errorf(n, "%v", err)
		return
	}
	if _, dup := p.cat.Permissions[name]; dup {
		p.errorf(f["name"], "duplicate permission %s", name)
		return
	}
	perm := authz.Permission{Name: name, Description: p.scalar(f["description"], "description"), AppliesTo: p.strings(f["applies_to"], "applies_to")}
	if len(perm.AppliesTo) == 0 {
		p.errorf(n, "permission %s: applies_to lists no entity type", name)
	}
	for _, t := range perm.AppliesTo {
		if _, ok := p.cat.EntityTypes[t]; !ok {
			p.errorf(f["applies_to"], "permission %s applies to unknown entity type %s", name, t)
		}
	}
	p.cat.Permissions[name] = perm
}

func (p *parser) role(n *yaml.Node) {
	f := p.fields(n, "role", "name", "description", "permissions", "request")
	name := p.scalar(f["name"], "role name")
	if err := authz.ValidateName("role", name); err != nil {
		p.errorf(n, "%v", err)
		return
	}
	if _, dup := p.cat.Roles[name]; dup {
		p.errorf(f["name"], "duplicate role %s", name)
		return
	}
	r := authz.Role{Name: name, Description: p.scalar(f["description"], "description"), System: true}
	seen := map[string]bool{}
	for _, item := range p.list(f["permissions"], "permissions") {
		perm := p.scalar(item, "permission")
		switch {
		case perm == "":
		case p.cat.Permissions[perm].Name == "":
			p.errorf(item, "role %s: unknown permission %s", name, perm)
		case seen[perm]:
			p.errorf(item, "role %s: permission %s listed twice", name, perm)
		default:
			seen[perm] = true
			r.Permissions = append(r.Permissions, perm)
		}
	}
	if len(r.Permissions) == 0 && len(p.list(f["permissions"], "permissions")) == 0 {
		p.errorf(n, "role %s has no permissions", name)
	}
	p.cat.Roles[name] = r
	if f["request"] != nil {
		p.requestPolicy(name, f["request"])
	}
}
