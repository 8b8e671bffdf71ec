package rolesfile_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
)

func TestBuiltinIsValid(t *testing.T) {
	c, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	for role, perms := range map[string][]string{
		"CHANNELS_ADMIN": {"ARCHIVE_CHANNEL", "RENAME_CHANNEL", "CREATE_PRIVATE_CHANNEL", "CONVERT_CHANNEL_TO_PRIVATE"},
		"USERS_ADMIN":    {"ADD_USER_TO_WORKSPACE", "REMOVE_USER_FROM_WORKSPACE", "VIEW_USER_GROUPS"},
		"ROLES_ADMIN":    {"ADMINISTER_ROLES", "ASSIGN_ROLES", "VIEW_ROLES", "VIEW_ASSIGNMENTS", "VIEW_AUDIT_LOG", "VIEW_TEAM_SETTINGS", "VIEW_INSTALLATIONS"},
		"CONSOLE_VIEWER": {"VIEW_ROLES", "VIEW_ASSIGNMENTS", "VIEW_AUDIT_LOG", "VIEW_TEAM_SETTINGS", "VIEW_INSTALLATIONS", "VIEW_APPROVALS"},
	} {
		r, ok := c.Roles[role]
		if !ok || !r.System || strings.Join(r.Permissions, ",") != strings.Join(perms, ",") {
			t.Fatalf("system role %s = %+v", role, r)
		}
	}
	p := c.Policies["channel.archive"]
	kinds := []authz.RuleKind{authz.RuleDenyIfActorRestricted, authz.RuleAllowIfLegacy, authz.RuleAllowIfCreator, authz.RuleAllowIfHasPermission}
	if len(p.Rules) != len(kinds) {
		t.Fatalf("channel.archive rules = %+v", p.Rules)
	}
	for i, k := range kinds {
		if p.Rules[i].Kind != k {
			t.Fatalf("rule %d = %s, want %s", i, p.Rules[i].Kind, k)
		}
	}
	if p.Rules[1].Preference != "who_can_archive_channels" || p.Rules[1].Default != "admin" || p.Rules[3].Permission != "ARCHIVE_CHANNEL" {
		t.Fatalf("channel.archive rules = %+v", p.Rules)
	}
}

const header = `entity_types:
  - name: workspace
  - name: channel
    parents: [workspace]
permissions:
  - name: ARCHIVE_CHANNEL
    applies_to: [channel]
`

func TestValidationErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		line       int
		want       string
	}{
		{"unknown permission in a role", header + "roles:\n  - name: R\n    permissions: [ARCHIVE_CHANNEL, NOPE]\n", 10, "unknown permission NOPE"},
		{"duplicate role", header + "roles:\n  - name: R\n    permissions: [ARCHIVE_CHANNEL]\n  - name: R\n    permissions: [ARCHIVE_CHANNEL]\n", 11, "duplicate role R"},
		{"duplicate permission", header + "  - name: ARCHIVE_CHANNEL\n    applies_to: [channel]\n", 8, "duplicate permission ARCHIVE_CHANNEL"},
		{"rule of unknown kind", header + "policies:\n  - action: a\n    entity_type: channel\n    rules:\n      - allow_if_lucky\n", 12, `unknown rule kind "allow_if_lucky"`},
		{"permission not applicable", header + "policies:\n  - action: a\n    entity_type: workspace\n    rules:\n      - allow_if_has_permission: ARCHIVE_CHANNEL\n", 12, "does not apply to workspace"},
		{"unknown key", header + "roles:\n  - name: R\n    permisions: [ARCHIVE_CHANNEL]\n", 10, `unknown key "permisions"`},
		{"unknown applies_to type", "entity_types:\n  - name: channel\npermissions:\n  - name: P\n    applies_to: [galaxy]\n", 5, "unknown entity type galaxy"},
		{"entity type cycle", "entity_types:\n  - name: a\n    parents: [b]\n  - name: b\n    parents: [a]\n", 2, "its own ancestor"},
		{"bad legacy level", header + "policies:\n  - action: a\n    entity_type: channel\n    rules:\n      - allow_if_legacy: {preference: p, default: wizards}\n", 12, `unknown preference level "wizards"`},
		{"lower-case permission", "entity_types:\n  - name: channel\npermissions:\n  - name: archive\n    applies_to: [channel]\n", 4, "UPPER_SNAKE"},
		{"yaml syntax", "entity_types: [\n", 1, "did not find expected node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rolesfile.Parse("roles.yaml", []byte(tc.body))
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

func TestAllErrorsAreReported(t *testing.T) {
	_, err := rolesfile.Parse("r.yaml", []byte(header+"roles:\n  - name: A\n    permissions: [X]\n  - name: B\n    permissions: [Y]\n"))
	var errs rolesfile.Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("want two errors, got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "r.yaml:10: ") {
		t.Fatalf("error text %q should start with file:line", err)
	}
}

// chainOfTypes declares n entity types, each the parent of the one
// before: t1 under t2 under ... under tn, t1 on line 2.
func chainOfTypes(n int) string {
	var b strings.Builder
	b.WriteString("entity_types:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - name: t%d\n", i)
		if i < n {
			fmt.Fprintf(&b, "    parents: [t%d]\n", i+1)
		}
	}
	return b.String()
}

// A check walks up 8 entities (authz.MaxDepth); a type chain longer than
// that would have checks ignore the farthest ancestors, so the file is
// refused at the type that heads it.
func TestTypeChainsDeeperThanAChecksWalkAreRefused(t *testing.T) {
	if _, err := rolesfile.Parse("roles.yaml", []byte(chainOfTypes(8))); err != nil {
		t.Fatalf("a chain of 8 types: %v", err)
	}
	_, err := rolesfile.Parse("roles.yaml", []byte(chainOfTypes(9)))
	var errs rolesfile.Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 2 ||
		!strings.Contains(errs[0].Msg, "t1 heads a chain of 9 entity types (t1 → t2") || !strings.Contains(errs[0].Msg, "at most 8") {
		t.Fatalf("a chain of 9 types: %v; want one error at line 2 naming t1's chain and the bound", err)
	}
	// The longest of several chains counts: t1 reaches the top through
	// a short branch and a long one.
	branchy := chainOfTypes(9) + "  - name: top\n"
	branchy = strings.Replace(branchy, "parents: [t2]", "parents: [top, t2]", 1)
	if _, err := rolesfile.Parse("roles.yaml", []byte(branchy)); err == nil {
		t.Fatal("a long branch beside a short one: accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(rolesfile.Builtin())
	f.Add([]byte(header))
	f.Add([]byte("policies:\n  - action: x\n    rules: [{allow_if_legacy: {min_account_type: owner}}]\n"))
	f.Add([]byte("roles: {a: b}\n"))
	f.Add([]byte("- - - [\x00"))
	f.Add([]byte(chainOfTypes(9)))
	f.Add([]byte(requestHeader + "    request: {max_duration: 90m, approvals: 2, approver_permission: ARCHIVE_CHANNEL, self_extend: true}\n"))
	f.Add([]byte(requestHeader + "    request: {max_duration: -1h, approvals: 99999999999999999999}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := rolesfile.Parse("fuzz.yaml", data)
		if err != nil {
			if c != nil {
				t.Fatal("catalog returned with an error")
			}
			return
		}
		// A catalog that parsed is consistent: the engine accepts its
		// depth, and every role's permissions and every rule's permission
		// are declared.
		if err := c.CheckDepth(); err != nil {
			t.Fatalf("parsed, but the engine would refuse it: %v", err)
		}
		for _, r := range c.Roles {
			for _, p := range r.Permissions {
				if _, ok := c.Permissions[p]; !ok {
					t.Fatalf("role %s has undeclared permission %s", r.Name, p)
				}
			}
		}
		// Every request policy is within bounds and names a declared
		// permission, on a declared role.
		for role, rp := range c.Requests {
			if _, ok := c.Roles[role]; !ok {
				t.Fatalf("request policy for undeclared role %s", role)
			}
			if rp.MaxDuration < authz.MinRequestDuration || rp.MaxDuration > authz.MaxRequestDuration ||
				rp.Approvals < 1 || rp.Approvals > authz.MaxRequestApprovals {
				t.Fatalf("request policy of %s out of bounds: %+v", role, rp)
			}
			if _, ok := c.Permissions[rp.ApproverPermission]; !ok {
				t.Fatalf("request policy of %s names undeclared %s", role, rp.ApproverPermission)
			}
		}
		for _, p := range c.Policies {
			for _, r := range p.Rules {
				if r.Kind == authz.RuleAllowIfHasPermission && !c.Applies(r.Permission, p.EntityType) {
					t.Fatalf("policy %s rule names %s, not applicable to %s", p.Action, r.Permission, p.EntityType)
				}
			}
		}
	})
}
