package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/internal/browsertest"
	"github.com/bastionhq/bastion/slackapp"
)

// testid is a CSS selector for a data-testid with optional attribute
// pairs: testid("message", "data-ts", ts).
func testid(id string, attrs ...string) string {
	s := fmt.Sprintf(`[data-testid=%q]`, id)
	for i := 0; i+1 < len(attrs); i += 2 {
		s += fmt.Sprintf(`[%s=%q]`, attrs[i], attrs[i+1])
	}
	return s
}

const botInThread = `[data-testid="thread-messages"] [data-testid="message"][data-bot="true"]`

// say posts text in the open channel as the tab's person, waits for the
// bot to answer in the message's thread, opens the thread and returns the
// message's ts.
func say(t *testing.T, p *browsertest.Tab, user, text string) string {
	t.Helper()
	mine := fmt.Sprintf(`[data-testid="messages"] [data-testid="message"][data-user=%q]`, user)
	var before int
	p.Eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, mine), &before)
	p.Type(testid("composer-input"), text)
	p.Click(testid("composer-send"))
	p.WaitTrue(fmt.Sprintf(`document.querySelectorAll(%q).length > %d`, mine, before))
	var ts string
	p.Eval(fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).pop().dataset.ts`, mine), &ts)
	p.WaitTrue(fmt.Sprintf(`(() => { const e = document.querySelector('[data-testid="messages"] %s'); return e && Number(e.dataset.replies) > 0 })()`,
		testid("thread-open", "data-ts", ts)))
	p.Click(`[data-testid="messages"] ` + testid("thread-open", "data-ts", ts))
	p.WaitVisible(testid("thread-panel", "data-ts", ts))
	return ts
}

// react adds emoji to a message of the open thread through the page.
func react(p *browsertest.Tab, ts, emoji string) {
	msg := `[data-testid="thread-messages"] ` + testid("message", "data-ts", ts)
	p.Click(msg + " " + testid("reaction-add"))
	p.Click(msg + " " + testid("reaction-pick", "data-emoji", emoji))
	p.WaitVisible(msg + " " + testid("reaction", "data-emoji", emoji) + `[aria-pressed="true"]`)
}

// TestDevInBrowser is the tour a new user takes after `bastion dev`: help
// as a member, a Channels Admin command denied, a sensitive command
// requested by one admin and approved by another, and the result.
func TestDevInBrowser(t *testing.T) {
	env := startDev(t)
	b := browsertest.New(t)

	// Mia, a member, asks for help in #backoffice: the list marks what she
	// may run, and she may not archive channels.
	mia := b.NewPerson("mia")
	mia.Navigate(env.URL + "?team=T1&as=UMEMBER&channel=C2")
	mia.WaitVisible(`body[data-state="ready"]`)
	mia.WaitVisible(testid("live", "data-state", "open"))
	say(t, mia, "UMEMBER", "@bastion help")
	help := mia.WaitText(botInThread, "disable user")
	for _, want := range []string{"whoami", "✗", "archive", "needs 1 approval"} {
		if !strings.Contains(help, want) {
			t.Errorf("help for a member lacks %q:\n%s", want, help)
		}
	}
	mia.Screenshot("01-member-help")
	mia.Click(testid("thread-close"))
	say(t, mia, "UMEMBER", "@bastion archive #general")
	mia.WaitText(botInThread, "Denied: you need ARCHIVE_CHANNEL")
	mia.Screenshot("02-member-denied-archive")

	// Ada, an admin and back-office operator, asks to disable a customer's
	// user: the bot posts the dry run and waits for her and one other.
	ada := b.NewPerson("ada")
	ada.Navigate(env.URL + "?team=T1&as=UADMIN&channel=C2")
	ada.WaitVisible(testid("live", "data-state", "open"))
	request := say(t, ada, "UADMIN", "@bastion disable user ann@acme.test")
	ada.WaitText(botInThread, "Would stop ann@acme.test")
	var approvalTS string
	ada.Eval(fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).find(e => e.innerText.includes("Would stop")).dataset.ts`, botInThread), &approvalTS)
	react(ada, approvalTS, "white_check_mark")
	ada.Screenshot("03-admin-requested-and-approved")

	// Abe, a second admin, opens the thread from a link and approves.
	abe := b.NewPerson("abe")
	abe.Navigate(fmt.Sprintf("%s?team=T1&as=UADMIN2&channel=C2&thread=%s", env.URL, request))
	abe.WaitVisible(testid("thread-panel", "data-ts", request))
	abe.WaitText(botInThread, "Would stop ann@acme.test")
	react(abe, approvalTS, "white_check_mark")

	// The command runs once; both see the result in the thread.
	abe.WaitText(botInThread, "ann@acme.test is disabled.")
	ada.WaitText(botInThread, "ann@acme.test is disabled.")
	abe.Screenshot("04-second-admin-approved")
	ada.Screenshot("05-result")
	runs := 0
	for _, m := range env.Sandbox.Thread("C2", request) {
		if strings.Contains(m.Text, "ann@acme.test is disabled.") {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf("the result was posted %d times, want once", runs)
	}
	if errs := slices.Concat(mia.ConsoleErrors(), ada.ConsoleErrors(), abe.ConsoleErrors()); len(errs) > 0 {
		t.Errorf("page console errors: %q", errs)
	}
}

// The address dev prints opens where the README's tour starts: Mia, a
// member, in #backoffice, and the page's address names that view.
func TestDevOpensWhereTheTourStarts(t *testing.T) {
	env := startDev(t)
	b := browsertest.New(t)
	p := b.NewPerson("newcomer")
	p.Navigate(env.URL)
	p.WaitVisible(`body[data-state="ready"]`)
	var view struct{ As, Team, Channel string }
	p.Eval(`({As: document.body.dataset.as, Team: document.body.dataset.team, Channel: document.body.dataset.channel})`, &view)
	if view.As != "UMEMBER" || view.Team != "T1" || view.Channel != "C2" {
		t.Errorf("the printed address opens %+v, want Mia (UMEMBER) in #backoffice (C2) of T1", view)
	}
	p.WaitText(testid("current-user"), "Mia")
	p.WaitText(testid("channel-title"), "backoffice")
	if loc := p.Location(); !strings.Contains(loc, "as=UMEMBER") || !strings.Contains(loc, "channel=C2") {
		t.Errorf("the address bar shows %s", loc)
	}
	p.Screenshot("opened")
}

// Reinstall under a workspace's upgrade notice reinstalls that workspace,
// and its notice clears: it used to reinstall the first one.
func TestDevReinstallClearsTheWorkspacesNotice(t *testing.T) {
	env := startDev(t)
	b := browsertest.New(t)
	rita := b.NewPerson("rita")
	rita.Navigate(env.URL + "console/signin")
	rita.SetValue("#dev-pick", "T1/UROLES")
	rita.Click(`#dev-signin button[type="submit"]`)
	rita.WaitVisible(`[data-testid="whoami"]`)
	rita.Navigate(env.URL + "console/installations")
	notice := `[data-testid="installation-T2"] [data-testid="upgrade-approvals_by_reaction"]`
	rita.WaitText(notice, "reactions:write")
	rita.Screenshot("01-notice-under-T2")
	rita.Click(notice + ` [data-testid="reinstall"]`)
	// A DOM wait first: it survives the redirects, which a script poll
	// does not. The install's answer is a page of its own, an h1 and a p.
	rita.WaitVisible("body > h1 + p")
	rita.WaitText("body > p", "Workspace T2 is ready")
	rita.Screenshot("02-reinstalled")
	rita.Navigate(env.URL + "console/installations")
	rita.WaitVisible(`[data-testid="installation-T2"]`)
	if n := rita.Count(`[data-testid="installation-T2"] .upgrade`); n != 0 {
		t.Errorf("T2 still shows %d upgrade notices after its reinstall", n)
	}
	rita.Screenshot("03-notice-cleared")
	if ok, err := env.Slack.FeatureAvailable(context.Background(), "T2", slackapp.FeatureApprovalsByReaction); err != nil || !ok {
		t.Errorf("approvals by reaction in T2 after the reinstall: %v %v", ok, err)
	}
}
