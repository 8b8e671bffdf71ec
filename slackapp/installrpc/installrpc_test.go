package installrpc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/store/authzsql"

	slackv1 "github.com/bastionhq/bastion/gen/bastion/slack/v1"
	"github.com/bastionhq/bastion/gen/bastion/slack/v1/slackv1connect"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/slackapp/installrpc"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// serve stores two installations (T1 granted every feature scope, T2 all
// but reactions:write) and serves the service over HTTP.
func serve(t *testing.T) (slackv1connect.InstallationServiceClient, *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
	sealer, err := slackapp.NewTokenSealer(make([]byte, 32))
	must(t, err)
	store, err := installsql.Open(ctx, db, sealer)
	must(t, err)
	all := slackapp.AllFeatureScopes()
	withoutWrite := slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "reactions:write" })
	for team, scopes := range map[string][]string{"T1": all, "T2": withoutWrite} {
		must(t, store.SaveInstallation(ctx, slackapp.Installation{ID: team, TeamID: team, BotToken: "xoxb-" + team, Active: true,
			InstalledAt: time.Now(), Scopes: slackapp.ParseScopes(strings.Join(scopes, ",")), ScopesUpdatedAt: time.Now()}))
	}
	svc := installrpc.New(slackapp.NewService(store, slackapp.ServiceOptions{}), "https://bastion.example.com/slack/install")
	mux := http.NewServeMux()
	mux.Handle(svc.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return slackv1connect.NewInstallationServiceClient(srv.Client(), srv.URL, connect.WithGRPC()), db
}

func TestFeaturesFromTheStore(t *testing.T) {
	client, _ := serve(t)
	ctx := context.Background()
	got, err := client.GetFeature(ctx, connect.NewRequest(&slackv1.GetFeatureRequest{TeamId: "T2", Feature: "approvals_by_reaction"}))
	must(t, err)
	f := got.Msg.GetFeature()
	if f.GetAvailable() || !slices.Equal(f.GetMissingScopes(), []string{"reactions:write"}) ||
		!slices.Equal(f.GetRequiredScopes(), []string{"reactions:read", "reactions:write"}) ||
		got.Msg.GetInstallUrl() != "https://bastion.example.com/slack/install?team=T2" {
		t.Fatalf("T2 approvals_by_reaction = %v", got.Msg)
	}
	list, err := client.ListFeatures(ctx, connect.NewRequest(&slackv1.ListFeaturesRequest{TeamId: "T1"}))
	must(t, err)
	if len(list.Msg.GetFeatures()) != len(slackapp.Features()) {
		t.Fatalf("%d features, want %d", len(list.Msg.GetFeatures()), len(slackapp.Features()))
	}
	for _, f := range list.Msg.GetFeatures() {
		if !f.GetAvailable() || len(f.GetMissingScopes()) != 0 {
			t.Errorf("T1 %s = %v, want available", f.GetName(), f)
		}
	}
}

func TestBadRequestsAndMissingInstallations(t *testing.T) {
	client, db := serve(t)
	ctx := context.Background()
	for _, c := range []struct {
		req  *slackv1.GetFeatureRequest
		code connect.Code
	}{
		{&slackv1.GetFeatureRequest{TeamId: "T1"}, connect.CodeInvalidArgument},
		{&slackv1.GetFeatureRequest{TeamId: "T1", Feature: "teleport"}, connect.CodeInvalidArgument},
		{&slackv1.GetFeatureRequest{TeamId: "T9", Feature: "notifications"}, connect.CodeNotFound},
	} {
		_, err := client.GetFeature(ctx, connect.NewRequest(c.req))
		if connect.CodeOf(err) != c.code {
			t.Errorf("GetFeature(%v) = %v, want %v", c.req, err, c.code)
		}
	}
	if _, err := client.ListFeatures(ctx, connect.NewRequest(&slackv1.ListFeaturesRequest{})); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("ListFeatures without team = %v", err)
	}
	must(t, db.Close())
	_, err := client.GetFeature(ctx, connect.NewRequest(&slackv1.GetFeatureRequest{TeamId: "T1", Feature: "notifications"}))
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeUnavailable {
		t.Fatalf("with the store closed: %v, want unavailable", err)
	}
}

// Served by the permission server, the service needs an API key like
// every other RPC and is listed by reflection.
func TestServedWithThePermissionServersKeys(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	engine := newEngine(t, db)
	sealer, err := slackapp.NewTokenSealer(make([]byte, 32))
	must(t, err)
	store, err := installsql.Open(ctx, db, sealer)
	must(t, err)
	must(t, store.SaveInstallation(ctx, slackapp.Installation{ID: "T1", TeamID: "T1", BotToken: "xoxb-1", Active: true,
		InstalledAt: time.Now(), Scopes: slackapp.ParseScopes("chat:write,chat:write.public"), ScopesUpdatedAt: time.Now()}))
	svc := installrpc.New(slackapp.NewService(store, slackapp.ServiceOptions{}), "")
	srv := server.New(engine, server.Options{APIKeys: []string{"key"},
		Services: []server.Service{{Name: slackv1connect.InstallationServiceName, Handler: svc.Handler}}})
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.Config.Protocols = server.Protocols()
	hs.Start()
	t.Cleanup(hs.Close)
	// Reflection is a bidirectional stream: it needs HTTP/2 (here h2c).
	var h2 http.Protocols
	h2.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Protocols: &h2}}

	anon := slackv1connect.NewInstallationServiceClient(hs.Client(), hs.URL)
	req := &slackv1.GetFeatureRequest{TeamId: "T1", Feature: "notifications"}
	if _, err := anon.GetFeature(ctx, connect.NewRequest(req)); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("without a key: %v", err)
	}
	r := connect.NewRequest(req)
	r.Header().Set("Authorization", "Bearer key")
	got, err := anon.GetFeature(ctx, r)
	must(t, err)
	if !got.Msg.GetFeature().GetAvailable() {
		t.Fatalf("notifications in T1 = %v", got.Msg)
	}
	ref := grpcreflect.NewClient(h2c, hs.URL)
	stream := ref.NewStream(ctx)
	t.Cleanup(func() { stream.Close() })
	names, err := stream.ListServices()
	must(t, err)
	if !slices.Contains(names, protoreflect.FullName(slackv1connect.InstallationServiceName)) {
		t.Fatalf("reflection lists %v", names)
	}
}

func newEngine(t *testing.T, db *sqldb.DB) *authz.Engine {
	t.Helper()
	cat, err := rolesfile.LoadBuiltin()
	must(t, err)
	st, err := authzsql.Open(context.Background(), db)
	must(t, err)
	e, err := authz.NewEngine(context.Background(), st, cat, authz.Options{})
	must(t, err)
	return e
}
