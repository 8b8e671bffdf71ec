package browsertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

const testPage = `<!doctype html>
<html><head><title>harness</title></head><body>
<input data-testid="name" value="">
<button data-testid="greet" onclick="greet()">Greet</button>
<ul data-testid="out"></ul>
<p data-testid="stored"></p>
<script>
function greet() {
	setTimeout(() => {
		const li = document.createElement("li");
		li.textContent = "hello " + document.querySelector('[data-testid="name"]').value;
		document.querySelector('[data-testid="out"]').appendChild(li);
	}, 200);
}
document.querySelector('[data-testid="stored"]').textContent = "stored:" + (localStorage.getItem("who") || "nobody");
if (location.search.includes("who=")) localStorage.setItem("who", new URLSearchParams(location.search).get("who"));
if (location.search.includes("boom")) console.error("boom from the page");
</script>
</body></html>`

func testServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, testPage)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTabDrivesAPage(t *testing.T) {
	t.Setenv("BASTION_ARTIFACTS", t.TempDir())
	srv := testServer(t)
	b := New(t)
	p := b.NewPerson("ada")
	p.Navigate(srv.URL + "/?boom")
	p.Type(`[data-testid="name"]`, "Ada")
	p.Click(`[data-testid="greet"]`)
	got := p.WaitText(`[data-testid="out"] li`, "hello Ada")
	if got != "hello Ada" {
		t.Errorf("WaitText returned %q, want %q", got, "hello Ada")
	}
	if n := p.Count(`[data-testid="out"] li`); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	if loc := p.Location(); !strings.HasPrefix(loc, srv.URL) {
		t.Errorf("Location = %q, want a URL of %s", loc, srv.URL)
	}

	path := p.Screenshot("greeted")
	if want := filepath.Join(b.ArtifactsDir(), "greeted.png"); path != want {
		t.Errorf("screenshot path %q, want %q", path, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot is not a PNG: % x", data[:min(len(data), 8)])
	}

	p.WaitTrue(`true`)
	errs := p.ConsoleErrors()
	if len(errs) != 1 || !strings.Contains(errs[0], "boom from the page") {
		t.Errorf("ConsoleErrors = %q, want the page's console.error", errs)
	}
}

func TestPeopleHaveSeparateStorage(t *testing.T) {
	t.Setenv("BASTION_ARTIFACTS", t.TempDir())
	srv := testServer(t)
	b := New(t)
	ada := b.NewPerson("ada")
	bob := b.NewPerson("bob")
	ada.Navigate(srv.URL + "/?who=ada")
	bob.Navigate(srv.URL + "/?who=bob")
	ada.Navigate(srv.URL + "/")
	bob.Navigate(srv.URL + "/")
	ada.WaitText(`[data-testid="stored"]`, "stored:ada")
	bob.WaitText(`[data-testid="stored"]`, "stored:bob")

	// Tabs opened with NewTab share one profile.
	one := b.NewTab("one")
	two := b.NewTab("two")
	one.Navigate(srv.URL + "/?who=one")
	two.Navigate(srv.URL + "/")
	two.WaitText(`[data-testid="stored"]`, "stored:one")
}

func TestTwoPeopleAtOnce(t *testing.T) {
	t.Setenv("BASTION_ARTIFACTS", t.TempDir())
	srv := testServer(t)
	b := New(t)
	people := []*Tab{b.NewPerson("ada"), b.NewPerson("bob")}
	var wg sync.WaitGroup
	for _, p := range people {
		wg.Go(func() {
			p.Navigate(srv.URL)
			p.Type(`[data-testid="name"]`, p.Name())
			p.Click(`[data-testid="greet"]`)
			p.WaitText(`[data-testid="out"] li`, "hello "+p.Name())
		})
	}
	wg.Wait()
}

// recordingTB stands in for a test to observe what the harness reports.
// Fatalf ends the calling goroutine as testing.T's does.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	fatals []string
	logs   []string
	failed bool
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	r.failed = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func TestMissingChromiumFailsWithInstallHint(t *testing.T) {
	t.Setenv("BASTION_CHROMIUM", filepath.Join(t.TempDir(), "no-such-chromium"))
	rec := &recordingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		New(rec)
		t.Error("New returned without failing")
	}()
	<-done
	if len(rec.fatals) != 1 || !strings.Contains(rec.fatals[0], "apt-get install chromium") {
		t.Errorf("failures = %q, want one telling to run apt-get install chromium", rec.fatals)
	}
}

func TestFailureSavesScreenshotAndConsole(t *testing.T) {
	t.Setenv("BASTION_ARTIFACTS", t.TempDir())
	srv := testServer(t)
	b := New(t)
	p := b.NewPerson("ada")
	p.Navigate(srv.URL + "/?boom")
	p.WaitTrue(`document.readyState === "complete"`)

	rec := &recordingTB{TB: t}
	p.t = rec
	p.reportFailure()
	p.t = t

	if _, err := os.Stat(filepath.Join(b.ArtifactsDir(), "failure-ada.png")); err != nil {
		t.Errorf("no failure screenshot: %v", err)
	}
	logs := strings.Join(rec.logs, "\n")
	if !strings.Contains(logs, "boom from the page") {
		t.Errorf("failure log %q does not carry the console error", logs)
	}
}
