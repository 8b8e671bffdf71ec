package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/sandbox/web"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/slackapp"
)

// devClientID is the Slack app's client id in the sandbox.
const devClientID = "dev-client"

// DevEnv is a running development environment.
type DevEnv struct {
	// URL is the address to open in a browser.
	URL string
	// APIKey authenticates calls to the permission service.
	APIKey  string
	Engine  *authz.Engine
	Sandbox *sandbox.Server
	Slack   *slackapp.Service
	// Names is the directory of display names.
	Names names.Directory
}

// DevHooks let tests learn when dev is ready.
type DevHooks struct {
	// Ready, when set, is called with the environment once it serves.
	Ready func(*DevEnv)
}

// Dev runs `bastion dev` until ctx ends: a SQLite database in
// cfg.DevDir (unless cfg.DB names another) with the demo organisation,
// the permission service, the bot with the binary's commands (the
// example back-office commands when it has none) and approvals, the
// admin console, and a local Slack sandbox speaking Slack's Web API and
// Events API to the bot, all on cfg.Addr.
func Dev(ctx context.Context, cfg config.Config, opts Options, io IO, hooks DevHooks) error {
	log := slog.New(slog.NewTextHandler(io.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sources, err := opts.sources(cfg)
	if err != nil {
		return ConfigError{err}
	}
	examples := len(sources) == 0 && cfg.Commands == ""
	if examples {
		sources = []CommandSource{ExampleCommands}
	}
	if err := os.MkdirAll(cfg.DevDir, 0o700); err != nil {
		return fmt.Errorf("dev: create %s: %w", cfg.DevDir, err)
	}
	key, err := devEncryptionKey(filepath.Join(cfg.DevDir, "encryption.key"))
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	reg := prometheus.NewRegistry()
	st, err := OpenStores(ctx, cfg, StoreOptions{Registry: reg, EncryptionKey: key, Bot: true, Runs: cfg.Commands != ""})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := demo.Load(ctx, st.Engine); err != nil {
		return fmt.Errorf("dev: load demo data: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("dev: listen on %s: %w (is another bastion dev running? pass --addr)", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()

	life := newLifecycle(log)
	defer life.stop(graceContext)
	life.start("change follower", follow(st.Engine, authz.DefaultFollowInterval), nil)
	secret, clientSecret := randomToken(16), randomToken(16)
	sb := sandbox.New(sandbox.Options{SigningSecret: secret, ClientID: devClientID, ClientSecret: clientSecret,
		EventsURL: base + "/slack/events", InteractionsURL: base + "/slack/interactions", Logger: log})
	if err := populateSandbox(sb); err != nil {
		ln.Close()
		return fmt.Errorf("dev: %w", err)
	}
	sb.Start()
	if err := sandboxNames(ctx, st.Names, sb); err != nil {
		ln.Close()
		return fmt.Errorf("dev: %w", err)
	}
	life.start("slack sandbox", func(ctx context.Context) error { <-ctx.Done(); return nil },
		func(context.Context) error { sb.Close(); return nil })

	svc := slackapp.NewService(st.Installations, slackapp.ServiceOptions{APIURL: sb.APIURL(), Logger: log})
	oauth, err := slackapp.NewOAuthHandler(slackapp.OAuthConfig{ClientID: devClientID, ClientSecret: clientSecret,
		RedirectURL: base + "/slack/oauth/callback", AuthorizeURL: sb.URL() + "/oauth/v2/authorize",
		StateSecret: []byte(randomToken(16))}, svc)
	if err != nil {
		ln.Close()
		return fmt.Errorf("dev: %w", err)
	}
	votes := &lateVotes{}
	con, err := console.New(console.Options{Engine: st.Engine, Installations: st.Installations,
		Approvals: console.BotApprovals{Store: st.Bot}, Votes: votes, Names: st.Names, DevSignIn: true, Logger: log})
	if err != nil {
		ln.Close()
		return fmt.Errorf("dev: %w", err)
	}
	page := web.New(sb, web.Options{Label: devLabel(st.Engine), Title: "Bastion sandbox", Logger: log})
	late := &lateHandler{}
	routes := map[string]http.Handler{
		"/slack/install":      oauth,
		"/slack/oauth/":       oauth,
		"/slack/events":       late,
		"/slack/interactions": late,
		"/console/":           con.Handler(),
		"/":                   page,
	}
	apiKey := randomToken(16)
	srv := server.New(st.Engine, server.Options{APIKeys: []string{apiKey}, Registry: reg, Logger: log, Extra: routes,
		Services: []server.Service{installationService(svc, base+"/slack/install")}})
	serveHTTP(life, srv, ln, page.Close, log)

	if err := devInstall(ctx, base, sb, svc); err != nil {
		return fmt.Errorf("dev: install the app into the sandbox: %w", err)
	}
	// The bot runs as in serve, with the sandbox as Slack: each workspace
	// is answered with the token of its installation, and the main
	// workspace's token identifies the bot.
	ins, err := st.Installations.TeamInstallations(ctx, demo.TeamMain)
	if err != nil || len(ins) == 0 {
		return fmt.Errorf("dev: bot token of %s: no installation (%v)", demo.TeamMain, err)
	}
	rt, workflow, err := newBot(ctx, st, botSetup{BotToken: ins[0].BotToken, SigningSecret: secret, APIURL: sb.APIURL(), Slack: svc,
		Sources: sources, Demo: true, CommandsFile: cfg.Commands, RolesFile: cfg.Roles, Logger: log})
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	votes.set(console.WorkflowVotes{Workflow: workflow})
	late.set(rt.Handler())
	life.start("slack bot", runBot(rt), nil)

	env := &DevEnv{URL: base + "/", APIKey: apiKey, Engine: st.Engine, Sandbox: sb, Slack: svc, Names: st.Names}
	try := "help, whoami, approvals"
	if examples {
		try = "help, whoami, show account acme, disable user ann@acme.test"
	}
	fmt.Fprintf(io.Stdout, "Bastion is running. Open %s\n\n", env.URL)
	fmt.Fprintf(io.Stdout, "  Slack sandbox:      %s?team=%s&as=UMEMBER&channel=%s (pick who you are at the top)\n", env.URL, demo.TeamMain, demo.ChannelBackoffice)
	fmt.Fprintf(io.Stdout, "  second workspace:   %s?team=%s&as=USUPPORT&channel=%s (Acme Support: its own bot token, approvals by button)\n", env.URL, demo.TeamOther, demo.ChannelSupport)
	fmt.Fprintf(io.Stdout, "  admin console:      %sconsole/\n", env.URL)
	fmt.Fprintf(io.Stdout, "  permission service: %s (gRPC, gRPC-Web, Connect; API key %s)\n", base, apiKey)
	fmt.Fprintf(io.Stdout, "  database:           %s\n\nTry, in #backoffice: %s. Ctrl-C stops.\n", config.RedactDB(cfg.DB), try)
	if hooks.Ready != nil {
		hooks.Ready(env)
	}
	return life.wait(ctx, graceContext)
}

// devEncryptionKey reads the development token key, creating it first.
func devEncryptionKey(path string) ([]byte, error) {
	if text, err := os.ReadFile(path); err == nil {
		return slackapp.ParseEncryptionKey(string(text))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// devLabel describes a person for the sandbox's user picker from the
// permission service's live data: the roles they hold and where.
func devLabel(engine *authz.Engine) func(teamID, userID string) string {
	return func(_, userID string) string {
		as, err := engine.Assignments(context.Background(), authz.AssignmentFilter{UserID: userID})
		if err != nil || len(as) == 0 {
			return ""
		}
		var parts []string
		for _, x := range as {
			parts = append(parts, roleTitle(x.Role)+" on "+x.EntityID)
		}
		slices.Sort(parts)
		return strings.Join(parts, ", ")
	}
}

// roleTitle turns CHANNELS_ADMIN into "Channels Admin".
func roleTitle(role string) string {
	words := strings.Split(strings.ToLower(role), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// lateHandler answers 503 until its handler is set: Slack (here the
// sandbox) retries deliveries that arrive before the bot has started.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := l.h.Load()
	if h == nil {
		http.Error(w, "the bot is starting", http.StatusServiceUnavailable)
		return
	}
	(*h).ServeHTTP(w, r)
}
