package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store"
	"github.com/bastionhq/bastion/store/httpcommandsql"
)

const commandsSecret = "0123456789abcdef0123456789abcdef"

// writeCommands writes a commands file into the test's directory.
func writeCommands(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "commands.yaml")
	serveMust(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

const refundCommand = `commands:
  - pattern: refund <invoice> <amount:int> cents
    description: Refund part of an invoice.
    group: Billing
    channels: [C2]
    permission: %s
    risk: destructive
    endpoint: %s/refund
    secret_env: BILLING_BASTION_SECRET
`

// serve refuses to start on a bad commands file, and on one whose
// patterns clash with the binary's own commands, naming the line.
func TestServeRefusesABadCommandsFile(t *testing.T) {
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db"))
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: "s"})
	cfg.SlackBotToken, cfg.SlackSigningSecret, cfg.SlackAPIURL = token, "s", sb.APIURL()
	cfg.Commands = writeCommands(t, fmt.Sprintf(refundCommand, "SET_PLAN", "https://billing.internal"))
	t.Setenv("BILLING_BASTION_SECRET", "")
	ready := false
	err := Serve(context.Background(), cfg, Options{}, IO{Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}},
		ServeHooks{Ready: func(string) { ready = true }})
	var cfgErr ConfigError
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), "commands.yaml:9: secret_env BILLING_BASTION_SECRET is not set") || ready {
		t.Fatalf("serve with a bad commands file: %v (ready %v)", err, ready)
	}

	t.Setenv("BILLING_BASTION_SECRET", commandsSecret)
	own := Options{Sources: []CommandSource{func(context.Context, Deps) ([]bot.Command, error) {
		return []bot.Command{{Pattern: "refund <what:text>", Description: "The team's Go refund.",
			Handler: func(context.Context, *bot.Request) error { return nil }}}, nil
	}}}
	err = Serve(context.Background(), cfg, own, IO{Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}}, ServeHooks{Ready: func(string) { ready = true }})
	if err == nil || !strings.Contains(err.Error(), "commands.yaml:2: pattern \"refund <invoice> <amount:int> cents\" can match the same messages as the command `refund <what:text>`") || ready {
		t.Fatalf("serve with a file clashing with the binary's own command: %v (ready %v)", err, ready)
	}
}

// A team's HTTP command runs through serve as Slack drives it: signed
// events in, Web API calls out. help lists it, the permission service
// authorizes it, its dry run is posted for two approvals, it runs once
// with the approvers, and a redelivered message sends nothing more.
func TestServeRunsAnHTTPCommand(t *testing.T) {
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db"))
	handler := startTestHandler(t)
	t.Setenv("BILLING_BASTION_SECRET", commandsSecret)
	cfg.Commands = writeCommands(t, fmt.Sprintf(refundCommand, "SET_PLAN", handler))
	const secret = "serve-test-secret"
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: secret})
	for _, u := range []string{"UADMIN", "UADMIN2"} {
		serveMust(t, sb.AddUser(demo.TeamMain, sandbox.User{ID: u}))
	}
	cfg.SlackBotToken, cfg.SlackSigningSecret, cfg.SlackAPIURL = token, secret, sb.APIURL()
	logs := &lockedBuffer{}
	addr, stop := startServe(t, cfg, Options{}, ServeHooks{}, logs)
	sb.SetEventsURL("http://" + addr + "/slack/events")

	help := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "help"))
	if !strings.Contains(help, "`refund <invoice> <amount:int> cents`") || !strings.Contains(help, "Billing") {
		t.Fatalf("help lacks the file's command:\n%s", help)
	}
	if got := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UMEMBER", "refund inv_1 500 cents")); !strings.HasPrefix(got, "Denied: you need SET_PLAN") {
		t.Fatalf("a member's refund: %q", got)
	}
	ts := mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "refund inv_1 500 cents")
	id := httpcommand.RequestID(demo.TeamMain, demo.ChannelBackoffice, ts)
	post := threadSays(t, sb, ts, "Approval needed")
	if !strings.Contains(post.Text, "Would refund 500 cents of invoice inv_1.") || !strings.Contains(post.Text, id[:12]) {
		t.Fatalf("the request for approval:\n%s", post.Text)
	}
	for _, u := range []string{"UOPS", "UADMIN", "UADMIN2"} {
		serveMust(t, sb.React(demo.TeamMain, u, demo.ChannelBackoffice, post.TS, "white_check_mark"))
	}
	threadSays(t, sb, ts, "Refunded 500 cents of invoice inv_1 (approved by UOPS, ")

	// The same message again, under another event id.
	serveMust(t, sb.Emit(demo.TeamMain, map[string]any{"type": "app_mention", "user": "UOPS", "channel": demo.ChannelBackoffice,
		"text": "<@" + sb.BotUserID() + "> refund inv_1 500 cents", "ts": ts, "event_ts": ts}))
	waitDelivered(t, sb, "app_mention", 4)
	if err := stop(); err != nil { // drains the workers: the redelivery is handled
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	runs, dryRuns := 0, 0
	for _, r := range handlerReceived(t, handler) {
		switch {
		case r.RequestID != id || !r.Accepted:
		case r.Phase == "run":
			runs++
			if len(r.Approvers) != 3 || r.Approvers[0] != "UOPS" || !slices.Contains(r.Approvers, "UADMIN") || !slices.Contains(r.Approvers, "UADMIN2") {
				t.Errorf("approvers sent: %v", r.Approvers)
			}
		case r.Phase == "dry_run":
			dryRuns++
		}
	}
	if runs != 1 || dryRuns != 1 {
		t.Fatalf("the handler got %d runs and %d dry runs, want 1 and 1", runs, dryRuns)
	}
	db, err := store.Open(context.Background(), cfg.DB)
	serveMust(t, err)
	defer db.Close()
	ledger, err := httpcommandsql.Open(context.Background(), db)
	serveMust(t, err)
	if run, err := ledger.LookupRun(context.Background(), id); err != nil || run.Outcome != httpcommand.OutcomeOK {
		t.Fatalf("ledger: %+v %v", run, err)
	}
	if strings.Contains(logs.String(), commandsSecret) {
		t.Fatal("the signing secret is in serve's logs")
	}
}

// dev serves the commands file's commands (without the examples, as for a
// binary with commands of its own), and refuses to start on a bad file.
func TestDevServesTheCommandsFile(t *testing.T) {
	handler := startTestHandler(t)
	t.Setenv("BILLING_BASTION_SECRET", commandsSecret)
	file := writeCommands(t, fmt.Sprintf(refundCommand, "SET_PLAN", handler))
	env := startDevConfig(t, Options{}, func(c *config.Config) { c.Commands = file })
	ts, err := env.Sandbox.PostAsUser(demo.TeamMain, demo.ChannelBackoffice, "UOPS", "<@"+env.Sandbox.BotUserID()+"> help")
	serveMust(t, err)
	help := threadSays(t, env.Sandbox, ts, "`refund <invoice> <amount:int> cents`").Text
	if strings.Contains(help, "show account") {
		t.Errorf("dev with a commands file still shows the examples:\n%s", help)
	}

	t.Setenv("BILLING_BASTION_SECRET", "short")
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DB, cfg.Addr, cfg.DevDir, cfg.Commands = filepath.Join(dir, "bastion.db"), "127.0.0.1:0", dir, file
	err = Dev(context.Background(), cfg, Options{}, IO{Stdout: &lockedBuffer{}, Stderr: &lockedBuffer{}}, DevOptions{})
	var cfgErr ConfigError
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), "commands.yaml:9: secret_env BILLING_BASTION_SECRET holds a secret of 5 bytes") {
		t.Fatalf("dev with a bad commands file: %v", err)
	}
	if _, err := os.Stat(cfg.DB); err == nil {
		t.Error("dev opened its database before refusing the commands file")
	}
}

// threadSays waits for a bot message containing want in the thread of ts
// in #backoffice and returns it.
func threadSays(t *testing.T, sb *sandbox.Server, ts, want string) sandbox.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
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
		var all []string
		for _, m := range sb.Thread(demo.ChannelBackoffice, ts) {
			all = append(all, m.User+": "+m.Text)
		}
		t.Fatalf("no %q in the thread: %v\n%s", want, err, strings.Join(all, "\n"))
	}
	return got
}

// startTestHandler builds and starts the HTTP command handler the tests
// of internal/httpcommand use, with the test's signing secret, and
// returns its URL.
func startTestHandler(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "handler")
	goTool, err := exec.LookPath("go")
	serveMust(t, err)
	if out, err := exec.Command(goTool, "build", "-o", bin, "../httpcommand/testdata/handler").CombinedOutput(); err != nil {
		t.Fatalf("build the test handler: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "HANDLER_SECRET="+commandsSecret)
	cmd.Stderr = t.Output()
	out, err := cmd.StdoutPipe()
	serveMust(t, err)
	serveMust(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var url string
	if _, err := fmt.Fscanln(out, &url); err != nil {
		t.Fatalf("the handler printed no address: %v", err)
	}
	return url
}

// handled is a request as the test handler recorded it.
type handled struct {
	Accepted  bool     `json:"accepted"`
	Phase     string   `json:"phase"`
	RequestID string   `json:"request_id"`
	Approvers []string `json:"approvers"`
}

func handlerReceived(t *testing.T, url string) []handled {
	t.Helper()
	resp, err := http.Get(url + "/received")
	serveMust(t, err)
	defer resp.Body.Close()
	var out []handled
	serveMust(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// The shell runs the commands file's commands too; each line is a request
// of its own, in one session and across sessions, so each is sent.
func TestShellRunsTheCommandsFile(t *testing.T) {
	handler := startTestHandler(t)
	t.Setenv("BILLING_BASTION_SECRET", commandsSecret)
	file := writeCommands(t, strings.Replace(fmt.Sprintf(refundCommand, "SET_PLAN", handler), "risk: destructive", "risk: safe", 1))
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db"))
	cfg.Commands = file
	run := func() string {
		var out bytes.Buffer
		if err := Shell(context.Background(), cfg, Options{}, IO{Stdin: strings.NewReader("refund inv_1 5 cents\nrefund inv_1 5 cents\n"),
			Stdout: &out, Stderr: &out}, ShellOptions{TeamID: "T1", UserID: "UOPS", ChannelID: "C2"}); err != nil {
			t.Fatalf("shell: %v\n%s", err, out.String())
		}
		return out.String()
	}
	for _, got := range []string{run(), run()} {
		if n := strings.Count(got, "Refunded 5 cents of invoice inv_1"); n != 2 {
			t.Fatalf("a session ran %d of its 2 refunds:\n%s", n, got)
		}
	}
	ids := map[string]bool{}
	for _, r := range handlerReceived(t, handler) {
		if r.Accepted && r.Phase == "run" {
			ids[r.RequestID] = true
		}
	}
	if len(ids) != 4 {
		t.Fatalf("4 lines in 2 sessions made %d request ids", len(ids))
	}
}
