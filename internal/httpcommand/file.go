package httpcommand

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot"
)

// Limits and defaults of a commands file.
const (
	// MaxFileSize bounds a commands file.
	MaxFileSize = 1 << 20
	// MaxCommands bounds the commands of one file.
	MaxCommands = 500
	// DefaultTimeout bounds a call to an endpoint when the file gives none.
	DefaultTimeout = 10 * time.Second
	// MaxTimeout is the longest timeout a command may set.
	MaxTimeout = 5 * time.Minute
	// MinSecretLength is the shortest signing secret accepted, in bytes.
	MinSecretLength = 16
	// MaxApprovals bounds a command's approvals.
	MaxApprovals = 20
	// maxEndpointLength bounds an endpoint URL.
	maxEndpointLength = 2048
)

// File is a parsed and checked commands file.
type File struct {
	// Name labels the file in messages (its path).
	Name string
	// Commands are the file's commands, in file order.
	Specs []Spec
	// SecretsSkipped is set when the file was checked with
	// Environment.SkipSecrets: its signing secrets were not read, and
	// Commands refuses to serve it.
	SecretsSkipped bool
}

// Spec is one command declared in the file.
type Spec struct {
	// Line is where the command starts in the file.
	Line int
	// Pattern, Description, Group, Channels, Permission,
	// ApprovalPermission, Approvals and Risk mean what they mean in
	// bot.Command.
	Pattern            string
	Description        string
	Group              string
	Channels           []string
	Permission         string
	ApprovalPermission string
	Approvals          int
	Risk               bot.Risk
	// Endpoint is the URL the command is POSTed to.
	Endpoint string
	// SecretEnv names the environment variable holding the endpoint's
	// signing secret.
	SecretEnv string
	// Timeout bounds each call to the endpoint (DefaultTimeout when the
	// file gives none).
	Timeout time.Duration
	// DryRun says whether the endpoint answers dry runs; they are asked
	// for when the command needs approvals (default true).
	DryRun bool

	endpoint *url.URL
	// lines holds the line of each key given.
	lines map[string]int
	// secret is a pointer so that printing a Spec shows an address, never
	// the key.
	secret *signingKey
}

// signingKey holds an endpoint's secret.
type signingKey struct{ key string }

// String hides the key.
func (*signingKey) String() string { return "[secret]" }

// GoString hides the key.
func (*signingKey) GoString() string { return "[secret]" }

// line is the line of key, or of the command when the key is absent.
func (s *Spec) line(key string) int {
	if l := s.lines[key]; l > 0 {
		return l
	}
	return s.Line
}

// Host is the endpoint's host, for messages.
func (s *Spec) Host() string { return s.endpoint.Host }

// Environment is what a file is checked against: the roles file in use,
// the commands served beside it and the process's environment variables.
type Environment struct {
	// Catalog is the roles file in use: each permission a command names
	// must be declared there and apply to channels. Required.
	Catalog *authz.Catalog
	// RolesFile names the roles file in messages ("the built-in roles
	// file" when empty).
	RolesFile string
	// Registered are the commands served beside the file's (help, the
	// built-in commands, a team's Go commands): a file command must not
	// match the same messages as any of them.
	Registered []bot.Command
	// Getenv reads the signing secrets (os.Getenv when nil).
	Getenv func(string) string
	// SkipSecrets checks everything but the signing secrets: secret_env
	// must still name an environment variable, whose value is not read
	// (set or not). For checking a file where the secrets are absent, as
	// in CI; the File it gives cannot be served.
	SkipSecrets bool
}

// Load reads the commands file at path and checks it against env (see
// Parse).
func Load(path string, env Environment) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read commands file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read commands file %s: %w", path, err)
	}
	return Parse(path, data, env)
}

// Parse parses a commands file and checks everything a command needs to
// run: its pattern, that it overlaps neither another command of the file
// nor env.Registered, that its permissions are declared, its endpoint is
// an http(s) URL and its signing secret is set. name labels the errors.
// On failure the error is an Errors listing every problem with its line;
// no command of a file with a problem is usable.
func Parse(name string, data []byte, env Environment) (*File, error) {
	if env.Catalog == nil {
		return nil, fmt.Errorf("check commands file %s: no roles catalog to check permissions against", name)
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	p := &parser{file: name, env: env}
	specs := p.document(data)
	p.check(specs)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b LineError) int { return cmp.Compare(a.Line, b.Line) })
		return nil, p.errs
	}
	return &File{Name: name, Specs: specs, SecretsSkipped: env.SkipSecrets}, nil
}

// LineError is one problem in a commands file.
type LineError struct {
	File string
	// Line is 0 when the problem has no line (the file is too large).
	Line int
	Msg  string
}

// Error formats the problem as FILE:LINE: MSG.
func (e LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every problem found in a commands file, in file order.
type Errors []LineError

// Error lists the problems, one a line.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}
