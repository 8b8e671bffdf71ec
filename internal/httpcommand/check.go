package httpcommand

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/bot/pattern"
	"github.com/bastionhq/bastion/internal/router"
)

// check validates the parsed commands against the environment:
// permissions, overlaps and secrets.
func (p *parser) check(specs []Spec) {
	type placed struct {
		p    *pattern.Pattern
		what string
	}
	var taken []placed
	for _, c := range p.env.Registered {
		if cp, err := pattern.Compile(c.Pattern); err == nil {
			what := "the command `" + c.Usage() + "`"
			if c.Group != "" {
				what += " (" + c.Group + ")"
			}
			taken = append(taken, placed{p: cp, what: what})
		}
	}
	for i := range specs {
		s := &specs[i]
		if cp, err := pattern.Compile(s.Pattern); err == nil { // a bad pattern is reported by the parser
			for _, t := range taken {
				if pattern.Overlap(cp, t.p) {
					p.errorf(s.line("pattern"), "pattern %q can match the same messages as %s: add a distinguishing word", s.Pattern, t.what)
					break
				}
			}
			taken = append(taken, placed{p: cp, what: fmt.Sprintf("the command on line %d", s.Line)})
		}
		p.permission(s.line("permission"), "permission", s.Permission)
		p.permission(s.line("approval_permission"), "approval_permission", s.ApprovalPermission)
		p.secret(s)
	}
	if len(p.errs) == 0 {
		p.registers(specs)
	}
}

// permission reports a permission the roles file does not declare or
// that cannot be checked on a channel.
func (p *parser) permission(line int, key, name string) {
	if !permissionN.MatchString(name) {
		return // empty, or reported by the parser
	}
	roles := p.env.RolesFile
	if roles == "" {
		roles = "the built-in roles file"
	}
	perm, ok := p.env.Catalog.Permissions[name]
	if !ok {
		p.errorf(line, "%s %s is not declared in %s: add it there (see \"Adding a permission\") or run with --roles", key, name, roles)
		return
	}
	if !slices.Contains(perm.AppliesTo, "channel") {
		p.errorf(line, "%s %s applies to %s, not to channels: commands are authorized on the channel they are used in",
			key, name, strings.Join(perm.AppliesTo, ", "))
	}
}

// secret reads the command's signing secret from the environment, unless
// the environment skips secrets.
func (p *parser) secret(s *Spec) {
	if !envName.MatchString(s.SecretEnv) || p.env.SkipSecrets {
		return // reported by the parser, or not read
	}
	v := p.env.Getenv(s.SecretEnv)
	switch {
	case v == "":
		with := "the endpoint"
		if s.endpoint != nil {
			with = s.endpoint.Host
		}
		p.errorf(s.line("secret_env"), "secret_env %s is not set: it must hold the signing secret shared with %s", s.SecretEnv, with)
	case len(v) < MinSecretLength:
		p.errorf(s.line("secret_env"), "secret_env %s holds a secret of %d bytes: use at least %d random bytes (e.g. openssl rand -hex 32)",
			s.SecretEnv, len(v), MinSecretLength)
	default:
		s.secret = &signingKey{key: v}
	}
}

// registers registers the commands on a scratch router, so that whatever
// the router would refuse at start is reported now.
func (p *parser) registers(specs []Spec) {
	r := router.New(router.Options{})
	for _, s := range specs {
		c := s.command(noHandler, nil)
		if err := r.Register(c); err != nil {
			p.errorf(s.line("pattern"), "%v", err)
		}
	}
}

// noHandler stands in for the handler when only the shape of a command is
// checked.
func noHandler(context.Context, *bot.Request) error { return nil }
