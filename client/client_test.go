package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/client"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
	"google.golang.org/protobuf/types/known/durationpb"
)

func perm(user, entity, p string) authz.EligibilityRequest {
	return authz.EligibilityRequest{TeamID: "T1", UserID: user, EntityID: entity, Permissions: []string{p}}
}

func TestRemoteAndLocalAgree(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	checkers := map[string]client.Checker{
		"remote":  client.NewRemote(env.URL, servertest.APIKey),
		"connect": client.NewRemote(env.URL, servertest.APIKey, client.WithConnectProtocol()),
		"http1":   client.NewRemote(env.URL, servertest.APIKey, client.WithHTTP1(4)),
		"batched": client.NewRemote(env.URL, servertest.APIKey, client.WithBatching(2)),
		"local":   client.NewLocal(env.Engine),
	}
	ctx := context.Background()
	for name, c := range checkers {
		for _, tc := range []struct {
			req  authz.EligibilityRequest
			want bool
		}{
			{perm("UOPS", "C2", "SET_PLAN"), true},
			{perm("UOPS", "C3", "SET_PLAN"), false},
			{perm("UCHANADMIN", "C1", "ARCHIVE_CHANNEL"), true},
			{perm("UMCGUEST", "C1", "ARCHIVE_CHANNEL"), false},
		} {
			res, err := c.Check(ctx, tc.req)
			if err != nil || res.Allowed() != tc.want || !res.Authoritative {
				t.Errorf("%s: %+v = %v (authoritative %v), %v; want %v", name, tc.req, res.Allowed(), res.Authoritative, err, tc.want)
			}
		}
		res, err := c.CheckPolicy(ctx, authz.PolicyRequest{Action: "channel.archive", TeamID: "T1", UserID: "UADMIN", EntityID: "C1"})
		if err != nil || !res.Allowed() {
			t.Errorf("%s: admin archiving: %v, %v", name, res, err)
		}
	}
}

func TestFailuresDenyWithTheError(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	remote := client.NewRemote(env.URL, servertest.APIKey)
	local := client.NewLocal(env.Engine)
	ctx := context.Background()
	env.DB.Close()
	for name, c := range map[string]client.Checker{"remote": remote, "local": local} {
		res, err := c.Check(ctx, perm("UOPS", "C2", "SET_PLAN"))
		if err == nil || res.Allowed() || len(res.Decisions) != 1 || res.Decisions[0].Reason.Kind != authz.ReasonError {
			t.Errorf("%s with the store down: %+v, %v; want one error deny and the error", name, res, err)
		}
		pres, err := c.CheckPolicy(ctx, authz.PolicyRequest{Action: "channel.archive", TeamID: "T1", UserID: "UADMIN", EntityID: "C1"})
		if err == nil || pres.Allowed() {
			t.Errorf("%s policy with the store down: %+v, %v; want deny and the error", name, pres, err)
		}
	}
	var ce *connect.Error
	if _, err := remote.Check(ctx, perm("UOPS", "C2", "SET_PLAN")); !errors.As(err, &ce) || ce.Code() != connect.CodeUnavailable {
		t.Errorf("remote error = %v; want unavailable", err)
	}
	env.Close()
	if res, err := remote.Check(ctx, perm("UOPS", "C2", "SET_PLAN")); err == nil || res.Allowed() {
		t.Errorf("server gone: %+v, %v; want deny and the error", res, err)
	}
	bad := client.NewRemote("http://127.0.0.1:1", servertest.APIKey)
	if res, err := bad.Check(ctx, authz.EligibilityRequest{}); err == nil || res.Allowed() || len(res.Decisions) != 1 {
		t.Errorf("unreachable server, empty request: %+v, %v; want one deny and the error", res, err)
	}
}

// eventually polls cond until it holds; the bound only keeps a broken
// watch from hanging the test.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestCachedAnswersFromMemoryAndFollowsChanges(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	remote := client.NewRemote(env.URL, servertest.APIKey)
	cached := client.NewCached(remote, "T1", nil)
	defer cached.Close()
	ctx := context.Background()
	req := perm("UMEMBER", "C2", "VIEW_ACCOUNT")

	first, err := cached.Check(ctx, req)
	if err != nil || first.Allowed() || !first.Authoritative {
		t.Fatalf("first check: %+v, %v; want an authoritative deny from the server", first, err)
	}
	second, err := cached.Check(ctx, req)
	if err != nil || second.Allowed() || second.Authoritative {
		t.Fatalf("second check: %+v, %v; want a cached, non-authoritative deny", second, err)
	}

	actor := &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}
	if _, err := remote.Service().AssignRole(ctx, connect.NewRequest(&authzv1.AssignRoleRequest{Actor: actor, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "T1"})); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the cache allows after the assignment", func() bool {
		res, err := cached.Check(ctx, req)
		return err == nil && res.Allowed()
	})
	res, _ := cached.Check(ctx, req)
	if res.Authoritative || res.Decisions[0].Reason.Grant == nil || res.Decisions[0].Reason.Grant.EntityID != "T1" {
		t.Errorf("cached allow = %+v; want non-authoritative, granted on the ancestor T1", res)
	}

	// With the store gone the server cannot answer, but the cache can.
	env.DB.Close()
	if res, err := cached.Check(ctx, req); err != nil || !res.Allowed() || res.Authoritative {
		t.Errorf("cached check with the store down: %+v, %v; want the cached allow", res, err)
	}
	if res, err := remote.Check(ctx, req); err == nil || res.Allowed() {
		t.Errorf("remote check with the store down: %+v, %v; want deny and error", res, err)
	}
	// What the cache does not hold goes to the server, and fails closed.
	if res, err := cached.CheckPolicy(ctx, authz.PolicyRequest{Action: "channel.archive", TeamID: "T1", UserID: "UMEMBER", EntityID: "C1"}); err == nil || res.Allowed() {
		t.Errorf("policy through the cache with the store down: %+v, %v; want deny and error", res, err)
	}
	if res, err := cached.Check(ctx, authz.EligibilityRequest{TeamID: "T2", UserID: "UMEMBER", EntityID: "C4", Permissions: []string{"VIEW_ACCOUNT"}}); err == nil || res.Allowed() {
		t.Errorf("another team through the cache with the store down: %+v, %v; want deny and error", res, err)
	}
}

func TestCachedFollowsRevoke(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	remote := client.NewRemote(env.URL, servertest.APIKey)
	cached := client.NewCached(remote, "T1", nil)
	defer cached.Close()
	ctx := context.Background()
	req := perm("UOPS", "C2", "SET_PLAN")
	eventually(t, "a cached allow", func() bool {
		res, err := cached.Check(ctx, req)
		return err == nil && res.Allowed() && !res.Authoritative
	})
	if _, err := remote.Service().RevokeRole(ctx, connect.NewRequest(&authzv1.RevokeRoleRequest{
		Actor: &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}, UserId: "UOPS", Role: "BACKOFFICE_OPERATOR", EntityId: "C2",
	})); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the cache denies after the revoke", func() bool {
		res, err := cached.Check(ctx, req)
		return err == nil && !res.Allowed()
	})
	// A revision the cache has not seen goes to the server.
	res, err := cached.Check(ctx, authz.EligibilityRequest{TeamID: "T1", UserID: "UOPS", EntityID: "C2", Permissions: []string{"SET_PLAN"},
		Consistency: authz.Consistency{AtLeastRevision: 1 << 40}})
	if err == nil || res.Allowed() {
		t.Errorf("future revision: %+v, %v; want the server's failed precondition as a deny", res, err)
	}
}

func TestCachedNeverAllowsPastAnEnd(t *testing.T) {
	// No sweeper: after the end, only the cache's own reading of the
	// server's clock keeps it from answering the old allow from memory.
	env := servertest.StartConfig(t, storetest.SQLite(t), servertest.Config{NoFollow: true})
	remote := client.NewRemote(env.URL, servertest.APIKey)
	cached := client.NewCached(remote, "T1", nil)
	defer cached.Close()
	ctx := context.Background()
	req := perm("UMEMBER", "C2", "VIEW_ACCOUNT")
	if _, err := cached.Check(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Service().AssignRole(ctx, connect.NewRequest(&authzv1.AssignRoleRequest{
		Actor: &authzv1.Actor{TeamId: "T1", UserId: "UROLES"}, UserId: "UMEMBER", Role: "BACKOFFICE_VIEWER", EntityId: "C2",
		ExpiresIn: durationpb.New(2 * time.Second), Reason: "INC-1",
	})); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a cached allow", func() bool {
		res, err := cached.Check(ctx, req)
		return err == nil && res.Allowed() && !res.Authoritative
	})
	list, err := remote.Service().ListAssignments(ctx, connect.NewRequest(&authzv1.ListAssignmentsRequest{By: &authzv1.ListAssignmentsRequest_UserId{UserId: "UMEMBER"}}))
	if err != nil || len(list.Msg.GetAssignments()) != 1 || list.Msg.GetAssignments()[0].GetExpiresAt() == nil || list.Msg.GetAssignments()[0].GetReason() != "INC-1" {
		t.Fatalf("listing = %v, %v; want the assignment with its end and reason", list, err)
	}
	end := list.Msg.GetAssignments()[0].GetExpiresAt().AsTime()
	res, err := cached.Check(ctx, req)
	if err != nil || !res.Allowed() || res.Decisions[0].Reason.Grant == nil || !res.Decisions[0].Reason.Grant.ExpiresAt.Equal(end) {
		t.Fatalf("before the end: %+v, %v; want an allow naming the grant's end %s", res, err, end)
	}
	// Wait for the end by the server's clock (this machine's), then ask
	// at once and for a while: never an allow.
	time.Sleep(time.Until(end))
	for i := 0; i < 50; i++ {
		res, err := cached.Check(ctx, req)
		if err != nil || res.Allowed() {
			t.Fatalf("check %d after the end (%s): %+v, %v; want a deny", i, time.Since(end), res, err)
		}
	}
	// The sweep's change reaches the cache, which answers from memory again.
	if n, err := env.Engine.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	eventually(t, "a cached deny after the sweep", func() bool {
		res, err := cached.Check(ctx, req)
		return err == nil && !res.Allowed() && !res.Authoritative
	})
}
