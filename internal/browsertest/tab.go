package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pollInterval is how often waits re-evaluate their condition in the
// page. Interval polling, unlike animation frames, keeps running in tabs
// that are not in front.
const pollInterval = 50 * time.Millisecond

// Tab is one page of the browser, usually one simulated person. Its
// methods fail the test when they cannot complete within Browser.Timeout.
type Tab struct {
	b       *Browser
	t       testing.TB
	name    string
	ctx     context.Context
	console console
}

// Name is the name the tab was opened with.
func (p *Tab) Name() string { return p.name }

// Context is the tab's chromedp context, for actions the helpers do not
// cover. Bound each use with a timeout.
func (p *Tab) Context() context.Context { return p.ctx }

// Do runs chromedp actions in the tab within the timeout.
func (p *Tab) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.b.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browsertest: %s: %s: %v", p.name, what, err)
	}
}

// Navigate loads url and waits for the page's load event.
func (p *Tab) Navigate(url string) {
	p.t.Helper()
	p.Do("navigate to "+url, chromedp.Navigate(url))
}

// Click waits until the first element matching the CSS selector is visible
// and clicks it. A page that redraws the element between finding it and
// clicking it leaves the browser holding a node that is gone; the click is
// then tried again on the element the selector matches now, as a person
// would click whatever is on the screen. Such a failure comes before any
// mouse event is sent, so nothing is clicked twice.
func (p *Tab) Click(sel string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.b.Timeout)
	defer cancel()
	for {
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err == nil {
			return
		}
		if !staleNode(err) || ctx.Err() != nil {
			p.t.Fatalf("browsertest: %s: click %s: %v", p.name, sel, err)
		}
	}
}

// staleNode reports whether err says the node an action held was removed
// from the page (Chrome's "Could not find node with given id" and "Node is
// detached from document").
func staleNode(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Could not find node with given id") || strings.Contains(msg, "Node is detached from document")
}

// Type waits until the element matching the CSS selector is visible, focuses
// it and types text as key presses, after what the element already holds.
func (p *Tab) Type(sel, text string) {
	p.t.Helper()
	p.Do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// Press types an Enter key press into the element matching the selector.
func (p *Tab) Press(sel string) {
	p.t.Helper()
	p.Do("press Enter in "+sel, chromedp.SendKeys(chromedp.CSS(sel), kb.Enter, chromedp.NodeVisible))
}

// SetValue replaces the value of an input, textarea or select matching the
// CSS selector and fires its input and change events, as a person
// choosing an option does.
func (p *Tab) SetValue(sel, value string) {
	p.t.Helper()
	p.Eval(fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) throw new Error("no element matches " + %[1]s);
		el.value = %s;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, jsString(sel), jsString(value)), nil)
}

// WaitVisible waits until an element matching the CSS selector is visible.
func (p *Tab) WaitVisible(sel string) {
	p.t.Helper()
	p.Do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// WaitGone waits until no element matches the CSS selector.
func (p *Tab) WaitGone(sel string) {
	p.t.Helper()
	p.poll("wait for "+sel+" to go", fmt.Sprintf(`document.querySelector(%s) === null`, jsString(sel)))
}

// WaitText waits until an element matching the CSS selector has text
// containing want, and returns that element's whole text.
func (p *Tab) WaitText(sel, want string) string {
	p.t.Helper()
	expr := fmt.Sprintf(`(() => {
		for (const el of document.querySelectorAll(%s)) {
			const text = el.innerText || el.textContent || "";
			if (text.includes(%s)) return text;
		}
		return false;
	})()`, jsString(sel), jsString(want))
	var got string
	p.pollInto(fmt.Sprintf("wait for %s to contain %q", sel, want), expr, &got)
	return got
}

// WaitCount waits until exactly n elements match the CSS selector.
func (p *Tab) WaitCount(sel string, n int) {
	p.t.Helper()
	p.poll(fmt.Sprintf("wait for %d of %s", n, sel), fmt.Sprintf(`document.querySelectorAll(%s).length === %d`, jsString(sel), n))
}

// WaitTrue waits until the JavaScript expression is truthy.
func (p *Tab) WaitTrue(expr string) {
	p.t.Helper()
	p.poll("wait for "+expr, expr)
}

// Text returns the visible text of the first element matching the CSS
// selector, waiting for it to be visible.
func (p *Tab) Text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.b.Timeout)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("browsertest: %s: read text of %s: %v", p.name, sel, err)
	}
	return text
}

// Count returns how many elements match the CSS selector now.
func (p *Tab) Count(sel string) int {
	p.t.Helper()
	var n int
	p.Eval(fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel)), &n)
	return n
}

// Location returns the URL of the page.
func (p *Tab) Location() string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.b.Timeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		p.t.Fatalf("browsertest: %s: read location: %v", p.name, err)
	}
	return loc
}

// Eval evaluates a JavaScript expression in the page and decodes its JSON
// value into out, which may be nil to ignore it.
func (p *Tab) Eval(expr string, out any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.b.Timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		p.t.Fatalf("browsertest: %s: evaluate %s: %v", p.name, expr, err)
	}
	if out == nil || len(raw) == 0 {
		return
	}
	if err := json.Unmarshal(raw, out); err != nil {
		p.t.Fatalf("browsertest: %s: decode result of %s: %v", p.name, expr, err)
	}
}

// ConsoleErrors returns the errors the page logged so far: console.error
// calls and uncaught exceptions.
func (p *Tab) ConsoleErrors() []string { return p.console.errors() }

func (p *Tab) poll(what, expr string) {
	p.t.Helper()
	p.pollInto(what, expr, nil)
}

func (p *Tab) pollInto(what, expr string, out any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, p.b.Timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Poll[[]byte](expr,
		chromedp.WithPollingTimeout(p.b.Timeout), chromedp.WithPollingInterval(pollInterval)))
	if err != nil {
		p.t.Fatalf("browsertest: %s: %s: %v", p.name, what, err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("browsertest: %s: %s: decode %s: %v", p.name, what, raw, err)
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
