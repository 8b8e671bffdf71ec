package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/internal/browsertest"
)

// contentHTML is what the open page shows below its header.
func contentHTML(tab *browsertest.Tab) string {
	var html string
	tab.Eval(`document.getElementById("content").innerHTML`, &html)
	return html
}

func TestBrowserPlainMemberSeesOnlyWhatTheyMay(t *testing.T) {
	e := newEnv(t, withApprovals)
	ctx := context.Background()
	b := browsertest.New(t)
	member := b.NewPerson("member")
	signInBrowser(t, e, member, "T1", "UMEMBER")

	// Every page says which permission its data needs and shows none of
	// it: nobody else's roles, assignments, entities, accounts,
	// installations, requests or changes.
	for _, p := range []struct{ path, name, permission string }{
		{"/console/roles", "roles", "VIEW_ROLES"},
		{"/console/assignments?role=CHANNELS_ADMIN", "assignments", "VIEW_ASSIGNMENTS"},
		{"/console/entities", "entities", "VIEW_ASSIGNMENTS"},
		{"/console/accounts", "accounts", "VIEW_TEAM_SETTINGS"},
		{"/console/installations", "installations", "VIEW_INSTALLATIONS"},
		{"/console/approvals", "approvals", "VIEW_APPROVALS"},
		{"/console/audit", "audit", "VIEW_AUDIT_LOG"},
	} {
		openLive(t, e, member, p.path)
		member.WaitVisible(`[data-testid="needs"][data-permission="` + p.permission + `"]`)
		html := contentHTML(member)
		for _, m := range dataMarkers {
			if strings.Contains(html, m) && !(p.name == "approvals" && m == `data-approval="`) {
				t.Errorf("%s shows a plain member data: %s", p.path, m)
			}
		}
		for _, n := range othersNames {
			if strings.Contains(html, n) && n != "CHANNELS_ADMIN" {
				t.Errorf("%s shows a plain member %s", p.path, n)
			}
		}
		member.Screenshot("member-" + p.name)
	}
	// Their own request is theirs to see, and only it.
	openLive(t, e, member, "/console/approvals")
	if n := member.Count(`[data-approval]`); n != 1 || !isShown(t, member, `[data-approval="AP-MINE"]`) {
		t.Fatalf("approvals: %d requests shown, want the member's own", n)
	}
	openLive(t, e, member, "/console/")
	member.WaitVisible(`[data-testid="lacks-VIEW_AUDIT_LOG"]`)
	member.Screenshot("member-home")

	// The member keeps the audit page open while others change things:
	// in T2, for other people in T1, and the member's own account in T2,
	// which the engine tells the member's stream of. None of it reaches
	// the page.
	openLive(t, e, member, "/console/audit")
	member.WaitTrue(`Number(document.body.dataset.permApplied) === 2`) // on load, and when the stream opened
	must := func(_ authz.Revision, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.engine.Assign(ctx, "USUPPORT", "USERS_ADMIN", "C4", "T2/USUPPORT"))
	must(e.engine.SetTeamPrefs(ctx, "T2", map[string]string{"who_can_archive_channels": "owner"}, "T2/USUPPORT"))
	must(e.engine.SetAccountType(ctx, "T2", "UMEMBER", authz.AccountMember, "T2/USUPPORT"))
	must(e.engine.Assign(ctx, "UOPS", "USERS_ADMIN", "C1", "T1/UROLES"))

	// Made an auditor of T1, the member sees T1's changes appear without
	// a reload, and still nothing of T2's.
	e.grant("UMEMBER", "CONSOLE_VIEWER", "T1")
	member.WaitVisible(`[data-testid="audit"] tr[data-revision]`)
	member.WaitTrue(`window.sameDocument === true`)
	member.WaitText(`[data-testid="flash"]`, "Your permissions changed.")
	var applied int
	member.Eval(`Number(document.body.dataset.permApplied)`, &applied)
	if applied != 3 {
		t.Errorf("the page was updated %d times after it opened, want once: for the member's own new role", applied-2)
	}
	var rows []string
	member.Eval(`Array.from(document.querySelectorAll('[data-testid="audit"] tr[data-revision]')).map(r => r.dataset.key + " " + r.textContent)`, &rows)
	var sawOps bool
	for _, r := range rows {
		sawOps = sawOps || strings.Contains(r, "UOPS/USERS_ADMIN/C1")
		for _, n := range []string{"T2", "C4", "USUPPORT"} {
			if strings.Contains(r, n) {
				t.Errorf("an auditor of T1 is shown an entry about %s: %s", n, r)
			}
		}
	}
	if !sawOps {
		t.Errorf("the auditor of T1 does not see the assignment on C1: %v", rows)
	}
	var parents map[string]string
	member.Eval(`(() => { const x = new XMLHttpRequest(); x.open("GET", "/console/api/permissions", false); x.send(); return JSON.parse(x.responseText).parents; })()`, &parents)
	if parents["C1"] != "T1" || parents["T2"] != "" || parents["C4"] != "" {
		t.Errorf("the script is told of the tree %v, want T1's part only", parents)
	}
	member.Screenshot("member-made-auditor-of-T1")

	// Losing the role hides the entries at once, in the same page.
	if _, err := e.engine.Revoke(ctx, "UMEMBER", "CONSOLE_VIEWER", "T1", "T1/UROLES"); err != nil {
		t.Fatal(err)
	}
	member.WaitTrue(`Array.from(document.querySelectorAll('[data-testid="audit"] tr[data-revision]')).every(r => r.getClientRects().length === 0)`)
	member.WaitTrue(`window.sameDocument === true`)
	member.Screenshot("member-lost-auditor")
	if errs := member.ConsoleErrors(); len(errs) != 0 {
		t.Fatalf("the pages logged script errors: %v", errs)
	}
}
