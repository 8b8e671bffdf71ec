package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/gen/bastion/slack/v1/slackv1connect"
	"github.com/bastionhq/bastion/internal/config"
	"github.com/bastionhq/bastion/internal/slackbot/runner"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/slackapp/installrpc"
)

// ShutdownGrace bounds how long stopping waits for streams and requests
// to finish after a signal.
const ShutdownGrace = 10 * time.Second

// ConfigError is a configuration the process cannot start with; the
// command line reports it as a usage error.
type ConfigError struct{ Err error }

func (e ConfigError) Error() string { return e.Err.Error() }
func (e ConfigError) Unwrap() error { return e.Err }

// ServeHooks let tests pick the listener and learn when serve is ready.
type ServeHooks struct {
	// Listener, when set, is served instead of listening on cfg.Addr.
	Listener net.Listener
	// Ready, when set, is called with the listening address once every
	// part runs.
	Ready func(addr string)
}

// Serve runs `bastion serve`: the permission service, and with their
// settings the Slack bot, the install flow, the installation service and
// the admin console, all on one port, until ctx ends. It then stops
// taking requests (watch streams first), drains the bot's workers, stops
// following the change log and closes the stores, in that order.
func Serve(ctx context.Context, cfg config.Config, opts Options, io IO, hooks ServeHooks) error {
	if err := cfg.ValidateServe(); err != nil {
		return ConfigError{err}
	}
	level, _ := cfg.Level(slog.LevelInfo) // ValidateServe checked it
	log := slog.New(slog.NewJSONHandler(io.Stderr, &slog.HandlerOptions{Level: level}))
	sources, err := opts.sources(cfg)
	if err != nil {
		return ConfigError{err}
	}
	key, err := EncryptionKey(cfg)
	if err != nil {
		return ConfigError{err}
	}
	if cfg.InsecureNoAuth && len(cfg.APIKeys) == 0 {
		log.Warn("SERVING WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who can reach " + cfg.Addr + " can read and change every permission")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	st, err := OpenStores(ctx, cfg, StoreOptions{Registry: reg, EncryptionKey: key, Bot: cfg.BotEnabled() || cfg.ConsoleEnabled(),
		Runs: cfg.BotEnabled() && cfg.Commands != ""})
	if err != nil {
		return err
	}
	defer st.Close()

	var svc *slackapp.Service
	if st.Installations != nil {
		svc = slackapp.NewService(st.Installations, slackapp.ServiceOptions{APIURL: cfg.SlackAPIURL, Logger: log})
	}
	routes := map[string]http.Handler{}
	var votes *lateVotes
	var consoleVotes console.ApprovalVoter
	if cfg.BotEnabled() {
		votes = &lateVotes{}
		consoleVotes = votes
	}
	var closeStreams []func()
	if cfg.ConsoleEnabled() {
		con, err := consoleOf(st, cfg, consoleVotes, log)
		if err != nil {
			return err
		}
		routes[con.Prefix()+"/"] = con.Handler()
		closeStreams = append(closeStreams, con.Close)
	}
	life := newLifecycle(log)
	defer life.stop(graceContext)
	life.start("change follower", follow(st.Engine, cfg.FollowInterval), nil)
	botRuns := false
	if cfg.BotEnabled() {
		setup := botSetup{BotToken: cfg.SlackBotToken, SigningSecret: cfg.SlackSigningSecret, AppToken: cfg.SlackAppToken,
			APIURL: cfg.SlackAPIURL, NATSURL: cfg.NATSURL, Workers: cfg.BotWorkers, InstallCacheTTL: cfg.InstallCacheTTL,
			ApprovalRunTimeout: cfg.ApprovalRunTimeout, Sources: sources, CommandsFile: cfg.Commands, RolesFile: cfg.Roles, Logger: log}
		if cfg.InstallFlowEnabled() {
			oauth, err := installFlow(svc, key, cfg.SlackClientID, cfg.SlackClientSecret, cfg.SlackRedirectURL, cfg.SlackAPIURL)
			if err != nil {
				return fmt.Errorf("bot: %w", err)
			}
			setup.Slack = svc
			setup.Handlers = map[string]http.Handler{"GET /slack/install": oauth, "GET /slack/oauth/callback": oauth}
		}
		rt, workflow, err := newBot(ctx, st, setup)
		if err != nil {
			return err
		}
		votes.set(console.WorkflowVotes{Workflow: workflow})
		routes["/slack/"] = rt.Handler()
		life.start("slack bot", runBot(rt), nil)
		botRuns = true
	}
	var services []server.Service
	if svc != nil {
		services = append(services, installationService(svc, cfg.InstallURL()))
	}
	srv := server.New(st.Engine, server.Options{APIKeys: cfg.APIKeys, InsecureNoAuth: cfg.InsecureNoAuth, Registry: reg, Logger: log,
		Extra: routes, Services: services})
	ln := hooks.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
	}
	serveHTTP(life, srv, ln, log, closeStreams...)
	log.Info("bastion serve listening", "addr", ln.Addr().String(), "db", config.RedactDB(cfg.DB), "api_keys", len(cfg.APIKeys),
		"slack_bot", botRuns, "socket_mode", botRuns && cfg.SlackAppToken != "")
	if hooks.Ready != nil {
		hooks.Ready(ln.Addr().String())
	}
	if err := life.wait(ctx, graceContext); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// runBot runs the bot until its context ends, then releases what it
// opened (its queue).
func runBot(rt *runner.Runner) func(context.Context) error {
	return func(ctx context.Context) error {
		defer rt.Close()
		return rt.Run(ctx)
	}
}

// graceContext bounds one part's stop.
func graceContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), ShutdownGrace)
}

// follow runs the engine's change follower until its context ends.
func follow(engine *authz.Engine, every time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		engine.Follow(ctx, every)
		return nil
	}
}

// serveHTTP serves srv on ln as a part of life. Stopping it closes the
// live streams first (the permission watch streams, then those
// closeStreams end, such as the console's and the sandbox page's), then
// shuts the server down gracefully: nothing left open holds it up.
func serveHTTP(life *lifecycle, srv *server.Server, ln net.Listener, log *slog.Logger, closeStreams ...func()) {
	life.start("http server", func(context.Context) error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, func(ctx context.Context) error {
		if err := srv.Drain(ctx); err != nil {
			log.Warn("watch streams did not drain", "error", err)
		}
		for _, close := range closeStreams {
			close()
		}
		if err := srv.Shutdown(ctx); err != nil {
			return fmt.Errorf("shut down http server: %w", err)
		}
		return nil
	})
}

// installationService serves which features each workspace can use
// (bastion.slack.v1.InstallationService); installURL is the reinstall
// link it hands out.
func installationService(svc installrpc.Scopes, installURL string) server.Service {
	rpc := installrpc.New(svc, installURL)
	return server.Service{Name: slackv1connect.InstallationServiceName, Handler: rpc.Handler, Impl: rpc}
}
