package rolesfile_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

const requestHeader = header + `  - name: ASSIGN_ROLES
    applies_to: [workspace, channel]
roles:
  - name: R
    permissions: [ARCHIVE_CHANNEL]
`

func TestRequestPolicyIsRead(t *testing.T) {
	c, err := rolesfile.Parse("roles.yaml", []byte(requestHeader+"    request: {max_duration: 2h30m, approvals: 2, approver_permission: ARCHIVE_CHANNEL, self_extend: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := c.RequestPolicyOf("R")
	want := authz.RequestPolicy{MaxDuration: 150 * time.Minute, Approvals: 2, ApproverPermission: "ARCHIVE_CHANNEL", SelfExtend: true}
	if !ok || got != want {
		t.Fatalf("policy of R = %+v, %v; want %+v", got, ok, want)
	}
}

func TestRequestPolicyDefaults(t *testing.T) {
	c, err := rolesfile.Parse("roles.yaml", []byte(requestHeader+"    request: {max_duration: 1h}\n  - name: S\n    permissions: [ARCHIVE_CHANNEL]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := c.RequestPolicyOf("R")
	want := authz.RequestPolicy{MaxDuration: time.Hour, Approvals: 1, ApproverPermission: authz.PermAssignRoles}
	if !ok || got != want {
		t.Fatalf("policy of R = %+v, %v; want %+v", got, ok, want)
	}
	if p, ok := c.RequestPolicyOf("S"); ok {
		t.Fatalf("S has no request block, yet its policy is %+v", p)
	}
}

func TestBuiltinOperatorCanBeRequested(t *testing.T) {
	c, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := c.RequestPolicyOf("BACKOFFICE_OPERATOR")
	if !ok || p.Approvals < 1 || p.MaxDuration < 2*time.Hour || p.ApproverPermission != authz.PermAssignRoles {
		t.Fatalf("BACKOFFICE_OPERATOR request policy = %+v, %v", p, ok)
	}
	if _, ok := c.RequestPolicyOf("ROLES_ADMIN"); ok {
		t.Fatal("ROLES_ADMIN must not be requestable")
	}
}

func TestRequestPolicyErrorsNameTheLine(t *testing.T) {
	// The request block starts on line 13.
	for _, tc := range []struct {
		name, block string
		line        int
		want        string
	}{
		{"no max duration", "    request: {approvals: 1}\n", 13, "max_duration is required"},
		{"bad duration", "    request:\n      max_duration: 2 days\n", 14, `max_duration "2 days" is not a duration`},
		{"too long", "    request:\n      max_duration: 721h\n", 14, "outside 1m0s to 720h0m0s"},
		{"zero approvals", "    request:\n      max_duration: 1h\n      approvals: 0\n", 15, "approvals 0 is outside 1 to 10"},
		{"approvals not a number", "    request:\n      max_duration: 1h\n      approvals: two\n", 15, `approvals "two" is not a whole number`},
		{"unknown approver permission", "    request:\n      max_duration: 1h\n      approver_permission: NOPE\n", 15, "unknown approver_permission NOPE"},
		{"self_extend not a boolean", "    request:\n      max_duration: 1h\n      self_extend: maybe\n", 15, `self_extend "maybe" is not true or false`},
		{"unknown key", "    request:\n      max_duration: 1h\n      aprovals: 2\n", 15, `unknown key "aprovals"`},
		{"not a mapping", "    request: yes\n", 13, "request must be a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rolesfile.Parse("roles.yaml", []byte(requestHeader+tc.block))
			var errs rolesfile.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("err = %v, want rolesfile.Errors", err)
			}
			for _, e := range errs {
				if e.Line == tc.line && strings.Contains(e.Msg, tc.want) {
					return
				}
			}
			t.Fatalf("want line %d containing %q, got:\n%v", tc.line, tc.want, err)
		})
	}
}

func TestRequestPolicyNeedsAssignRolesDeclared(t *testing.T) {
	_, err := rolesfile.Parse("roles.yaml", []byte(header+"roles:\n  - name: R\n    permissions: [ARCHIVE_CHANNEL]\n    request: {max_duration: 1h}\n"))
	if err == nil || !strings.Contains(err.Error(), "roles.yaml:11: role R request: approvers need ASSIGN_ROLES by default") {
		t.Fatalf("err = %v", err)
	}
}
