package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
)

// DefaultReadyTimeout bounds the store ping behind /readyz and the health
// service.
const DefaultReadyTimeout = 2 * time.Second

// compressMinBytes is the smallest response the server compresses.
const compressMinBytes = 4096

// Options configure a Server.
type Options struct {
	// APIKeys are the accepted bearer keys. With none, every RPC except
	// health is refused, unless InsecureNoAuth is set.
	APIKeys []string
	// InsecureNoAuth serves RPCs without any key. For local development only.
	InsecureNoAuth bool
	// Registry receives the server's metrics and is served on /metrics. A
	// new registry is made when nil.
	Registry *prometheus.Registry
	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
	// ReadyTimeout bounds the store ping of readiness checks
	// (default DefaultReadyTimeout).
	ReadyTimeout time.Duration
	// Extra handlers mounted on the same mux, by ServeMux pattern (for
	// example "/slack/events").
	Extra map[string]http.Handler
	// Services are more connect services served next to the permission
	// service with the same API keys and metrics, and listed by reflection.
	Services []Service
	// MaxRequestBytes bounds the size of a request message on every
	// transport, and of a request body on every endpoint (a little more,
	// for framing), default DefaultMaxRequestBytes. A larger message is
	// refused with RESOURCE_EXHAUSTED, a larger body with 413.
	MaxRequestBytes int
}

// DefaultMaxRequestBytes is the default bound of a request: a BatchCheck of
// MaxBatchItems checks takes well under a tenth of it.
const DefaultMaxRequestBytes = 1 << 20

// bodySlack is what a request body may hold besides its message: gRPC and
// gRPC-Web frame headers and trailers.
const bodySlack = 16 << 10

// Service is another connect service to serve: its fully qualified name
// (for reflection) and the generated constructor of its handler, called
// with the server's interceptors.
type Service struct {
	Name    string
	Handler func(opts ...connect.HandlerOption) (string, http.Handler)
	// Impl is the implementation Handler serves (the value satisfying the
	// generated XxxHandler interface). The gRPC transport calls its unary
	// methods directly; without it, gRPC clients reach the service only
	// through Handler (served by net/http, see Serve), and Serve's gRPC
	// transport answers UNIMPLEMENTED.
	Impl any
}

// Server serves one engine. Create it with New; serve Handler().
type Server struct {
	engine  *authz.Engine
	log     *slog.Logger
	keys    *keyring
	metrics *metrics
	ready   time.Duration
	mux     *http.ServeMux
	handler http.Handler
	// grpcSvcs are the services of the gRPC transport, which Serve starts.
	grpcSvcs []grpcService

	maxRequestBytes int

	serveMu sync.Mutex
	conns   *connMux     // set by Serve
	hs      *http.Server // set by Serve
	grpc    *grpc.Server // set by Serve
	closed  bool

	drainOnce sync.Once
	drain     chan struct{}
	watchers  sync.WaitGroup
}

// New returns a server for engine.
func New(engine *authz.Engine, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = DefaultReadyTimeout
	}
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	s := &Server{
		engine:  engine,
		log:     opts.Logger,
		keys:    newKeyring(opts.APIKeys, opts.InsecureNoAuth),
		metrics: newMetrics(opts.Registry),
		ready:   opts.ReadyTimeout,
		mux:     http.NewServeMux(),
		drain:   make(chan struct{}),

		maxRequestBytes: opts.MaxRequestBytes,
	}
	s.routes(opts)
	s.handler = limitBodies(s.mux, int64(opts.MaxRequestBytes)+bodySlack)
	impls := map[string]any{authzv1connect.PermissionServiceName: &service{s: s}}
	for _, svc := range opts.Services {
		if svc.Impl != nil {
			impls[svc.Name] = svc.Impl
		}
	}
	svcs, err := s.grpcServices(impls)
	if err != nil {
		// The services are compiled in: a mismatch is a programming error.
		panic(err)
	}
	s.grpcSvcs = svcs
	return s
}

// limitBodies bounds every request body to n bytes.
func limitBodies(h http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) routes(opts Options) {
	// Checks are small: compressing them costs more CPU than it saves.
	authed := connect.WithHandlerOptions(
		connect.WithInterceptors(s.metrics.interceptor(), s.keys.interceptor()),
		connect.WithCompressMinBytes(compressMinBytes),
		connect.WithReadMaxBytes(opts.MaxRequestBytes),
	)
	s.mux.Handle(authzv1connect.NewPermissionServiceHandler(&service{s: s}, authed))
	names := []string{authzv1connect.PermissionServiceName, grpchealth.HealthV1ServiceName}
	for _, svc := range opts.Services {
		s.mux.Handle(svc.Handler(authed))
		names = append(names, svc.Name)
	}

	// Reflection describes only the public API (its .proto files are in
	// this repository), so, like health, it is open: `grpcurl list` and
	// `describe` work without a key, while every call still needs one.
	reflector := grpcreflect.NewStaticReflector(names...)
	s.mux.Handle(grpcreflect.NewHandlerV1(reflector))
	s.mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	s.mux.Handle(grpchealth.NewHandler(&healthChecker{s: s}))

	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metrics.handler(opts.Registry))
	for pattern, h := range opts.Extra {
		s.mux.Handle(pattern, h)
	}
}

// Handler returns the HTTP handler serving everything (gRPC included, over
// net/http's HTTP/2), with request bodies bounded. Serve it with
// unencrypted HTTP/2 enabled (see Protocols) for gRPC clients; Serve
// serves it too, with gRPC on a cheaper transport.
func (s *Server) Handler() http.Handler { return s.handler }

// Mux returns the server's mux, for mounting more handlers on the same port.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// Protocols returns the protocols an http.Server serving Handler should
// speak: HTTP/1.1 and unencrypted HTTP/2 (h2c), which gRPC needs.
func Protocols() *http.Protocols {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return &p
}

// Drain ends every watch stream with a final SHUTDOWN event and marks the
// server not ready, then waits until the streams have returned or ctx ends.
// Call it before http.Server.Shutdown, which waits for streams to finish.
func (s *Server) Drain(ctx context.Context) error {
	s.drainOnce.Do(func() { close(s.drain) })
	done := make(chan struct{})
	go func() { s.watchers.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("drain watch streams: %w", ctx.Err())
	}
}

func (s *Server) draining() bool {
	select {
	case <-s.drain:
		return true
	default:
		return false
	}
}

// service implements authzv1connect.PermissionServiceHandler.
type service struct{ s *Server }
