package authzsql

import (
	"context"
	"fmt"
	"slices"

	"github.com/bastionhq/bastion/store/sqldb"
)

// On Vitess the permission store spans two keyspaces (deploy/vitess): the
// tables keyed by user id are sharded by it, and every other table lives
// in one unsharded keyspace that vtgate's routing rules send their names
// to. Bastion connects to the sharded keyspace; one session reaches both,
// so a write is one transaction and the revision counter and change log
// are read where they are written, never from a copy.

// UserKeyedTables lists the tables keyed by user id: on Vitess, the ones
// sharded by user_id.
func UserKeyedTables() []string {
	return []string{"authz_assignments", "authz_account_types", "authz_user_revisions"}
}

// UnshardedTables lists every other table the store uses (the revision
// counter, change log and reference data, and the migration records): on
// Vitess, the ones in the unsharded keyspace. It follows the migrations,
// so a table added there must be placed before the store starts on Vitess.
func UnshardedTables() []string {
	var out []string
	for _, t := range Tables() {
		if !slices.Contains(UserKeyedTables(), t) {
			out = append(out, t)
		}
	}
	return append(out, sqldb.MigrationTables...)
}

// checkVitessLayout asks vtgate where it would send a read of each table
// (VEXPLAIN PLAN plans from the VSchema and routing rules without running
// anything) and fails, naming the file to apply, unless the user-keyed
// tables are sharded by user_id and all the others are in one unsharded
// keyspace. It runs before migrating, so a wrong layout creates nothing.
func checkVitessLayout(ctx context.Context, db *sqldb.DB) error {
	if _, err := sqldb.CheckVitessTarget(ctx, db); err != nil {
		return err
	}
	return vitessLayout(ctx, db.PlanVitess)
}

// vitessLayout is checkVitessLayout's decision, from vtgate's plans.
func vitessLayout(ctx context.Context, plan sqldb.VitessPlanner) error {
	for _, table := range UserKeyedTables() {
		p, err := plan(ctx, "SELECT user_id FROM "+table+" WHERE user_id = 'u'")
		if err != nil {
			return fmt.Errorf("%w: plan a read of %s: %w (apply deploy/vitess/vschema_bastion.json to the keyspace named in the database URL)", sqldb.ErrVitessLayout, table, err)
		}
		if p.OperatorType != "Route" || p.Variant != "EqualUnique" || !p.Keyspace.Sharded {
			return fmt.Errorf("%w: %s must be sharded by user_id, but vtgate sends a read of one user to %s in keyspace %q (sharded: %t); "+
				"connect to the sharded keyspace and apply deploy/vitess/vschema_bastion.json to it", sqldb.ErrVitessLayout, table, p.Route(), p.Keyspace.Name, p.Keyspace.Sharded)
		}
	}
	_, err := sqldb.VitessUnsharded(ctx, plan, UnshardedTables())
	return err
}
