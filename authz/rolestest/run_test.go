package rolestest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
)

// run parses body and runs it against the built-in roles file.
func run(t *testing.T, body string) (*rolestest.Report, error) {
	t.Helper()
	s, err := rolestest.Parse("t.yaml", []byte(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return rolestest.Run(context.Background(), cat, s, rolestest.Options{Dir: t.TempDir()})
}

const smallOrg = `entities:
  - {id: C1, type: channel, parent: T1, creator: UCARA}   # before its parent: order does not matter
  - {id: T1, type: workspace}
accounts:
  T1: {UADA: admin, UMIA: member, UCARA: member}
assignments:
  - {user: UMIA, role: CHANNELS_ADMIN, entity: T1}
tests:
`

func TestFailuresNameTheExpectationAndWhatTheEngineSaid(t *testing.T) {
	rep, err := run(t, smallOrg+`  - permission: ARCHIVE_CHANNEL
    entity: C1
    allow:
      - UMIA
      - UADA
      - {user: UMIA, role: USERS_ADMIN}
      - {user: UMIA, assigned_on: C1}
    deny:
      - {user: UCARA, rule: deny_if_actor_restricted}
  - action: channel.archive
    entity: C1
    allow:
      - {user: UCARA, rule: allow_if_creator}
      - {user: UMIA, rule: allow_if_creator}
  - who_can: ARCHIVE_CHANNEL
    entity: C1
    users: [UMIA, UADA]
  - permissions_of: UMIA
    entities:
      T1: [ARCHIVE_CHANNEL, RENAME_CHANNEL, VIEW_ROLES]
`)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := rep.Write(&out, false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"FAIL t.yaml:13: permission ARCHIVE_CHANNEL on C1 (team T1): UADA is allowed\n     deny by default_deny: no rule allowed it",
		"FAIL t.yaml:14: permission ARCHIVE_CHANNEL on C1 (team T1): UMIA is allowed\n     allow by allow_if_has_permission: role CHANNELS_ADMIN on T1 grants ARCHIVE_CHANNEL",
		"FAIL t.yaml:15: permission ARCHIVE_CHANNEL on C1 (team T1): UMIA is allowed\n",
		"FAIL t.yaml:17: permission ARCHIVE_CHANNEL on C1 (team T1): UCARA is denied\n     deny by default_deny",
		"FAIL t.yaml:22: action channel.archive on C1 (team T1): UMIA is allowed\n     allow by allow_if_has_permission",
		"FAIL t.yaml:23: who can ARCHIVE_CHANNEL on C1 (team T1)\n     got [UMIA] (missing UADA)",
		"FAIL t.yaml:26: permissions of UMIA in team T1\n     on T1 got [ARCHIVE_CHANNEL, CONVERT_CHANNEL_TO_PRIVATE, CREATE_PRIVATE_CHANNEL, RENAME_CHANNEL] (missing VIEW_ROLES; not expected CONVERT_CHANNEL_TO_PRIVATE, CREATE_PRIVATE_CHANNEL)",
		"FAIL t.yaml: 9 expectations, 7 failed\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	for _, holds := range []string{"t.yaml:12:", "t.yaml:21:"} {
		if strings.Contains(got, holds) {
			t.Errorf("the expectation at %s holds but is reported:\n%s", holds, got)
		}
	}
}

func TestOrganisationTheEngineRefusesNamesTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, org string
		line      int
		want      string
	}{
		{"unknown entity type", "entities:\n  - {id: T1, type: workspace}\n  - {id: X1, type: galaxy, parent: T1}\n", 3, "unknown entity type"},
		{"parent of the wrong type", "entities:\n  - {id: C0, type: channel}\n  - {id: C1, type: channel, parent: C0}\n", 3, "cannot have a channel parent"},
		{"parent not declared", "entities:\n  - {id: C1, type: channel, parent: T9}\n", 2, "parent T9 of C1 is not declared"},
		{"unknown role", "entities:\n  - {id: T1, type: workspace}\nassignments:\n  - {user: U1, role: NO_SUCH_ROLE, entity: T1}\n", 4, "role NO_SUCH_ROLE does not exist"},
		{"custom role outside its scope", "entities:\n  - {id: T1, type: workspace}\n  - {id: T2, type: workspace}\ncustom_roles:\n  - {name: ARCHIVER, scope: T1, permissions: [ARCHIVE_CHANNEL]}\nassignments:\n  - {user: U1, role: ARCHIVER, entity: T2}\n", 7, "outside it"},
		{"custom role with an undeclared permission", "entities:\n  - {id: T1, type: workspace}\ncustom_roles:\n  - {name: ARCHIVER, scope: T1, permissions: [NO_SUCH_PERMISSION]}\n", 4, "unknown permission NO_SUCH_PERMISSION"},
		{"account in a team that is not declared", "entities:\n  - {id: T1, type: workspace}\naccounts:\n  T1: {U1: member}\n  T7: {U1: member}\n", 5, "T7 does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, tc.org+"tests: []\n")
			wantLineError(t, err, tc.line, tc.want)
		})
	}
}

func TestTestsMustFitTheRolesFile(t *testing.T) {
	for _, tc := range []struct {
		name, test string
		line       int
		want       string
	}{
		{"unknown permission", "  - {permission: FLY, entity: C1, allow: UMIA}\n", 9, "unknown permission FLY"},
		{"unknown permission, on the test's line", "  - permission: FLY\n    entity: C1\n    allow: [UMIA, UADA]\n", 9, "unknown permission FLY"},
		{"unknown action", "  - {action: channel.fly, entity: C1, allow: UMIA}\n", 9, "unknown action channel.fly"},
		{"unknown granting role", "  - permission: ARCHIVE_CHANNEL\n    entity: C1\n    allow: [{user: UMIA, role: WIZARD}]\n", 11, "unknown role WIZARD"},
		{"unknown listed permission", "  - permissions_of: UMIA\n    entities: {T1: [FLY]}\n", 9, "unknown permission FLY (on T1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, smallOrg+tc.test)
			wantLineError(t, err, tc.line, tc.want)
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Fatalf("%d errors, want one:\n%v", n, err)
			}
		})
	}
}
