// Package examples_test builds the example modules outside the main
// module, which `go test ./...` does not reach on its own, and drives the
// binaries they build.
package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/sandbox"
)

// deadline bounds each wait of these tests; the machine is often loaded.
const deadline = 2 * time.Minute

// buildOwnBinary copies examples/own-binary into a temporary directory,
// points its replace directive at this repository, and builds it with the
// go command running these tests (shared module and build caches). It
// builds with -mod=readonly, as a team's `go run .` does: a go.mod or go.sum
// that fell behind the main module's requirements fails here, not in the
// hands of the first reader of the example.
func buildOwnBinary(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join(root, "examples", "own-binary")
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			text = bytes.Replace(text, []byte("=> ../.."), []byte("=> "+root), 1)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), text, 0o644)
	})
	if err != nil {
		t.Fatalf("copy the example module: %v", err)
	}
	bin := filepath.Join(dir, "ownbastion")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command builds the example: %v", err)
	}
	build := exec.Command(gobin, "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build in the example module: %v\n%s\n(after a change to the main module's requirements, run `go mod tidy` in examples/own-binary)", err, out)
	}
	return bin
}

// output collects a process's output and wakes waiters on each write.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newOutput() *output { return &output{changed: make(chan struct{}, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	select {
	case o.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// await waits until re matches the output and returns its first group.
func (o *output) await(t *testing.T, re *regexp.Regexp, what string) string {
	t.Helper()
	timeout := time.After(deadline)
	for {
		if m := re.FindStringSubmatch(o.String()); m != nil {
			return m[1]
		}
		select {
		case <-o.changed:
		case <-timeout:
			t.Fatalf("no %s in the output:\n%s", what, o.String())
		}
	}
}

// process is a running example binary.
type process struct {
	cmd  *exec.Cmd
	out  *output
	done chan error
}

// start runs bin with args and env (in addition to the environment, with
// every BASTION_ and SLACK_ variable of this process left out) until the
// test ends.
func start(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BASTION_") && !strings.HasPrefix(kv, "SLACK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	p := &process{cmd: cmd, out: newOutput(), done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// stop signals the process as Ctrl-C or a deployment would and expects a
// clean exit.
func (p *process) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("%s exited with %v:\n%s", p.cmd.Path, err, p.out.String())
		}
	case <-time.After(deadline):
		t.Fatalf("%s did not stop:\n%s", p.cmd.Path, p.out.String())
	}
}

// run runs bin to completion and returns its output.
func run(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	p := start(t, bin, env, args...)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, p.out.String())
		}
	case <-time.After(deadline):
		t.Fatalf("%v did not finish", args)
	}
	return p.out.String()
}

// The team's own binary, built from its own module, runs its command in
// the Slack sandbox of `dev` next to the built-in ones, without the
// example commands of the stock binary.
func TestOwnBinaryInDev(t *testing.T) {
	bin := buildOwnBinary(t)
	dir := t.TempDir()
	billingDB := filepath.Join(dir, "billing.db")
	dev := start(t, bin, []string{"BILLING_DB=" + billingDB}, "dev", "--addr", "127.0.0.1:0", "--dir", dir)
	base := dev.out.await(t, regexp.MustCompile(`Open (http://\S+/)`), "URL to open")
	page := openPage(t, base)

	help := page.say(t, demo.TeamMain, demo.ChannelBackoffice, "UOPS", "@bastion help", "Commands you can use here")
	for _, want := range []string{"*Billing*", "✓ `comp <subdomain> <months:int> months`", "`credits <subdomain>`", "`whoami`"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %s:\n%s", want, help)
		}
	}
	if strings.Contains(help, "`show account") {
		t.Errorf("a binary with its own commands shows the example commands:\n%s", help)
	}
	if got := page.say(t, demo.TeamMain, demo.ChannelBackoffice, "UOPS", "@bastion credits acme", "free months"); got != "acme has 0 free months." {
		t.Errorf("credits: %q", got)
	}
	if got := page.say(t, demo.TeamMain, demo.ChannelBackoffice, "UMEMBER", "@bastion credits acme", "Denied"); !strings.Contains(got, "VIEW_ACCOUNT") {
		t.Errorf("credits as a member: %q", got)
	}
	if _, err := os.Stat(billingDB); err != nil {
		t.Errorf("the team's own database: %v", err)
	}
	dev.stop(t, os.Interrupt)
}

// page drives the sandbox page of `dev` as the browser does: it posts
// messages and reads threads, waking on the page's change stream.
type page struct {
	base    string
	changed chan struct{}
}

func openPage(t *testing.T, base string) *page {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"ui/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("page events: %v %v", resp, err)
	}
	p := &page{base: base, changed: make(chan struct{}, 1)}
	go func() {
		defer resp.Body.Close()
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			if lines.Text() == "event: change" {
				select {
				case p.changed <- struct{}{}:
				default:
				}
			}
		}
	}()
	return p
}

// say posts text as user and returns the first reply of the bot in the
// thread that contains want.
func (p *page) say(t *testing.T, team, channel, user, text, want string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"team": team, "channel": channel, "as": user, "text": text})
	resp, err := http.Post(p.base+"ui/message", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var posted struct{ TS string }
	err = json.NewDecoder(resp.Body).Decode(&posted)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || posted.TS == "" {
		t.Fatalf("post %q: %s %v", text, resp.Status, err)
	}
	timeout := time.After(deadline)
	for {
		for _, m := range p.thread(t, team, channel, user, posted.TS) {
			if m.Bot && strings.Contains(m.Text, want) {
				return m.Text
			}
		}
		select {
		case <-p.changed:
		case <-timeout:
			t.Fatalf("no reply containing %q to %q: %+v", want, text, p.thread(t, team, channel, user, posted.TS))
		}
	}
}

type pageMessage struct {
	Bot  bool   `json:"bot"`
	Text string `json:"text"`
}

func (p *page) thread(t *testing.T, team, channel, user, ts string) []pageMessage {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%sui/state?team=%s&as=%s&channel=%s&thread=%s", p.base, team, user, channel, ts))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state struct {
		ThreadMessages []pageMessage `json:"thread_messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatalf("page state: %v", err)
	}
	return state.ThreadMessages
}

// The team's own binary serves its command against the Slack protocol
// (signed events in, Web API calls out) as it does the built-in ones:
// listed by help, authorized by the permission service, approved by a
// second operator, run once however often Slack delivers the message or
// people approve it, and stopped cleanly by SIGTERM.
func TestOwnBinaryServesItsCommandToSlack(t *testing.T) {
	bin := buildOwnBinary(t)
	dir := t.TempDir()
	dbPath, billingDB := filepath.Join(dir, "bastion.db"), filepath.Join(dir, "billing.db")
	run(t, bin, nil, "--db", dbPath, "demo-data")

	const secret = "own-binary-secret"
	sb := sandbox.New(sandbox.Options{SigningSecret: secret})
	must(t, sb.AddTeam(sandbox.Team{ID: demo.TeamMain, EnterpriseID: demo.Enterprise}))
	must(t, sb.AddChannel(demo.TeamMain, sandbox.Channel{ID: demo.ChannelBackoffice, Name: "backoffice"}))
	for _, u := range []string{"UOPS", "UOPS2", "UADMIN", "UMEMBER"} {
		must(t, sb.AddUser(demo.TeamMain, sandbox.User{ID: u}))
	}
	token, err := sb.InstallApp(demo.TeamMain, "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	must(t, err)
	sb.Start()
	t.Cleanup(sb.Close)

	serve := start(t, bin, []string{"BASTION_DB=" + dbPath, "BASTION_ADDR=127.0.0.1:0", "BASTION_API_KEYS=k",
		"SLACK_BOT_TOKEN=" + token, "SLACK_SIGNING_SECRET=" + secret, "SLACK_API_URL=" + sb.APIURL(), "BILLING_DB=" + billingDB}, "serve")
	addr := serve.out.await(t, regexp.MustCompile(`"msg":"bastion serve listening","addr":"([^"]+)"`), "listening address")
	sb.SetEventsURL("http://" + addr + "/slack/events")
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := sb.VerifyURL(ctx); err != nil {
		t.Fatalf("url_verification: %v\n%s", err, serve.out.String())
	}
	say := func(user, text string) string {
		t.Helper()
		ts, err := sb.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, user, "<@"+sb.BotUserID()+"> "+text)
		must(t, err)
		return ts
	}
	reply := func(ts, want string) sandbox.Message {
		t.Helper()
		var got sandbox.Message
		if err := sb.WaitFor(ctx, func() bool {
			for _, m := range sb.Thread(demo.ChannelBackoffice, ts) {
				if m.BotID != "" && strings.Contains(m.Text, want) {
					got = m
					return true
				}
			}
			return false
		}); err != nil {
			t.Fatalf("no reply containing %q: %+v\n%s", want, sb.Thread(demo.ChannelBackoffice, ts), serve.out.String())
		}
		return got
	}

	help := reply(say("UOPS", "help"), "Commands you can use here").Text
	for _, want := range []string{"*Billing*", "✓ `comp <subdomain> <months:int> months`: Give an account free months of its plan. (needs 1 approval(s))", "`whoami`", "`approvals`"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %s:\n%s", want, help)
		}
	}
	if got := reply(say("UMEMBER", "comp acme 2 months"), "Denied").Text; !strings.HasPrefix(got, "Denied: you need SET_PLAN") {
		t.Errorf("a member giving free months: %q", got)
	}

	ts := say("UOPS", "comp acme 2 months")
	post := reply(ts, "Approval needed")
	if !strings.Contains(post.Text, "Would give acme 2 free months.") {
		t.Errorf("the request lacks the dry run: %q", post.Text)
	}
	must(t, sb.React(demo.TeamMain, "UOPS", demo.ChannelBackoffice, post.TS, "white_check_mark"))
	must(t, sb.React(demo.TeamMain, "UOPS2", demo.ChannelBackoffice, post.TS, "white_check_mark"))
	reply(ts, "Gave acme 2 free months (credit 1).")

	// Another approval, and the same message delivered again under a new
	// event id, run nothing more.
	reactions, mentions := acked(sb, "reaction_added"), acked(sb, "app_mention")
	must(t, sb.React(demo.TeamMain, "UADMIN", demo.ChannelBackoffice, post.TS, "white_check_mark"))
	must(t, sb.Emit(demo.TeamMain, map[string]any{"type": "app_mention", "user": "UOPS", "channel": demo.ChannelBackoffice,
		"text": "<@" + sb.BotUserID() + "> comp acme 2 months", "ts": ts, "event_ts": ts}))
	if err := sb.WaitFor(ctx, func() bool {
		return acked(sb, "reaction_added") > reactions && acked(sb, "app_mention") > mentions
	}); err != nil {
		t.Fatalf("the third approval and the repeated message were not acknowledged: %+v", sb.Deliveries())
	}
	waitQueueDrained(t, dbPath)
	if got := reply(say("UOPS", "credits acme"), "free months").Text; got != "acme has 2 free months." {
		t.Errorf("credits after the approved run: %q", got)
	}
	ran, requests := 0, 0
	for _, m := range sb.Thread(demo.ChannelBackoffice, ts) {
		ran += strings.Count(m.Text, "Gave acme")
		requests += strings.Count(m.Text, "Approval needed")
	}
	if ran != 1 || requests != 1 || credits(t, billingDB) != 1 {
		t.Errorf("ran %d times, %d approval requests, %d credits; want one of each", ran, requests, credits(t, billingDB))
	}
	serve.stop(t, syscall.SIGTERM)
	if !strings.Contains(serve.out.String(), `"msg":"stopped"`) {
		t.Errorf("serve did not stop cleanly:\n%s", serve.out.String())
	}
}

// acked counts the deliveries of events of type kind that serve
// acknowledged.
func acked(sb *sandbox.Server, kind string) int {
	n := 0
	for _, d := range sb.Deliveries() {
		if d.Type == kind && d.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// waitQueueDrained waits until the bot's queue in the database at path
// holds no message: every delivery was handled.
func waitQueueDrained(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	must(t, err)
	defer db.Close()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(deadline)
	for {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM queue_messages").Scan(&n); err == nil && n == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatal("the bot's queue did not drain")
		}
	}
}

// credits counts the rows of the team's own ledger.
func credits(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	must(t, err)
	defer db.Close()
	var n int
	must(t, db.QueryRow("SELECT COUNT(*) FROM credits").Scan(&n))
	return n
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
