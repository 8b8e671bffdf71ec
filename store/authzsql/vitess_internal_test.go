package authzsql

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
)

// layout plans reads as vtgate does for deploy/vitess's files, with the
// user-keyed tables placed by userKeyed.
func layout(userKeyed sqldb.VitessPlan) sqldb.VitessPlanner {
	return func(_ context.Context, q string) (sqldb.VitessPlan, error) {
		var p sqldb.VitessPlan
		for _, t := range UserKeyedTables() {
			if strings.Contains(q, " "+t+" ") {
				return userKeyed, nil
			}
		}
		if !slices.ContainsFunc(UnshardedTables(), func(t string) bool { return strings.HasSuffix(q, " "+t) }) {
			return p, errors.New("unknown table")
		}
		p.OperatorType, p.Variant = "Route", "Unsharded"
		p.Keyspace.Name = "bastion_ref"
		return p, nil
	}
}

// The permission store's user-keyed tables must be sharded by user_id,
// its other tables in one unsharded keyspace.
func TestVitessLayoutNeedsUsersSharded(t *testing.T) {
	ctx := context.Background()
	var sharded, unsharded sqldb.VitessPlan
	sharded.OperatorType, sharded.Variant = "Route", "EqualUnique"
	sharded.Keyspace.Name, sharded.Keyspace.Sharded = "bastion", true
	unsharded.OperatorType, unsharded.Variant = "Route", "Unsharded"
	unsharded.Keyspace.Name = "bastion_ref"
	if err := vitessLayout(ctx, layout(sharded)); err != nil {
		t.Fatalf("the deploy/vitess layout: %v", err)
	}
	err := vitessLayout(ctx, layout(unsharded))
	if !errors.Is(err, sqldb.ErrVitessLayout) || !strings.Contains(err.Error(), "must be sharded by user_id") || !strings.Contains(err.Error(), "vschema_bastion.json") {
		t.Fatalf("user tables unsharded: %v", err)
	}
}
