package web_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bastionhq/bastion/internal/browsertest"
	"github.com/bastionhq/bastion/sandbox/web"
)

// layout is where the page's parts are drawn, as the test reads them.
type layout struct {
	ViewportWidth, ScrollWidth   float64
	Messages, Composer, Thread   rect
	ThreadInput, Picker, Channel rect
}

type rect struct {
	Left, Right, Width float64
	Visible            bool
}

// readLayout measures the page in its window.
func readLayout(p *browsertest.Tab) layout {
	var l layout
	p.Eval(`(() => {
		const r = (id) => {
			const e = document.querySelector('[data-testid="' + id + '"]');
			if (!e) return {Visible: false};
			const b = e.getBoundingClientRect();
			return {Left: b.left, Right: b.right, Width: b.width, Visible: b.width > 0 && b.height > 0};
		};
		return {ViewportWidth: window.innerWidth, ScrollWidth: document.documentElement.scrollWidth,
			Messages: r("messages"), Composer: r("composer-input"), Thread: r("thread-panel"),
			ThreadInput: r("thread-input"), Picker: r("user-picker"), Channel: r("channel-title")};
	})()`, &l)
	return l
}

// within says what is wrong with a part drawn in a window of width w.
func (r rect) within(name string, w, minWidth float64) []string {
	var bad []string
	if !r.Visible {
		return []string{name + " is not shown"}
	}
	if r.Left < -0.5 || r.Right > w+0.5 {
		bad = append(bad, fmt.Sprintf("%s spans %.0f-%.0f px, outside the %.0f px window", name, r.Left, r.Right, w))
	}
	if r.Width < minWidth {
		bad = append(bad, fmt.Sprintf("%s is %.0f px wide, under %.0f", name, r.Width, minWidth))
	}
	return bad
}

// The page stays usable from a laptop's width down to a phone's: nothing
// spills out of the window sideways, the channel keeps room to read and
// type, and an open thread is whole and usable.
func TestPageFitsNarrowWindows(t *testing.T) {
	sb := newSandbox(t)
	startBot(t, sb)
	h := web.New(sb, web.Options{Labels: map[string]string{"UADMIN": "Channels Admin"}})
	page := httptest.NewServer(h)
	t.Cleanup(page.Close)
	t.Cleanup(h.Close)
	b := browsertest.New(t)
	p := b.NewPerson("mia")

	p.Navigate(page.URL + "/?team=T1&as=UMEMBER&channel=C1")
	p.WaitVisible(`body[data-state="ready"]`)
	p.Type(sel("composer-input"), "<@UBOT> echo "+strings.Repeat("a-rather-long-word-that-must-wrap ", 6))
	p.Click(sel("composer-send"))
	mine := `[data-testid="messages"] [data-testid="message"][data-user="UMEMBER"]`
	p.WaitVisible(mine + ` [data-testid="thread-open"][data-replies="1"]`)
	var ts string
	p.Eval(fmt.Sprintf(`document.querySelector(%q).dataset.ts`, mine), &ts)

	for _, width := range []int64{1280, 800, 600} {
		p.Do(fmt.Sprintf("resize to %d px", width), chromedp.EmulateViewport(width, 800))
		p.Navigate(fmt.Sprintf("%s/?team=T1&as=UMEMBER&channel=C1", page.URL))
		p.WaitVisible(`body[data-state="ready"]`)
		w := float64(width)
		l := readLayout(p)
		var bad []string
		if l.ScrollWidth > l.ViewportWidth {
			bad = append(bad, fmt.Sprintf("the page is %.0f px wide in a %.0f px window", l.ScrollWidth, l.ViewportWidth))
		}
		bad = append(bad, l.Messages.within("the channel's messages", w, 280)...)
		bad = append(bad, l.Composer.within("the composer", w, 200)...)
		bad = append(bad, l.Picker.within("the person picker", w, 120)...)
		bad = append(bad, l.Channel.within("the channel's title", w, 1)...)
		p.Screenshot(fmt.Sprintf("%d-channel", width))

		p.Click(`[data-testid="messages"] ` + sel("thread-open", "data-ts", ts))
		p.WaitVisible(sel("thread-panel", "data-ts", ts))
		p.WaitText(`[data-testid="thread-messages"] [data-testid="message"][data-bot="true"]`, "echo: a-rather-long-word")
		l = readLayout(p)
		if l.ScrollWidth > l.ViewportWidth {
			bad = append(bad, fmt.Sprintf("with the thread open the page is %.0f px wide in a %.0f px window", l.ScrollWidth, l.ViewportWidth))
		}
		bad = append(bad, l.Thread.within("the thread", w, min(w, 300))...)
		bad = append(bad, l.ThreadInput.within("the thread's composer", w, 200)...)
		// The channel stays readable beside the thread, or the thread
		// takes its place whole.
		covered := l.Thread.Left <= l.Messages.Left+0.5 && l.Thread.Right >= l.Messages.Right-0.5
		if !covered {
			bad = append(bad, l.Messages.within("the channel's messages beside the thread", w, 280)...)
		}
		p.Screenshot(fmt.Sprintf("%d-thread", width))
		for _, b := range bad {
			t.Errorf("%d px: %s", width, b)
		}
		p.Click(sel("thread-close"))
		p.WaitGone(sel("thread-panel", "data-ts", ts))
	}
	if errs := p.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("page console errors: %q", errs)
	}
}
