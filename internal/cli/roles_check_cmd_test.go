package cli

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/store"
)

// runBastion runs the bastion command in-process with exactly args (no
// --db unless given) and returns stdout, stderr and the exit code.
func runBastion(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	out, errOut, err := execute(t, nil, "", args...)
	var exit exitError
	switch {
	case errors.As(err, &exit):
		return out, errOut + exit.msg, exit.code
	case err != nil:
		return out, errOut + err.Error(), 2
	}
	return out, errOut, 0
}

func TestRolesTestExitCodes(t *testing.T) {
	dir := t.TempDir()
	failing := filepath.Join(dir, "failing.yaml")
	writeFile(t, failing, `entities:
  - {id: T1, type: workspace}
  - {id: C1, type: channel, parent: T1}
accounts:
  T1: {UMIA: member}
tests:
  - permission: ARCHIVE_CHANNEL
    entity: C1
    allow: [UMIA]
`)
	invalid := filepath.Join(dir, "invalid.yaml")
	writeFile(t, invalid, "entities:\n  - {id: T1, type: workspace}\ntests:\n  - permission: FLY\n    entity: T1\n    allow: [U1]\n")
	badRoles := filepath.Join(dir, "roles.yaml")
	writeFile(t, badRoles, "entity_types: [\n")
	builtinTests := filepath.Join("..", "..", "authz", "rolesfile", "roles_test.yaml")
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		out     string
		stderr  string
		notOut  string
		verbose bool
	}{
		{name: "the built-in roles file's tests hold", args: []string{"roles", "test", builtinTests}, out: "expectations, 0 failed"},
		{name: "a failing expectation", args: []string{"roles", "test", builtinTests, failing}, code: 1,
			out: "FAIL " + failing + ":9: permission ARCHIVE_CHANNEL on C1 (team T1): UMIA is allowed\n     deny by default_deny"},
		{name: "verbose lists what holds", args: []string{"roles", "test", "-v", failing}, code: 1, out: "FAIL " + failing + ": 1 expectations, 1 failed"},
		{name: "an invalid test file", args: []string{"roles", "test", invalid, failing}, code: 2,
			stderr: invalid + ":4: unknown permission FLY", out: "INVALID " + invalid},
		{name: "a missing test file", args: []string{"roles", "test", filepath.Join(dir, "nope.yaml")}, code: 2, stderr: "no such file"},
		{name: "an invalid roles file", args: []string{"--roles", badRoles, "roles", "test", builtinTests}, code: 2, stderr: badRoles + ":1:"},
		{name: "tests against another roles file", args: []string{"--roles", writeRoles(t, dir, "VIEW_ACCOUNT, EXTEND_TRIAL, SET_PLAN, DISABLE_USER, VIEW_APPROVALS", "VIEW_ACCOUNT, EXTEND_TRIAL, SET_PLAN, VIEW_APPROVALS"),
			"roles", "test", builtinTests}, code: 1, out: "DISABLE_USER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runBastion(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout containing %q, stderr containing %q", code, out, stderr, tc.code, tc.out, tc.stderr)
			}
		})
	}
}

// writeRoles writes the built-in roles file with one text replaced.
func writeRoles(t *testing.T, dir, old, new string) string {
	t.Helper()
	text := string(rolesfile.Builtin())
	if !strings.Contains(text, old) {
		t.Fatalf("the built-in roles file has no %q", old)
	}
	path := filepath.Join(dir, "edited-roles.yaml")
	writeFile(t, path, strings.Replace(text, old, new, 1))
	return path
}

func TestRolesDiffWithoutADatabase(t *testing.T) {
	dir := t.TempDir()
	edited := writeRoles(t, dir, "  - name: USERS_ADMIN\n", "  - name: MEMBERS_ADMIN\n")
	out, stderr, code := runBastion(t, "roles", "diff", "builtin", edited)
	if code != 0 || !strings.Contains(out, "USERS_ADMIN → MEMBERS_ADMIN: renamed (same permissions)") ||
		!strings.Contains(out, "no case decides differently") || strings.Contains(out, "Who gains") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if _, _, code := runBastion(t, "roles", "diff", "--exit-code", "builtin", edited); code != 1 {
		t.Fatalf("--exit-code with a difference: exit %d, want 1", code)
	}
	if out, _, code := runBastion(t, "roles", "diff", "--exit-code", "builtin", "builtin"); code != 0 || !strings.Contains(out, "declare the same") {
		t.Fatalf("--exit-code without a difference: exit %d\n%s", code, out)
	}
	if _, stderr, code := runBastion(t, "roles", "diff", "builtin", filepath.Join(dir, "missing.yaml")); code != 2 || !strings.Contains(stderr, "no such file") {
		t.Fatalf("a missing file: exit %d, %s", code, stderr)
	}
}

func TestRolesDiffOnTheDemoDatabase(t *testing.T) {
	db := demoDB(t)
	dir := t.TempDir()
	edited := writeRoles(t, dir, "permissions: [ARCHIVE_CHANNEL, RENAME_CHANNEL,", "permissions: [RENAME_CHANNEL,")
	out, stderr, code := runBastion(t, "--db", db, "roles", "diff", "builtin", edited, "--limit", "0")
	// Carl holds CHANNELS_ADMIN on the enterprise, Sam and Sue on T2; Mo holds it
	// on T1 but is a guest there, so he loses nothing.
	for _, want := range []string{
		"role CHANNELS_ADMIN: -ARCHIVE_CHANNEL (4 assignments)",
		"ARCHIVE_CHANNEL lost by 3 users on 2 entities\n    UCHANADMIN on E1 (enterprise)\n    USUPPORT on T2 (workspace)\n    USUPPORT2 on T2 (workspace)\n",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("exit %d, missing %q in:\n%s\nstderr:\n%s", code, want, out, stderr)
		}
	}
	if strings.Contains(out, "UMCGUEST") {
		t.Fatalf("a guest is reported to lose a permission:\n%s", out)
	}
	// BASTION_DB names the database as --db does.
	if out, _, err := execute(t, map[string]string{"BASTION_DB": db}, "", "roles", "diff", "builtin", edited); err != nil || !strings.Contains(out, "ARCHIVE_CHANNEL lost by 3 users") {
		t.Fatalf("with BASTION_DB: %v\n%s", err, out)
	}
	out, _, code = runBastion(t, "--db", db, "roles", "diff", "builtin", edited, "--json")
	var rep struct {
		Impact struct {
			Changes []struct {
				UserID, Permission, EntityID string
				Gained                       bool
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Impact.Changes) != 3 {
		t.Fatalf("--json: exit %d, %v, %+v\n%s", code, err, rep, out)
	}
}

func TestRolesDiffRefusesAnotherSchema(t *testing.T) {
	ctx := context.Background()
	path := demoDB(t)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ('authz', 999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, stderr, code := runBastion(t, "--db", path, "roles", "diff", "builtin", "builtin")
	if code != 2 || !strings.Contains(stderr, "newer than this build") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if _, stderr, code := runBastion(t, "--db", filepath.Join(t.TempDir(), "none.db"), "roles", "diff", "builtin", "builtin"); code != 2 || !strings.Contains(stderr, "no such file") {
		t.Fatalf("a missing database: exit %d, stderr %s", code, stderr)
	}
}
