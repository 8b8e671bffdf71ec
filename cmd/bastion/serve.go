package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/bastionhq/bastion/authz"
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
	// ready, when set, receives the listening address (for tests).
	ready chan<- string
}

func newServeCmd(a *app) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the permission service (gRPC, gRPC-Web and Connect on one port)",
		Long: `Serve bastion.authz.v1.PermissionService with gRPC reflection and the gRPC
health service, plus /healthz, /readyz and /metrics, on one port speaking
HTTP/1.1 and unencrypted HTTP/2.

Every RPC except health needs "authorization: Bearer KEY", with KEY one of
--api-key or BASTION_API_KEYS (comma-separated). Without any key serve
refuses to start, unless --insecure-no-auth is given.

  grpcurl -plaintext -H 'authorization: Bearer KEY' 127.0.0.1:8080 list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env := server.ParseAPIKeys(os.Getenv("BASTION_API_KEYS")); len(env) > 0 {
				o.apiKeys = append(o.apiKeys, env...)
			}
			return a.serve(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringArrayVar(&o.apiKeys, "api-key", nil, "accepted bearer API key (repeatable; also BASTION_API_KEYS, comma-separated)")
	cmd.Flags().BoolVar(&o.insecureNoAuth, "insecure-no-auth", false, "serve without API keys: anyone who reaches the port may check and administer (development only)")
	cmd.Flags().DurationVar(&o.follow, "follow-interval", authz.DefaultFollowInterval, "how often to read the change log for writes made by other replicas")
	return cmd
}

// serve runs the permission service until ctx ends, then drains watch
// streams and shuts the HTTP server down gracefully.
func (a *app) serve(ctx context.Context, o *serveOptions) error {
	log := slog.New(slog.NewJSONHandler(a.stderr, nil))
	if len(o.apiKeys) == 0 && !o.insecureNoAuth {
		return exitError{code: 2, msg: "no API key: pass --api-key or set BASTION_API_KEYS (or --insecure-no-auth for local development)"}
	}
	if o.insecureNoAuth && len(o.apiKeys) == 0 {
		log.Warn("SERVING WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who can reach " + o.addr + " can read and change every permission")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	engine, closeEngine, err := a.openEngineWith(ctx, reg)
	if err != nil {
		return err
	}
	defer closeEngine()
	srv := server.New(engine, server.Options{APIKeys: o.apiKeys, InsecureNoAuth: o.insecureNoAuth, Registry: reg, Logger: log})

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), Protocols: server.Protocols(), ReadHeaderTimeout: 10 * time.Second}

	followCtx, stopFollow := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { defer close(followed); engine.Follow(followCtx, o.follow) }()
	defer func() { stopFollow(); <-followed }()

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("bastion serve listening", "addr", ln.Addr().String(), "db", a.dbURL, "api_keys", len(o.apiKeys))
	if o.ready != nil {
		o.ready <- ln.Addr().String()
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve http: %w", err)
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
	log.Info("stopped")
	return nil
}
