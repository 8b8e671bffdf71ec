package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bastionhq/bastion/internal/browsertest"
)

// TestDevJustInTimeAccessInBrowser is the tour's just-in-time access:
// Mia, a member, asks for BACKOFFICE_OPERATOR on #backoffice for a
// minute; Rita, who assigns roles, approves; Mia uses a back-office
// command; she is reminded with an Extend button; at the end the thread
// says so and the command is denied again. The grant is the engine's: it
// ends by the engine's clock, with no revoke.
func TestDevJustInTimeAccessInBrowser(t *testing.T) {
	env := startDev(t)
	b := browsertest.New(t)

	mia := b.NewPerson("mia")
	mia.Navigate(env.URL + "?team=T1&as=UMEMBER&channel=C2")
	mia.WaitVisible(`body[data-state="ready"]`)
	mia.WaitVisible(testid("live", "data-state", "open"))
	say(t, mia, "UMEMBER", "@bastion set acme trial remaining to 14 days")
	mia.WaitText(botInThread, "Denied")
	mia.Click(testid("thread-close"))

	request := say(t, mia, "UMEMBER", "@bastion request BACKOFFICE_OPERATOR on #backoffice for 1m because INC-4211")
	post := mia.WaitText(botInThread, "requests BACKOFFICE_OPERATOR")
	for _, want := range []string{"because: INC-4211", "Who may approve", "ASSIGN_ROLES"} {
		if !strings.Contains(post, want) {
			t.Errorf("request post lacks %q:\n%s", want, post)
		}
	}
	mia.Screenshot("01-member-requests-operator")

	// Rita, a roles admin, opens the thread from a link and approves.
	rita := b.NewPerson("rita")
	rita.Navigate(fmt.Sprintf("%s?team=T1&as=UROLES&channel=C2&thread=%s", env.URL, request))
	rita.WaitVisible(testid("thread-panel", "data-ts", request))
	rita.WaitText(botInThread, "requests BACKOFFICE_OPERATOR")
	var postTS string
	rita.Eval(fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).find(e => e.innerText.includes("requests")).dataset.ts`, botInThread), &postTS)
	react(rita, postTS, "white_check_mark")
	rita.WaitText(botInThread, "Granted BACKOFFICE_OPERATOR")
	rita.Screenshot("02-roles-admin-approved-granted")

	// Mia uses the role at once, and sees what she holds.
	mia.WaitText(botInThread, "Granted BACKOFFICE_OPERATOR")
	mia.Click(testid("thread-close"))
	say(t, mia, "UMEMBER", "@bastion set acme trial remaining to 14 days")
	mia.WaitText(botInThread, "acme is on an Enterprise trial until")
	mia.Screenshot("03-member-uses-a-command")
	mia.Click(testid("thread-close"))
	say(t, mia, "UMEMBER", "@bastion my access")
	mia.WaitText(botInThread, "BACKOFFICE_OPERATOR on")
	mia.Screenshot("04-my-access")
	mia.Click(testid("thread-close"))

	// The reminder, with its Extend button, comes in the request's thread
	// (a one-minute grant is within fifteen minutes of its end at once).
	mia.Navigate(fmt.Sprintf("%s?team=T1&as=UMEMBER&channel=C2&thread=%s", env.URL, request))
	mia.WaitVisible(testid("thread-panel", "data-ts", request))
	mia.WaitText(botInThread, "your BACKOFFICE_OPERATOR")
	mia.WaitText(`[data-testid="thread-messages"] button`, "Extend by 1m")
	tall(mia, 1300)
	mia.Screenshot("05-reminder-with-extend")
	tall(mia, 0)

	// At the end the thread says so, and the command is denied again.
	// The grant lasts a real minute; waiting for its end takes that long.
	b.Timeout = 3 * time.Minute
	mia.WaitText(botInThread, "ended at")
	tall(mia, 1300)
	mia.Screenshot("06-grant-ended")
	tall(mia, 0)
	mia.Click(testid("thread-close"))
	say(t, mia, "UMEMBER", "@bastion set acme trial remaining to 7 days")
	mia.WaitText(botInThread, "Denied")
	mia.Screenshot("07-denied-after-the-end")

	grants := 0
	for _, m := range env.Sandbox.Thread("C2", request) {
		if strings.Contains(m.Text, "Granted `BACKOFFICE_OPERATOR`") {
			grants++
		}
	}
	if grants != 1 {
		t.Errorf("the grant was announced %d times, want once", grants)
	}
	if errs := slices.Concat(mia.ConsoleErrors(), rita.ConsoleErrors()); len(errs) > 0 {
		t.Errorf("page console errors: %q", errs)
	}
}

// tall makes the tab's viewport tall enough for a long thread (height)
// or gives it back its usual size (0).
func tall(p *browsertest.Tab, height int64) {
	if height == 0 {
		p.Do("usual viewport", chromedp.EmulateViewport(1280, 800))
		return
	}
	p.Do("tall viewport", chromedp.EmulateViewport(1280, height))
}
