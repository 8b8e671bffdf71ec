package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const refundCommand = `commands:
  - pattern: refund <invoice> <amount:int> cents
    description: Refund part of an invoice.
    group: Billing
    channels: [C2]
    permission: %s
    risk: destructive
    endpoint: %s/refund
    secret_env: BILLING_BASTION_SECRET
`

func TestCommandsValidate(t *testing.T) {
	env := map[string]string{"BILLING_BASTION_SECRET": "0123456789abcdef0123456789abcdef"}
	validate := func(args ...string) (string, int) {
		t.Helper()
		out, errOut, err := execute(t, env, "", append([]string{"--db", filepath.Join(t.TempDir(), "b.db")}, args...)...)
		var stderr strings.Builder
		code := exitCode(err, &stderr)
		return out + errOut + stderr.String(), code
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, fmt.Sprintf(refundCommand, "SET_PLAN", "https://billing.internal/bastion"))
	if out, code := validate("commands", "validate", good); code != 0 || !strings.Contains(out, "good.yaml: ok (1 commands)") {
		t.Fatalf("a good file: exit %d, %s", code, out)
	}

	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, fmt.Sprintf(refundCommand, "REFUND_INVOICE", "ftp://billing.internal")+`  - pattern: whoami please
    description: Starts like the built-in whoami, and is fine.
    endpoint: https://billing.internal/whoami
    secret_env: BILLING_BASTION_SECRET
  - pattern: approvals
    description: Clashes with the approval flow's command.
    endpoint: https://billing.internal/approvals
    secret_env: NOT_SET_ANYWHERE
`)
	out, code := validate("commands", "validate", bad)
	if code != 1 {
		t.Fatalf("a bad file: exit %d, %s", code, out)
	}
	for _, want := range []string{
		"bad.yaml:6: permission REFUND_INVOICE is not declared in the built-in roles file",
		`bad.yaml:8: endpoint "ftp://billing.internal/refund": want an http:// or https:// URL`,
		"bad.yaml:14: pattern \"approvals\" can match the same messages as the command `approvals` (Approvals)",
		"bad.yaml:17: secret_env NOT_SET_ANYWHERE is not set",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "bad.yaml:10") {
		t.Errorf("a pattern that only starts like a built-in one was refused:\n%s", out)
	}

	// Against a roles file that declares the permission, the file is good.
	roles := filepath.Join(dir, "roles.yaml")
	builtin, _ := validate("roles", "print-builtin")
	writeFile(t, roles, strings.Replace(builtin, "permissions:\n", "permissions:\n  - name: REFUND_INVOICE\n    description: Refund an invoice.\n    applies_to: [channel]\n", 1))
	declared := filepath.Join(dir, "declared.yaml")
	writeFile(t, declared, fmt.Sprintf(refundCommand, "REFUND_INVOICE", "https://billing.internal"))
	if out, code := validate("--roles", roles, "commands", "validate", declared); code != 0 {
		t.Fatalf("with a roles file declaring the permission: exit %d, %s", code, out)
	}
	if out, code := validate("commands", "validate", filepath.Join(dir, "missing.yaml")); code != 1 || !strings.Contains(out, "no such file") {
		t.Fatalf("a missing file: exit %d, %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.db")); err == nil {
		t.Error("validate created a database")
	}
}

// In CI the signing secrets are not set: --skip-secrets checks the rest of
// the file and names the variables it did not read; without it the file
// fails on them.
func TestCommandsValidateSkipSecrets(t *testing.T) {
	validate := func(args ...string) (string, int) {
		t.Helper()
		out, errOut, err := execute(t, map[string]string{}, "", append([]string{"--db", filepath.Join(t.TempDir(), "b.db")}, args...)...)
		var stderr strings.Builder
		code := exitCode(err, &stderr)
		return out + errOut + stderr.String(), code
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, fmt.Sprintf(refundCommand, "SET_PLAN", "https://billing.internal/bastion"))
	if out, code := validate("commands", "validate", good); code != 1 || !strings.Contains(out, "good.yaml:9: secret_env BILLING_BASTION_SECRET is not set") {
		t.Fatalf("unset secret, not skipped: exit %d, %s", code, out)
	}
	out, code := validate("commands", "validate", "--skip-secrets", good)
	if code != 0 || !strings.Contains(out, "good.yaml: ok (1 commands; secrets not checked: BILLING_BASTION_SECRET)") {
		t.Fatalf("unset secret, skipped: exit %d, %s", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, fmt.Sprintf(refundCommand, "REFUND_INVOICE", "https://billing.internal"))
	out, code = validate("commands", "validate", "--skip-secrets", bad)
	if code != 1 || !strings.Contains(out, "bad.yaml:6: permission REFUND_INVOICE is not declared") || strings.Contains(out, "is not set") {
		t.Fatalf("a bad file, secrets skipped: exit %d, %s", code, out)
	}
}
