package console_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/internal/browsertest"
)

// auditLayout is what the test reads of the audit page in its window.
type auditLayout struct {
	ViewportWidth, ScrollWidth float64
	Revisions                  []int64
	TableWidth                 float64
	HeadShown                  bool
	Next, Newest               bool
}

func readAudit(p *browsertest.Tab) auditLayout {
	var l auditLayout
	p.Eval(`(() => {
		const rows = Array.from(document.querySelectorAll('[data-testid="audit"] tr[data-revision]'));
		const table = document.querySelector('[data-testid="audit"]');
		const head = table.querySelector("thead");
		return {ViewportWidth: window.innerWidth, ScrollWidth: document.documentElement.scrollWidth,
			Revisions: rows.map(r => Number(r.dataset.revision)), TableWidth: table.getBoundingClientRect().width,
			HeadShown: head.getBoundingClientRect().height > 0,
			Next: !!document.querySelector('[data-testid="audit-next"]'), Newest: !!document.querySelector('[data-testid="audit-newest"]')};
	})()`, &l)
	return l
}

// The audit log reads newest first a page at a time, fits a laptop's
// window (its before and after wrap instead of widening the page to
// thousands of pixels) and turns into one card per entry in a phone's.
func TestBrowserAuditPageNewestFirstInAnyWindow(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	perms := []string{"ARCHIVE_CHANNEL", "RENAME_CHANNEL", "VIEW_ACCOUNT", "SET_PLAN", "EXTEND_TRIAL", "DISABLE_USER",
		"VIEW_ROLES", "VIEW_ASSIGNMENTS", "VIEW_AUDIT_LOG", "VIEW_TEAM_SETTINGS"}
	for i := range 70 {
		// Roles with long before and after documents, as real edits have.
		r := authz.Role{Name: fmt.Sprintf("SUPPORT_TIER_%02d_WITH_A_LONG_NAME", i%7), Scope: "T1", Description: "A role whose permissions change often.",
			Permissions: perms[:1+i%len(perms)]}
		if _, err := e.engine.PutRole(ctx, r, "T1/UROLES"); err != nil {
			t.Fatal(err)
		}
	}
	b := browsertest.New(t)
	p := b.NewPerson("rita")
	signInBrowser(t, e, p, "T1", "UROLES")

	var first []int64
	for _, width := range []int64{1280, 600} {
		p.Do(fmt.Sprintf("resize to %d px", width), chromedp.EmulateViewport(width, 900))
		p.Navigate(e.srv.URL + "/console/audit")
		p.WaitVisible(`[data-testid="audit"] tr[data-revision]`)
		l := readAudit(p)
		if l.ScrollWidth > l.ViewportWidth || l.TableWidth > l.ViewportWidth {
			t.Errorf("%d px: the page is %.0f px wide, its table %.0f px, in a %.0f px window", width, l.ScrollWidth, l.TableWidth, l.ViewportWidth)
		}
		if len(l.Revisions) != 50 || !l.Next || l.Newest {
			t.Errorf("%d px: the first page shows %d entries, next %v, newest %v; want 50, a next page and no link to itself", width, len(l.Revisions), l.Next, l.Newest)
		}
		for i := 1; i < len(l.Revisions); i++ {
			if l.Revisions[i] >= l.Revisions[i-1] {
				t.Errorf("%d px: entries are not newest first: %v", width, l.Revisions)
				break
			}
		}
		if width == 600 && l.HeadShown {
			t.Errorf("600 px: the table's head is shown; each entry should be a card of labelled lines")
		}
		p.Screenshot(fmt.Sprintf("%d-newest", width))
		first = l.Revisions
		// A short page, to read the layout at a glance.
		p.Navigate(e.srv.URL + "/console/audit?limit=4")
		p.WaitVisible(`[data-testid="audit-next"]`)
		p.Screenshot(fmt.Sprintf("%d-four-entries", width))
		p.Navigate(e.srv.URL + "/console/audit")
		p.WaitVisible(`[data-testid="audit-next"]`)
	}

	// The next page carries on below the last entry shown.
	p.Click(`[data-testid="audit-next"]`)
	p.WaitVisible(`[data-testid="audit-newest"]`)
	l := readAudit(p)
	if len(l.Revisions) == 0 || l.Revisions[0] >= first[len(first)-1] {
		t.Errorf("the next page starts at %v, after the first page's last %d", l.Revisions, first[len(first)-1])
	}
	if l.ScrollWidth > l.ViewportWidth {
		t.Errorf("the next page is %.0f px wide in a %.0f px window", l.ScrollWidth, l.ViewportWidth)
	}
	p.Screenshot("600-older")
	if errs := p.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("page console errors: %q", errs)
	}
}
