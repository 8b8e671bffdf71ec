package browsertest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds every action of a Tab unless Browser.Timeout is
// changed. It is generous so that tests pass on a loaded machine.
const DefaultTimeout = 30 * time.Second

// DefaultChromium is where Debian's chromium package installs the browser.
const DefaultChromium = "/usr/bin/chromium"

// chromiumFlags are the switches given to every browser. The network of
// the test machines is closed, so everything that phones home is off.
var chromiumFlags = []string{
	"headless",
	"no-sandbox",
	"disable-gpu",
	"disable-quic",
	"no-first-run",
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
	"disable-dev-shm-usage",
	"disable-extensions",
	"disable-default-apps",
	"no-default-browser-check",
	"hide-scrollbars",
	"mute-audio",
}

// Browser is one headless Chromium process owned by a test. It is closed
// when the test ends.
type Browser struct {
	// Timeout bounds each action of the browser's tabs. It starts at
	// DefaultTimeout.
	Timeout time.Duration

	t         testing.TB
	ctx       context.Context
	artifacts string
}

// New starts Chromium for the test t and closes it at the end of the test.
// It fails the test when the browser is missing or does not start.
func New(t testing.TB) *Browser {
	t.Helper()
	path := os.Getenv("BASTION_CHROMIUM")
	if path == "" {
		path = DefaultChromium
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("browsertest: no Chromium at %s (%v): run `apt-get install chromium`, or set BASTION_CHROMIUM to the browser's path", path, err)
	}
	dir, err := artifactsDir(t)
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	// Failure screenshots of an earlier run would mislead whoever reads
	// the directory after this one.
	if err := removeFailureShots(dir); err != nil {
		t.Fatalf("browsertest: %v", err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.WindowSize(1280, 900),
	}
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	// No UserDataDir option: chromedp makes a fresh temporary profile
	// directory for each browser and removes it when the browser exits.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		t.Logf("browsertest: chromedp: "+format, args...)
	}))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})

	// Running an empty action starts the browser and its first tab now, so
	// a browser that cannot start fails here with a clear message.
	if err := start(ctx, cancel, DefaultTimeout); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	b := &Browser{Timeout: DefaultTimeout, t: t, ctx: ctx, artifacts: dir}
	return b
}

// ArtifactsDir is the directory where screenshots of this test are saved.
func (b *Browser) ArtifactsDir() string { return b.artifacts }

// NewTab opens a tab named name in the browser's shared profile: it sees
// the cookies and storage of the other tabs opened with NewTab.
func (b *Browser) NewTab(name string) *Tab {
	b.t.Helper()
	return b.open(name, false)
}

// NewPerson opens a tab named name in a browser context of its own, like a
// separate browser profile: its cookies and storage are its own. Use one
// per simulated person.
func (b *Browser) NewPerson(name string) *Tab {
	b.t.Helper()
	return b.open(name, true)
}

func (b *Browser) open(name string, isolated bool) *Tab {
	b.t.Helper()
	tab := &Tab{b: b, t: b.t, name: name}
	opts := []chromedp.ContextOption{chromedp.WithListener(tab.console.listen)}
	if isolated {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, opts...)
	tab.ctx = ctx
	if err := start(ctx, cancel, b.Timeout); err != nil {
		b.t.Fatalf("browsertest: open tab %s: %v", name, err)
	}
	b.t.Cleanup(func() {
		if b.t.Failed() {
			tab.reportFailure()
		}
		cancel()
	})
	return tab
}

// start opens the browser or tab of a fresh chromedp context. The first
// action on a chromedp context ties the browser or tab to the context it
// runs with, so it must run with ctx itself rather than a context with a
// deadline; a timer cancels ctx instead when starting takes too long.
func start(ctx context.Context, cancel context.CancelFunc, timeout time.Duration) error {
	timer := time.AfterFunc(timeout, cancel)
	err := chromedp.Do(ctx)
	if !timer.Stop() {
		return fmt.Errorf("not started within %v: %w", timeout, err)
	}
	if err != nil {
		cancel()
		return err
	}
	return nil
}
