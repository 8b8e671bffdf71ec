// Package servertest starts real permission servers for tests: an engine
// with the built-in roles and the demo organisation on a real database,
// following the change log, served on a loopback port as `bastion serve`
// serves it (gRPC on google.golang.org/grpc's transport, everything else on
// net/http).
package servertest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/client"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// APIKey is the key test servers accept.
const APIKey = "test-key"

// Env is a running test server and what it is built from.
type Env struct {
	DB       *sqldb.DB
	Engine   *authz.Engine
	Server   *server.Server
	Registry *prometheus.Registry
	// URL is the server's base URL.
	URL string
}

// Start serves the demo organisation on db; the server stops when the test
// ends. Loading the demo data into a database that has it changes nothing,
// so several servers may share one database.
func Start(t testing.TB, db *sqldb.DB) *Env {
	t.Helper()
	return StartWith(t, db, server.Options{})
}

// StartWith is Start with more server options (Extra handlers, Services,
// limits); the keys, registry and logger are Start's.
func StartWith(t testing.TB, db *sqldb.DB, opts server.Options) *Env {
	t.Helper()
	return StartConfig(t, db, Config{Server: opts})
}

// Config is what StartConfig builds a test server from.
type Config struct {
	// Server holds server options, as StartWith takes them.
	Server server.Options
	// Now is the engine's clock (default time.Now).
	Now func() time.Time
	// NoFollow leaves the engine without its change follower and sweeper
	// (Engine.Follow): ended assignments stay stored until the test calls
	// Engine.Sweep, and writes of other processes are seen by checks only.
	NoFollow bool
}

// StartConfig is Start with the options of cfg.
func StartConfig(t testing.TB, db *sqldb.DB, cfg Config) *Env {
	t.Helper()
	opts := cfg.Server
	ctx := context.Background()
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatalf("open permission store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatalf("built-in roles: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng, err := authz.NewEngine(ctx, st, cat, authz.Options{Logger: logger, Now: cfg.Now})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	if err := demo.Load(ctx, eng); err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := make(chan struct{})
	if cfg.NoFollow {
		close(followed)
	} else {
		go func() { defer close(followed); eng.Follow(followCtx, 0) }()
	}

	reg := prometheus.NewRegistry()
	opts.APIKeys, opts.Registry, opts.Logger = []string{APIKey}, reg, logger
	srv := server.New(eng, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		srv.Drain(dctx)
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		stopFollow()
		<-followed
	})
	return &Env{DB: db, Engine: eng, Server: srv, Registry: reg, URL: "http://" + ln.Addr().String()}
}

// Close stops the server at once, closing every connection.
func (e *Env) Close() { e.Server.Close() }

// HTTPClient returns a client speaking unencrypted HTTP/2 only, as gRPC
// needs.
func HTTPClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}}
}

// Client returns a gRPC client of the server that sends key as its bearer
// API key ("" sends none).
func (e *Env) Client(key string, opts ...connect.ClientOption) authzv1connect.PermissionServiceClient {
	opts = append([]connect.ClientOption{connect.WithGRPC(), connect.WithInterceptors(Bearer(key))}, opts...)
	return authzv1connect.NewPermissionServiceClient(HTTPClient(), e.URL, opts...)
}

// Bearer returns a client interceptor that sends key as a bearer token.
func Bearer(key string) connect.Interceptor { return client.APIKey(key) }

// CodeOf returns err's RPC code, failing the test when err is not an RPC
// error.
func CodeOf(t testing.TB, err error) connect.Code {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want an RPC error, got %v", err)
	}
	return ce.Code()
}
