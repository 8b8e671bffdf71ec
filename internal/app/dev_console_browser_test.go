package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/internal/browsertest"
)

// bareIDs is a script that lists the ids of ids found in the text a
// person sees, outside muted elements (where ids are shown on purpose,
// next to the names) and outside what is not drawn.
const bareIDs = `(ids) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(".muted, script, style, datalist, [hidden]") || el.getClientRects().length === 0) continue;
    for (const id of ids) {
      if (new RegExp("(^|[^A-Za-z0-9_])" + id + "($|[^A-Za-z0-9_])").test(n.textContent)) {
        found.push(id + " in " + JSON.stringify(n.textContent.trim().slice(0, 100)));
      }
    }
  }
  return found;
}`

// knownIDs are the ids of the demo organisation, all of which the
// sandbox names.
func knownIDs() []string {
	ids := []string{demo.Enterprise, demo.TeamMain, demo.TeamOther}
	for _, c := range demo.Channels() {
		ids = append(ids, c.ID)
	}
	for _, u := range demo.Users() {
		ids = append(ids, u.ID)
	}
	return ids
}

// noBareIDs fails the test when the page shows a known id as text where
// its name should be.
func noBareIDs(t *testing.T, p *browsertest.Tab, page string) {
	t.Helper()
	ids, _ := json.Marshal(knownIDs())
	var found []string
	p.Eval(fmt.Sprintf("(%s)(%s)", bareIDs, ids), &found)
	if len(found) > 0 {
		t.Errorf("%s shows bare ids: %q", page, found)
	}
}

// TestConsoleSpeaksInNames signs in to bastion dev's console as Rita, the
// roles admin, walks every page, finds Mia by typing "mi", previews and
// makes an assignment, and approves a pending request; no page shows a
// user, channel, workspace or enterprise by a bare id.
func TestConsoleSpeaksInNames(t *testing.T) {
	env := startDev(t)
	ctx := context.Background()
	// Rita also runs the back office in #backoffice, so her approval
	// counts there.
	if _, err := env.Engine.Assign(ctx, "UROLES", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice, "test"); err != nil {
		t.Fatal(err)
	}
	// Olga, an operator there, asks to disable a customer's user and
	// approves her own request with ✅.
	sb := env.Sandbox
	request, err := sb.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, "UOPS", "<@"+sb.BotUserID()+"> disable user ann@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	post := waitBotReply(t, env, request, "Would stop ann@acme.test")
	if err := sb.React(demo.TeamMain, "UOPS", demo.ChannelBackoffice, post, "white_check_mark"); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	rita := b.NewPerson("rita")
	rita.Navigate(env.URL + "console/signin")
	rita.WaitVisible("#dev-pick")
	noBareIDs(t, rita, "the sign-in page")
	rita.Screenshot("01-signin")
	rita.SetValue("#dev-pick", "T1/UROLES")
	rita.Click(`#dev-signin button[type="submit"]`)
	rita.WaitVisible(`[data-testid="whoami"]`)
	rita.WaitText(`[data-testid="whoami"]`, "Rita (roles admin) in Acme")

	for i, p := range []struct{ path, name, heading string }{
		{"console/", "home", "Welcome, Rita (roles admin)"},
		{"console/roles", "roles", "Roles"},
		{"console/assignments?role=BACKOFFICE_OPERATOR", "assignments-by-role", "Assignments"},
		{"console/assignments?entity=E1", "assignments-on-enterprise", "Assignments"},
		{"console/entities", "entities", "Entities"},
		{"console/accounts", "accounts", "Accounts and team preferences"},
		{"console/installations", "installations", "Slack installations"},
		{"console/approvals", "approvals", "Pending approvals"},
		{"console/audit", "audit", "Audit log"},
		{"console/access?user=UOPS&entity=C2", "access", "Access"},
	} {
		rita.Navigate(env.URL + p.path)
		rita.WaitText("h1", p.heading)
		rita.WaitTrue(`document.body.dataset.live === "on" && Number(document.body.dataset.permApplied) >= 1`)
		noBareIDs(t, rita, p.path)
		rita.Screenshot(fmt.Sprintf("%02d-%s", i+2, p.name))
	}
	// The access page explains each answer in names.
	if why := rita.WaitText(`[data-testid="access-permissions"] tr[data-permission="DISABLE_USER"]`, "BACKOFFICE_OPERATOR"); !strings.Contains(why, "#backoffice") {
		t.Errorf("Olga's DISABLE_USER on #backoffice is explained as %q", why)
	}

	// Rita finds Mia by typing "mi" and gives her the operator role in
	// #backoffice, seeing first what Mia gains.
	rita.Navigate(env.URL + "console/assignments?role=BACKOFFICE_OPERATOR")
	rita.WaitVisible("#assign-user-search")
	rita.Type("#assign-user-search", "mi")
	first := rita.WaitText(`#assign-user-choices li[role="option"]`, "Mia")
	if !strings.HasPrefix(first, "Mia (member)") {
		t.Errorf(`the first match of "mi" is %q, want Mia`, first)
	}
	noBareIDs(t, rita, "the user picker")
	rita.Screenshot("12-picker-finds-mia")
	rita.Click(`#assign-user-choices li[data-value="UMEMBER"]`)
	var chosen string
	rita.Eval(`document.getElementById("assign-user").value`, &chosen)
	if chosen != "UMEMBER" {
		t.Fatalf("choosing Mia put %q in the form", chosen)
	}
	rita.SetValue("#assign-role", "BACKOFFICE_OPERATOR")
	rita.SetValue("#assign-entity", demo.ChannelBackoffice)
	rita.Click("#assign-submit")
	rita.WaitVisible(`[data-testid="confirm-submit"]`)
	rita.WaitVisible(`[data-testid="confirm-summary"]`)
	summary := rita.WaitText(`[data-testid="confirm-summary"]`, "Mia (member)")
	if !strings.Contains(summary, "Assign BACKOFFICE_OPERATOR to Mia (member) on #backoffice") {
		t.Errorf("confirm summary %q", summary)
	}
	gains := rita.WaitText(`[data-testid="preview-table"] tr[data-preview-user="UMEMBER"] .gains`, "DISABLE_USER")
	if !strings.Contains(gains, "#backoffice") || !strings.Contains(gains, "EXTEND_TRIAL") {
		t.Errorf("Mia's gains: %q", gains)
	}
	if n := rita.Count(`[data-testid="preview-table"] tr[data-preview-user]`); n != 1 {
		t.Errorf("the preview names %d users, want Mia alone", n)
	}
	if has(t, env.Engine, "UMEMBER", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice) {
		t.Fatal("the assignment was made before it was confirmed")
	}
	noBareIDs(t, rita, "the confirm page")
	rita.Screenshot("13-preview")
	clickForNotice(rita, `[data-testid="confirm-submit"]`)
	rita.WaitText(`[data-testid="flash"]`, "Assigned BACKOFFICE_OPERATOR to Mia (member) on #backoffice.")
	if !has(t, env.Engine, "UMEMBER", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice) {
		t.Fatal("the confirmed assignment is not stored")
	}
	noBareIDs(t, rita, "the assignments page after assigning")
	rita.Screenshot("14-assigned")

	// Rita approves Olga's request from the console: it runs once.
	rita.Navigate(env.URL + "console/approvals")
	row := `tr[data-approval] [data-testid^="approve-"]`
	rita.WaitVisible(row)
	noBareIDs(t, rita, "the approvals page")
	rita.Screenshot("15-pending-request")
	clickForNotice(rita, row)
	rita.WaitText(`[data-testid="flash"]`, "Your approval is recorded")
	waitBotReply(t, env, request, "ann@acme.test is disabled.")
	runs := 0
	for _, m := range sb.Thread(demo.ChannelBackoffice, request) {
		if strings.Contains(m.Text, "ann@acme.test is disabled.") {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf("the command ran %d times, want once", runs)
	}
	rita.Navigate(env.URL + "console/approvals")
	rita.WaitText("h1", "Pending approvals")
	if n := rita.Count(`tr[data-approval]`); n != 0 {
		t.Errorf("%d requests still pending", n)
	}
	rita.Screenshot("16-approved")
	if errs := rita.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("page console errors: %q", errs)
	}
}

// clickForNotice clicks a button that submits a form and waits for the
// next page's notice: the current one is hidden first, and the wait is a
// DOM query, which survives the navigation.
func clickForNotice(p *browsertest.Tab, sel string) {
	p.Eval(`document.getElementById("notice").hidden = true`, nil)
	p.Click(sel)
	p.WaitVisible(`[data-testid="flash"]`)
}

// waitBotReply waits for the bot's reply containing text in the thread of
// ts in #backoffice and returns its ts.
func waitBotReply(t *testing.T, env *DevEnv, ts, text string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var found string
	err := env.Sandbox.WaitFor(ctx, func() bool {
		for _, m := range env.Sandbox.Thread(demo.ChannelBackoffice, ts) {
			if m.BotID != "" && strings.Contains(m.Text, text) {
				found = m.TS
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no bot reply %q in the thread of %s", text, ts)
	}
	return found
}

func has(t *testing.T, e *authz.Engine, user, role, entity string) bool {
	t.Helper()
	list, err := e.Assignments(context.Background(), authz.AssignmentFilter{UserID: user})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Role == role && a.EntityID == entity {
			return true
		}
	}
	return false
}
