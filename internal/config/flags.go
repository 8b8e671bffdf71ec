package config

import (
	"fmt"

	"github.com/spf13/pflag"
)

// Register adds the settings of c in scope to fs as flags bound to c's
// fields. Their defaults are c's values at this moment: register a
// Default configuration, then call ApplyEnv after parsing.
func (c *Config) Register(fs *pflag.FlagSet, scope Scope) {
	for _, s := range c.Settings() {
		if s.Scope&scope == 0 || fs.Lookup(s.Flag) != nil {
			continue
		}
		usage := s.Usage + " (env " + s.Env + ")"
		if s.HelpDefault != "" {
			usage = s.Usage + "; default " + s.HelpDefault + " (env " + s.Env + ")"
		}
		f := fs.VarPF(flagValue{s}, s.Flag, "", usage)
		f.DefValue = s.Value()
		if s.HelpDefault != "" {
			f.DefValue = "" // the usage gives it
		}
		if s.Kind() == "bool" {
			f.NoOptDefVal = "true"
		}
	}
}

// ApplyEnv sets each setting of c that has a flag in fs from its
// environment variable (read with getenv), unless the flag was given on
// the command line; a list setting's variable adds to its flags. A value
// that does not parse is an error naming the variable. Afterwards
// fs.Changed tells whether a setting came from either.
func (c *Config) ApplyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	for _, s := range c.Settings() {
		f := fs.Lookup(s.Flag)
		v := getenv(s.Env)
		if f == nil || v == "" || f.Changed && !s.List {
			continue
		}
		if err := s.set(v); err != nil {
			if s.Secret {
				return fmt.Errorf("%s: %w", s.Env, err)
			}
			return fmt.Errorf("%s=%q: %w", s.Env, v, err)
		}
		f.Changed = true
	}
	return nil
}

// flagValue is a setting as a pflag.Value.
type flagValue struct{ s Setting }

func (v flagValue) String() string { return v.s.Value() }

func (v flagValue) Set(text string) error {
	if err := v.s.set(text); err != nil {
		return err
	}
	return nil
}

func (v flagValue) Type() string {
	if k := v.s.Kind(); k != "list" {
		return k
	}
	return "strings"
}
