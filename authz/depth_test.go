package authz_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// A check walks up at most 8 entities. An entity deeper than that (here
// imported below T1, which the roles file's types would not allow) is an
// error to check, not a check that silently ignores the enterprise where
// the actor's role is.
func TestCheckOnAnEntityDeeperThanTheBoundIsAnError(t *testing.T) {
	e := newDemoEngine(t, storetest.SQLite(t))
	ctx := context.Background()
	// E1 > T1 > D3 > ... > D9: D9 is the ninth entity of its chain.
	var batch authz.Import
	parent := demo.TeamMain
	for i := 3; i <= 9; i++ {
		id := fmt.Sprintf("D%d", i)
		batch.Entities = append(batch.Entities, authz.Entity{ID: id, Type: authz.TypeChannel, ParentID: parent})
		parent = id
	}
	if _, err := e.Import(ctx, batch, "test"); err != nil {
		t.Fatal(err)
	}
	// UCHANADMIN holds CHANNELS_ADMIN on E1.
	wantAllowed(t, check(t, e, demo.TeamMain, "UCHANADMIN", "D8", "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
	res, err := e.Check(ctx, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: "D9", Permissions: []string{"ARCHIVE_CHANNEL"}})
	if err == nil || !strings.Contains(err.Error(), "D9 has more than 7 ancestors") {
		t.Fatalf("check on D9: %+v, %v; want an error naming the depth bound", res, err)
	}
}

// An engine refuses a catalog whose entity types chain deeper than a check
// walks.
func TestEngineRefusesACatalogDeeperThanTheBound(t *testing.T) {
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]authz.EntityType{}
	for i := 1; i <= authz.MaxDepth+1; i++ {
		types[fmt.Sprintf("t%d", i)] = authz.EntityType{Name: fmt.Sprintf("t%d", i), Parents: []string{fmt.Sprintf("t%d", i+1)}}
	}
	types[fmt.Sprintf("t%d", authz.MaxDepth+1)] = authz.EntityType{Name: fmt.Sprintf("t%d", authz.MaxDepth+1)}
	cat.EntityTypes = types
	st, err := authzsql.Open(context.Background(), storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authz.NewEngine(context.Background(), st, cat, authz.Options{}); !errors.Is(err, authz.ErrInvalidRequest) || !strings.Contains(err.Error(), "t1 heads a chain of 9") {
		t.Fatalf("engine on a 9-deep catalog: %v; want it refused", err)
	}
}
