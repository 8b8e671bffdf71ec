package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console"
)

// dataMarkers are what the pages draw for items of data; a page showing
// none of them shows no data.
var dataMarkers = []string{`data-role="`, `data-assignment="`, `data-entity-row="`, `data-testid="prefs-`,
	`data-testid="accounts-`, `data-testid="installation-`, `data-approval="`, `data-revision="`, `<datalist id="users"><option`}

// othersNames are names a plain member of T1 has no business reading in
// the console: other people, other workspaces, their channels and roles.
var othersNames = []string{"USUPPORT", "UCHANADMIN", "UROLES", "UOPS", "ROLES_ADMIN", "CHANNELS_ADMIN", `"T2"`, ">T2<", `"C4"`, ">C4<", "xoxb-"}

// consolePages are the pages and the permission each needs.
var consolePages = []struct{ path, permission string }{
	{"/console/roles", "VIEW_ROLES"},
	{"/console/assignments", "VIEW_ASSIGNMENTS"},
	{"/console/assignments?role=ROLES_ADMIN", "VIEW_ASSIGNMENTS"},
	{"/console/assignments?entity=T2", "VIEW_ASSIGNMENTS"},
	{"/console/assignments?user=UCHANADMIN", "VIEW_ASSIGNMENTS"},
	{"/console/entities", "VIEW_ASSIGNMENTS"},
	{"/console/accounts", "VIEW_TEAM_SETTINGS"},
	{"/console/installations", "VIEW_INSTALLATIONS"},
	{"/console/approvals", "VIEW_APPROVALS"},
	{"/console/audit", "VIEW_AUDIT_LOG"},
}

// pendingEverywhere are approval requests in both workspaces, one of them
// the plain member's own.
var pendingEverywhere = fakeApprovals{
	"T1": {
		{ID: "AP-OPS", TeamID: "T1", ChannelID: "C2", RequesterID: "UOPS", Command: "set acme plan to pro", Approvals: 0, Required: 1},
		{ID: "AP-MINE", TeamID: "T1", ChannelID: "C1", RequesterID: "UMEMBER", Command: "extend acme trial", Approvals: 0, Required: 1},
	},
	"T2": {{ID: "AP-SUPPORT", TeamID: "T2", ChannelID: "C4", RequesterID: "USUPPORT", Command: "disable user bob", Approvals: 0, Required: 1}},
}

func withApprovals(o *console.Options, _ string) { o.Approvals = pendingEverywhere }

func TestPlainMemberIsToldWhatEachPageNeeds(t *testing.T) {
	e := newEnv(t, withApprovals)
	member := e.signIn("T1", "UMEMBER")
	for _, p := range consolePages {
		status, page := member.get(p.path)
		if status != http.StatusForbidden || !strings.Contains(page, `data-testid="needs" data-permission="`+p.permission+`"`) {
			t.Errorf("%s: %d, want 403 saying it needs %s", p.path, status, p.permission)
		}
		content := page[strings.Index(page, `<div id="content"`):]
		for _, m := range dataMarkers {
			// Approvals shows the member's own request (below).
			if strings.Contains(content, m) && !(m == `data-approval="` && p.path == "/console/approvals") {
				t.Errorf("%s shows a plain member data: %s", p.path, m)
			}
		}
		for _, n := range othersNames {
			// What the member asked for is repeated in the filter.
			if strings.Contains(page, n) && !strings.Contains(p.path, strings.Trim(n, `"<>`)) {
				t.Errorf("%s shows a plain member %s", p.path, n)
			}
		}
	}
	// Their own request is theirs to see.
	if _, page := member.get("/console/approvals"); !strings.Contains(page, `data-approval="AP-MINE"`) || strings.Contains(page, "AP-OPS") {
		t.Errorf("approvals: the member's own request only:\n%s", page)
	}
	// Their own assignments too.
	e.grant("UMEMBER", "BACKOFFICE_VIEWER", "C2")
	if _, page := member.get("/console/assignments"); !strings.Contains(page, `data-assignment="UMEMBER/BACKOFFICE_VIEWER/C2"`) ||
		!strings.Contains(page, `data-permission="VIEW_ASSIGNMENTS"`) {
		t.Errorf("assignments: the member's own only, and what more needs:\n%s", page)
	}
	if status, page := member.get("/console/roles/CHANNELS_ADMIN"); status != http.StatusNotFound || strings.Contains(page, "ARCHIVE_CHANNEL") {
		t.Errorf("a role's page for a plain member: %d\n%s", status, page)
	}
	// The home page says, for each page, that they hold its permission nowhere.
	_, home := member.get("/console/")
	for _, p := range consolePages {
		if !regexp.MustCompile(`data-lacks="` + p.permission + `" data-testid="lacks-` + p.permission + `"`).MatchString(home) {
			t.Errorf("home does not say the member lacks %s", p.permission)
		}
	}
}

func TestAnUndeclaredViewPermissionIsNamed(t *testing.T) {
	e := newEnv(t, nil)
	_, page := e.signIn("T1", "UROLES").get("/console/approvals")
	if strings.Contains(page, "does not declare") {
		t.Fatalf("VIEW_APPROVALS is declared by the built-in roles file:\n%s", page)
	}
	// A roles file without the console's permissions: nobody can hold
	// them, and the page says so rather than showing everything.
	e = newEnv(t, func(o *console.Options, _ string) { o.Engine = withoutViewPermissions{o.Engine} })
	status, page := e.signIn("T1", "UROLES").get("/console/audit")
	if status != http.StatusForbidden || !strings.Contains(page, "does not declare <code>VIEW_AUDIT_LOG</code>") {
		t.Fatalf("%d\n%s", status, page)
	}
}

// withoutViewPermissions is an engine whose roles file declares none of
// the console's VIEW_ permissions and whose roles grant none.
type withoutViewPermissions struct{ console.Engine }

func (w withoutViewPermissions) Catalog() *authz.Catalog {
	c := *w.Engine.Catalog()
	c.Permissions = map[string]authz.Permission{}
	for n, p := range w.Engine.Catalog().Permissions {
		if !strings.HasPrefix(n, "VIEW_") || n == "VIEW_ACCOUNT" || n == "VIEW_USER_GROUPS" {
			c.Permissions[n] = p
		}
	}
	return &c
}

func (w withoutViewPermissions) ListUserPermissions(ctx context.Context, teamID, userID string) (authz.UserPermissions, error) {
	up, err := w.Engine.ListUserPermissions(ctx, teamID, userID)
	for i := range up.Entities {
		var kept []string
		for _, p := range up.Entities[i].Permissions {
			if _, ok := w.Catalog().Permissions[p]; ok {
				kept = append(kept, p)
			}
		}
		up.Entities[i].Permissions = kept
	}
	return up, err
}

// workspaceAdmin makes USUPPORT a Roles Admin of T2 only, with custom
// roles in T1, T2 and the enterprise.
func workspaceAdmin(t *testing.T, e *env) *client {
	t.Helper()
	ctx := context.Background()
	e.grant("USUPPORT", "ROLES_ADMIN", "T2")
	for name, scope := range map[string]string{"T1_HELPERS": "T1", "T2_HELPERS": "T2", "ORG_HELPERS": "E1"} {
		if _, err := e.engine.PutRole(ctx, authz.Role{Name: name, Scope: scope, Permissions: []string{"VIEW_ACCOUNT"}}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	return e.signIn("T2", "USUPPORT")
}

func TestWorkspaceRolesAdminSeesOnlyItsWorkspace(t *testing.T) {
	e := newEnv(t, withApprovals)
	admin := workspaceAdmin(t, e)
	type want struct {
		status      int
		has, hasNot []string
	}
	for path, w := range map[string]want{
		"/console/roles":                           {200, []string{`data-role="CHANNELS_ADMIN"`, `data-role="T2_HELPERS"`, `data-role="ORG_HELPERS"`}, []string{"T1_HELPERS"}},
		"/console/assignments?role=ROLES_ADMIN":    {200, []string{`data-assignment="USUPPORT/ROLES_ADMIN/T2"`}, []string{"UROLES", "UPRIMARY"}},
		"/console/assignments?role=CHANNELS_ADMIN": {200, []string{`data-assignment="USUPPORT/CHANNELS_ADMIN/T2"`}, []string{"UCHANADMIN", "UMCGUEST"}},
		"/console/assignments?entity=T1":           {200, nil, []string{"data-assignment="}},
		"/console/assignments?user=UOPS":           {200, nil, []string{"data-assignment="}},
		"/console/entities":                        {200, []string{`data-entity-row="T2"`, `data-entity-row="C4"`}, []string{`data-entity-row="E1"`, `data-entity-row="T1"`, `data-entity-row="C1"`}},
		"/console/accounts":                        {200, []string{`data-testid="accounts-T2"`, "USUPPORT"}, []string{`data-testid="accounts-T1"`, "UMEMBER"}},
		"/console/installations":                   {200, []string{`data-testid="installation-T2"`}, []string{`data-testid="installation-T1"`, "xoxb-"}},
		"/console/approvals":                       {403, []string{`data-permission="VIEW_APPROVALS"`, `data-approval="AP-SUPPORT"`}, []string{"AP-OPS", "AP-MINE"}},
		"/console/roles/T2_HELPERS":                {200, []string{`A custom role of <span class="id" title="no name known">T2</span>`, `data-testid="edit-role"`}, nil},
		"/console/roles/ORG_HELPERS":               {200, []string{`A custom role of <span class="id" title="no name known">E1</span>`, "You need ADMINISTER_ROLES on E1"}, []string{`data-testid="edit-role"`}},
		"/console/roles/T1_HELPERS":                {404, []string{"No role T1_HELPERS that you may see"}, []string{"VIEW_ACCOUNT"}},
	} {
		status, page := admin.get(path)
		if status != w.status {
			t.Errorf("%s: %d, want %d", path, status, w.status)
		}
		for _, s := range w.has {
			if !strings.Contains(page, s) {
				t.Errorf("%s lacks %s", path, s)
			}
		}
		for _, s := range w.hasNot {
			if strings.Contains(page, s) {
				t.Errorf("%s shows %s", path, s)
			}
		}
	}
	// The forms offer only what the admin may act on.
	_, page := admin.get("/console/assignments")
	for _, s := range []string{`<option value="T1"`, `<option value="C1"`, `<option value="E1"`, `<option value="T1_HELPERS"`, `<option value="UMEMBER"`} {
		if strings.Contains(page, s) {
			t.Errorf("the assign form offers %s", s)
		}
	}
	for _, s := range []string{`<option value="T2"`, `<option value="C4"`, `<option value="T2_HELPERS"`, `<option value="USUPPORT"`} {
		if !strings.Contains(page, s) {
			t.Errorf("the assign form lacks %s", s)
		}
	}
	_, page = admin.get("/console/roles")
	if strings.Contains(page, `<option value="T1"`) || strings.Contains(page, `<option value="E1"`) || !strings.Contains(page, `<option value="T2"`) {
		t.Errorf("the role form offers scopes outside T2:\n%s", section(t, page, "new-role"))
	}
}

func TestAuditShowsTheEntriesAboutTheUsersPart(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	must := func(_ authz.Revision, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.grant("USUPPORT", "CONSOLE_VIEWER", "T2")
	must(e.engine.Assign(ctx, "UMEMBER", "USERS_ADMIN", "C1", "T1/UROLES"))
	must(e.engine.Assign(ctx, "UMEMBER", "USERS_ADMIN", "C4", "T1/UROLES"))
	must(e.engine.SetTeamPrefs(ctx, "T1", map[string]string{"who_can_archive_channels": "member"}, "T1/UROLES"))
	must(e.engine.SetTeamPrefs(ctx, "T2", map[string]string{"who_can_archive_channels": "owner"}, "T1/UROLES"))
	must(e.engine.PutRole(ctx, authz.Role{Name: "MOVER", Scope: "T1", Permissions: []string{"VIEW_ACCOUNT"}}, "T1/UROLES"))
	must(e.engine.PutRole(ctx, authz.Role{Name: "MOVER", Scope: "T2", Permissions: []string{"VIEW_ACCOUNT"}}, "T1/UROLES"))
	must(e.engine.PutRole(ctx, authz.Role{Name: "MOVER", Scope: "T1", Permissions: []string{"VIEW_ACCOUNT", "SET_PLAN"}}, "T1/UROLES"))
	must(e.engine.UpsertEntity(ctx, authz.Entity{ID: "C9", Type: authz.TypeChannel, ParentID: "T1"}, "T1/UROLES"))
	must(e.engine.UpsertEntity(ctx, authz.Entity{ID: "C9", Type: authz.TypeChannel, ParentID: "T2"}, "T1/UROLES"))
	must(e.engine.UpsertEntity(ctx, authz.Entity{ID: "C9", Type: authz.TypeChannel, ParentID: "T1"}, "T1/UROLES"))
	must(e.engine.Import(ctx, authz.Import{Assignments: []authz.Assignment{{UserID: "UOPS", Role: "USERS_ADMIN", EntityID: "C2"}}}, "import"))

	rows := func(c *client) string {
		t.Helper()
		status, page := c.get("/console/audit?actor=T1/UROLES&limit=1000")
		if status != http.StatusOK {
			t.Fatalf("audit: %d", status)
		}
		var out []string
		for _, m := range regexp.MustCompile(`<tr data-revision="\d+" data-kind="([^"]*)" data-key="([^"]*)"[^>]*>.*?<td><code class="record muted">([^<]*)</code>`).FindAllStringSubmatch(page, -1) {
			before := ""
			if strings.Contains(m[3], "parent_id&#34;:&#34;T2") || strings.Contains(m[3], "scope&#34;:&#34;T2") {
				before = " from T2"
			}
			out = append(out, m[1]+" "+m[2]+before)
		}
		return strings.Join(out, "; ")
	}
	// The T2 auditor sees what happened in T2, newest first, including a
	// role and a channel coming and going, and nothing of T1.
	want := "entity.upsert C9 from T2; entity.upsert C9; role.put MOVER from T2; role.put MOVER; team_prefs.set T2; assignment.add UMEMBER/USERS_ADMIN/C4"
	if got := rows(e.signIn("T2", "USUPPORT")); got != want {
		t.Errorf("T2 auditor sees\n%s\nwant\n%s", got, want)
	}
	// A roles admin of the enterprise sees everything, the import too.
	all := rows(e.signIn("T1", "UROLES"))
	for _, w := range []string{"assignment.add UMEMBER/USERS_ADMIN/C1", "team_prefs.set T1", "entity.upsert C9"} {
		if !strings.Contains(all, w) {
			t.Errorf("enterprise roles admin misses %s in %s", w, all)
		}
	}
	_, page := e.signIn("T1", "UROLES").get("/console/audit?kind=bulk.import")
	if !strings.Contains(page, "<td>bulk.import</td>") {
		t.Error("enterprise roles admin misses the import")
	}
	_, page = e.signIn("T2", "USUPPORT").get("/console/audit?kind=bulk.import")
	if strings.Contains(page, "<td>bulk.import</td>") {
		t.Error("a workspace auditor sees an import that concerns the whole tree")
	}
}

func TestAuditPagesSkipWhatTheUserMayNotSee(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.grant("USUPPORT", "CONSOLE_VIEWER", "T2")
	var t2 []string
	for i, user := range []string{"UA", "UB", "UC", "UD", "UE"} {
		if _, err := e.engine.Assign(ctx, user, "USERS_ADMIN", "C1", "T1/UROLES"); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := e.engine.Assign(ctx, user, "USERS_ADMIN", "C4", "T1/UROLES"); err != nil {
				t.Fatal(err)
			}
			t2 = append(t2, user+"/USERS_ADMIN/C4")
		}
	}
	c := e.signIn("T2", "USUPPORT")
	next := regexp.MustCompile(`href="(/console/audit\?[^"]*)">Next page`)
	path := "/console/audit?actor=T1/UROLES&limit=2"
	var seen []string
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		_, page := c.get(path)
		for _, m := range regexp.MustCompile(`data-key="([A-Z0-9]+/USERS_ADMIN/C\d)"`).FindAllStringSubmatch(page, -1) {
			seen = append(seen, m[1])
		}
		path = ""
		if m := next.FindStringSubmatch(page); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	slices.Reverse(t2) // newest first
	if strings.Join(seen, " ") != strings.Join(t2, " ") {
		t.Fatalf("pages showed %v, want %v", seen, t2)
	}
}

func TestApprovalsShowOwnRequestsAndThoseWherePermitted(t *testing.T) {
	e := newEnv(t, withApprovals)
	for _, tc := range []struct {
		team, user string
		status     int
		want       string
	}{
		{"T1", "UMEMBER", 403, "AP-MINE"},      // a plain member: their own
		{"T1", "UOPS", 200, "AP-OPS"},          // an operator of C2: C2's (they asked for it, too)
		{"T1", "UOPS2", 200, "AP-OPS AP-MINE"}, // an operator of T1: T1's
		{"T2", "USUPPORT", 403, "AP-SUPPORT"},  // a channels admin of T2: their own
	} {
		status, page := e.signIn(tc.team, tc.user).get("/console/approvals")
		var got []string
		for _, m := range regexp.MustCompile(`data-approval="([^"]+)"`).FindAllStringSubmatch(page, -1) {
			got = append(got, m[1])
		}
		if status != tc.status || strings.Join(got, " ") != tc.want {
			t.Errorf("%s: %d %v, want %d %q", tc.user, status, got, tc.status, tc.want)
		}
	}
}

func TestPermissionsNameOnlyTheTreeAroundTheUser(t *testing.T) {
	e := newEnv(t, nil)
	status, body := e.signIn("T1", "UMEMBER").get("/console/api/permissions")
	if status != http.StatusOK || strings.Contains(body, "revision") || !strings.Contains(body, `"parents":{}`) {
		t.Fatalf("a plain member's permissions: %d %s", status, body)
	}
	admin := workspaceAdmin(t, e)
	p := admin.permissions(t)
	want := map[string]string{"T2": "E1", "C4": "T2"}
	if len(p.Parents) != len(want) || p.Parents["T2"] != "E1" || p.Parents["C4"] != "T2" {
		t.Fatalf("a roles admin of T2 is told the parents %v, want %v", p.Parents, want)
	}
}

func TestEventStreamIsSilentWhileTheViewStaysTheSame(t *testing.T) {
	e := newEnv(t, func(o *console.Options, _ string) { o.Heartbeat = 5 * time.Millisecond })
	ctx := context.Background()
	// The member holds a role of T2's, so T2's edits of it reach their
	// stream.
	if _, err := e.engine.PutRole(ctx, authz.Role{Name: "T2_READERS", Scope: "T2", Permissions: []string{"VIEW_ACCOUNT"}}, "test"); err != nil {
		t.Fatal(err)
	}
	e.grant("UMEMBER", "T2_READERS", "C4")
	member := e.signIn("T1", "UMEMBER")
	stream := member.openEvents(t)
	stream.next(t, "ready")

	// Changes the engine tells the member of, which leave what the
	// member sees in T1 as it was: an account in another workspace, and
	// a new description of a role they hold.
	if _, err := e.engine.SetAccountType(ctx, "T2", "UMEMBER", authz.AccountMember, "T2/USUPPORT"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.engine.PutRole(ctx, authz.Role{Name: "T2_READERS", Scope: "T2", Description: "Reads accounts", Permissions: []string{"VIEW_ACCOUNT"}}, "T2/USUPPORT"); err != nil {
		t.Fatal(err)
	}
	for range 40 {
		stream.next(t, ":")
	}
	// A change of what the member sees is announced, by its version;
	// keep-alives sent meanwhile are skipped.
	e.grant("UMEMBER", "CONSOLE_VIEWER", "T1")
	data := stream.nextNamed(t, "permissions")
	var ev map[string]any
	if err := json.Unmarshal([]byte(data), &ev); err != nil || len(ev) != 1 || ev["version"] != member.permissions(t).Version {
		t.Fatalf("event data %s, want only the view's version %s", data, member.permissions(t).Version)
	}
}

func TestEventStreamHearsOfTheTreeChangingAroundTheUser(t *testing.T) {
	e := newEnv(t, func(o *console.Options, _ string) { o.Heartbeat = 20 * time.Millisecond })
	e.grant("UMEMBER", "ROLES_ADMIN", "T1")
	member := e.signIn("T1", "UMEMBER")
	stream := member.openEvents(t)
	stream.next(t, "ready")
	if p := member.permissions(t); p.Parents["C4"] != "" {
		t.Fatalf("before the move: %v", p.Parents)
	}
	// C4 moves into T1: nobody's assignment changed, yet the member may
	// now see it.
	if _, err := e.engine.UpsertEntity(context.Background(), authz.Entity{ID: "C4", Type: authz.TypeChannel, ParentID: "T1"}, "test"); err != nil {
		t.Fatal(err)
	}
	stream.nextNamed(t, "permissions")
	if p := member.permissions(t); p.Parents["C4"] != "T1" {
		t.Fatalf("after the move: %v", p.Parents)
	}
}
