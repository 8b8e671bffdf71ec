package rolestest

import (
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

// MaxSize bounds a test file, as rolesfile.MaxSize bounds a roles file.
const MaxSize = rolesfile.MaxSize

// MaxItems bounds the organisation items, and separately the
// expectations, of one test file.
const MaxItems = 10_000

// Load reads and parses the test file at path.
func Load(path string) (*Suite, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read test file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read test file %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse parses a test file; name labels messages. On failure the error is
// a rolesfile.Errors listing every problem found, each with its line.
// Parse checks the file's shape and that its tests name entities and
// teams it declares; Suite.Validate checks it against a roles file.
func Parse(name string, data []byte) (*Suite, error) {
	if len(data) > MaxSize {
		return nil, rolesfile.Errors{{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, rolesfile.Errors{{File: name, Line: yamlErrorLine(err), Msg: err.Error()}}
	}
	if len(doc.Content) == 0 {
		return nil, rolesfile.Errors{{File: name, Line: 1, Msg: "file is empty"}}
	}
	p := &parser{reader: reader{file: name}, s: &Suite{File: name, lines: map[Section][]int{}}}
	p.document(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return p.s, nil
}

// yamlErrorLine pulls the line number out of a yaml.v3 syntax error.
func yamlErrorLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr == nil {
		return line
	}
	return 0
}

type parser struct {
	reader
	s    *Suite
	ents map[string]authz.Entity // by id, once the entities are read
}

func (p *parser) document(root *yaml.Node) {
	top := p.fields(root, "test file", "entities", "accounts", "preferences", "custom_roles", "assignments", "tests")
	for _, n := range p.list(top["entities"], "entities") {
		p.entity(n)
	}
	p.accounts(top["accounts"])
	p.preferences(top["preferences"])
	for _, n := range p.list(top["custom_roles"], "custom_roles") {
		p.customRole(n)
	}
	for _, n := range p.list(top["assignments"], "assignments") {
		p.assignment(n)
	}
	if n := len(p.s.Org.Entities) + len(p.s.Org.Accounts) + len(p.s.Org.Preferences) + len(p.s.Org.CustomRoles) + len(p.s.Org.Assignments); n > MaxItems {
		p.errorf(root, "the organisation has %d items, at most %d allowed", n, MaxItems)
		return
	}
	tests := p.list(top["tests"], "tests")
	if len(tests) == 0 && top["tests"] == nil {
		p.errorf(root, "no tests: add a tests section with what must hold")
	}
	for _, n := range tests {
		p.test(n)
		if len(p.s.Expectations) > MaxItems {
			p.errorf(n, "more than %d expectations", MaxItems)
			return
		}
	}
}

// add records an organisation item's line.
func (p *parser) add(sec Section, n *yaml.Node) {
	p.s.lines[sec] = append(p.s.lines[sec], n.Line)
}

// id reads a required id field.
func (p *parser) id(f map[string]*yaml.Node, key, kind string, at *yaml.Node) (string, bool) {
	n := f[key]
	if n == nil {
		p.errorf(at, "%s: %s is required", kind, key)
		return "", false
	}
	v := p.scalar(n, key)
	return v, p.check(n, authz.ValidateID(kind, v))
}

// optionalID reads an id field that may be absent.
func (p *parser) optionalID(f map[string]*yaml.Node, key, kind string) (string, bool) {
	n := f[key]
	if n == nil {
		return "", true
	}
	v := p.scalar(n, key)
	return v, p.check(n, authz.ValidateID(kind, v))
}

// name reads a required UPPER_SNAKE name field.
func (p *parser) name(f map[string]*yaml.Node, key, kind string, at *yaml.Node) (string, bool) {
	n := f[key]
	if n == nil {
		p.errorf(at, "%s is required", key)
		return "", false
	}
	v := p.scalar(n, key)
	return v, p.check(n, authz.ValidateName(kind, v))
}

func (p *parser) entity(n *yaml.Node) {
	f := p.fields(n, "entity", "id", "type", "parent", "creator")
	id, ok1 := p.id(f, "id", "entity", n)
	typ, ok2 := p.id(f, "type", "entity type", n)
	parent, ok3 := p.optionalID(f, "parent", "parent")
	creator, ok4 := p.optionalID(f, "creator", "creator")
	if ok1 && ok2 && ok3 && ok4 {
		p.s.Org.Entities = append(p.s.Org.Entities, authz.Entity{ID: id, Type: typ, ParentID: parent, CreatorID: creator})
		p.add(SectionEntities, n)
	}
}

// accounts reads {TEAM: {USER: TYPE}}.
func (p *parser) accounts(n *yaml.Node) {
	for _, team := range p.pairs(n, "accounts") {
		if !p.check(team.key, authz.ValidateID("team", team.key.Value)) {
			continue
		}
		for _, u := range p.pairs(team.value, "accounts of team "+team.key.Value) {
			t, err := authz.ParseAccountType(p.scalar(u.value, "account type"))
			if p.check(u.key, authz.ValidateID("user", u.key.Value)) && p.check(u.value, err) {
				p.s.Org.Accounts = append(p.s.Org.Accounts, authz.ImportedAccount{TeamID: team.key.Value, UserID: u.key.Value, Type: t})
				p.add(SectionAccounts, u.key)
			}
		}
	}
}

// preferences reads {TEAM: {NAME: VALUE}}.
func (p *parser) preferences(n *yaml.Node) {
	for _, team := range p.pairs(n, "preferences") {
		if !p.check(team.key, authz.ValidateID("team", team.key.Value)) {
			continue
		}
		prefs := map[string]string{}
		for _, kv := range p.pairs(team.value, "preferences of team "+team.key.Value) {
			prefs[kv.key.Value] = p.scalar(kv.value, "preference "+kv.key.Value)
		}
		p.s.Org.Preferences = append(p.s.Org.Preferences, TeamPreferences{TeamID: team.key.Value, Prefs: prefs})
		p.add(SectionPreferences, team.key)
	}
}

func (p *parser) customRole(n *yaml.Node) {
	f := p.fields(n, "custom role", "name", "description", "scope", "permissions")
	name, ok1 := p.name(f, "name", "role", n)
	scope, ok2 := p.id(f, "scope", "scope", n)
	r := authz.Role{Name: name, Scope: scope, Description: p.scalar(f["description"], "description")}
	ok := ok1 && ok2
	for _, item := range p.list(f["permissions"], "permissions") {
		v := p.scalar(item, "permission")
		if ok = p.check(item, authz.ValidateName("permission", v)) && ok; ok {
			r.Permissions = append(r.Permissions, v)
		}
	}
	if ok {
		p.s.Org.CustomRoles = append(p.s.Org.CustomRoles, r)
		p.add(SectionCustomRoles, n)
	}
}

func (p *parser) assignment(n *yaml.Node) {
	f := p.fields(n, "assignment", "user", "role", "entity")
	user, ok1 := p.id(f, "user", "user", n)
	role, ok2 := p.name(f, "role", "role", n)
	ent, ok3 := p.id(f, "entity", "entity", n)
	if ok1 && ok2 && ok3 {
		p.s.Org.Assignments = append(p.s.Org.Assignments, authz.Assignment{UserID: user, Role: role, EntityID: ent})
		p.add(SectionAssignments, n)
	}
}
