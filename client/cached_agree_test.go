package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/client"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/storetest"
)

// Answers from memory agree with the server's for every demo user, entity
// of the team and permission: allowed or not, and by which rule.
func TestCachedAgreesWithTheServer(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	remote := client.NewRemote(env.URL, servertest.APIKey)
	cached := client.NewCached(remote, demo.TeamMain, nil)
	defer cached.Close()
	ctx := context.Background()
	users := []string{"UGUEST", "UMCGUEST", "UMEMBER", "UCHANADMIN", "UOPS", "UADMIN", "UROLES", "UOWNER", "UPRIMARY", "UNOBODY"}
	entities := []string{demo.TeamMain, demo.ChannelGeneral, demo.ChannelBackoffice, demo.ChannelBackofficeDevs, demo.ChannelPrivateFinance}
	perms := env.Engine.Catalog().PermissionNames()
	// One pass to learn which permissions apply where, one to compare.
	for pass := range 2 {
		fromMemory := 0
		for _, u := range users {
			for _, e := range entities {
				for _, p := range perms {
					req := authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: u, EntityID: e, Permissions: []string{p}}
					want, wantErr := remote.Check(ctx, req)
					got, err := cached.Check(ctx, req)
					if (err == nil) != (wantErr == nil) {
						t.Fatalf("%s %s %s: error %v, server says %v", u, e, p, err, wantErr)
					}
					if err != nil || pass == 0 {
						continue
					}
					if !got.Authoritative {
						fromMemory++
					}
					g, w := got.Decisions[0], want.Decisions[0]
					if g.Allowed != w.Allowed || g.Reason.Kind != w.Reason.Kind || g.Reason.Rule != w.Reason.Rule {
						t.Errorf("%s %s %s: memory says %v by %s %s, server %v by %s %s", u, e, p,
							g.Allowed, g.Reason.Kind, g.Reason.Rule, w.Allowed, w.Reason.Kind, w.Reason.Rule)
					}
				}
			}
		}
		if pass == 1 && fromMemory == 0 {
			t.Fatal("no answer came from memory")
		}
	}
}

// An entity deeper than a check walks (authz.MaxDepth) is an error at the
// server, and memory does not answer for it either, though the actor's
// role lies on an ancestor it holds.
func TestCachedDoesNotAnswerBelowTheDepthBound(t *testing.T) {
	env := servertest.Start(t, storetest.SQLite(t))
	ctx := context.Background()
	// E1 > T1 > D3 > ... > D9: D9 is the ninth entity of its chain.
	var batch authz.Import
	parent := demo.TeamMain
	for i := 3; i <= 9; i++ {
		id := fmt.Sprintf("D%d", i)
		batch.Entities = append(batch.Entities, authz.Entity{ID: id, Type: authz.TypeChannel, ParentID: parent})
		parent = id
	}
	if _, err := env.Engine.Import(ctx, batch, "test"); err != nil {
		t.Fatal(err)
	}
	remote := client.NewRemote(env.URL, servertest.APIKey)
	cached := client.NewCached(remote, demo.TeamMain, nil)
	defer cached.Close()
	// UCHANADMIN holds CHANNELS_ADMIN on E1; the first answers teach the
	// cache that ARCHIVE_CHANNEL applies to channels.
	for _, id := range []string{demo.ChannelGeneral, "D8"} {
		for range 2 {
			res, err := cached.Check(ctx, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: id, Permissions: []string{"ARCHIVE_CHANNEL"}})
			if err != nil || !res.Allowed() {
				t.Fatalf("check on %s: %+v, %v; want allowed", id, res, err)
			}
		}
	}
	res, err := cached.Check(ctx, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: "D9", Permissions: []string{"ARCHIVE_CHANNEL"}})
	if err == nil {
		t.Fatalf("check on D9: %+v; want the server's error (deeper than %d)", res, authz.MaxDepth)
	}
}
