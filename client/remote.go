package client

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server/convert"
)

// Option configures a Remote.
type Option func(*remoteConfig)

type remoteConfig struct {
	httpClient connect.HTTPClient
	connect    bool
	http1Conns int
	batch      int
	opts       []connect.ClientOption
}

// WithHTTPClient sets the HTTP client. The default speaks unencrypted
// HTTP/2 to http:// URLs and HTTP/2 over TLS to https:// ones.
func WithHTTPClient(c connect.HTTPClient) Option {
	return func(r *remoteConfig) { r.httpClient = c }
}

// WithConnectProtocol uses the Connect protocol instead of gRPC, for
// proxies that only pass HTTP/1.1.
func WithConnectProtocol() Option {
	return func(r *remoteConfig) { r.connect = true }
}

// WithClientOptions adds connect-go client options (interceptors,
// compression, limits).
func WithClientOptions(opts ...connect.ClientOption) Option {
	return func(r *remoteConfig) { r.opts = append(r.opts, opts...) }
}

// Remote checks with a Bastion server.
type Remote struct {
	rpc   authzv1connect.PermissionServiceClient
	batch *batcher // nil unless WithBatching
}

// NewRemote returns a client of the server at baseURL (for example
// http://127.0.0.1:8080) that authenticates with apiKey.
func NewRemote(baseURL, apiKey string, opts ...Option) *Remote {
	cfg := remoteConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.http1Conns > 0:
		cfg.httpClient = http1Client(cfg.http1Conns)
	case cfg.httpClient == nil:
		cfg.httpClient = defaultHTTPClient(baseURL)
	}
	copts := []connect.ClientOption{connect.WithInterceptors(APIKey(apiKey))}
	if !cfg.connect {
		copts = append(copts, connect.WithGRPC())
	}
	copts = append(copts, cfg.opts...)
	r := &Remote{rpc: authzv1connect.NewPermissionServiceClient(cfg.httpClient, strings.TrimSuffix(baseURL, "/"), copts...)}
	if cfg.batch > 0 {
		r.batch = newBatcher(r.rpc, cfg.batch)
	}
	return r
}

// Service returns the generated client, for the calls Checker does not
// cover (admin, ListUserPermissions, WatchPermissions, LookupUsers).
func (r *Remote) Service() authzv1connect.PermissionServiceClient { return r.rpc }

// Check implements Checker.
func (r *Remote) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	msg, err := r.check(ctx, convert.EligibilityToProto(req))
	if err != nil {
		err = fmt.Errorf("bastion check: %w", err)
		return denyPermissions(req, err), err
	}
	return convert.Result(msg), nil
}

func (r *Remote) check(ctx context.Context, req *authzv1.EligibilityRequest) (*authzv1.CheckResponse, error) {
	if r.batch != nil {
		return r.batch.check(ctx, req)
	}
	res, err := r.rpc.Check(ctx, connect.NewRequest(req))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

// CheckPolicy implements Checker.
func (r *Remote) CheckPolicy(ctx context.Context, req authz.PolicyRequest) (authz.Result, error) {
	res, err := r.rpc.CheckPolicy(ctx, connect.NewRequest(convert.PolicyToProto(req)))
	if err != nil {
		err = fmt.Errorf("bastion check policy: %w", err)
		return denyPolicy(req, err), err
	}
	return convert.Result(res.Msg), nil
}
