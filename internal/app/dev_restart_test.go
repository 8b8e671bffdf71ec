package app

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/sandbox"
)

// watchedBuffer is a process's output that a test can wait on.
type watchedBuffer struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{}
}

func newWatchedBuffer() *watchedBuffer { return &watchedBuffer{changed: make(chan struct{})} }

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	close(w.changed)
	w.changed = make(chan struct{})
	return len(p), nil
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor waits until the output holds every one of want.
func (w *watchedBuffer) waitFor(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		w.mu.Lock()
		text, changed := w.b.String(), w.changed
		w.mu.Unlock()
		missing := ""
		for _, s := range want {
			if !strings.Contains(text, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("the output never said %q:\n%s", missing, text)
		}
	}
}

// devProc is one run of bastion dev in a test.
type devProc struct {
	env  *DevEnv
	out  *watchedBuffer
	stop func() error
}

// devConfigIn is dev's configuration with its directory and database in
// dir, on a free port.
func devConfigIn(dir string) config.Config {
	cfg := config.Default()
	cfg.DB, cfg.Addr, cfg.DevDir = config.DevDB(dir), "127.0.0.1:0", dir
	return cfg
}

// launchDev runs bastion dev until stop is called (or the test ends) and
// returns once it serves. stop cancels its context and returns what Dev
// returned.
func launchDev(t *testing.T, cfg config.Config, do DevOptions) *devProc {
	t.Helper()
	out := newWatchedBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *DevEnv, 1)
	done := make(chan error, 1)
	do.Ready = func(env *DevEnv) { ready <- env }
	go func() { done <- Dev(ctx, cfg, Options{}, IO{Stdout: out, Stderr: out}, do) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(2 * ShutdownGrace):
				result = errors.New("bastion dev did not stop")
			}
		})
		return result
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("bastion dev ended with %v\n%s", err, out)
		}
	})
	select {
	case env := <-ready:
		return &devProc{env: env, out: out, stop: stop}
	case err := <-done:
		t.Fatalf("bastion dev failed: %v\n%s", err, out)
	case <-time.After(60 * time.Second):
		t.Fatalf("bastion dev did not start\n%s", out)
	}
	return nil
}

func holds(engine *authz.Engine, user, role, entity string) bool {
	as, err := engine.Assignments(context.Background(), authz.AssignmentFilter{UserID: user})
	if err != nil {
		return false
	}
	for _, a := range as {
		if a.Role == role && a.EntityID == entity {
			return true
		}
	}
	return false
}

func messageTSs(sb *sandbox.Server, channel string) map[string]bool {
	out := map[string]bool{}
	for _, m := range sb.Messages(channel) {
		out[m.TS] = true
	}
	return out
}

// A restart of bastion dev carries on: the sandbox's messages and
// reactions are there, the bot answers new messages (the sandbox's event
// ids do not repeat those the queue remembers), what people changed in
// the permission service stays changed, and an approval asked for before
// the restart completes after it. --reset starts clean and says so.
func TestDevRestartCarriesOn(t *testing.T) {
	dir := t.TempDir()
	cfg := devConfigIn(dir)
	ctx := context.Background()
	bot := "<@UBOT> "

	first := launchDev(t, cfg, DevOptions{})
	first.out.waitFor(t, "(new, with the demo organisation)")
	sb := first.env.Sandbox
	help, err := sb.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, "UMEMBER", bot+"help")
	serveMust(t, err)
	threadSays(t, sb, help, "Commands you can use here")
	if _, err := first.env.Engine.Revoke(ctx, "UOPS", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice, "test"); err != nil {
		t.Fatal(err)
	}
	request, err := sb.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, "UADMIN", bot+"disable user ann@acme.test")
	serveMust(t, err)
	post := threadSays(t, sb, request, "Would stop ann@acme.test")
	serveMust(t, sb.React(demo.TeamMain, "UADMIN", demo.ChannelBackoffice, post.TS, "white_check_mark"))
	before := messageTSs(sb, demo.ChannelBackoffice)
	if err := first.stop(); err != nil {
		t.Fatalf("first run: %v\n%s", err, first.out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sandbox.json")); err != nil {
		t.Fatalf("the sandbox's state was not saved: %v", err)
	}

	second := launchDev(t, cfg, DevOptions{})
	second.out.waitFor(t, "(kept from the last run; bastion dev --reset starts clean)", "as you left it")
	sb = second.env.Sandbox
	for ts := range before {
		if !messageTSs(sb, demo.ChannelBackoffice)[ts] {
			t.Errorf("message %s of the first run is gone", ts)
		}
	}
	if r := sb.Reactions(demo.ChannelBackoffice, post.TS); len(r) == 0 {
		t.Errorf("Ada's ✅ on the approval post is gone")
	}
	if holds(second.env.Engine, "UOPS", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice) {
		t.Error("the restart loaded the demo data again over a revoked assignment")
	}
	whoami, err := sb.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, "UMEMBER", bot+"whoami")
	serveMust(t, err)
	threadSays(t, sb, whoami, "You are <@UMEMBER>")
	if whoami <= help {
		t.Errorf("a message after the restart has ts %s, not after %s", whoami, help)
	}
	serveMust(t, sb.React(demo.TeamMain, "UADMIN2", demo.ChannelBackoffice, post.TS, "white_check_mark"))
	threadSays(t, sb, request, "ann@acme.test is disabled.")
	if err := second.stop(); err != nil {
		t.Fatalf("second run: %v\n%s", err, second.out)
	}

	third := launchDev(t, cfg, DevOptions{Reset: true})
	third.out.waitFor(t, "Starting clean: removed "+filepath.Join(dir, "bastion.db"), filepath.Join(dir, "sandbox.json"),
		"(new, with the demo organisation)")
	if m := third.env.Sandbox.Messages(demo.ChannelBackoffice); len(m) != 0 {
		t.Errorf("after --reset #backoffice has %d messages", len(m))
	}
	if !holds(third.env.Engine, "UOPS", "BACKOFFICE_OPERATOR", demo.ChannelBackoffice) {
		t.Error("after --reset the demo organisation is not back")
	}
}

// --reset removes files of the dev directory only: with another database
// it refuses, naming both.
func TestDevResetRefusesADatabaseElsewhere(t *testing.T) {
	cfg := devConfigIn(t.TempDir())
	cfg.DB = filepath.Join(t.TempDir(), "mine.db")
	err := Dev(context.Background(), cfg, Options{}, IO{Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}}, DevOptions{Reset: true})
	var cfgErr ConfigError
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), "--reset") || !strings.Contains(err.Error(), "mine.db") {
		t.Fatalf("--reset with --db elsewhere: %v", err)
	}
	if _, err := os.Stat(cfg.DB); err == nil {
		t.Error("the refused run created the database")
	}
}

// A message delivered again under another event id (Slack does that) is
// dropped, and with --log-level debug the log says so.
func TestDevLogsDroppedDuplicatesAtDebug(t *testing.T) {
	cfg := devConfigIn(t.TempDir())
	cfg.LogLevel = "debug"
	p := launchDev(t, cfg, DevOptions{})
	sb := p.env.Sandbox
	ts, err := sb.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, "UMEMBER", "<@UBOT> help")
	serveMust(t, err)
	threadSays(t, sb, ts, "Commands you can use here")
	serveMust(t, sb.Emit(demo.TeamMain, map[string]any{"type": "app_mention", "user": "UMEMBER", "channel": demo.ChannelBackoffice,
		"text": "<@UBOT> help", "ts": ts, "event_ts": ts}))
	p.out.waitFor(t, `msg="dropped duplicate message"`, "ts="+ts)
	replies := 0
	for _, m := range sb.Thread(demo.ChannelBackoffice, ts) {
		if m.BotID != "" {
			replies++
		}
	}
	if replies != 1 {
		t.Errorf("the bot answered the message %d times", replies)
	}
}

// Stopping dev (Ctrl-C) with live streams open (a console tab, the
// sandbox page) ends them first and returns at once, without error: an
// open tab used to hold the server for the whole grace period and end
// with "context deadline exceeded".
func TestDevStopsPromptlyWithStreamsOpen(t *testing.T) {
	p := launchDev(t, devConfigIn(t.TempDir()), DevOptions{})
	base := strings.TrimSuffix(p.env.URL, "/")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	res, err := browser.PostForm(base+"/console/signin/dev", url.Values{"pick": {"T1/UROLES"}})
	serveMust(t, err)
	res.Body.Close()
	var streams sync.WaitGroup
	for _, path := range []string{"/console/events", "/ui/events"} {
		ended := openStream(t, browser, base+path)
		streams.Go(func() { <-ended })
	}
	start := time.Now()
	err = p.stop()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("dev stopped with %v\n%s", err, p.out)
	}
	if took >= ShutdownGrace {
		t.Errorf("dev took %v to stop, the whole grace period", took)
	}
	streams.Wait() // both streams were ended by the server
}

// openStream opens a server-sent event stream, reads its first event and
// returns a channel closed when the server ends the stream.
func openStream(t *testing.T, c *http.Client, u string) <-chan struct{} {
	t.Helper()
	res, err := c.Get(u)
	serveMust(t, err)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET %s: %s %s", u, res.Status, res.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "event: ") {
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer res.Body.Close()
		for sc.Scan() {
		}
	}()
	return ended
}

// A sandbox state that cannot be read stops dev with the way out.
func TestDevSaysHowToStartCleanFromABrokenState(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sandbox.json"), []byte(`{"Version":1,"Channels":[{"Team":"T404"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Dev(context.Background(), devConfigIn(dir), Options{}, IO{Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}}, DevOptions{})
	if err == nil || !strings.Contains(err.Error(), "sandbox.json") || !strings.Contains(err.Error(), "bastion dev --reset starts clean") {
		t.Fatalf("dev on a broken sandbox state: %v", err)
	}
	p := launchDev(t, devConfigIn(dir), DevOptions{Reset: true})
	p.out.waitFor(t, "Starting clean: removed")
}
