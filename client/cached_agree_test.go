package client_test

import (
	"context"
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
