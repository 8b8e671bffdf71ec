package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/bot/runner"
	"github.com/bastionhq/bastion/server"
)

// shutdownGrace bounds how long serve waits for streams and requests to
// finish after a signal.
const shutdownGrace = 10 * time.Second

type serveOptions struct {
	addr           string
	apiKeys        []string
	insecureNoAuth bool
	follow         time.Duration
	// bot configures the Slack bot; it runs when bot.enabled().
	bot botConfig
	// console configures the admin console; served when console.enabled().
	console consoleConfig
	// extraRoutes are more handlers on the same port, by ServeMux pattern
	// (the admin console mounts "/console/" here).
	extraRoutes map[string]http.Handler
	// listener, when set, is served instead of listening on addr (tests
	// that must know the address before serve starts).
	listener net.Listener
	// ready, when set, receives the listening address (for tests).
	ready chan<- string
}

func newServeCmd(a *app) *cobra.Command {
	o := &serveOptions{}
	var queueURL string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the permission service (gRPC, gRPC-Web and Connect on one port)",
		Long: `Serve bastion.authz.v1.PermissionService with gRPC reflection and the gRPC
health service, plus /healthz, /readyz and /metrics, on one port speaking
HTTP/1.1 and unencrypted HTTP/2.

Every RPC except health needs "authorization: Bearer KEY", with KEY one of
--api-key or BASTION_API_KEYS (comma-separated). Without any key serve
refuses to start, unless --insecure-no-auth is given.

  grpcurl -plaintext -H 'authorization: Bearer KEY' 127.0.0.1:8080 list

With SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set, serve also runs the
Slack bot (the built-in permission commands and the example back-office
commands, authorized by the same engine) and receives events at
POST /slack/events. SLACK_APP_TOKEN (xapp-…) uses Socket Mode instead,
SLACK_API_URL points the bot at another Web API (the local sandbox), and
BASTION_NATS_URL puts its queue on NATS JetStream. SLACK_CLIENT_ID,
SLACK_CLIENT_SECRET, SLACK_REDIRECT_URL and BASTION_ENCRYPTION_KEY add the
install flow at GET /slack/install and /slack/oauth/callback.

BASTION_CONSOLE_URL (e.g. https://bastion.example.com/console) serves the
admin console at that path, signed in with Slack (OpenID Connect) through
SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; BASTION_SESSION_KEY (hex) keeps
sessions valid across restarts and replicas, SLACK_TEAM_ID picks the
workspace to sign in to.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env := server.ParseAPIKeys(os.Getenv("BASTION_API_KEYS")); len(env) > 0 {
				o.apiKeys = append(o.apiKeys, env...)
			}
			workers := o.bot.Workers
			o.bot = botConfigFromEnv(os.Getenv)
			o.bot.Workers = workers
			if queueURL != "" {
				if !strings.HasPrefix(queueURL, "nats://") {
					return exitError{code: 2, msg: fmt.Sprintf("--queue %q: want nats://host:port (the default queue is a table in the database)", queueURL)}
				}
				o.bot.NATSURL = queueURL
			}
			o.console = consoleConfigFromEnv(os.Getenv)
			return a.serve(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringArrayVar(&o.apiKeys, "api-key", nil, "accepted bearer API key (repeatable; also BASTION_API_KEYS, comma-separated)")
	cmd.Flags().BoolVar(&o.insecureNoAuth, "insecure-no-auth", false, "serve without API keys: anyone who reaches the port may check and administer (development only)")
	cmd.Flags().DurationVar(&o.follow, "follow-interval", authz.DefaultFollowInterval, "how often to read the change log for writes made by other replicas")
	cmd.Flags().StringVar(&queueURL, "queue", "", "the bot's queue: nats://host:port for NATS JetStream (also BASTION_NATS_URL); default a table in the database")
	cmd.Flags().IntVar(&o.bot.Workers, "bot-workers", runner.DefaultWorkers, "workers handling Slack messages when the bot runs")
	return cmd
}

// serve runs the permission service, and the Slack bot when configured,
// until ctx ends, then drains watch streams and the bot's workers and
// shuts the HTTP server down gracefully.
func (a *app) serve(ctx context.Context, o *serveOptions) error {
	log := slog.New(slog.NewJSONHandler(a.stderr, nil))
	if len(o.apiKeys) == 0 && !o.insecureNoAuth {
		return exitError{code: 2, msg: "no API key: pass --api-key or set BASTION_API_KEYS (or --insecure-no-auth for local development)"}
	}
	if err := o.bot.validate(); err != nil {
		return exitError{code: 2, msg: "slack bot: " + err.Error()}
	}
	if err := o.console.validate(); err != nil {
		return exitError{code: 2, msg: "admin console: " + err.Error()}
	}
	if o.insecureNoAuth && len(o.apiKeys) == 0 {
		log.Warn("SERVING WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who can reach " + o.addr + " can read and change every permission")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	engine, err := a.engineOn(ctx, db, reg)
	if err != nil {
		return err
	}
	routes := map[string]http.Handler{}
	for pattern, h := range o.extraRoutes {
		routes[pattern] = h
	}
	if o.console.enabled() {
		h, pattern, err := consoleHandler(ctx, db, engine, o.console, log)
		if err != nil {
			return err
		}
		routes[pattern] = h
	}
	var rt *runner.Runner
	if o.bot.enabled() {
		cfg := o.bot
		cfg.Logger = log
		if rt, err = a.botRuntime(ctx, db, engine, cfg); err != nil {
			return err
		}
		defer rt.Close()
		routes["/slack/"] = rt.Handler()
	}
	var services []server.Service
	if o.bot.EncryptionKey != "" {
		installURL := ""
		if o.bot.oauthEnabled() {
			installURL = strings.TrimSuffix(o.bot.RedirectURL, "/slack/oauth/callback") + "/slack/install"
		}
		svc, err := installationService(ctx, db, o.bot.EncryptionKey, installURL)
		if err != nil {
			return err
		}
		services = append(services, svc)
	}
	srv := server.New(engine, server.Options{APIKeys: o.apiKeys, InsecureNoAuth: o.insecureNoAuth, Registry: reg, Logger: log,
		Extra: routes, Services: services})

	ln := o.listener
	if ln == nil {
		if ln, err = net.Listen("tcp", o.addr); err != nil {
			return fmt.Errorf("listen on %s: %w", o.addr, err)
		}
	}
	hs := &http.Server{Handler: srv.Handler(), Protocols: server.Protocols(), ReadHeaderTimeout: 10 * time.Second}

	followCtx, stopFollow := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { defer close(followed); engine.Follow(followCtx, o.follow) }()
	defer func() { stopFollow(); <-followed }()

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	var botDone chan error // nil, never ready, without a bot
	if rt != nil {
		botDone = make(chan error, 1)
		go func() { botDone <- rt.Run(ctx) }()
	}
	log.Info("bastion serve listening", "addr", ln.Addr().String(), "db", a.dbURL, "api_keys", len(o.apiKeys),
		"slack_bot", rt != nil, "socket_mode", rt != nil && rt.SocketMode())
	if o.ready != nil {
		o.ready <- ln.Addr().String()
	}

	var botErr error
	select {
	case err := <-served:
		return fmt.Errorf("serve http: %w", err)
	case botErr = <-botDone:
		// The bot stops on its own only when Socket Mode fails for good;
		// nil means ctx ended at the same time.
		botDone = nil
		if botErr != nil {
			log.Error("slack bot stopped; shutting down", "error", botErr)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: draining watch streams")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Drain(sctx); err != nil {
		log.Warn("watch streams did not drain", "error", err)
	}
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	if botDone != nil {
		if err := <-botDone; err != nil {
			botErr = err
		}
	}
	if botErr != nil {
		return fmt.Errorf("slack bot: %w", botErr)
	}
	log.Info("stopped")
	return nil
}
