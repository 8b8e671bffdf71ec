package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"google.golang.org/protobuf/reflect/protoreflect"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/gen/bastion/authz/v1/authzv1connect"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestAPIKeyIsRequired(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	req := &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UOPS", EntityId: "C2", Permissions: []string{"SET_PLAN"}}
	for _, key := range []string{"", "wrong-key", servertest.APIKey + "x"} {
		_, err := env.Client(key).Check(context.Background(), connect.NewRequest(req))
		if servertest.CodeOf(t, err) != connect.CodeUnauthenticated {
			t.Errorf("key %q: %v; want unauthenticated", key, err)
		}
	}
	stream, err := env.Client("").WatchPermissions(context.Background(), connect.NewRequest(&authzv1.WatchPermissionsRequest{TeamId: "T1", UserId: "UOPS"}))
	if err != nil {
		t.Fatal(err)
	}
	if stream.Receive() || servertest.CodeOf(t, stream.Err()) != connect.CodeUnauthenticated {
		t.Errorf("watch without a key: %v; want unauthenticated", stream.Err())
	}
	// Connect protocol too, over HTTP/1.1.
	c := authzv1connect.NewPermissionServiceClient(http.DefaultClient, env.URL, connect.WithInterceptors(servertest.Bearer("bad")))
	if _, err := c.Check(context.Background(), connect.NewRequest(req)); servertest.CodeOf(t, err) != connect.CodeUnauthenticated {
		t.Errorf("connect protocol, bad key: %v", err)
	}
	if _, err := env.Client(servertest.APIKey, connect.WithGRPCWeb()).Check(context.Background(), connect.NewRequest(req)); err != nil {
		t.Errorf("gRPC-Web with the key: %v", err)
	}
}

func TestParseAPIKeys(t *testing.T) {
	if got := server.ParseAPIKeys(" a, ,b ,"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("ParseAPIKeys = %q", got)
	}
}

func TestNoKeysRefusesUnlessInsecure(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	req := &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UOPS", EntityId: "C2", Permissions: []string{"SET_PLAN"}}
	for _, insecure := range []bool{false, true} {
		hs := httptest.NewServer(server.New(env.Engine, server.Options{InsecureNoAuth: insecure}).Handler())
		c := authzv1connect.NewPermissionServiceClient(http.DefaultClient, hs.URL)
		_, err := c.Check(context.Background(), connect.NewRequest(req))
		hs.Close()
		if insecure && err != nil {
			t.Errorf("insecure server: %v; want an answer", err)
		}
		if !insecure && servertest.CodeOf(t, err) != connect.CodeUnauthenticated {
			t.Errorf("server without keys: %v; want unauthenticated", err)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	if code, body := get(t, env.URL+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, _ := get(t, env.URL+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d; want 200", code)
	}
	// The gRPC health service needs no key; asked here with the Connect
	// protocol's JSON form.
	resp, err := http.Post(env.URL+"/grpc.health.v1.Health/Check", "application/json", strings.NewReader(`{"service":"bastion.authz.v1.PermissionService"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"SERVING_STATUS_SERVING"`) {
		t.Errorf("health check = %d %s; want SERVING", resp.StatusCode, b)
	}
}

func TestReflectionListsTheService(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	// No key: reflection is open, like health.
	rc := grpcreflect.NewClient(servertest.HTTPClient(), env.URL, connect.WithGRPC())
	stream := rc.NewStream(context.Background())
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []protoreflect.FullName{"bastion.authz.v1.PermissionService", "grpc.health.v1.Health"} {
		if !slices.Contains(names, want) {
			t.Errorf("services = %v; want %s", names, want)
		}
	}
	files, err := stream.FileContainingSymbol("bastion.authz.v1.PermissionService")
	if err != nil || len(files) == 0 {
		t.Errorf("file containing the service: %v, %v", files, err)
	}
}

func TestMetricsCountDecisions(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	for _, user := range []string{"UOPS", "UMEMBER", "UMEMBER"} {
		if _, err := c.Check(context.Background(), connect.NewRequest(&authzv1.EligibilityRequest{TeamId: "T1", UserId: user, EntityId: "C2", Permissions: []string{"SET_PLAN"}})); err != nil {
			t.Fatal(err)
		}
	}
	code, body := get(t, env.URL+"/metrics")
	for _, want := range []string{
		`bastion_checks_total{decision="allow",kind="permission",reason="rule"} 1`,
		`bastion_checks_total{decision="deny",kind="permission",reason="default_deny"} 2`,
		`bastion_rpc_duration_seconds_count{code="ok",procedure="/bastion.authz.v1.PermissionService/Check"} 3`,
		`bastion_watchers_connected 0`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}
}

func TestStoreDownIsUnavailable(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	env.DB.Close()
	_, err := c.Check(context.Background(), connect.NewRequest(&authzv1.EligibilityRequest{TeamId: "T1", UserId: "UOPS", EntityId: "C2", Permissions: []string{"SET_PLAN"}}))
	if servertest.CodeOf(t, err) != connect.CodeUnavailable {
		t.Errorf("check with the store down: %v; want unavailable", err)
	}
	if code, _ := get(t, env.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d; want 503", code)
	}
	if code, _ := get(t, env.URL+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d; liveness does not depend on the store", code)
	}
}
