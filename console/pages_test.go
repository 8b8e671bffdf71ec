package console_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/console"
)

func TestControlsAreDrawnFromThePermissions(t *testing.T) {
	e := newEnv(t, nil)
	// An auditor sees the assignments but may not change them.
	e.grant("UMEMBER", "CONSOLE_VIEWER", "E1")
	_, admin := e.signIn("T1", "UROLES").get("/console/assignments?user=UCHANADMIN")
	_, member := e.signIn("T1", "UMEMBER").get("/console/assignments?user=UCHANADMIN")
	const shown = `<section data-needs="ASSIGN_ROLES" id="assign-section"`
	const hidden = `<section data-needs="ASSIGN_ROLES" hidden id="assign-section"`
	if !strings.Contains(admin, shown) {
		t.Errorf("roles admin: assign form not shown")
	}
	if !strings.Contains(member, hidden) {
		t.Errorf("member: assign form not hidden")
	}
	revoke := regexp.MustCompile(`<form method="post" action="/console/assignments/preview" class="inline" data-needs="ASSIGN_ROLES" data-entity="E1"( hidden)?`)
	if m := revoke.FindStringSubmatch(admin); m == nil || m[1] != "" {
		t.Errorf("roles admin: revoke button on E1 not shown: %q", m)
	}
	if m := revoke.FindStringSubmatch(member); m == nil || m[1] != " hidden" {
		t.Errorf("member: revoke button on E1 not hidden: %q", m)
	}
}

func TestChannelAdminOnATeamMayAssignOnlyBelowIt(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.engine.Assign(context.Background(), "UMEMBER", "ROLES_ADMIN", "T1", "test"); err != nil {
		t.Fatal(err)
	}
	_, page := e.signIn("T1", "UMEMBER").get("/console/assignments?user=UMEMBER")
	// The form offers the entities where the user may assign, and no other.
	for entity, offered := range map[string]bool{"E1": false, "T1": true, "C1": true, "T2": false, "C4": false} {
		opt := regexp.MustCompile(`<option value="` + entity + `"\s*data-needs="ASSIGN_ROLES" data-entity="` + entity + `"( hidden)?>`)
		m := opt.FindStringSubmatch(page)
		switch {
		case offered && (m == nil || m[1] != ""):
			t.Errorf("option %s not offered: %q", entity, m)
		case !offered && strings.Contains(page, `<option value="`+entity+`"`):
			t.Errorf("option %s offered", entity)
		}
	}
}

func TestReadPages(t *testing.T) {
	e := newEnv(t, nil)
	e.grant("UMEMBER", "CONSOLE_VIEWER", "E1")
	c := e.signIn("T1", "UMEMBER")
	for path, wants := range map[string][]string{
		"/console/roles":                        {"CHANNELS_ADMIN", "ARCHIVE_CHANNEL, RENAME_CHANNEL", "ROLES_ADMIN"},
		"/console/entities":                     {`data-entity-row="E1"`, `class="depth-1" data-entity-row="T1"`, `class="depth-2" data-entity-row="C1"`, `created by <span class="id" title="no name known">UMEMBER</span>`},
		"/console/assignments?role=ROLES_ADMIN": {`data-assignment="UROLES/ROLES_ADMIN/E1"`, `data-assignment="UPRIMARY/ROLES_ADMIN/E1"`},
		"/console/assignments?entity=T2":        {`data-assignment="USUPPORT/CHANNELS_ADMIN/T2"`},
		"/console/assignments?user=UOPS":        {`data-assignment="UOPS/BACKOFFICE_OPERATOR/C2"`},
		"/console/approvals":                    {"Approvals are not configured"},
	} {
		status, body := c.get(path)
		if status != http.StatusOK {
			t.Errorf("%s: %d", path, status)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s", path, w)
			}
		}
	}
	if status, _ := c.get("/console/roles/NO_SUCH_ROLE"); status != http.StatusNotFound {
		t.Errorf("unknown role page: %d", status)
	}
}

func TestInstallationsShowUpgradeNotices(t *testing.T) {
	e := newEnv(t, nil)
	_, page := e.signIn("T1", "UROLES").get("/console/installations")
	t2 := section(t, page, "installation-T2")
	if !strings.Contains(t2, `data-testid="upgrade-approvals_by_reaction"`) || !strings.Contains(t2, "has not granted reactions:write") ||
		!strings.Contains(t2, `href="/slack/install?team=T2"`) {
		t.Errorf("T2 lacks the reactions:write upgrade notice with the reinstall link:\n%s", t2)
	}
	if strings.Count(t2, `class="upgrade"`) != 1 {
		t.Errorf("T2 should have exactly one notice:\n%s", t2)
	}
	t1 := section(t, page, "installation-T1")
	if strings.Contains(t1, `class="upgrade"`) || !strings.Contains(t1, "Every feature has the scopes it needs.") || !strings.Contains(t1, "reactions:write") {
		t.Errorf("T1 has every scope, yet:\n%s", t1)
	}

	bare := newEnv(t, func(o *console.Options, _ string) { o.Installations = nil })
	_, page = bare.signIn("T1", "UROLES").get("/console/installations")
	if !strings.Contains(page, "Slack is not configured") {
		t.Errorf("no installations store, yet:\n%s", page)
	}
}

// auditRow matches a row of the audit page.
var auditRow = regexp.MustCompile(`<tr data-revision="\d+"[^>]*>`)

// section returns the <section> whose data-testid is id.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `data-testid="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s in:\n%s", id, page)
	}
	j := strings.Index(page[i:], "</section>")
	return page[i : i+j]
}

type fakeApprovals map[string][]console.PendingApproval

func (f fakeApprovals) Pending(_ context.Context, teamID string) ([]console.PendingApproval, error) {
	return f[teamID], nil
}

func TestApprovalsPage(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	e := newEnv(t, func(o *console.Options, _ string) {
		o.Approvals = fakeApprovals{"T1": {{ID: "AP1", TeamID: "T1", ChannelID: "C2", RequesterID: "UOPS", Command: "set acme trial remaining to 14 days", Approvals: 1, Required: 2, RequestedAt: at}}}
	})
	e.grant("UMEMBER", "CONSOLE_VIEWER", "E1")
	_, page := e.signIn("T1", "UMEMBER").get("/console/approvals")
	t1 := section(t, page, "approvals-T1")
	for _, w := range []string{"AP1", "set acme trial remaining to 14 days", "UOPS", "1 of 2", "2026-11-01 10:00:00 UTC"} {
		if !strings.Contains(t1, w) {
			t.Errorf("approvals of T1 lack %q", w)
		}
	}
	if !strings.Contains(section(t, page, "approvals-T2"), "Nothing waiting.") {
		t.Error("T2 should have nothing waiting")
	}
}

func TestAuditFilters(t *testing.T) {
	e := newEnv(t, nil)
	admin := e.signIn("T1", "UROLES")
	admin.post("/console/assignments/assign", assignForm("UMEMBER", "CHANNELS_ADMIN", "T1"))
	admin.post("/console/assignments/revoke", assignForm("UMEMBER", "CHANNELS_ADMIN", "T1"))
	_, page := admin.get("/console/audit?actor=T1/UROLES")
	rows := auditRow.FindAllString(page, -1)
	if len(rows) != 2 || !strings.Contains(page, "assignment.add") || !strings.Contains(page, "assignment.remove") {
		t.Fatalf("audit by actor: %d rows\n%s", len(rows), page)
	}
	_, page = admin.get("/console/audit?actor=T1/UROLES&kind=assignment.remove")
	if n := len(auditRow.FindAllString(page, -1)); n != 1 || strings.Contains(page, "<td>assignment.add</td>") {
		t.Fatalf("audit by actor and kind: %d rows", n)
	}
	_, page = admin.get("/console/audit?user=UROLES&limit=1")
	if n := len(auditRow.FindAllString(page, -1)); n != 1 || !strings.Contains(page, "Next page") {
		t.Fatalf("audit with a limit: %d rows, want 1 and a next page", n)
	}
}

func TestWorksBehindStripPrefix(t *testing.T) {
	e := newEnv(t, nil)
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", e.console.Handler()))
	e.srv.Config.Handler = mux
	c := e.signIn("T1", "UROLES")
	status, body := c.get("/console/roles")
	if status != http.StatusOK || !strings.Contains(body, `href="/console/static/console.css"`) {
		t.Fatalf("roles behind StripPrefix: %d", status)
	}
	if status, body := c.get("/console/static/console.js"); status != http.StatusOK || !strings.Contains(body, "EventSource") {
		t.Fatalf("script: %d", status)
	}
}
