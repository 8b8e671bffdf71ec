package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server/convert"
)

// Option configures a Remote.
type Option func(*remoteConfig)

type remoteConfig struct {
	httpClient connect.HTTPClient
	connect    bool
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
	rpc authzv1connect.PermissionServiceClient
}

// NewRemote returns a client of the server at baseURL (for example
// http://127.0.0.1:8080) that authenticates with apiKey.
func NewRemote(baseURL, apiKey string, opts ...Option) *Remote {
	cfg := remoteConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.httpClient == nil {
		cfg.httpClient = defaultHTTPClient(baseURL)
	}
	copts := []connect.ClientOption{connect.WithInterceptors(APIKey(apiKey))}
	if !cfg.connect {
		copts = append(copts, connect.WithGRPC())
	}
	copts = append(copts, cfg.opts...)
	return &Remote{rpc: authzv1connect.NewPermissionServiceClient(cfg.httpClient, strings.TrimSuffix(baseURL, "/"), copts...)}
}

func defaultHTTPClient(baseURL string) *http.Client {
	var p http.Protocols
	if strings.HasPrefix(baseURL, "https://") {
		p.SetHTTP2(true)
	} else {
		p.SetUnencryptedHTTP2(true)
	}
	return &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConnsPerHost: 16}}
}

// Service returns the generated client, for the calls Checker does not
// cover (admin, ListUserPermissions, WatchPermissions, LookupUsers).
func (r *Remote) Service() authzv1connect.PermissionServiceClient { return r.rpc }

// Check implements Checker.
func (r *Remote) Check(ctx context.Context, req authz.EligibilityRequest) (authz.Result, error) {
	res, err := r.rpc.Check(ctx, connect.NewRequest(convert.EligibilityToProto(req)))
	if err != nil {
		err = fmt.Errorf("bastion check: %w", err)
		return denyPermissions(req, err), err
	}
	return convert.Result(res.Msg), nil
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
