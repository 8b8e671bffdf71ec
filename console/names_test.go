package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// name is how a page shows a known id: its name, the id on hover.
func name(id, text string) string {
	return `data-id="` + id + `">` + text + `</span>`
}

func hasAll(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %s", what, w)
		}
	}
}

func TestPagesShowNamesWithTheIDOnHover(t *testing.T) {
	st, err := botsql.Open(context.Background(), storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if ok, err := st.CreateApproval(context.Background(), approval.Request{ID: "a1", TeamID: "T1", ChannelID: "C2", MessageTS: "1.1", CallerID: "UOPS",
		Text: "disable user ann@acme.test", Permission: "DISABLE_USER", Needed: 1, Mode: approval.ByReaction, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	e := newNamedEnv(t, func(o *console.Options, _ string) { o.Approvals = console.BotApprovals{Store: st} })
	e.grant("UROLES", "CONSOLE_VIEWER", "E1")
	c := e.signIn("T1", "UROLES")
	if status, _ := c.post("/console/assignments/assign", assignForm("UMEMBER", "BACKOFFICE_VIEWER", "C2")); status != http.StatusOK {
		t.Fatalf("assign: %d", status)
	}
	for path, wants := range map[string][]string{
		"/console/": {"Welcome, Rita (roles admin)", `title="UROLES in T1">Rita (roles admin) in Acme</span>`, name("E1", "Acme Corp")},
		"/console/assignments?user=UCHANADMIN": {`<h2 data-testid="assignments-of">User <span class="name" title="@carl-channels-admin · UCHANADMIN" ` + name("UCHANADMIN", "Carl (channels admin)"),
			name("E1", "Acme Corp"), `label="Carl (channels admin)" data-search="carl-channels-admin"`, `>#backoffice (channel)</option>`},
		"/console/entities":                  {`title="channel C2" ` + name("C2", "#backoffice"), "created by " + `<span class="name" title="@ada-admin · UADMIN" ` + name("UADMIN", "Ada (admin)")},
		"/console/accounts":                  {"Workspace " + `<span class="name" title="workspace T1" ` + name("T1", "Acme"), name("UGUEST", "Gina (guest)")},
		"/console/approvals":                 {name("UOPS", "Olga (operator)"), name("C2", "#backoffice")},
		"/console/audit?kind=assignment.add": {`title="T1/UROLES (in Acme)"`, name("UOPS", "Olga (operator)") + ` <span class="muted">·</span> <code class="role">BACKOFFICE_OPERATOR</code>`},
		"/console/installations":             {name("T2", "Acme Support")},
	} {
		status, page := c.get(path)
		if status != http.StatusOK {
			t.Errorf("%s: %d", path, status)
		}
		hasAll(t, path, page, wants...)
	}
	// The directory decides nothing: an id it does not name is shown as
	// the id, and links and forms carry ids.
	_, page := c.get("/console/assignments?user=UNKNOWN1")
	hasAll(t, "an unnamed user", page, `<span class="id" title="no name known">UNKNOWN1</span>`, `href="/console/access?user=UNKNOWN1"`)
}

func TestThePermissionsOfThePageCarryNames(t *testing.T) {
	e := newNamedEnv(t, nil)
	_, body := e.signIn("T1", "UROLES").get("/console/api/permissions")
	if !strings.Contains(body, `"labels":{`) || !strings.Contains(body, `"E1":"Acme Corp"`) {
		t.Fatalf("permissions without labels: %s", body)
	}
}

// confirmFields reads the hidden fields of a confirm page's form.
func confirmFields(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	form := regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" class="confirm" data-testid="confirm-form">(.*?)</form>`).FindStringSubmatch(page)
	if form == nil {
		t.Fatalf("no confirm form:\n%s", page)
	}
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form[2], -1) {
		if m[1] != "csrf" {
			v.Add(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
		}
	}
	return form[1], v
}

func TestAnAssignmentIsPreviewedThenConfirmed(t *testing.T) {
	e := newNamedEnv(t, nil)
	rita := e.signIn("T1", "UROLES")
	status, page := rita.post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"UMEMBER"}, "role": {"CHANNELS_ADMIN"}, "entity": {"T1"}})
	if status != http.StatusOK {
		t.Fatalf("preview: %d\n%s", status, page)
	}
	hasAll(t, "preview", page, `Assign <code class="role">CHANNELS_ADMIN</code> to <span class="name"`, name("UMEMBER", "Mia (member)"),
		`<tr data-preview-user="UMEMBER">`, "<code>ARCHIVE_CHANNEL, CONVERT_CHANNEL_TO_PRIVATE, CREATE_PRIVATE_CHANNEL, RENAME_CHANNEL</code> on "+
			`<span class="name" title="workspace T1" `+name("T1", "Acme"))
	if e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatal("previewing assigned")
	}
	action, fields := confirmFields(t, page)
	if action != "/console/assignments/assign" || fields.Get("user") != "UMEMBER" || fields.Get("role") != "CHANNELS_ADMIN" || fields.Get("entity") != "T1" {
		t.Fatalf("confirm form posts %v to %s", fields, action)
	}
	status, page = rita.post(action, fields)
	if status != http.StatusOK || !strings.Contains(page, "Assigned CHANNELS_ADMIN to Mia (member) on Acme.") || !e.hasAssignment("UMEMBER", "CHANNELS_ADMIN", "T1") {
		t.Fatalf("confirm: %d\n%s", status, page)
	}
	// Revoking is previewed the same way: Mia loses what she gained.
	_, page = rita.post("/console/assignments/preview", url.Values{"op": {"revoke"}, "user": {"UMEMBER"}, "role": {"CHANNELS_ADMIN"}, "entity": {"T1"}})
	hasAll(t, "revoke preview", page, `data-testid="loss"`, "ARCHIVE_CHANNEL", `action="/console/assignments/revoke"`)
	// Assigning what is held above changes nothing, and says so.
	_, page = rita.post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"UCHANADMIN"}, "role": {"CHANNELS_ADMIN"}, "entity": {"T1"}})
	hasAll(t, "a no-op", page, `data-testid="preview-nothing"`, "Nobody's permissions change.")
	// A guest gains nothing, and the page says why.
	_, page = rita.post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"UGUEST"}, "role": {"CHANNELS_ADMIN"}, "entity": {"C1"}})
	hasAll(t, "a guest", page, `data-testid="preview-ineligible"`, "is a guest (ultra_restricted) in")
}

func TestAPreviewNeedsWhatTheWriteNeeds(t *testing.T) {
	e := newNamedEnv(t, nil)
	member := e.signIn("T1", "UMEMBER")
	status, page := member.post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"UMEMBER"}, "role": {"ROLES_ADMIN"}, "entity": {"C2"}})
	if status != http.StatusForbidden || !strings.Contains(page, "You no longer have permission to assign roles on #backoffice.") || strings.Contains(page, "preview-table") {
		t.Fatalf("a member's preview: %d\n%s", status, page)
	}
	rita := e.signIn("T1", "UROLES")
	status, page = rita.post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"UMEMBER"}, "role": {"NO_SUCH_ROLE"}, "entity": {"C2"}})
	if status != http.StatusOK || !strings.Contains(page, `data-testid="confirm-refused"`) || strings.Contains(page, `data-testid="confirm-form"`) {
		t.Fatalf("a write that would be refused is offered: %d\n%s", status, page)
	}
	if status, _ := member.post("/console/entities/preview", url.Values{"op": {"move"}, "id": {"C3"}, "parent": {"T2"}}); status != http.StatusForbidden {
		t.Fatalf("a member's move preview: %d", status)
	}
}

// Someone who may assign on a workspace but not see its assignments sees
// no one's changes there: the preview says some were left out.
func TestAPreviewShowsOnlyWhatTheReaderMaySee(t *testing.T) {
	e := newNamedEnv(t, nil)
	ctx := context.Background()
	if _, err := e.engine.PutRole(ctx, authz.Role{Name: "ASSIGNER", Scope: "T2", Permissions: []string{"ASSIGN_ROLES"}}, "test"); err != nil {
		t.Fatal(err)
	}
	e.grant("UMEMBER", "ASSIGNER", "T2")
	_, page := e.signIn("T1", "UMEMBER").post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"UOPS"}, "role": {"CHANNELS_ADMIN"}, "entity": {"T2"}})
	hasAll(t, "a blind preview", page, `data-testid="preview-hidden"`, `data-testid="confirm-form"`)
	if strings.Contains(page, "preview-table") || strings.Contains(page, name("C4", "#support")+"</div>") {
		t.Fatalf("the preview shows changes on entities the reader may not see:\n%s", page)
	}
}

func TestARoleEditIsPreviewed(t *testing.T) {
	e := newNamedEnv(t, nil)
	ctx := context.Background()
	if _, err := e.engine.PutRole(ctx, authz.Role{Name: "SUPPORT_LEAD", Scope: "T1", Permissions: []string{"VIEW_ACCOUNT"}}, "test"); err != nil {
		t.Fatal(err)
	}
	e.grant("UMEMBER", "SUPPORT_LEAD", "C2")
	rita := e.signIn("T1", "UROLES")
	status, page := rita.post("/console/roles/preview", url.Values{"name": {"SUPPORT_LEAD"}, "scope": {"T1"}, "permissions": {"EXTEND_TRIAL"}})
	if status != http.StatusOK {
		t.Fatalf("role preview: %d\n%s", status, page)
	}
	hasAll(t, "role preview", page, `<tr data-preview-user="UMEMBER">`, `<div class="gain" data-testid="gain"><code>EXTEND_TRIAL</code> on `+`<span class="name" title="channel C2" `+name("C2", "#backoffice"),
		`<div class="loss" data-testid="loss"><code>VIEW_ACCOUNT</code>`)
	action, fields := confirmFields(t, page)
	if status, page := rita.post(action, fields); status != http.StatusOK || !strings.Contains(page, "Saved role SUPPORT_LEAD.") {
		t.Fatalf("confirm: %d\n%s", status, page)
	}
	if r, _ := e.engine.Role(ctx, "SUPPORT_LEAD"); len(r.Permissions) != 1 || r.Permissions[0] != "EXTEND_TRIAL" {
		t.Fatalf("role after the edit: %+v", r)
	}
}

func TestEntitiesAreAddedAndMovedWithThePermissionServersRule(t *testing.T) {
	e := newNamedEnv(t, nil)
	ctx := context.Background()
	rita := e.signIn("T1", "UROLES")
	status, page := rita.post("/console/entities/preview", url.Values{"op": {"move"}, "id": {"C3"}, "parent": {"T2"}})
	if status != http.StatusOK {
		t.Fatalf("move preview: %d\n%s", status, page)
	}
	// Carl's CHANNELS_ADMIN on the enterprise stays above the channel, but
	// he has no account in Acme Support, where it now lies.
	hasAll(t, "move preview", page, "Save the channel", name("C3", "#backoffice-developers"), "below", name("T2", "Acme Support"),
		`<tr data-preview-user="UCHANADMIN">`, `<tr data-preview-user="USUPPORT">`)
	action, fields := confirmFields(t, page)
	status, page = rita.post(action, fields)
	if status != http.StatusOK || !strings.Contains(page, "Saved the channel #backoffice-developers below Acme Support.") {
		t.Fatalf("move: %d\n%s", status, page)
	}
	if ent, err := e.engine.Entity(ctx, "C3"); err != nil || ent.ParentID != "T2" || ent.CreatorID != "UADMIN" {
		t.Fatalf("moved entity: %+v %v", ent, err)
	}
	status, page = rita.post("/console/entities", url.Values{"op": {"add"}, "id": {"C9"}, "type": {"channel"}, "parent": {"T1"}})
	if status != http.StatusOK || !strings.Contains(page, "Saved the channel C9 below Acme.") {
		t.Fatalf("add: %d\n%s", status, page)
	}
	// A workspace's roles admin may not take a channel out of another
	// workspace, and is not told that workspace's name.
	if _, err := e.engine.Assign(ctx, "USUPPORT", "ROLES_ADMIN", "T2", "test"); err != nil {
		t.Fatal(err)
	}
	sam := e.signIn("T2", "USUPPORT")
	status, page = sam.post("/console/entities", url.Values{"op": {"move"}, "id": {"C2"}, "parent": {"T2"}})
	if status != http.StatusForbidden || !strings.Contains(page, "You no longer have permission to save entities on T1.") {
		t.Fatalf("a move out of another workspace: %d\n%s", status, page)
	}
	if ent, _ := e.engine.Entity(ctx, "C2"); ent.ParentID != "T1" {
		t.Fatal("the refused move was made")
	}
}

func TestAccessExplainsEachAnswer(t *testing.T) {
	e := newNamedEnv(t, nil)
	rita := e.signIn("T1", "UROLES")
	row := func(page, attr, value string) string {
		t.Helper()
		m := regexp.MustCompile(`<tr ` + attr + `="` + value + `" data-allowed="(true|false)">(.*?)</tr>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no row %s=%s", attr, value)
		}
		return m[1] + " " + m[2]
	}
	_, page := rita.get("/console/access?user=UCHANADMIN&entity=C1")
	if r := row(page, "data-permission", "ARCHIVE_CHANNEL"); !strings.HasPrefix(r, "true") ||
		!strings.Contains(r, `Role <code class="role">CHANNELS_ADMIN</code> on `) || !strings.Contains(r, name("E1", "Acme Corp")) || !strings.Contains(r, `granted by <span class="actor">demo-data</span>`) {
		t.Errorf("Carl's ARCHIVE_CHANNEL: %s", r)
	}
	if r := row(page, "data-permission", "EXTEND_TRIAL"); !strings.HasPrefix(r, "false") || !strings.Contains(r, "No role of theirs") {
		t.Errorf("Carl's EXTEND_TRIAL: %s", r)
	}
	_, page = rita.get("/console/access?user=UMCGUEST&entity=C1")
	if r := row(page, "data-permission", "ARCHIVE_CHANNEL"); !strings.HasPrefix(r, "false") || !strings.Contains(r, "is a guest (restricted) in") {
		t.Errorf("a guest's ARCHIVE_CHANNEL: %s", r)
	}
	_, page = rita.get("/console/access?user=UMEMBER&entity=C1")
	if r := row(page, "data-action", "channel.archive"); !strings.HasPrefix(r, "true") || !strings.Contains(r, name("C1", "#general")) || !strings.Contains(r, " created ") {
		t.Errorf("Mia archiving the channel she created: %s", r)
	}
	_, page = rita.get("/console/access?user=UADMIN&entity=C2")
	if r := row(page, "data-action", "channel.archive"); !strings.HasPrefix(r, "true") || !strings.Contains(r, "Legacy rule: the workspace's <code>who_can_archive_channels</code> is set to <code>admin</code>") {
		t.Errorf("Ada archiving by the legacy rule: %s", r)
	}
	// Another user's access needs VIEW_ASSIGNMENTS there; your own does not.
	member := e.signIn("T1", "UMEMBER")
	if status, page := member.get("/console/access?user=UCHANADMIN&entity=C1"); status != http.StatusForbidden || !strings.Contains(page, "You need VIEW_ASSIGNMENTS on C1 to see what UCHANADMIN may do there.") {
		t.Errorf("a member reading Carl's access: %d\n%s", status, page)
	}
	if status, page := member.get("/console/access?entity=C1"); status != http.StatusOK || !strings.Contains(page, `data-permission="ARCHIVE_CHANNEL" data-allowed="false"`) {
		t.Errorf("a member reading her own access: %d", status)
	}
}

func TestVotingNeedsTheWorkflow(t *testing.T) {
	e := newNamedEnv(t, nil)
	status, page := e.signIn("T1", "UROLES").post("/console/approvals/a1/vote", url.Values{"vote": {"approve"}})
	if status != http.StatusNotFound || !strings.Contains(page, "voting from the console is not configured") {
		t.Fatalf("a vote without the workflow: %d\n%s", status, page)
	}
}

// Your own access is yours to read in your workspace and near your
// roles, not on the rest of the tree.
func TestOwnAccessStaysNearYou(t *testing.T) {
	e := newNamedEnv(t, nil)
	member := e.signIn("T1", "UMEMBER")
	if status, _ := member.get("/console/access?entity=C2"); status != http.StatusOK {
		t.Errorf("a member's own access in her workspace: %d", status)
	}
	if status, page := member.get("/console/access?entity=C4"); status != http.StatusForbidden || strings.Contains(page, "#support") {
		t.Errorf("a member's own access in another workspace: %d", status)
	}
}

// An assignment to a user with no account in any workspace (a name typed
// for an id) is refused with who was probably meant; the preview offers
// to assign anyway, for pre-provisioning.
func TestAnAssignmentToAUserWithNoAccountIsRefusedUnlessConfirmed(t *testing.T) {
	e := newNamedEnv(t, nil)
	rita := e.signIn("T1", "UROLES")
	status, page := rita.post("/console/assignments/assign", assignForm("Mia", "BACKOFFICE_VIEWER", "C2"))
	if status != http.StatusBadRequest || !strings.Contains(page, `user &#34;Mia&#34; has no account in any workspace`) ||
		!strings.Contains(page, "did you mean UMEMBER (Mia (member))?") || e.hasAssignment("Mia", "BACKOFFICE_VIEWER", "C2") {
		t.Fatalf("assign to Mia: %d\n%s", status, page)
	}
	status, page = rita.post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"Mia"}, "role": {"BACKOFFICE_VIEWER"}, "entity": {"C2"}})
	hasAll(t, "preview", page, `data-testid="confirm-unknown-user"`, "did you mean UMEMBER (Mia (member))?", ">Assign anyway</button>")
	action, fields := confirmFields(t, page)
	if status != http.StatusOK || fields.Get("allow_unknown_user") != "1" {
		t.Fatalf("preview of an unknown user: %d, fields %v", status, fields)
	}
	if status, page = rita.post(action, fields); status != http.StatusOK || !e.hasAssignment("Mia", "BACKOFFICE_VIEWER", "C2") {
		t.Fatalf("assign anyway: %d\n%s", status, page)
	}
	// Someone who may not assign there hears nothing about who exists.
	member := e.signIn("T1", "UMEMBER")
	if status, page := member.post("/console/assignments/preview", url.Values{"op": {"assign"}, "user": {"Mia"}, "role": {"ROLES_ADMIN"}, "entity": {"C2"}}); status != http.StatusForbidden || strings.Contains(page, "did you mean") {
		t.Fatalf("a member's preview: %d\n%s", status, page)
	}
}
