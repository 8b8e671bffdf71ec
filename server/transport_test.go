package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

// transport calls Check on a server in one protocol, sending authorization
// verbatim as the authorization header ("" sends none), and returns the
// RPC code (connect.Code(0) for OK).
type transport struct {
	name  string
	check func(ctx context.Context, authorization string, req *authzv1.EligibilityRequest) (*authzv1.CheckResponse, error)
}

// code is an error's RPC code whichever client returned it; 0 for nil.
func code(t *testing.T, err error) connect.Code {
	t.Helper()
	if err == nil {
		return 0
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Code()
	}
	if st, ok := status.FromError(err); ok {
		return connect.Code(st.Code())
	}
	t.Fatalf("not an RPC error: %v", err)
	return 0
}

// rawAuthorization sets the authorization header as given.
type rawAuthorization string

func (a rawAuthorization) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if a != "" {
			req.Header().Set("Authorization", string(a))
		}
		return next(ctx, req)
	}
}
func (a rawAuthorization) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}
func (a rawAuthorization) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func http1Client() *http.Client {
	var p http.Protocols
	p.SetHTTP1(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}}
}

// transports are every way a client reaches Check at baseURL: gRPC with
// google.golang.org/grpc's client and with connect's, the Connect protocol
// in binary over HTTP/2 and in JSON over HTTP/1.1, and gRPC-Web over both.
func transports(t *testing.T, baseURL string) []transport {
	t.Helper()
	cc, err := grpc.NewClient(strings.TrimPrefix(baseURL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	viaConnect := func(hc connect.HTTPClient, opts ...connect.ClientOption) func(context.Context, string, *authzv1.EligibilityRequest) (*authzv1.CheckResponse, error) {
		return func(ctx context.Context, auth string, req *authzv1.EligibilityRequest) (*authzv1.CheckResponse, error) {
			c := authzv1connect.NewPermissionServiceClient(hc, baseURL, append(opts, connect.WithInterceptors(rawAuthorization(auth)))...)
			res, err := c.Check(ctx, connect.NewRequest(req))
			if err != nil {
				return nil, err
			}
			return res.Msg, nil
		}
	}
	return []transport{
		{"gRPC (google.golang.org/grpc client)", func(ctx context.Context, auth string, req *authzv1.EligibilityRequest) (*authzv1.CheckResponse, error) {
			if auth != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", auth)
			}
			out := new(authzv1.CheckResponse)
			return out, cc.Invoke(ctx, authzv1connect.PermissionServiceCheckProcedure, req, out, grpc.MaxCallSendMsgSize(64<<20))
		}},
		{"gRPC (connect client, h2c)", viaConnect(servertest.HTTPClient(), connect.WithGRPC())},
		{"Connect binary (h2c)", viaConnect(servertest.HTTPClient())},
		{"Connect JSON (HTTP/1.1)", viaConnect(http1Client(), connect.WithProtoJSON())},
		{"gRPC-Web (HTTP/1.1)", viaConnect(http1Client(), connect.WithGRPCWeb())},
		{"gRPC-Web (h2c)", viaConnect(servertest.HTTPClient(), connect.WithGRPCWeb())},
	}
}

// handlerURL serves env's server's Handler with net/http alone (as
// `bastion dev` does), so that gRPC is served by connect too.
func handlerURL(t *testing.T, env *servertest.Env) string {
	hs := httptest.NewUnstartedServer(env.Server.Handler())
	hs.Config.Protocols = server.Protocols()
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL
}

var allowedReq = &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UCHANADMIN", EntityId: "C4", Permissions: []string{"ARCHIVE_CHANNEL"}}

func TestEveryProtocolServesOnOnePort(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	ctx := context.Background()
	for _, base := range []string{env.URL, handlerURL(t, env)} {
		for _, tr := range transports(t, base) {
			res, err := tr.check(ctx, "Bearer "+servertest.APIKey, allowedReq)
			if err != nil || len(res.GetDecisions()) != 1 || !res.GetDecisions()[0].GetAllowed() {
				t.Errorf("%s at %s: %v, %v; want one allow", tr.name, base, res, err)
			}
		}
	}

	// Health and reflection, open, over google.golang.org/grpc's client as
	// grpcurl and grpc_health_probe call them.
	cc, err := grpc.NewClient(strings.TrimPrefix(env.URL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	h, err := grpc_health_v1.NewHealthClient(cc).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: authzv1connect.PermissionServiceName})
	if err != nil || h.GetStatus() != grpc_health_v1.HealthCheckResponse_SERVING {
		t.Errorf("health: %v, %v; want SERVING", h, err)
	}
	if _, err := grpc_health_v1.NewHealthClient(cc).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: "nope"}); code(t, err) != connect.CodeNotFound {
		t.Errorf("health of an unknown service: %v; want not_found", err)
	}
	stream, err := reflectionpb.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: "*"}}); err != nil {
		t.Fatal(err)
	}
	got, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !strings.Contains(strings.Join(names, " "), authzv1connect.PermissionServiceName) {
		t.Errorf("reflection lists %v; want %s", names, authzv1connect.PermissionServiceName)
	}
	stream.CloseSend()

	// WatchPermissions over google.golang.org/grpc's client.
	desc := &grpc.StreamDesc{StreamName: "WatchPermissions", ServerStreams: true}
	wctx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+servertest.APIKey))
	defer cancel()
	ws, err := cc.NewStream(wctx, desc, authzv1connect.PermissionServiceWatchPermissionsProcedure)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SendMsg(&authzv1.WatchPermissionsRequest{TeamId: "T1", UserId: "UCHANADMIN"}); err != nil {
		t.Fatal(err)
	}
	ws.CloseSend()
	first := new(authzv1.WatchPermissionsResponse)
	if err := ws.RecvMsg(first); err != nil || first.GetKind() != authzv1.WatchEventKind_WATCH_EVENT_KIND_INITIAL {
		t.Errorf("watch over gRPC: %v, %v; want the initial event", first, err)
	}
}

// TestBearerSchemeIsCaseInsensitive: RFC 6750 and RFC 9110 make the
// authentication scheme case-insensitive; the key is not.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	ctx := context.Background()
	accepted := []string{"Bearer " + servertest.APIKey, "bearer " + servertest.APIKey, "BEARER " + servertest.APIKey, "bEaReR  " + servertest.APIKey}
	refused := []string{"", "Bearer", "Bearer ", "Basic " + servertest.APIKey, "Bearer" + servertest.APIKey, servertest.APIKey,
		"Bearer " + strings.ToUpper(servertest.APIKey), "Bearer " + servertest.APIKey[:len(servertest.APIKey)-1], "Bearer " + servertest.APIKey + "x"}
	for _, base := range []string{env.URL, handlerURL(t, env)} {
		for _, tr := range transports(t, base) {
			for _, auth := range accepted {
				if _, err := tr.check(ctx, auth, allowedReq); err != nil {
					t.Errorf("%s at %s, %q: %v; want accepted", tr.name, base, auth, err)
				}
			}
			for _, auth := range refused {
				if _, err := tr.check(ctx, auth, allowedReq); code(t, err) != connect.CodeUnauthenticated {
					t.Errorf("%s at %s, %q: %v; want unauthenticated", tr.name, base, auth, err)
				}
			}
		}
	}
}

// TestRequestSizeIsBounded: a request larger than MaxRequestBytes is refused
// on every transport and endpoint, and the server goes on serving.
func TestRequestSizeIsBounded(t *testing.T) {
	var extraRead int64
	var extraErr error
	extra := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		extraRead, extraErr = io.Copy(io.Discard, r.Body)
		if extraErr != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		}
	})
	env := servertest.StartWith(t, storetest.SQLite(t), server.Options{Extra: map[string]http.Handler{"POST /extra": extra}})
	ctx := context.Background()
	huge := &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UCHANADMIN", EntityId: "C4", Permissions: []string{strings.Repeat("A", 10<<20)}}
	for _, base := range []string{env.URL, handlerURL(t, env)} {
		for _, tr := range transports(t, base) {
			if _, err := tr.check(ctx, "Bearer "+servertest.APIKey, huge); code(t, err) != connect.CodeResourceExhausted {
				t.Errorf("%s at %s, 10 MB Check: %v; want resource_exhausted", tr.name, base, err)
			}
			if res, err := tr.check(ctx, "Bearer "+servertest.APIKey, allowedReq); err != nil || !res.GetDecisions()[0].GetAllowed() {
				t.Errorf("%s at %s, after the 10 MB Check: %v, %v; want allow", tr.name, base, res, err)
			}
		}
	}
	// Just under the bound is served.
	near := &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UCHANADMIN", EntityId: "C4", Permissions: []string{strings.Repeat("A", server.DefaultMaxRequestBytes-1024)}}
	for _, tr := range transports(t, env.URL) {
		if _, err := tr.check(ctx, "Bearer "+servertest.APIKey, near); code(t, err) != connect.CodeInvalidArgument {
			t.Errorf("%s, a request under the bound: %v; want it read and refused as an unknown permission", tr.name, err)
		}
	}

	resp, err := http.Post(env.URL+"/extra", "application/octet-stream", strings.NewReader(strings.Repeat("x", 10<<20)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var mbe *http.MaxBytesError
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !errors.As(extraErr, &mbe) || extraRead > server.DefaultMaxRequestBytes+64<<10 {
		t.Errorf("10 MB to an extra handler: status %d after it read %d bytes (%v); want 413 within the bound", resp.StatusCode, extraRead, extraErr)
	}
}

// TestServeLifecycle: Serve runs once; Shutdown waits for calls and ends
// Serve with http.ErrServerClosed; a closed server serves nothing.
func TestServeLifecycle(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	other := server.New(env.Engine, server.Options{APIKeys: []string{"k"}})
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- other.Serve(ln2) }()
	c := authzv1connect.NewPermissionServiceClient(servertest.HTTPClient(), "http://"+ln2.Addr().String(), connect.WithGRPC(), connect.WithInterceptors(servertest.Bearer("k")))
	if _, err := c.Check(context.Background(), connect.NewRequest(allowedReq)); err != nil {
		t.Fatalf("check before shutdown: %v", err)
	}
	// It answered, so Serve runs: a second one is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Serve(ln); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("second Serve: %v; want an error", err)
	}
	ln.Close()
	if err := other.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v; want http.ErrServerClosed", err)
	}
	if _, err := net.Dial("tcp", ln2.Addr().String()); err == nil {
		t.Error("the listener still accepts after Shutdown")
	}

	closed := server.New(env.Engine, server.Options{APIKeys: []string{"k"}})
	closed.Close()
	ln3, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Serve(ln3); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve after Close: %v; want http.ErrServerClosed", err)
	}
}
