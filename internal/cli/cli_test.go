package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/internal/app"
	"github.com/bastionhq/bastion/internal/config"
)

// runCLI runs the bastion command in-process against db and returns its
// output and exit code.
func runCLI(t *testing.T, db, stdin string, args ...string) (string, int) {
	t.Helper()
	out, errOut, err := execute(t, nil, stdin, append([]string{"--db", db}, args...)...)
	var exit exitError
	switch {
	case errors.As(err, &exit):
		return out + errOut + exit.msg, exit.code
	case err != nil:
		return out + err.Error(), 2
	}
	return out, 0
}

// execute runs the bastion command line in-process with args, reading
// the environment from env only, and returns its output, its error
// output and its error.
func execute(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(app.Options{}, app.IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut}, func(k string) string { return env[k] })
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func demoDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "bastion.db")
	if out, code := runCLI(t, db, "", "demo-data"); code != 0 {
		t.Fatalf("demo-data: %d %s", code, out)
	}
	return db
}

func TestCheckExitCodes(t *testing.T) {
	db := demoDB(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--team", "T1", "--user", "UCHANADMIN", "--entity", "C4", "--permission", "ARCHIVE_CHANNEL", "--explain"}, 0, "role CHANNELS_ADMIN on E1 grants ARCHIVE_CHANNEL"},
		{[]string{"--team", "T1", "--user", "UMCGUEST", "--entity", "C1", "--action", "channel.archive", "--explain"}, 1, "deny_if_actor_restricted"},
		{[]string{"--team", "T1", "--user", "UMEMBER", "--entity", "C1", "--permission", "NOPE"}, 2, "DENY NOPE"},
		{[]string{"--team", "T1", "--user", "UMEMBER", "--entity", "C404", "--permission", "ARCHIVE_CHANNEL"}, 2, "entity C404 is not known"},
		{[]string{"--team", "T1", "--user", "U 1", "--entity", "C1", "--permission", "ARCHIVE_CHANNEL"}, 2, "invalid request"},
	} {
		out, code := runCLI(t, db, "", append([]string{"check"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("check %v: exit %d, output %q; want exit %d containing %q", tc.args, code, out, tc.code, tc.want)
		}
	}
}

func TestAssignRevokeAndAudit(t *testing.T) {
	db := demoDB(t)
	args := []string{"--team", "T1", "--user", "UMEMBER", "--entity", "C2", "--permission", "ARCHIVE_CHANNEL"}
	if _, code := runCLI(t, db, "", append([]string{"check"}, args...)...); code != 1 {
		t.Fatalf("before assign: exit %d, want 1", code)
	}
	if out, code := runCLI(t, db, "", "assign", "--user", "UMEMBER", "--role", "CHANNELS_ADMIN", "--entity", "T1", "--actor", "UPRIMARY"); code != 0 {
		t.Fatalf("assign: %d %s", code, out)
	}
	if _, code := runCLI(t, db, "", append([]string{"check"}, args...)...); code != 0 {
		t.Fatalf("after assign: exit %d, want 0", code)
	}
	if out, code := runCLI(t, db, "", "assignments", "--role", "CHANNELS_ADMIN"); code != 0 || !strings.Contains(out, "UMEMBER") {
		t.Fatalf("assignments: %d %s", code, out)
	}
	if out, code := runCLI(t, db, "", "revoke", "--user", "UMEMBER", "--role", "CHANNELS_ADMIN", "--entity", "T1", "--actor", "UPRIMARY"); code != 0 {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if _, code := runCLI(t, db, "", append([]string{"check"}, args...)...); code != 1 {
		t.Fatalf("after revoke: exit %d, want 1", code)
	}
	out, code := runCLI(t, db, "", "audit", "--actor", "UPRIMARY")
	if code != 0 || !strings.Contains(out, "assignment.add") || !strings.Contains(out, "assignment.remove") {
		t.Fatalf("audit: %d %s", code, out)
	}
}

func TestCheckBatchMixesAllowAndDeny(t *testing.T) {
	db := demoDB(t)
	in := `{"team_id":"T1","user_id":"UADMIN","entity_id":"C1","action":"channel.archive"}
{"team_id":"T1","user_id":"UMEMBER","entity_id":"C2","permissions":["ARCHIVE_CHANNEL"]}

{"team_id":"T1","user_id":"UCHANADMIN","entity_id":"C4","permissions":["ARCHIVE_CHANNEL","RENAME_CHANNEL"]}
`
	out, code := runCLI(t, db, in, "check", "--batch", "-")
	if code != 0 {
		t.Fatalf("batch: exit %d: %s", code, out)
	}
	var got []checkOutput
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var o checkOutput
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, o)
	}
	if len(got) != 3 || !got[0].Allowed || got[1].Allowed || !got[2].Allowed || len(got[2].Decisions) != 2 {
		t.Fatalf("batch answers = %+v", got)
	}
	out, code = runCLI(t, db, "{\"team_id\":\"T1\"\nnot json\n", "check", "--batch", "-")
	if code != 2 || strings.Count(out, `"error"`) != 2 {
		t.Fatalf("bad batch: exit %d, %s", code, out)
	}
}

func TestModelCommands(t *testing.T) {
	db := demoDB(t)
	steps := [][]string{
		{"entity", "upsert", "--id", "C7", "--type", "channel", "--parent", "T1"},
		{"channel", "set-creator", "--channel", "C7", "--user", "UMEMBER"},
		{"user", "set-type", "--team", "T1", "--user", "UNEW", "--type", "member"},
	}
	for _, s := range steps {
		if out, code := runCLI(t, db, "", s...); code != 0 {
			t.Fatalf("%v: %d %s", s, code, out)
		}
	}
	if _, code := runCLI(t, db, "", "check", "--team", "T1", "--user", "UMEMBER", "--entity", "C7", "--action", "channel.archive"); code != 0 {
		t.Fatalf("creator of C7 denied: %d", code)
	}
	if _, code := runCLI(t, db, "", "check", "--team", "T1", "--user", "UNEW", "--entity", "C7", "--action", "channel.archive"); code != 1 {
		t.Fatalf("plain member allowed to archive: %d", code)
	}
	if out, code := runCLI(t, db, "", "team", "set-prefs", "--team", "T1", "--json", `{"who_can_archive_channels":"member"}`); code != 0 {
		t.Fatalf("set-prefs: %d %s", code, out)
	}
	if _, code := runCLI(t, db, "", "check", "--team", "T1", "--user", "UNEW", "--entity", "C7", "--action", "channel.archive"); code != 0 {
		t.Fatalf("member denied after the preference admits members: %d", code)
	}
	if out, code := runCLI(t, db, "", "entity", "upsert", "--id", "C8", "--type", "channel", "--parent", "E1"); code == 0 || !strings.Contains(out, "cannot have a enterprise parent") {
		t.Fatalf("channel under an enterprise: %d %s", code, out)
	}
	if out, code := runCLI(t, db, "", "team", "set-prefs", "--team", "T1", "--json", `{"x": 1}`); code == 0 || !strings.Contains(out, "string values") {
		t.Fatalf("non-string preference: %d %s", code, out)
	}
}

func TestRolesCommands(t *testing.T) {
	db := demoDB(t)
	if out, code := runCLI(t, db, "", "roles", "list"); code != 0 || !strings.Contains(out, "ROLES_ADMIN") {
		t.Fatalf("roles list: %d %s", code, out)
	}
	if out, code := runCLI(t, db, "", "roles", "show", "CHANNELS_ADMIN"); code != 0 || !strings.Contains(out, "ARCHIVE_CHANNEL") {
		t.Fatalf("roles show: %d %s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "roles.yaml")
	writeFile(t, bad, "entity_types:\n  - name: channel\npermissions:\n  - name: P\n    applies_to: [channel]\nroles:\n  - name: R\n    permissions: [Q]\n")
	if out, code := runCLI(t, db, "", "roles", "validate", bad); code != 1 || !strings.Contains(out, "roles.yaml:8: role R: unknown permission Q") {
		t.Fatalf("roles validate: %d %s", code, out)
	}
}

// The generated files committed in this repository match roles.yaml.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	out, code := runCLI(t, filepath.Join(t.TempDir(), "x.db"), "", "gen", "--check", "--out", "../..")
	if code != 0 {
		t.Fatalf("bastion gen --check: %d %s", code, out)
	}
}

func TestBenchCheckRunsAgainstAnInProcessServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	for _, mode := range []string{"authoritative", "cached", "local"} {
		out, code := runCLI(t, db, "", "bench", "check", "--assignments", "2000", "--clients", "4", "--duration", "300ms", "--mode", mode)
		if code != 0 || !strings.Contains(out, "checks/s") || !strings.Contains(out, " 0 errors") {
			t.Fatalf("bench check --mode %s: exit %d\n%s", mode, code, out)
		}
	}
}

// Help never prints a secret, however the environment is set: it shows
// built-in defaults only.
func TestHelpNeverPrintsASecret(t *testing.T) {
	env := map[string]string{}
	cfg := config.Default()
	for _, s := range cfg.Settings() {
		env[s.Env] = "mysql://user:s3cr3t@db:3306/bastion"
	}
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"dev", "--help"}, {"shell", "--help"},
		{"check", "--help"}, {"slack", "backfill-scopes", "--help"}} {
		out, errOut, err := execute(t, env, "", args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if strings.Contains(out+errOut, "s3cr3t") || !strings.Contains(out, `--db string`) || !strings.Contains(out, "(env BASTION_DB)") {
			t.Errorf("bastion %v prints a secret or lacks --db:\n%s", args, out+errOut)
		}
	}
	out, _, _ := execute(t, env, "", "serve", "--help")
	for _, want := range []string{"--slack-bot-token string", "(env SLACK_BOT_TOKEN)", "--api-key strings", "--nats-url string"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
}

// serve refuses a configuration it cannot run with, before opening
// anything, with exit code 2 and a message naming the setting; older flag
// names still work.
func TestServeRefusesABadConfiguration(t *testing.T) {
	db := filepath.Join(t.TempDir(), "b.db")
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "no API key"},
		{map[string]string{"BASTION_API_KEYS": "k", "SLACK_BOT_TOKEN": "xoxb-1"}, nil, "neither SLACK_SIGNING_SECRET"},
		{map[string]string{"BASTION_API_KEYS": "k"}, []string{"--queue", "redis://q"}, `--nats-url "redis://q": want nats://host:port`},
		{map[string]string{"BASTION_API_KEYS": "k", "BASTION_BOT_WORKERS": "many"}, nil, `BASTION_BOT_WORKERS="many": want a whole number`},
		{map[string]string{"BASTION_API_KEYS": "k", "BASTION_COMMANDS": "commands.yaml"}, nil, "the Slack bot that would serve its commands is not"},
	} {
		out, errOut, err := execute(t, c.env, "", append([]string{"--db", db, "serve", "--addr", "127.0.0.1:0"}, c.args...)...)
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("serve %v %v: exit %d, %q; want 2 with %q\n%s%s", c.env, c.args, code, stderr.String(), c.want, out, errOut)
		}
	}
}
