package server_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestCheckExplainsTheGrant(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	ctx := context.Background()

	res, err := c.Check(ctx, connect.NewRequest(&authzv1.EligibilityRequest{
		TeamId: "T1", UserId: "UCHANADMIN", EntityId: "C4", Permissions: []string{"ARCHIVE_CHANNEL", "SET_PLAN"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	d := res.Msg.GetDecisions()
	if len(d) != 2 || !d[0].GetAllowed() || d[1].GetAllowed() {
		t.Fatalf("decisions = %v; want ARCHIVE_CHANNEL allowed, SET_PLAN denied", d)
	}
	g := d[0].GetReason().GetGrant()
	if g.GetRole() != "CHANNELS_ADMIN" || g.GetEntityId() != "E1" || d[0].GetReason().GetKind() != authzv1.ReasonKind_REASON_KIND_RULE {
		t.Errorf("reason = %v; want rule via CHANNELS_ADMIN on E1", d[0].GetReason())
	}
	if !res.Msg.GetAuthoritative() || res.Msg.GetRevision() <= 0 {
		t.Errorf("authoritative=%v revision=%d; want an authoritative answer at a real revision", res.Msg.GetAuthoritative(), res.Msg.GetRevision())
	}

	pol, err := c.CheckPolicy(ctx, connect.NewRequest(&authzv1.PolicyRequest{Action: "channel.archive", TeamId: "T1", UserId: "UMCGUEST", EntityId: "C1"}))
	if err != nil {
		t.Fatal(err)
	}
	pd := pol.Msg.GetDecisions()[0]
	if pd.GetAllowed() || pd.GetAction() != "channel.archive" || pd.GetReason().GetRule() != "deny_if_actor_restricted" {
		t.Errorf("policy decision = %v; want deny by deny_if_actor_restricted", pd)
	}
}

func TestBatchCheckAnswersEachItem(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	res, err := c.BatchCheck(context.Background(), connect.NewRequest(&authzv1.BatchCheckRequest{Items: []*authzv1.BatchCheckItem{
		{Request: &authzv1.BatchCheckItem_Eligibility{Eligibility: &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UOPS", EntityId: "C2", Permissions: []string{"SET_PLAN"}}}},
		{Request: &authzv1.BatchCheckItem_Policy{Policy: &authzv1.PolicyRequest{Action: "channel.archive", TeamId: "T1", UserId: "UADMIN", EntityId: "C1"}}},
		{Request: &authzv1.BatchCheckItem_Eligibility{Eligibility: &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UOPS", EntityId: "C404", Permissions: []string{"SET_PLAN"}}}},
		{},
	}}))
	if err != nil {
		t.Fatal(err)
	}
	r := res.Msg.GetResults()
	if len(r) != 4 {
		t.Fatalf("%d results, want 4", len(r))
	}
	if !r[0].GetResponse().GetDecisions()[0].GetAllowed() || !r[1].GetResponse().GetDecisions()[0].GetAllowed() {
		t.Errorf("first two results = %v, %v; want both allowed", r[0], r[1])
	}
	if r[2].GetError().GetCode() != "not_found" || r[3].GetError().GetCode() != "invalid_argument" {
		t.Errorf("errors = %v, %v; want not_found and invalid_argument", r[2].GetError(), r[3].GetError())
	}
}

func TestErrorsMapToCodes(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  *authzv1.EligibilityRequest
		code connect.Code
	}{
		{"malformed", &authzv1.EligibilityRequest{TeamId: "T1", UserId: "U 1", EntityId: "C1", Permissions: []string{"SET_PLAN"}}, connect.CodeInvalidArgument},
		{"unknown entity", &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UOPS", EntityId: "C404", Permissions: []string{"SET_PLAN"}}, connect.CodeNotFound},
		{"future revision", &authzv1.EligibilityRequest{TeamId: "T1", UserId: "UOPS", EntityId: "C2", Permissions: []string{"SET_PLAN"},
			Consistency: &authzv1.Consistency{AtLeastRevision: 1 << 40}}, connect.CodeFailedPrecondition},
	} {
		_, err := c.Check(ctx, connect.NewRequest(tc.req))
		if got := servertest.CodeOf(t, err); got != tc.code {
			t.Errorf("%s: code %v (%v), want %v", tc.name, got, err, tc.code)
		}
	}
	_, err := c.CheckPolicy(ctx, connect.NewRequest(&authzv1.PolicyRequest{Action: "no.such", TeamId: "T1", UserId: "UOPS", EntityId: "C2"}))
	if got := servertest.CodeOf(t, err); got != connect.CodeNotFound {
		t.Errorf("unknown action: %v, want not_found", err)
	}
}

func TestLookupAndListUserPermissions(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	c := env.Client(servertest.APIKey)
	ctx := context.Background()
	lu, err := c.LookupUsers(ctx, connect.NewRequest(&authzv1.LookupUsersRequest{TeamId: "T1", EntityId: "C2", Permission: "SET_PLAN"}))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lu.Msg.GetUserIds(), ",")
	for _, want := range []string{"UOPS", "UOPS2", "UADMIN"} {
		if !strings.Contains(got, want) {
			t.Errorf("LookupUsers = %s; want %s among them", got, want)
		}
	}
	if strings.Contains(got, "UMEMBER") {
		t.Errorf("LookupUsers = %s; UMEMBER holds no role", got)
	}
	lp, err := c.ListUserPermissions(ctx, connect.NewRequest(&authzv1.ListUserPermissionsRequest{TeamId: "T1", UserId: "UOPS"}))
	if err != nil {
		t.Fatal(err)
	}
	p := lp.Msg.GetPermissions()
	if p.GetAccountType() != authzv1.AccountType_ACCOUNT_TYPE_MEMBER || len(p.GetEntities()) != 1 || p.GetEntities()[0].GetEntityId() != "C2" {
		t.Errorf("permissions = %v; want a member with permissions on C2", p)
	}
}
