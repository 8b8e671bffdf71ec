package main

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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// devOptions configure `bastion dev`.
type devOptions struct {
	addr string
	dir  string
	// ready, when set, receives the environment once it serves (for tests).
	ready chan<- *devEnv
}

func newDevCmd(a *app) *cobra.Command {
	o := &devOptions{}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run everything locally: permission service, bot, admin console and a Slack sandbox in the browser",
		Long: `dev starts the whole product on embedded defaults: a SQLite database in
--dir with the demo organisation, the permission service, the bot with the
example back-office commands and approvals, the admin console, and a local
Slack sandbox that speaks Slack's Web API and Events API to the bot. Open the
URL it prints, pick who you are, and talk to the bot.

No Slack app is needed. The bot reaches the sandbox through the same Slack
client code it uses against real Slack; only the API address differs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("db") && !cmd.Root().PersistentFlags().Changed("db") && os.Getenv("BASTION_DB") == "" {
				a.dbURL = filepath.Join(o.dir, "bastion.db")
			}
			return a.dev(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to serve the sandbox, console, bot and permission service on")
	cmd.Flags().StringVar(&o.dir, "dir", ".bastion", "directory for the development database and keys")
	return cmd
}

// devEnv is a running development environment.
type devEnv struct {
	// URL is the address to open in a browser.
	URL string
	// APIKey authenticates calls to the permission service.
	APIKey  string
	Engine  *authz.Engine
	Sandbox *sandbox.Server
	Slack   *slackapp.Service
}

// dev runs the development environment until ctx ends.
func (a *app) dev(ctx context.Context, o *devOptions) error {
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return fmt.Errorf("dev: create %s: %w", o.dir, err)
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	reg := prometheus.NewRegistry()
	engine, err := a.engineOn(ctx, db, reg)
	if err != nil {
		return err
	}
	if err := demo.Load(ctx, engine); err != nil {
		return fmt.Errorf("dev: load demo data: %w", err)
	}
	followCtx, stopFollow := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { defer close(followed); engine.Follow(followCtx, authz.DefaultFollowInterval) }()
	defer func() { stopFollow(); <-followed }()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("dev: listen on %s: %w (is another bastion dev running? pass --addr)", o.addr, err)
	}
	base := "http://" + ln.Addr().String()

	secret, clientSecret := randomToken(16), randomToken(16)
	sb := sandbox.New(sandbox.Options{SigningSecret: secret, ClientID: devClientID, ClientSecret: clientSecret,
		EventsURL: base + "/slack/events", InteractionsURL: base + "/slack/interactions", Logger: log})
	if err := populateSandbox(sb); err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	sb.Start()
	defer sb.Close()

	parts, err := a.newDevParts(ctx, db, engine, sb, base, clientSecret, o.dir, log)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	defer parts.page.Close()
	apiKey := randomToken(16)
	srv := server.New(engine, server.Options{APIKeys: []string{apiKey}, Registry: reg, Logger: log, Extra: parts.routes,
		Services: []server.Service{installationServiceOf(parts.slack, base+"/slack/install")}})
	hs := &http.Server{Handler: srv.Handler(), Protocols: server.Protocols(), ReadHeaderTimeout: 10 * time.Second}
	hs.RegisterOnShutdown(parts.page.Close)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	defer hs.Close()

	if err := devInstall(ctx, base, sb, parts.slack); err != nil {
		return fmt.Errorf("dev: install the app into the sandbox: %w", err)
	}
	rt, err := a.devBot(ctx, db, engine, sb, secret, parts.slack, log)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	defer rt.Close()
	parts.bot.set(rt.Handler())
	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() { botDone <- rt.Run(botCtx) }()
	defer func() { stopBot(); <-botDone }()

	env := &devEnv{URL: base + "/", APIKey: apiKey, Engine: engine, Sandbox: sb, Slack: parts.slack}
	fmt.Fprintf(a.stdout, "Bastion is running. Open %s\n\n", env.URL)
	fmt.Fprintf(a.stdout, "  Slack sandbox:      %s?team=%s&as=UMEMBER&channel=%s (pick who you are at the top)\n", env.URL, demo.TeamMain, demo.ChannelBackoffice)
	fmt.Fprintf(a.stdout, "  second workspace:   %s?team=%s&as=USUPPORT&channel=%s (Acme Support: its own bot token, approvals by button)\n", env.URL, demo.TeamOther, demo.ChannelSupport)
	fmt.Fprintf(a.stdout, "  admin console:      %sconsole/\n", env.URL)
	fmt.Fprintf(a.stdout, "  permission service: %s (gRPC, gRPC-Web, Connect; API key %s)\n", base, apiKey)
	fmt.Fprintf(a.stdout, "  database:           %s\n\nTry, in #backoffice: help, whoami, show account acme, disable user ann@acme.test. Ctrl-C stops.\n", a.dbURL)
	if o.ready != nil {
		o.ready <- env
	}
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("dev: serve: %w", err)
		}
	case err := <-botDone:
		botDone <- err
		if err != nil {
			return fmt.Errorf("dev: bot: %w", err)
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	_ = srv.Drain(sctx)
	return hs.Shutdown(sctx)
}

// devSlackService opens the installation store with a token key kept in
// dir (created on first run), calling Slack's API at apiURL.
func devSlackService(ctx context.Context, db *sqldb.DB, dir, apiURL string, log *slog.Logger) (*slackapp.Service, error) {
	key, err := devEncryptionKey(filepath.Join(dir, "encryption.key"))
	if err != nil {
		return nil, err
	}
	sealer, err := slackapp.NewTokenSealer(key)
	if err != nil {
		return nil, err
	}
	store, err := installsql.Open(ctx, db, sealer)
	if err != nil {
		return nil, err
	}
	return slackapp.NewService(store, slackapp.ServiceOptions{APIURL: apiURL, Logger: log}), nil
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
