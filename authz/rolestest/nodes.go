package rolestest

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/authz/rolesfile"
)

// reader walks the YAML nodes of a test file, collecting every problem
// with its line, as the roles file parser does.
type reader struct {
	file string
	errs rolesfile.Errors
}

func (r *reader) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	r.errs = append(r.errs, rolesfile.LineError{File: r.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// pair is one key and value of a mapping.
type pair struct{ key, value *yaml.Node }

// pairs returns a mapping's entries in file order, reporting a node that is
// not a mapping and a key given twice.
func (r *reader) pairs(n *yaml.Node, what string) []pair {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "%s must be a mapping", what)
		return nil
	}
	var out []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			r.errorf(k, "%s: a key must be a single value", what)
			continue
		}
		if seen[k.Value] {
			r.errorf(k, "%s: key %q given twice", what, k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, pair{k, v})
	}
	return out
}

// fields returns the values of a mapping by key, reporting unknown keys.
func (r *reader) fields(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for _, p := range r.pairs(n, what) {
		if !slices.Contains(allowed, p.key.Value) {
			r.errorf(p.key, "%s: unknown key %q (allowed: %s)", what, p.key.Value, strings.Join(allowed, ", "))
			continue
		}
		out[p.key.Value] = p.value
	}
	return out
}

// scalar returns a single value, reporting other node kinds; "" for nil.
func (r *reader) scalar(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(n, "%s must be a single value", what)
		return ""
	}
	return n.Value
}

// list returns a sequence's items; a single value or mapping stands for a
// list of one. Other node kinds are reported.
func (r *reader) list(n *yaml.Node, what string) []*yaml.Node {
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.SequenceNode:
		return n.Content
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil
	case n.Kind == yaml.ScalarNode || n.Kind == yaml.MappingNode:
		return []*yaml.Node{n}
	}
	r.errorf(n, "%s must be a list", what)
	return nil
}

// strings returns a list of single values, reporting the others.
func (r *reader) strings(n *yaml.Node, what string) []string {
	out := []string{}
	for _, item := range r.list(n, what) {
		if v := r.scalar(item, what+" item"); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// check reports err, if any, at n.
func (r *reader) check(n *yaml.Node, err error) bool {
	if err != nil {
		r.errorf(n, "%v", err)
		return false
	}
	return true
}
