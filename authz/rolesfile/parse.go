// Package rolesfile reads the roles file (roles.yaml): entity types,
// permissions, roles and policies, validated with errors that name the line.
// The built-in model is such a file, embedded in the binary.
package rolesfile

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/authz"
)

//go:embed roles.yaml
var builtin []byte

// MaxSize bounds a roles file.
const MaxSize = 4 << 20

// Builtin returns the text of the built-in roles file.
func Builtin() []byte { return bytes.Clone(builtin) }

// LoadBuiltin parses the built-in roles file.
func LoadBuiltin() (*authz.Catalog, error) { return Parse("builtin roles.yaml", builtin) }

// Load reads and parses the roles file at path; an empty path means the
// built-in file.
func Load(path string) (*authz.Catalog, error) {
	if path == "" {
		return LoadBuiltin()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read roles file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read roles file %s: %w", path, err)
	}
	return Parse(path, data)
}

// LineError is one problem in a roles file.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every problem found in a roles file, in file order.
type Errors []LineError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Parse parses and validates a roles file. name labels error messages.
// On failure the error is an Errors listing every problem found.
func Parse(name string, data []byte) (*authz.Catalog, error) {
	p := &parser{file: name, cat: &authz.Catalog{
		EntityTypes: map[string]authz.EntityType{},
		Permissions: map[string]authz.Permission{},
		Roles:       map[string]authz.Role{},
		Policies:    map[string]authz.Policy{},
		Requests:    map[string]authz.RequestPolicy{},
	}}
	if len(data) > MaxSize {
		return nil, Errors{{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{{File: name, Line: yamlErrorLine(err), Msg: err.Error()}}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{File: name, Line: 1, Msg: "file is empty"}}
	}
	p.document(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return p.cat, nil
}

// yamlErrorLine pulls the line number out of a yaml.v3 syntax error.
func yamlErrorLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return 0
	}
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr == nil {
		return line
	}
	return 0
}

type parser struct {
	file string
	cat  *authz.Catalog
	errs Errors
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, LineError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// fields returns the keys of a mapping node, reporting unknown and repeated
// keys and a node that is not a mapping.
func (p *parser) fields(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping", what)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		known := false
		for _, a := range allowed {
			known = known || a == k.Value
		}
		switch {
		case !known:
			p.errorf(k, "%s: unknown key %q (allowed: %s)", what, k.Value, strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			p.errorf(k, "%s: key %q given twice", what, k.Value)
		default:
			out[k.Value] = v
		}
	}
	return out
}

// scalar returns a scalar's value, reporting other node kinds.
func (p *parser) scalar(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s must be a single value", what)
		return ""
	}
	return n.Value
}

// list returns a sequence's items, reporting other node kinds.
func (p *parser) list(n *yaml.Node, what string) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (p *parser) strings(n *yaml.Node, what string) []string {
	var out []string
	for _, item := range p.list(n, what) {
		if v := p.scalar(item, what+" item"); v != "" {
			out = append(out, v)
		}
	}
	return out
}
