package httpcommand_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/builtin"
	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/store/httpcommandsql"
	"github.com/bastionhq/bastion/store/storetest"
)

const testSecret = "0123456789abcdef0123456789abcdef"

// testEnv checks files against the built-in roles file, with the built-in
// commands registered and the signing secret in TEST_SECRET.
func testEnv(t testing.TB) httpcommand.Environment {
	t.Helper()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	r := router.New(router.Options{})
	if err := r.Register(builtin.Commands(nil, nil)...); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TEST_SECRET": testSecret, "SHORT_SECRET": "tiny"}
	return httpcommand.Environment{Catalog: cat, Registered: r.Commands(), Getenv: func(k string) string { return env[k] }}
}

const goodFile = `# Billing's commands.
commands:
  - pattern: refund <invoice> <amount:int> cents
    description: Refund part of an invoice.
    channels: [C0BACKOFFICE]
    permission: SET_PLAN
    risk: destructive
    endpoint: https://billing.internal/bastion/refund
    secret_env: TEST_SECRET

  - pattern: invoice <invoice> status
    description: Show an invoice.
    group: Billing
    approvals: 1
    approval_permission: VIEW_ACCOUNT
    endpoint: http://127.0.0.1:9000/status?v=2
    secret_env: TEST_SECRET
    timeout: 2s
    dry_run: false
`

func TestParseReadsEveryField(t *testing.T) {
	f, err := httpcommand.Parse("commands.yaml", []byte(goodFile), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Specs) != 2 {
		t.Fatalf("%d commands", len(f.Specs))
	}
	a, b := f.Specs[0], f.Specs[1]
	if a.Line != 3 || a.Pattern != "refund <invoice> <amount:int> cents" || a.Permission != "SET_PLAN" || a.Risk != bot.Destructive ||
		len(a.Channels) != 1 || a.Channels[0] != "C0BACKOFFICE" || a.Timeout != httpcommand.DefaultTimeout || !a.DryRun ||
		a.Host() != "billing.internal" || a.SecretEnv != "TEST_SECRET" {
		t.Errorf("first command: %+v", a)
	}
	if b.Line != 11 || b.Group != "Billing" || b.Approvals != 1 || b.ApprovalPermission != "VIEW_ACCOUNT" || b.Risk != 0 ||
		b.Timeout != 2*time.Second || b.DryRun || b.Host() != "127.0.0.1:9000" || len(b.Channels) != 0 {
		t.Errorf("second command: %+v", b)
	}
}

// Every problem is reported with the line it is on, all at once.
func TestParseErrorsNameTheLine(t *testing.T) {
	env := testEnv(t)
	for name, c := range map[string]struct {
		file string
		want []string // "LINE: text" fragments
	}{
		"yaml syntax":          {"commands:\n  - pattern: [unclosed\n", []string{":1: did not find expected ',' or ']'"}},
		"empty":                {"", []string{":1: file is empty"}},
		"no commands":          {"other: 1\n", []string{`:1: the file: unknown key "other"`, ":1: the file has no `commands:` list"}},
		"not a list":           {"commands: 5\n", []string{":1: `commands` must be a list"}},
		"not a mapping":        {"commands:\n  - refund\n", []string{":2: a command must be a mapping"}},
		"unknown key":          {cmd("refund <x>", "  colour: red\n"), []string{`:6: a command: unknown key "colour"`}},
		"repeated key":         {cmd("refund <x>", "  risk: safe\n  risk: safe\n"), []string{`:7: a command: key "risk" given twice`}},
		"missing fields":       {"commands:\n  - pattern: refund <x>\n", []string{":2: the command has no description", ":2: the command has no endpoint", ":2: the command has no secret_env"}},
		"bad pattern":          {cmd("refund <x", ""), []string{`:2: pattern "refund <x"`}},
		"bad placeholder type": {cmd("refund <x:money>", ""), []string{":2: ", "money"}},
		"blank description":    {strings.Replace(cmd("refund <x>", ""), "Refund.", `"  "`, 1), []string{":3: description is blank"}},
		"bad channel":          {cmd("refund <x>", "  channels: [\"#backoffice\", C1, C1]\n"), []string{`:6: channel "#backoffice" is not a channel id`, ":6: channel C1 is listed twice"}},
		"empty channels":       {cmd("refund <x>", "  channels: []\n"), []string{":6: channels is an empty list"}},
		"channels not a list":  {cmd("refund <x>", "  channels: C1\n"), []string{":6: channels must be a list"}},
		"bad risk":             {cmd("refund <x>", "  risk: high\n"), []string{`:6: risk "high" is not safe, sensitive or destructive`}},
		"bad approvals":        {cmd("refund <x>", "  approvals: -1\n"), []string{":6: approvals must be a whole number from 0 to 20"}},
		"approvals not number": {cmd("refund <x>", "  approvals: two\n"), []string{":6: approvals must be a whole number"}},
		"bad timeout":          {cmd("refund <x>", "  timeout: 10\n"), []string{`:6: timeout "10" is not a duration`}},
		"timeout too long":     {cmd("refund <x>", "  timeout: 1h\n"), []string{":6: timeout 1h0m0s is out of range"}},
		"bad dry_run":          {cmd("refund <x>", "  dry_run: maybe\n"), []string{":6: dry_run must be true or false"}},
		"permission syntax":    {cmd("refund <x>", "  permission: refund invoices\n"), []string{`:6: permission "refund invoices" is not a permission name`}},
		"unknown permission":   {cmd("refund <x>", "  permission: REFUND_INVOICE\n"), []string{":6: permission REFUND_INVOICE is not declared in the built-in roles file"}},
		"unknown approval permission": {cmd("refund <x>", "  approval_permission: APPROVE_REFUNDS\n"),
			[]string{":6: approval_permission APPROVE_REFUNDS is not declared"}},
		"permission not on channels": {cmd("refund <x>", "  permission: CREATE_PRIVATE_CHANNEL\n"),
			[]string{":6: permission CREATE_PRIVATE_CHANNEL applies to workspace, not to channels"}},
		"ftp url":                 {strings.Replace(cmd("refund <x>", ""), "https://billing.internal/refund", "ftp://billing.internal/x", 1), []string{`:4: endpoint "ftp://billing.internal/x": want an http:// or https:// URL`}},
		"relative url":            {strings.Replace(cmd("refund <x>", ""), "https://billing.internal/refund", "/refund", 1), []string{":4: endpoint \"/refund\": want an http:// or https:// URL"}},
		"no host":                 {strings.Replace(cmd("refund <x>", ""), "https://billing.internal/refund", "https:///refund", 1), []string{":4: endpoint \"https:///refund\": it names no host"}},
		"credentials":             {strings.Replace(cmd("refund <x>", ""), "https://billing.internal/refund", "https://u:hunter2@billing.internal/r", 1), []string{":4: ", "it carries credentials", "u:xxxxx@"}},
		"fragment":                {strings.Replace(cmd("refund <x>", ""), "https://billing.internal/refund", "https://billing.internal/r#x", 1), []string{":4: ", "#fragment"}},
		"unparsable url":          {strings.Replace(cmd("refund <x>", ""), "https://billing.internal/refund", "https://bil ling/%zz", 1), []string{":4: endpoint"}},
		"secret env name":         {strings.Replace(cmd("refund <x>", ""), "TEST_SECRET", "not-a-name", 1), []string{`:5: secret_env "not-a-name" is not an environment variable name`}},
		"secret missing":          {strings.Replace(cmd("refund <x>", ""), "TEST_SECRET", "UNSET_SECRET", 1), []string{":5: secret_env UNSET_SECRET is not set: it must hold the signing secret shared with billing.internal"}},
		"secret short":            {strings.Replace(cmd("refund <x>", ""), "TEST_SECRET", "SHORT_SECRET", 1), []string{":5: secret_env SHORT_SECRET holds a secret of 4 bytes: use at least 16"}},
		"overlap with a built-in": {cmd("whoami", ""), []string{":2: pattern \"whoami\" can match the same messages as the command `whoami` (Permissions)"}},
		"overlap with help":       {cmd("help <topic>", ""), []string{":2: ", "help"}},
		"overlap in the file": {cmd("refund <x>", "") + strings.TrimPrefix(cmd("refund <invoice:word>", ""), "commands:\n"),
			[]string{":6: pattern \"refund <invoice:word>\" can match the same messages as the command on line 2"}},
		"too large": {strings.Repeat("#", httpcommand.MaxFileSize+1), []string{"commands.yaml: file is larger than"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := httpcommand.Parse("commands.yaml", []byte(c.file), env)
			var errs httpcommand.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse = %v; want Errors", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("errors show a password: %v", err)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), "commands.yaml"+want) && !strings.Contains(err.Error(), want) {
					t.Errorf("errors lack %q:\n%v", want, err)
				}
				if strings.HasPrefix(want, ":") && !strings.Contains(err.Error(), "commands.yaml"+want) {
					t.Errorf("errors lack %q with the file's name:\n%v", want, err)
				}
			}
		})
	}
}

// cmd is a valid file of one command with pattern, plus extra lines
// (from line 6 on).
func cmd(pattern, extra string) string {
	return fmt.Sprintf(`commands:
- pattern: %s
  description: Refund.
  endpoint: https://billing.internal/refund
  secret_env: TEST_SECRET
%s`, pattern, extra)
}

// The fixtures above are valid but for what each test changes.
func TestParseFixtureIsValid(t *testing.T) {
	if _, err := httpcommand.Parse("commands.yaml", []byte(cmd("refund <x>", "  risk: safe\n")), testEnv(t)); err != nil {
		t.Fatal(err)
	}
}

func TestParseNeedsACatalog(t *testing.T) {
	env := testEnv(t)
	env.Catalog = nil
	if _, err := httpcommand.Parse("commands.yaml", []byte(goodFile), env); err == nil || !strings.Contains(err.Error(), "no roles catalog") {
		t.Fatalf("Parse without a catalog = %v", err)
	}
}

// A parsed file printed in any way never shows a signing secret.
func TestFileNeverShowsItsSecret(t *testing.T) {
	f, err := httpcommand.Parse("commands.yaml", []byte(goodFile), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", f), fmt.Sprintf("%+v", *f), fmt.Sprintf("%#v", f.Specs), fmt.Sprint(f.Specs[0])} {
		if strings.Contains(s, testSecret) || strings.Contains(s, "0123456789abcdef") {
			t.Fatalf("printed file shows the secret: %s", s)
		}
	}
}

func TestRequestIDIsStableAndStartsWithTheApprovalID(t *testing.T) {
	id := httpcommand.RequestID("T1", "C1", "1712345678.000100")
	if len(id) != 32 || id != httpcommand.RequestID("T1", "C1", "1712345678.000100") {
		t.Fatalf("request id %q is not 32 stable characters", id)
	}
	if !strings.HasPrefix(id, approval.ID("T1", "C1", "1712345678.000100")) {
		t.Fatalf("request id %s does not start with the approval id %s", id, approval.ID("T1", "C1", "1712345678.000100"))
	}
	for _, other := range []string{httpcommand.RequestID("T1", "C1", "1712345678.000101"), httpcommand.RequestID("T1", "C2", "1712345678.000100"),
		httpcommand.RequestID("T2", "C1", "1712345678.000100")} {
		if other == id {
			t.Fatal("two messages share a request id")
		}
	}
}

// With SkipSecrets a file whose secrets are unset or short is checked for
// everything else, and a bad variable name is still an error; the file
// cannot be served.
func TestParseCanSkipTheSecrets(t *testing.T) {
	env := testEnv(t)
	env.SkipSecrets = true
	unset := strings.ReplaceAll(goodFile, "secret_env: TEST_SECRET", "secret_env: NOT_SET_ANYWHERE")
	short := strings.ReplaceAll(goodFile, "secret_env: TEST_SECRET", "secret_env: SHORT_SECRET")
	ledger, err := httpcommandsql.Open(context.Background(), storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"unset": unset, "short": short} {
		f, err := httpcommand.Parse("commands.yaml", []byte(text), env)
		if err != nil || len(f.Specs) != 2 || !f.SecretsSkipped {
			t.Fatalf("%s secrets, skipped: %+v %v; want the file checked", name, f, err)
		}
		if _, err := f.Commands(httpcommand.Options{Ledger: ledger}); err == nil || !strings.Contains(err.Error(), "without its signing secrets") {
			t.Fatalf("%s secrets: serving a file checked without them: %v", name, err)
		}
	}
	if _, err := httpcommand.Parse("commands.yaml", []byte(unset), testEnv(t)); err == nil || !strings.Contains(err.Error(), "NOT_SET_ANYWHERE is not set") {
		t.Fatalf("unset secret, not skipped: %v", err)
	}
	bad := strings.Replace(unset, "secret_env: NOT_SET_ANYWHERE", "secret_env: not-a-name", 1)
	bad = strings.Replace(bad, "permission: SET_PLAN", "permission: NOPE", 1)
	_, err = httpcommand.Parse("commands.yaml", []byte(bad), env)
	if err == nil || !strings.Contains(err.Error(), "not-a-name") || !strings.Contains(err.Error(), "NOPE") || strings.Contains(err.Error(), "is not set") {
		t.Fatalf("a bad file, secrets skipped: %v; want the name and permission errors, none about values", err)
	}
}
