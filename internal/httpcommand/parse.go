package httpcommand

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/pattern"
)

// commandKeys are the keys of one command, in the order the docs give
// them.
var commandKeys = []string{"pattern", "description", "group", "channels", "permission", "approval_permission",
	"approvals", "risk", "endpoint", "secret_env", "timeout", "dry_run"}

var (
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	channelID   = regexp.MustCompile(`^[CGD][A-Z0-9]{1,31}$`)
	permissionN = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:-]{0,127}$`)
)

// parser collects every problem of a file with its line.
type parser struct {
	file string
	env  Environment
	errs Errors
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, LineError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// document parses the YAML and each command's fields.
func (p *parser) document(data []byte) []Spec {
	if len(data) > MaxFileSize {
		p.errorf(0, "file is larger than %d bytes", MaxFileSize)
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := yamlErrorLine(err)
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, fmt.Sprintf("line %d: ", line))
		p.errorf(line, "%s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		p.errorf(1, "file is empty: want a list under `commands:`")
		return nil
	}
	root := doc.Content[0]
	top := p.fields(root, "the file", "commands")
	list, ok := top["commands"]
	if !ok {
		if root.Kind == yaml.MappingNode {
			p.errorf(root.Line, "the file has no `commands:` list")
		}
		return nil
	}
	if list.Kind != yaml.SequenceNode {
		p.errorf(list.Line, "`commands` must be a list of commands")
		return nil
	}
	if len(list.Content) > MaxCommands {
		p.errorf(list.Line, "%d commands: a file holds at most %d", len(list.Content), MaxCommands)
		return nil
	}
	specs := make([]Spec, 0, len(list.Content))
	for _, n := range list.Content {
		if s, ok := p.command(n); ok || n.Kind == yaml.MappingNode {
			specs = append(specs, s) // checked further even when wrong, to report every problem
		}
	}
	return specs
}

// command parses one command's fields; it reports false when any is
// wrong.
func (p *parser) command(n *yaml.Node) (Spec, bool) {
	before := len(p.errs)
	s := Spec{Line: n.Line, Timeout: DefaultTimeout, DryRun: true}
	f := p.fields(n, "a command", commandKeys...)
	if n.Kind != yaml.MappingNode {
		return s, false
	}
	s.lines = map[string]int{}
	for k, v := range f {
		s.lines[k] = v.Line
	}
	s.Pattern = p.required(f, n, "pattern")
	s.Description = p.required(f, n, "description")
	s.Endpoint = p.required(f, n, "endpoint")
	s.SecretEnv = p.required(f, n, "secret_env")
	s.Group = p.scalar(f["group"], "group")
	s.Permission = p.scalar(f["permission"], "permission")
	s.ApprovalPermission = p.scalar(f["approval_permission"], "approval_permission")
	if s.Pattern != "" {
		if _, err := pattern.Compile(s.Pattern); err != nil {
			p.errorf(f["pattern"].Line, "%v", err)
		}
	}
	if v := f["description"]; s.Description != "" && strings.TrimSpace(s.Description) == "" {
		p.errorf(v.Line, "description is blank: help shows it")
	}
	for _, key := range []string{"permission", "approval_permission"} {
		if v := f[key]; v != nil && v.Value != "" && !permissionN.MatchString(v.Value) {
			p.errorf(v.Line, "%s %q is not a permission name (e.g. REFUND_INVOICE)", key, v.Value)
		}
	}
	s.Channels = p.channels(f["channels"])
	s.Approvals = p.approvals(f["approvals"])
	s.Risk = p.risk(f["risk"])
	if s.Endpoint != "" {
		s.endpoint = p.endpoint(f["endpoint"])
	}
	if v := f["secret_env"]; s.SecretEnv != "" && !envName.MatchString(s.SecretEnv) {
		p.errorf(v.Line, "secret_env %q is not an environment variable name (e.g. BILLING_BASTION_SECRET)", s.SecretEnv)
	}
	if v := f["timeout"]; v != nil {
		s.Timeout = p.timeout(v)
	}
	if v := f["dry_run"]; v != nil {
		if err := v.Decode(&s.DryRun); err != nil || v.Kind != yaml.ScalarNode {
			p.errorf(v.Line, "dry_run must be true or false")
		}
	}
	return s, len(p.errs) == before
}

// fields returns the keys of a mapping node, reporting unknown and
// repeated keys and a node that is not a mapping.
func (p *parser) fields(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, "%s must be a mapping of keys (%s)", what, strings.Join(allowed, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !contains(allowed, k.Value):
			p.errorf(k.Line, "%s: unknown key %q (allowed: %s)", what, k.Value, strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			p.errorf(k.Line, "%s: key %q given twice", what, k.Value)
		default:
			out[k.Value] = v
		}
	}
	return out
}

// required returns a key's single value, reporting it missing or empty.
func (p *parser) required(f map[string]*yaml.Node, n *yaml.Node, key string) string {
	v, ok := f[key]
	if !ok {
		p.errorf(n.Line, "the command has no %s", key)
		return ""
	}
	s := p.scalar(v, key)
	if s == "" && v.Kind == yaml.ScalarNode {
		p.errorf(v.Line, "%s is empty", key)
	}
	return s
}

// scalar returns a scalar's value, reporting other node kinds.
func (p *parser) scalar(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n.Line, "%s must be a single value", what)
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func (p *parser) channels(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n.Line, "channels must be a list of channel ids, e.g. [C0123ABC]")
		return nil
	}
	var out []string
	for _, item := range n.Content {
		v := p.scalar(item, "a channel")
		switch {
		case item.Kind != yaml.ScalarNode:
		case !channelID.MatchString(v):
			p.errorf(item.Line, "channel %q is not a channel id (want e.g. C0123ABC, not #name)", v)
		case contains(out, v):
			p.errorf(item.Line, "channel %s is listed twice", v)
		default:
			out = append(out, v)
		}
	}
	if len(n.Content) == 0 {
		p.errorf(n.Line, "channels is an empty list: leave it out to allow every channel")
	}
	return out
}

func (p *parser) approvals(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	var v int
	if err := n.Decode(&v); err != nil || n.Kind != yaml.ScalarNode || v < 0 || v > MaxApprovals {
		p.errorf(n.Line, "approvals must be a whole number from 0 to %d", MaxApprovals)
		return 0
	}
	return v
}

func (p *parser) risk(n *yaml.Node) bot.Risk {
	v := p.scalar(n, "risk")
	switch v {
	case "":
		if n != nil && n.Kind == yaml.ScalarNode {
			p.errorf(n.Line, "risk is empty: want safe, sensitive or destructive")
		}
		return 0
	case "safe":
		return bot.Safe
	case "sensitive":
		return bot.Sensitive
	case "destructive":
		return bot.Destructive
	}
	p.errorf(n.Line, "risk %q is not safe, sensitive or destructive", v)
	return 0
}

// endpoint parses an http(s) URL without credentials or fragment.
func (p *parser) endpoint(n *yaml.Node) *url.URL {
	raw := n.Value
	if len(raw) > maxEndpointLength {
		p.errorf(n.Line, "endpoint is %d bytes long, the limit is %d", len(raw), maxEndpointLength)
		return nil
	}
	u, err := url.Parse(raw)
	var why string
	switch {
	case err != nil:
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		why = err.Error()
	case u.Scheme != "http" && u.Scheme != "https":
		why = "want an http:// or https:// URL"
	case u.Host == "" || u.Hostname() == "":
		why = "it names no host"
	case u.User != nil:
		why = "it carries credentials: they would travel with every call and show in logs; the signature authenticates Bastion"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		why = "it has a #fragment, which is never sent"
	case u.Opaque != "":
		why = "want an absolute URL such as https://billing.internal/bastion/refund"
	}
	if why != "" {
		shown := raw
		if u != nil && u.User != nil {
			shown = u.Redacted()
		}
		p.errorf(n.Line, "endpoint %q: %s", clip(shown, 200), why)
		return nil
	}
	return u
}

func (p *parser) timeout(n *yaml.Node) time.Duration {
	v := p.scalar(n, "timeout")
	d, err := time.ParseDuration(v)
	switch {
	case n.Kind != yaml.ScalarNode:
	case err != nil:
		p.errorf(n.Line, "timeout %q is not a duration (e.g. 10s, 1m)", v)
	case d <= 0 || d > MaxTimeout:
		p.errorf(n.Line, "timeout %s is out of range: want more than 0 and at most %s", d, MaxTimeout)
	default:
		return d
	}
	return DefaultTimeout
}

// yamlErrorLine pulls the line number out of a yaml.v3 syntax error.
func yamlErrorLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr == nil {
		return line
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
