package authzsql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
	return append(out, "schema_migrations", "schema_migration_steps")
}

// vtgatePlan is the part of a VEXPLAIN PLAN answer that says where a
// query goes.
type vtgatePlan struct {
	OperatorType string
	Variant      string
	Keyspace     struct {
		Name    string
		Sharded bool
	}
}

// checkVitessLayout asks vtgate where it would send a read of each table
// (VEXPLAIN PLAN plans from the VSchema and routing rules without running
// anything) and fails, naming the file to apply, unless the user-keyed
// tables are sharded by user_id and all the others are in one unsharded
// keyspace. It runs before migrating, so a wrong layout creates nothing.
func checkVitessLayout(ctx context.Context, db *sqldb.DB) error {
	// The database name is vtgate's target: "keyspace", "keyspace@primary",
	// or "@primary" for none (global routing).
	var target string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&target); err != nil {
		return fmt.Errorf("vitess layout: read the session's keyspace: %w", err)
	}
	keyspace, tabletType, _ := strings.Cut(target, "@")
	keyspace, _, _ = strings.Cut(strings.NewReplacer(":", "/").Replace(keyspace), "/")
	if keyspace == "" {
		return fmt.Errorf("vitess layout: the database URL names no keyspace (%q): connect to the sharded keyspace "+
			"(mysql://user:pass@vtgate:3306/bastion); without one vtgate cannot prepare the check statement (deploy/vitess/README.md)", target)
	}
	if tabletType != "" && !strings.EqualFold(tabletType, "primary") {
		return fmt.Errorf("vitess layout: the database URL reads %s tablets (%q): checks must read primaries, as replicas lag; "+
			"use mysql://user:pass@vtgate:3306/%s", tabletType, target, keyspace)
	}
	plan := func(q string) (vtgatePlan, error) {
		var raw string
		var p vtgatePlan
		if err := db.QueryRowContext(ctx, "VEXPLAIN PLAN "+q).Scan(&raw); err != nil {
			return p, err
		}
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			return p, fmt.Errorf("read vtgate's plan: %w", err)
		}
		return p, nil
	}
	for _, table := range UserKeyedTables() {
		p, err := plan("SELECT user_id FROM " + table + " WHERE user_id = 'u'")
		if err != nil {
			return fmt.Errorf("vitess layout: plan a read of %s: %w (apply deploy/vitess/vschema_bastion.json to the keyspace named in the database URL)", table, err)
		}
		if p.OperatorType != "Route" || p.Variant != "EqualUnique" || !p.Keyspace.Sharded {
			return fmt.Errorf("vitess layout: %s must be sharded by user_id, but vtgate sends a read of one user to %s in keyspace %q (sharded: %t); "+
				"connect to the sharded keyspace and apply deploy/vitess/vschema_bastion.json to it", table, variant(p), p.Keyspace.Name, p.Keyspace.Sharded)
		}
	}
	unsharded := ""
	for _, table := range UnshardedTables() {
		p, err := plan("SELECT 1 FROM " + table)
		if err != nil {
			return fmt.Errorf("vitess layout: plan a read of %s: %w (apply deploy/vitess/routing_rules.json and vschema_bastion_ref.json)", table, err)
		}
		if p.OperatorType != "Route" || p.Keyspace.Sharded {
			return fmt.Errorf("vitess layout: %s must be in an unsharded keyspace, but vtgate sends a read of it to %s in keyspace %q (sharded: %t); "+
				"apply deploy/vitess/routing_rules.json", table, variant(p), p.Keyspace.Name, p.Keyspace.Sharded)
		}
		if unsharded == "" {
			unsharded = p.Keyspace.Name
		} else if p.Keyspace.Name != unsharded {
			return fmt.Errorf("vitess layout: %s is in keyspace %q and %s in %q; every table not keyed by user must be in one keyspace, "+
				"so that a write's revision, change and reference rows commit together (deploy/vitess/routing_rules.json)",
				UnshardedTables()[0], unsharded, table, p.Keyspace.Name)
		}
	}
	return nil
}

func variant(p vtgatePlan) string {
	if p.Variant == "" {
		return p.OperatorType
	}
	return p.OperatorType + " " + p.Variant
}
