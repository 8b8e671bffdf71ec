package server

import (
	"context"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bastionhq/bastion/authz"
)

// latencyBuckets span 50 µs to about 1.6 s.
var latencyBuckets = prometheus.ExponentialBuckets(0.00005, 2, 16)

// metrics are the server's Prometheus collectors, registered on the
// registry passed to New.
type metrics struct {
	checks   *prometheus.CounterVec
	rpc      *prometheus.HistogramVec
	store    *prometheus.HistogramVec
	watchers prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bastion_checks_total",
			Help: "Decisions answered, by kind of check (permission, policy), decision (allow, deny, error) and reason kind.",
		}, []string{"kind", "decision", "reason"}),
		rpc: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bastion_rpc_duration_seconds",
			Help:    "Time to answer an RPC (for streams: the stream's life), by procedure and code.",
			Buckets: latencyBuckets,
		}, []string{"procedure", "code"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bastion_store_ping_duration_seconds",
			Help:    "Time to read the store's current revision in readiness checks, by result.",
			Buckets: latencyBuckets,
		}, []string{"result"}),
		watchers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bastion_watchers_connected",
			Help: "WatchPermissions streams open now.",
		}),
	}
	reg.MustRegister(m.checks, m.rpc, m.store, m.watchers)
	return m
}

func (m *metrics) handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// observeChecks counts the decisions of a result, or one error.
func (m *metrics) observeChecks(kind string, res authz.Result, err error) {
	if err != nil {
		m.checks.WithLabelValues(kind, "error", "error").Inc()
		return
	}
	for _, d := range res.Decisions {
		decision := "deny"
		if d.Allowed {
			decision = "allow"
		}
		m.checks.WithLabelValues(kind, decision, string(d.Reason.Kind)).Inc()
	}
}

// codeLabel names an RPC outcome: "ok" or the error's code.
func codeLabel(err error) string {
	if err == nil {
		return "ok"
	}
	return connect.CodeOf(err).String()
}

// interceptor times every RPC by procedure and outcome.
func (m *metrics) interceptor() connect.Interceptor { return metricsInterceptor{m} }

type metricsInterceptor struct{ m *metrics }

func (i metricsInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		res, err := next(ctx, req)
		i.m.rpc.WithLabelValues(req.Spec().Procedure, codeLabel(err)).Observe(time.Since(start).Seconds())
		return res, err
	}
}

func (i metricsInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i metricsInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		err := next(ctx, conn)
		i.m.rpc.WithLabelValues(conn.Spec().Procedure, codeLabel(err)).Observe(time.Since(start).Seconds())
		return err
	}
}
