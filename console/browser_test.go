package console_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/internal/browsertest"
)

// signInBrowser signs a tab in with the development picker.
func signInBrowser(t *testing.T, e *env, tab *browsertest.Tab, team, user string) {
	t.Helper()
	tab.Navigate(e.srv.URL + "/console/signin")
	tab.SetValue("#dev-pick", team+"/"+user)
	tab.Click(`#dev-signin button[type="submit"]`)
	// Wait with a DOM query first: it survives the navigation, which a
	// script poll does not.
	tab.WaitVisible(`[data-testid="whoami"]`)
	tab.WaitText(`[data-testid="whoami"]`, user+" in "+team)
}

// openLive loads a console page and waits until its permissions are drawn
// and its event stream is connected; it marks the page so that a reload
// can be told apart from a live update.
func openLive(t *testing.T, e *env, tab *browsertest.Tab, path string) {
	t.Helper()
	tab.Navigate(e.srv.URL + path)
	tab.WaitTrue(`document.body.dataset.live === "on" && Number(document.body.dataset.permApplied) >= 1`)
	tab.Eval(`window.sameDocument = true`, nil)
}

// clickAndWaitForNotice clicks a button that submits a form and waits for
// the next page's notice. The current notice is hidden first so that only
// the next page's can satisfy the wait, which is a DOM query: it survives
// the navigation, which a script poll does not.
func clickAndWaitForNotice(tab *browsertest.Tab, sel string) {
	tab.Eval(`document.getElementById("notice").hidden = true`, nil)
	tab.Click(sel)
	tab.WaitVisible(`[data-testid="flash"]`)
}

// previewAndConfirm clicks a button that leads to a write's preview,
// waits for the confirm page and confirms, then waits for the notice.
func previewAndConfirm(tab *browsertest.Tab, sel string) {
	tab.Click(sel)
	tab.WaitVisible(`[data-testid="confirm-submit"]`)
	clickAndWaitForNotice(tab, `[data-testid="confirm-submit"]`)
}

func isHidden(t *testing.T, tab *browsertest.Tab, sel string) bool {
	t.Helper()
	var hidden bool
	q, _ := json.Marshal(sel)
	tab.Eval(`(() => { const el = document.querySelector(`+string(q)+`); if (!el) throw new Error("no element matches " + `+string(q)+`); return el.hidden; })()`, &hidden)
	return hidden
}

// isShown reports whether an element matches sel and is drawn; an element
// the page does not hold is not shown.
func isShown(t *testing.T, tab *browsertest.Tab, sel string) bool {
	t.Helper()
	var shown bool
	q, _ := json.Marshal(sel)
	tab.Eval(`(() => { const el = document.querySelector(`+string(q)+`); return !!el && el.getClientRects().length > 0; })()`, &shown)
	return shown
}

func TestBrowserAssignmentsChangeTheAssigneesPageLive(t *testing.T) {
	e := newEnv(t, nil)
	b := browsertest.New(t)
	admin := b.NewPerson("admin")
	member := b.NewPerson("member")
	signInBrowser(t, e, admin, "T1", "UROLES")
	signInBrowser(t, e, member, "T1", "UMEMBER")

	// The member looks at someone's assignments: no assign form, no revoke.
	openLive(t, e, member, "/console/assignments?user=UCHANADMIN")
	if !isHidden(t, member, "#assign-section") || isShown(t, member, `[data-testid="revoke-UCHANADMIN-CHANNELS_ADMIN-E1"]`) {
		t.Fatal("a plain member is offered the assign or revoke controls")
	}
	member.Screenshot("1-member-before")

	// The admin makes the member a Roles Admin of T1.
	openLive(t, e, admin, "/console/assignments?user=UMEMBER")
	admin.SetValue("#assign-user", "UMEMBER")
	admin.SetValue("#assign-role", "ROLES_ADMIN")
	admin.SetValue("#assign-entity", "T1")
	previewAndConfirm(admin, "#assign-submit")
	admin.WaitText(`[data-testid="flash"]`, "Assigned ROLES_ADMIN to UMEMBER on T1.")
	admin.Screenshot("2-admin-assigned")

	// The member's open page gains the assign form without a reload; the
	// revoke button of an assignment on E1, above T1, stays hidden.
	member.WaitVisible("#assign-section")
	member.WaitTrue(`window.sameDocument === true`)
	member.WaitText(`[data-testid="flash"]`, "Your permissions changed.")
	if isShown(t, member, `[data-testid="revoke-UCHANADMIN-CHANNELS_ADMIN-E1"]`) {
		t.Fatal("ROLES_ADMIN on T1 shows a revoke button for an assignment on E1")
	}
	if isHidden(t, member, `#assign-entity option[value="C1"]`) || member.Count(`#assign-entity option[value="E1"]`) != 0 {
		t.Fatal("the entity choices do not follow ASSIGN_ROLES on T1")
	}
	member.Screenshot("3-member-gained-controls")

	// The member starts filling in the form...
	member.SetValue("#assign-user", "UOPS")
	member.SetValue("#assign-role", "USERS_ADMIN")
	member.SetValue("#assign-entity", "C1")

	// ...while the admin revokes the role.
	previewAndConfirm(admin, `[data-testid="revoke-UMEMBER-ROLES_ADMIN-T1"] button`)
	admin.WaitText(`[data-testid="flash"]`, "Revoked ROLES_ADMIN from UMEMBER on T1.")
	admin.Screenshot("4-admin-revoked")

	member.WaitTrue(`document.getElementById("assign-section").hidden === true`)
	member.WaitTrue(`window.sameDocument === true`)
	member.Screenshot("5-member-lost-controls")

	// The form the member had open is sent anyway (as a page whose live
	// updates stalled would): the server refuses it and says why.
	member.Eval(`document.getElementById("assign-form").submit()`, nil)
	member.WaitVisible(`[data-testid="back"]`)
	msg := member.WaitText(`[data-testid="error"]`, "You no longer have permission to assign roles on C1.")
	if !strings.Contains(msg, "no longer have permission") {
		t.Fatalf("refusal: %q", msg)
	}
	member.Screenshot("6-member-stale-action-refused")
	if e.hasAssignment("UOPS", "USERS_ADMIN", "C1") {
		t.Fatal("the stale action was carried out")
	}
}

func TestBrowserInstallationsShowTheUpgradeNotice(t *testing.T) {
	e := newEnv(t, nil)
	b := browsertest.New(t)
	admin := b.NewPerson("admin")
	signInBrowser(t, e, admin, "T1", "UROLES")
	admin.Navigate(e.srv.URL + "/console/installations")
	notice := admin.WaitText(`[data-testid="installation-T2"] [data-testid="upgrade-approvals_by_reaction"]`, "reactions:write")
	if !strings.Contains(notice, "Reinstall the app") {
		t.Fatalf("notice without the reinstall link: %q", notice)
	}
	var href string
	admin.Eval(`document.querySelector('[data-testid="installation-T2"] [data-testid="reinstall"]').getAttribute("href")`, &href)
	if href != "/slack/install?team=T2" {
		t.Fatalf("reinstall link %q, want T2's", href)
	}
	if n := admin.Count(`[data-testid="installation-T1"] .upgrade`); n != 0 {
		t.Fatalf("T1 granted everything but shows %d notices", n)
	}
	admin.Screenshot("installations-upgrade-notice")
}

func TestBrowserEveryPageDrawsWithoutScriptErrors(t *testing.T) {
	e := newEnv(t, nil)
	b := browsertest.New(t)
	admin := b.NewPerson("admin")
	admin.Navigate(e.srv.URL + "/console/signin")
	admin.WaitVisible("#dev-pick")
	admin.Screenshot("signin")
	signInBrowser(t, e, admin, "T1", "UROLES")
	for _, p := range []struct{ path, name, heading string }{
		{"/console/", "home", "Welcome, UROLES"},
		{"/console/roles", "roles", "Roles"},
		{"/console/assignments?role=ROLES_ADMIN", "assignments-by-role", "Assignments"},
		{"/console/entities", "entities", "Entities"},
		{"/console/accounts", "accounts", "Accounts and team preferences"},
		{"/console/installations", "installations", "Slack installations"},
		{"/console/approvals", "approvals", "Pending approvals"},
		{"/console/audit?kind=assignment.add", "audit", "Audit log"},
	} {
		openLive(t, e, admin, p.path)
		admin.WaitText("h1", p.heading)
		admin.Screenshot(p.name)
	}
	if errs := admin.ConsoleErrors(); len(errs) != 0 {
		t.Fatalf("the pages logged script errors: %v", errs)
	}
}
