// Package browsertest drives a headless Chromium from Go tests.
//
// New starts Debian's Chromium (/usr/bin/chromium, or the path in the
// environment variable BASTION_CHROMIUM) with a fresh temporary profile and
// the flags that keep it quiet on a machine without network access. A
// missing browser fails the test with the command that installs it; the
// tests never skip.
//
// Each simulated person gets a Tab. NewTab opens a tab in the shared
// browser profile; NewPerson opens a tab in its own browser context, with
// its own cookies and storage, so two people can use the same site at once:
//
//	b := browsertest.New(t)
//	alice := b.NewPerson("alice")
//	alice.Navigate(srv.URL + "/?as=UALICE")
//	alice.Type(`[data-testid="composer-input"]`, "hello")
//	alice.Click(`[data-testid="send"]`)
//	alice.WaitText(`[data-testid="message"]`, "hello")
//	alice.Screenshot("after-hello")
//
// Selectors are CSS selectors. Every action waits for what it needs for up
// to Browser.Timeout (30 s by default, generous for a loaded machine) and
// fails the test with t.Fatalf when it cannot complete.
//
// The browser closes when the test ends, in t.Cleanup order: start the
// servers a page talks to before New, so that the browser is gone before
// they close (an httptest.Server waits for open requests such as event
// streams).
//
// Screenshots are PNG files in the test's artifacts directory:
// $BASTION_ARTIFACTS/<TestName>/ when that variable is set, otherwise
// <repo root>/artifacts/<TestName>/, the repo root being the nearest parent
// directory holding go.mod. When a test fails, every open tab saves a
// screenshot named failure-<tab> and the errors its page logged to the
// console are written to the test log.
package browsertest
