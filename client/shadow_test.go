package client_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/client"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

func mismatches(t *testing.T, reg *prometheus.Registry, action string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "bastion_shadow_mismatch_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "action" && l.GetValue() == action {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestShadowDarkThenLight(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	// The legacy code lets every member archive any channel.
	legacy := func(_ context.Context, req authz.PolicyRequest) bool { return req.UserID != "UGUEST" }
	sh, err := client.NewShadow(client.NewLocal(env.Engine), legacy, reg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	member := authz.PolicyRequest{Action: "channel.archive", TeamID: "T1", UserID: "UMEMBER", EntityID: "C2"}
	admin := authz.PolicyRequest{Action: "channel.archive", TeamID: "T1", UserID: "UADMIN", EntityID: "C2"}

	if sh.Mode("channel.archive") != client.Dark {
		t.Fatal("actions start dark")
	}
	res, err := sh.CheckPolicy(ctx, member)
	if err != nil || !res.Allowed() || res.Decisions[0].Reason.Kind != client.ReasonLegacy {
		t.Fatalf("dark, member: %+v, %v; want the legacy allow", res, err)
	}
	if _, err := sh.CheckPolicy(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if got := mismatches(t, reg, "channel.archive"); got != 1 {
		t.Errorf("mismatches = %v; want 1 (the member; the admin agrees)", got)
	}
	if !strings.Contains(logs.String(), "bastion shadow mismatch") || !strings.Contains(logs.String(), "legacy=true bastion=false") {
		t.Errorf("mismatch log lacks both answers:\n%s", logs.String())
	}

	sh.SetMode("channel.archive", client.Light)
	res, err = sh.CheckPolicy(ctx, member)
	if err != nil || res.Allowed() || res.Decisions[0].Reason.Kind == client.ReasonLegacy {
		t.Errorf("light, member: %+v, %v; want Bastion's deny", res, err)
	}
	if got := mismatches(t, reg, "channel.archive"); got != 1 {
		t.Errorf("light mode counted a mismatch: %v", got)
	}
	if sh.Mode("channel.rename") != client.Dark {
		t.Error("modes are per action: channel.rename should still be dark")
	}
	if _, err := client.NewShadow(client.NewLocal(env.Engine), legacy, reg, nil); err == nil {
		t.Error("registering the mismatch counter twice on one registry should fail")
	}
}
