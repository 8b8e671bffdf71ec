package rolestest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/authz/rolestest"
)

// org is a valid organisation section; tests appended to it start at line 7.
const org = `entities:
  - {id: T1, type: workspace}
  - {id: C1, type: channel, parent: T1}
accounts:
  T1: {UMIA: member}
tests:
`

// wantLineError asserts that err is a rolesfile.Errors with a problem on
// line containing want.
func wantLineError(t *testing.T, err error, line int, want string) {
	t.Helper()
	var errs rolesfile.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("err = %v, want rolesfile.Errors", err)
	}
	for _, e := range errs {
		if e.Line == line && strings.Contains(e.Msg, want) {
			return
		}
	}
	t.Fatalf("want line %d containing %q, got:\n%v", line, want, err)
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		line       int
		want       string
	}{
		{"yaml syntax", "entities: [\n", 1, "did not find expected node"},
		{"empty file", "", 1, "file is empty"},
		{"unknown top-level key", org + "  - {permission: ARCHIVE_CHANNEL, entity: C1, allow: UMIA}\nroles: x\n", 8, `unknown key "roles"`},
		{"no tests", "entities:\n  - {id: T1, type: workspace}\n", 1, "no tests"},
		{"bad entity id", "entities:\n  - {id: 'C 1', type: channel}\ntests: []\n", 2, "may hold only"},
		{"entity without type", "entities:\n  - {id: C1}\ntests: []\n", 2, "type is required"},
		{"unknown account type", "accounts:\n  T1:\n    UMIA: wizard\ntests: []\n", 3, `unknown account type "wizard"`},
		{"lower-case role", "assignments:\n  - {user: U1, role: admin, entity: T1}\ntests: []\n", 2, "UPPER_SNAKE"},
		{"test asks nothing", org + "  - {entity: C1, allow: [UMIA]}\n", 7, "test asks nothing"},
		{"test asks two things", org + "  - {permission: ARCHIVE_CHANNEL, action: channel.archive, entity: C1, allow: [UMIA]}\n", 7, "write one per test"},
		{"undeclared entity", org + "  - permission: ARCHIVE_CHANNEL\n    entity: C9\n    allow: [UMIA]\n", 8, "C9 is not declared"},
		{"team that is no workspace", org + "  - permission: ARCHIVE_CHANNEL\n    entity: C1\n    team: C1\n    allow: [UMIA]\n", 9, "not a workspace"},
		{"unknown rule", org + "  - permission: ARCHIVE_CHANNEL\n    entity: C1\n    deny:\n      - {user: UMIA, rule: bad_luck}\n", 10, `unknown rule "bad_luck"`},
		{"role on a deny", org + "  - permission: ARCHIVE_CHANNEL\n    entity: C1\n    deny:\n      - {user: UMIA, role: CHANNELS_ADMIN}\n", 10, "only for users it must allow"},
		{"who_can without users", org + "  - who_can: ARCHIVE_CHANNEL\n    entity: C1\n", 7, "list the users"},
		{"allow on a who_can", org + "  - who_can: ARCHIVE_CHANNEL\n    entity: C1\n    users: []\n    allow: [UMIA]\n", 10, "takes users, not allow"},
		{"permissions_of of a user without an account", org + "  - permissions_of: UBOB\n    entities: {}\n", 7, "exactly one account"},
		{"permissions_of on an undeclared entity", org + "  - permissions_of: UMIA\n    entities:\n      C7: [ARCHIVE_CHANNEL]\n", 9, "C7 is not declared"},
		{"check without users", org + "  - permission: ARCHIVE_CHANNEL\n    entity: C1\n", 7, "list the users"},
		{"key given twice", org + "  - permission: ARCHIVE_CHANNEL\n    entity: C1\n    entity: T1\n    allow: [UMIA]\n", 9, "given twice"},
		{"entity in no workspace", "entities:\n  - {id: E1, type: enterprise}\ntests:\n  - permission: ASSIGN_ROLES\n    entity: E1\n    allow: [U1]\n", 5, "name the team"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rolestest.Parse("t.yaml", []byte(tc.body))
			wantLineError(t, err, tc.line, tc.want)
		})
	}
}

func TestParseReadsEveryKindOfExpectation(t *testing.T) {
	s, err := rolestest.Parse("t.yaml", []byte(org+`  - name: archivers
    permission: ARCHIVE_CHANNEL
    entity: C1
    allow: UMIA
    deny:
      - {user: UBOB, rule: default_deny}
  - action: channel.archive
    entity: C1
    team: T1
    allow: [{user: UMIA, rule: allow_if_has_permission, role: CHANNELS_ADMIN, assigned_on: T1}]
  - who_can: ARCHIVE_CHANNEL
    entity: C1
    users: [UMIA]
  - permissions_of: UMIA
    entities:
      T1: [RENAME_CHANNEL, ARCHIVE_CHANNEL]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []rolestest.Expectation{
		{Line: 10, Name: "archivers", Kind: rolestest.KindPermission, Permission: "ARCHIVE_CHANNEL", EntityID: "C1", TeamID: "T1", UserID: "UMIA", Allow: true},
		{Line: 12, Name: "archivers", Kind: rolestest.KindPermission, Permission: "ARCHIVE_CHANNEL", EntityID: "C1", TeamID: "T1", UserID: "UBOB", Rule: "default_deny"},
		{Line: 16, Kind: rolestest.KindAction, Action: "channel.archive", EntityID: "C1", TeamID: "T1", UserID: "UMIA", Allow: true,
			Rule: string(authz.RuleAllowIfHasPermission), Role: "CHANNELS_ADMIN", AssignedOn: "T1"},
		{Line: 17, Kind: rolestest.KindWhoCan, Permission: "ARCHIVE_CHANNEL", EntityID: "C1", TeamID: "T1", Users: []string{"UMIA"}},
		{Line: 20, Kind: rolestest.KindPermissionsOf, UserID: "UMIA", TeamID: "T1", Entities: map[string][]string{"T1": {"ARCHIVE_CHANNEL", "RENAME_CHANNEL"}}},
	}
	if len(s.Expectations) != len(want) {
		t.Fatalf("expectations = %+v", s.Expectations)
	}
	for i, w := range want {
		if got := s.Expectations[i]; got.String() != w.String() || got.Line != w.Line || got.Rule != w.Rule ||
			got.Role != w.Role || got.AssignedOn != w.AssignedOn || strings.Join(got.Users, ",") != strings.Join(w.Users, ",") ||
			strings.Join(got.Entities["T1"], ",") != strings.Join(w.Entities["T1"], ",") {
			t.Errorf("expectation %d = %+v, want %+v", i, got, w)
		}
	}
	if s.Line(rolestest.SectionEntities, 1) != 3 || s.Line(rolestest.SectionAccounts, 0) != 5 {
		t.Fatalf("organisation lines: entity 1 at %d, account 0 at %d", s.Line(rolestest.SectionEntities, 1), s.Line(rolestest.SectionAccounts, 0))
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(org + "  - {permission: ARCHIVE_CHANNEL, entity: C1, allow: UMIA}\n"))
	f.Add([]byte(org + "  - who_can: ARCHIVE_CHANNEL\n    entity: C1\n    users: [UMIA]\n  - permissions_of: UMIA\n    entities: {C1: [X]}\n"))
	f.Add([]byte("entities:\n  - {id: E1, type: enterprise}\n  - {id: T1, type: workspace, parent: E1}\ncustom_roles:\n  - {name: R, scope: T1, permissions: [A]}\npreferences: {T1: {p: member}}\ntests: []\n"))
	f.Add([]byte("tests:\n  - &a {action: x, entity: *a}\n"))
	f.Add([]byte("- - - [\x00"))
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := rolestest.Parse("fuzz.yaml", data)
		if err != nil {
			var errs rolesfile.Errors
			if s != nil || !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse = %v, %v: want no suite and line errors", s, err)
			}
			return
		}
		// A parsed suite names only entities it declares, and each
		// expectation has a line and a team.
		declared := map[string]bool{}
		for _, e := range s.Org.Entities {
			declared[e.ID] = true
		}
		for _, x := range s.Expectations {
			if x.Line <= 0 || x.TeamID == "" || x.Kind != rolestest.KindPermissionsOf && !declared[x.EntityID] {
				t.Fatalf("expectation %+v", x)
			}
			_ = x.String()
		}
		if err := s.Validate(cat); err != nil {
			var errs rolesfile.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Validate = %v: want line errors", err)
			}
		}
	})
}
