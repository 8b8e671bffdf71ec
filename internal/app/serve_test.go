package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/client"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/sandbox/socketmode"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestServeRefusesToStartWithoutAKey(t *testing.T) {
	cfg := config.Default()
	cfg.DB, cfg.Addr = filepath.Join(t.TempDir(), "b.db"), "127.0.0.1:0"
	var out bytes.Buffer
	err := Serve(context.Background(), cfg, Options{}, IO{Stdout: &out, Stderr: &out}, ServeHooks{})
	var cfgErr ConfigError
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), "no API key") {
		t.Fatalf("serve without a key: %v; want a configuration error naming the missing key", err)
	}
}

// TestServe runs bastion serve on SQLite and on MySQL: a check and a watch
// through the Go client, then a signal-like cancel that ends the watch
// with SHUTDOWN and stops the server cleanly.
func TestServe(t *testing.T) {
	for name, db := range map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "bastion.db") },
		"mysql":  func(t *testing.T) string { return storetest.MySQLURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := demoConfig(t, db(t))
			cfg.APIKeys = []string{"k2"}
			logs := &lockedBuffer{}
			ready := make(chan string, 1)
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			done := make(chan error, 1)
			go func() {
				done <- Serve(ctx, cfg, Options{}, IO{Stdout: logs, Stderr: logs}, ServeHooks{Ready: func(addr string) { ready <- addr }})
			}()
			var addr string
			select {
			case addr = <-ready:
			case err := <-done:
				t.Fatalf("serve ended early: %v\n%s", err, logs.String())
			}
			remote := client.NewRemote("http://"+addr, "k2")
			res, err := remote.Check(ctx, authz.EligibilityRequest{TeamID: "T1", UserID: "UOPS", EntityID: "C2", Permissions: []string{"SET_PLAN"}})
			if err != nil || !res.Allowed() {
				t.Fatalf("check: %+v, %v", res, err)
			}
			if _, err := client.NewRemote("http://"+addr, "nope").Check(ctx, authz.EligibilityRequest{TeamID: "T1", UserID: "UOPS", EntityID: "C2", Permissions: []string{"SET_PLAN"}}); connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("wrong key: %v; want unauthenticated", err)
			}
			metrics, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(metrics.Body)
			metrics.Body.Close()
			if !strings.Contains(string(body), `bastion_store_duration_seconds_count{op="load_user"}`) {
				t.Errorf("/metrics lacks the check path's store latency")
			}
			wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			w, err := remote.Service().WatchPermissions(wctx, connect.NewRequest(&authzv1.WatchPermissionsRequest{TeamId: "T1", UserId: "UOPS"}))
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if !w.Receive() || w.Msg().GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_INITIAL {
				t.Fatalf("first watch event: %v %v", w.Msg(), w.Err())
			}

			stop()
			if !w.Receive() || w.Msg().GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_SHUTDOWN {
				t.Errorf("on shutdown the watch got %v, %v; want SHUTDOWN", w.Msg(), w.Err())
			}
			if err := <-done; err != nil {
				t.Errorf("serve: %v\n%s", err, logs.String())
			}
			if !strings.Contains(logs.String(), `"msg":"stopped"`) {
				t.Errorf("logs lack the clean stop:\n%s", logs.String())
			}
		})
	}
}

// serveSandbox is a sandbox with demo workspace T1, #general and
// #backoffice, and demo users; the app is installed with a bot token.
func serveSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler) // deliveries failing once serve stops are expected
	sb := sandbox.New(opts)
	serveMust(t, sb.AddTeam(sandbox.Team{ID: demo.TeamMain, EnterpriseID: demo.Enterprise}))
	serveMust(t, sb.AddChannel(demo.TeamMain, sandbox.Channel{ID: demo.ChannelGeneral, Name: "general"}))
	serveMust(t, sb.AddChannel(demo.TeamMain, sandbox.Channel{ID: demo.ChannelBackoffice, Name: "backoffice"}))
	for _, u := range []string{"UOPS", "UMEMBER", "UROLES"} {
		serveMust(t, sb.AddUser(demo.TeamMain, sandbox.User{ID: u}))
	}
	token, err := sb.InstallApp(demo.TeamMain, "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	serveMust(t, err)
	sb.Start()
	t.Cleanup(sb.Close)
	return sb, token
}

// startServe runs serve with cfg and opts until the test ends and returns
// its address and a function that stops it.
func startServe(t *testing.T, cfg config.Config, opts Options, hooks ServeHooks, logs *lockedBuffer) (addr string, stop func() error) {
	t.Helper()
	ready := make(chan string, 1)
	hooks.Ready = func(addr string) { ready <- addr }
	if cfg.Addr == config.Default().Addr {
		cfg.Addr = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, opts, IO{Stdout: logs, Stderr: logs}, hooks) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve ended early: %v\n%s", err, logs.String())
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				err = errors.New("serve did not stop")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return addr, stop
}

// mentionBot posts text to the bot as user in channel and returns the
// message's ts.
func mentionBot(t *testing.T, sb *sandbox.Server, channel, user, text string) string {
	t.Helper()
	ts, err := sb.PostAsUser(demo.TeamMain, channel, user, "<@"+sb.BotUserID()+"> "+text)
	serveMust(t, err)
	return ts
}

// postStatus POSTs body to url and returns the response's status code.
func postStatus(t *testing.T, url, contentType, body string) int {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	serveMust(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// botReply waits for the bot's first reply in the thread of ts.
func botReply(t *testing.T, sb *sandbox.Server, channel, ts string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got string
	if err := sb.WaitFor(ctx, func() bool {
		for _, m := range sb.Thread(channel, ts) {
			if m.BotID != "" {
				got = m.Text
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no bot reply in %s/%s: %v", channel, ts, err)
	}
	return got
}

func TestServeRunsTheSlackBot(t *testing.T) {
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db"))
	const secret = "serve-test-secret"
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: secret})
	cfg.SlackBotToken, cfg.SlackSigningSecret, cfg.SlackAPIURL = token, secret, sb.APIURL()
	logs := &lockedBuffer{}
	addr, stop := startServe(t, cfg, exampleOptions, ServeHooks{}, logs)
	sb.SetEventsURL("http://" + addr + "/slack/events")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sb.VerifyURL(ctx); err != nil {
		t.Fatalf("url_verification through serve: %v\n%s", err, logs.String())
	}

	help := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "help"))
	for _, want := range []string{"`show account <subdomain>`", "`whoami`", "`grant <user:user> <role>`", "`approvals`"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %s:\n%s", want, help)
		}
	}
	if got := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UMEMBER", "set plan of acme to pro")); !strings.HasPrefix(got, "Denied: you need SET_PLAN") {
		t.Errorf("a member setting a plan: %q", got)
	}
	if got := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "whoami")); !strings.Contains(got, "`BACKOFFICE_OPERATOR` on <#C2>") {
		t.Errorf("whoami of an operator: %q", got)
	}
	// Button clicks for approvals have their endpoint, signed like events.
	if code := postStatus(t, "http://"+addr+"/slack/interactions", "application/x-www-form-urlencoded", "payload={}"); code != http.StatusUnauthorized {
		t.Errorf("unsigned POST /slack/interactions: %d, want 401", code)
	}
	// The permission service still answers on the same port.
	res, err := client.NewRemote("http://"+addr, "k").Check(ctx, authz.EligibilityRequest{TeamID: "T1", UserID: "UOPS", EntityID: "C2", Permissions: []string{"SET_PLAN"}})
	if err != nil || !res.Allowed() {
		t.Fatalf("check next to the bot: %+v, %v", res, err)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"bot stopped"`) || !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("logs lack the bot's and the server's clean stop:\n%s", logs.String())
	}
}

// With an app token, serve takes Slack's events over Socket Mode and
// answers no /slack/events.
func TestServeRunsTheSlackBotOverSocketMode(t *testing.T) {
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db"))
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: "unused-in-socket-mode"})
	const appToken = "xapp-1-A1-serve"
	sm, err := socketmode.Start(sb, appToken)
	serveMust(t, err)
	t.Cleanup(func() { sm.Close() })
	cfg.SlackBotToken, cfg.SlackAppToken, cfg.SlackAPIURL = token, appToken, sm.APIURL()
	logs := &lockedBuffer{}
	addr, stop := startServe(t, cfg, Options{}, ServeHooks{}, logs)

	if got := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "whoami")); !strings.Contains(got, "`BACKOFFICE_OPERATOR` on <#C2>") {
		t.Errorf("whoami over Socket Mode: %q\n%s", got, logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sm.WaitAcked(ctx, 1); err != nil {
		t.Fatalf("envelopes: %v", err)
	}
	if code := postStatus(t, "http://"+addr+"/slack/events", "application/json", "{}"); code != http.StatusNotFound {
		t.Errorf("POST /slack/events in Socket Mode: %d, want 404", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
}

func TestServeSlackInstallFlowAndInstallationGate(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "bastion.db")
	cfg := demoConfig(t, dbURL)
	const secret = "serve-test-secret"
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: secret, ClientID: "cid", ClientSecret: "csecret"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	serveMust(t, err)
	base := "http://" + ln.Addr().String()
	withInstallFlow(&cfg, token, secret, sb.APIURL(), base)
	logs := &lockedBuffer{}
	startServe(t, cfg, exampleOptions, ServeHooks{Listener: ln}, logs)
	sb.SetEventsURL(base + "/slack/events")

	// Before the install flow ran, T1 has no installation: its events are
	// acknowledged and dropped, though T1 is SLACK_BOT_TOKEN's workspace,
	// as the README says.
	ignored := mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "show account acme")
	waitDelivered(t, sb, "app_mention", 1)
	db, err := store.Open(context.Background(), dbURL)
	serveMust(t, err)
	defer db.Close()
	assertNeverQueued(t, db, ignored)
	readme, err := os.ReadFile("../../README.md")
	serveMust(t, err)
	if said := strings.Join(strings.Fields(string(readme)), " "); !strings.Contains(said, "the events of a workspace without one, `SLACK_BOT_TOKEN`'s own included, are acknowledged and dropped") {
		t.Error("the README must say that with the install flow the workspace of SLACK_BOT_TOKEN is served only once installed")
	}

	installThroughOAuth(t, base, demo.TeamMain)
	if got := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "show account acme")); !strings.Contains(got, "acme") || strings.HasPrefix(got, "Denied") {
		t.Fatalf("after the install: %q", got)
	}

	serveMust(t, sb.UninstallApp(demo.TeamMain))
	waitDelivered(t, sb, "app_uninstalled", 1)
	ts := mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "show account acme")
	waitDelivered(t, sb, "app_mention", 3)
	assertNeverQueued(t, db, ts)
	if !strings.Contains(logs.String(), "dropped event of an inactive installation") {
		t.Errorf("no log line for dropped events:\n%s", logs.String())
	}
}

// waitDelivered waits until n events of type kind were acknowledged.
func waitDelivered(t *testing.T, sb *sandbox.Server, kind string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sb.WaitFor(ctx, func() bool {
		got := 0
		for _, d := range sb.Deliveries() {
			if d.Type == kind && d.Status == http.StatusOK {
				got++
			}
		}
		return got >= n
	}); err != nil {
		t.Fatalf("%d %s deliveries acknowledged: %v (%+v)", n, kind, err, sb.Deliveries())
	}
}

// assertNeverQueued checks that an acknowledged message was dropped at the
// ingress: a queued one is either still in the queue or, once handled,
// in the bot's audit log. Events queued before the team was uninstalled
// (the bot's own marker reaction, a duplicate delivery put off while its
// twin ran) may still be in the queue; they are not this message's.
func assertNeverQueued(t *testing.T, db *sqldb.DB, ts string) {
	t.Helper()
	var queued int
	serveMust(t, db.QueryRow("SELECT COUNT(*) FROM queue_messages WHERE body LIKE ?", `%"ts":"`+ts+`"%`).Scan(&queued))
	audit, err := botsql.Open(context.Background(), db)
	serveMust(t, err)
	invs, err := audit.RecentInvocations(context.Background(), demo.TeamMain, 100)
	serveMust(t, err)
	for _, inv := range invs {
		if inv.MessageTS == ts {
			t.Fatalf("message %s of an uninstalled team was handled: %+v", ts, inv)
		}
	}
	if queued != 0 {
		t.Fatalf("%d events of message %s queued; events of an uninstalled team must be dropped", queued, ts)
	}
}

// installThroughOAuth follows /slack/install to the sandbox's authorize
// page, picking team, and back to the callback.
func installThroughOAuth(t *testing.T, base, team string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/oauth/v2/authorize" {
			q := r.URL.Query()
			q.Set("team", team)
			r.URL.RawQuery = q.Encode()
		}
		if len(via) > 5 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	resp, err := c.Get(base + "/slack/install")
	serveMust(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "installed") {
		t.Fatalf("install: %s %s", resp.Status, body)
	}
}

// lockedBuffer is a bytes.Buffer safe for the server's concurrent logging.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *lockedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func serveMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuthorizeURLIsNextToTheWebAPI(t *testing.T) {
	if got := authorizeURL("https://slack.com/api/"); got != "https://slack.com/oauth/v2/authorize" {
		t.Errorf("authorize URL of Slack: %s", got)
	}
	if got := authorizeURL("http://127.0.0.1:5000/api"); got != "http://127.0.0.1:5000/oauth/v2/authorize" {
		t.Errorf("authorize URL of a sandbox: %s", got)
	}
}

// With the install flow, each workspace is answered with the token its
// installation stored: SLACK_BOT_TOKEN is T1's and cannot post in T2's
// channels. A reinstall's new token takes over from the revoked one.
func TestServeAnswersEachWorkspaceWithItsInstallationToken(t *testing.T) {
	cfg := demoConfig(t, filepath.Join(t.TempDir(), "bastion.db"))
	const secret = "serve-test-secret"
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: secret, ClientID: "cid", ClientSecret: "csecret"})
	serveMust(t, sb.AddTeam(sandbox.Team{ID: demo.TeamOther, EnterpriseID: demo.Enterprise}))
	serveMust(t, sb.AddChannel(demo.TeamOther, sandbox.Channel{ID: demo.ChannelSupport, Name: "support"}))
	serveMust(t, sb.AddUser(demo.TeamOther, sandbox.User{ID: "USUPPORT"}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	serveMust(t, err)
	base := "http://" + ln.Addr().String()
	withInstallFlow(&cfg, token, secret, sb.APIURL(), base)
	logs := &lockedBuffer{}
	startServe(t, cfg, Options{}, ServeHooks{Listener: ln}, logs)
	sb.SetEventsURL(base + "/slack/events")
	installThroughOAuth(t, base, demo.TeamMain)
	installThroughOAuth(t, base, demo.TeamOther)

	help := func(team, channel, user string) string {
		t.Helper()
		ts, err := sb.PostAsUser(team, channel, user, "<@"+sb.BotUserID()+"> help")
		serveMust(t, err)
		return botReply(t, sb, channel, ts)
	}
	if got := help(demo.TeamOther, demo.ChannelSupport, "USUPPORT"); !strings.Contains(got, "Commands you can use here") {
		t.Fatalf("help in %s: %q\n%s", demo.TeamOther, got, logs.String())
	}
	if got := help(demo.TeamMain, demo.ChannelBackoffice, "UOPS"); !strings.Contains(got, "Commands you can use here") {
		t.Fatalf("help in %s: %q", demo.TeamMain, got)
	}

	serveMust(t, sb.RevokeTokens(demo.TeamOther))
	waitDelivered(t, sb, "tokens_revoked", 1)
	installThroughOAuth(t, base, demo.TeamOther)
	if got := help(demo.TeamOther, demo.ChannelSupport, "USUPPORT"); !strings.Contains(got, "Commands you can use here") {
		t.Fatalf("help in %s after the reinstall: %q\n%s", demo.TeamOther, got, logs.String())
	}
}

// A workspace of an Enterprise Grid organisation without an installation
// of its own is answered with the organisation's org-wide install: the
// organisation comes from the event, not from the permission tree, which
// here does not know the workspace at all.
func TestServeAnswersThroughTheOrgWideInstallTheEventNames(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB, cfg.APIKeys = filepath.Join(t.TempDir(), "bastion.db"), []string{"k"}
	const secret = "serve-test-secret"
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: secret, ClientID: "cid", ClientSecret: "csecret"})
	serveMust(t, sb.AddTeam(sandbox.Team{ID: demo.TeamOther, EnterpriseID: demo.Enterprise}))
	serveMust(t, sb.AddChannel(demo.TeamOther, sandbox.Channel{ID: demo.ChannelSupport, Name: "support"}))
	serveMust(t, sb.AddUser(demo.TeamOther, sandbox.User{ID: "USUPPORT"}))
	orgToken, err := sb.InstallApp(demo.TeamOther, "chat:write", "reactions:write", "reactions:read", "app_mentions:read")
	serveMust(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	serveMust(t, err)
	base := "http://" + ln.Addr().String()
	withInstallFlow(&cfg, token, secret, sb.APIURL(), base)
	key, err := EncryptionKey(cfg)
	serveMust(t, err)
	st, err := OpenStores(ctx, cfg, StoreOptions{EncryptionKey: key})
	serveMust(t, err)
	serveMust(t, st.Installations.SaveInstallation(ctx, slackapp.Installation{ID: demo.Enterprise, TeamID: demo.Enterprise,
		EnterpriseID: demo.Enterprise, EnterpriseInstall: true, BotToken: orgToken, Active: true, InstalledAt: time.Now()}))
	serveMust(t, st.Close())
	logs := &lockedBuffer{}
	startServe(t, cfg, Options{}, ServeHooks{Listener: ln}, logs)
	sb.SetEventsURL(base + "/slack/events")

	ts, err := sb.PostAsUser(demo.TeamOther, demo.ChannelSupport, "USUPPORT", "<@"+sb.BotUserID()+"> help")
	serveMust(t, err)
	if got := botReply(t, sb, demo.ChannelSupport, ts); !strings.Contains(got, "Commands you can use here") {
		t.Fatalf("help in a workspace of the org: %q\n%s", got, logs.String())
	}
}

// bastion serve on a fresh production database registers no example
// command and writes no demo row: help lists the built-in commands only,
// an example command is unknown, and afterwards the database holds no
// example table and no entity.
func TestServeOnAFreshDatabaseRegistersNoExampleAndWritesNoDemoRow(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "bastion.db")
	cfg := config.Default()
	cfg.DB, cfg.Addr, cfg.APIKeys = dbURL, "127.0.0.1:0", []string{"k"}
	const secret = "serve-test-secret"
	sb, token := serveSandbox(t, sandbox.Options{SigningSecret: secret})
	cfg.SlackBotToken, cfg.SlackSigningSecret, cfg.SlackAPIURL = token, secret, sb.APIURL()
	logs := &lockedBuffer{}
	addr, stop := startServe(t, cfg, Options{}, ServeHooks{}, logs)
	sb.SetEventsURL("http://" + addr + "/slack/events")

	help := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "help"))
	if !strings.Contains(help, "`whoami`") || !strings.Contains(help, "`approvals`") {
		t.Errorf("help lacks the built-in commands:\n%s", help)
	}
	for _, example := range []string{"`show account", "`archive", "`disable user", "`set plan"} {
		if strings.Contains(help, example) {
			t.Errorf("help lists the example command %q:\n%s", example, help)
		}
	}
	if got := botReply(t, sb, demo.ChannelBackoffice, mentionBot(t, sb, demo.ChannelBackoffice, "UOPS", "show account acme")); !strings.HasPrefix(got, "I don't know") {
		t.Errorf("an example command answered: %q", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}

	db, err := store.Open(context.Background(), dbURL)
	serveMust(t, err)
	defer db.Close()
	var examples int
	serveMust(t, db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'example%'").Scan(&examples))
	if examples != 0 {
		t.Errorf("%d example tables in a production database", examples)
	}
	engine, closeDB, err := OpenEngine(context.Background(), cfg)
	serveMust(t, err)
	defer closeDB.Close()
	entities, err := engine.Entities(context.Background())
	if err != nil || len(entities) != 0 {
		t.Errorf("entities in a fresh production database: %v, %v", entities, err)
	}
}
