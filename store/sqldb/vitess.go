package sqldb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// On Vitess (deploy/vitess) Bastion connects to the sharded keyspace, and
// vtgate's routing rules send the names of every table not keyed by user
// (the permission store's reference data, the migration records and every
// other store's tables) to one unsharded keyspace. The checks here run
// before a store migrates, so a wrong layout creates nothing.

// ErrVitessLayout marks a Vitess cluster that does not place a store's
// tables as deploy/vitess lays them out.
var ErrVitessLayout = errors.New("vitess layout")

// MigrationTables are the tables Migrate keeps its records in, which every
// store shares: on Vitess, in the unsharded keyspace.
var MigrationTables = []string{"schema_migrations", "schema_migration_steps"}

// VitessPlan is the part of vtgate's VEXPLAIN PLAN answer that says where a
// query goes.
type VitessPlan struct {
	OperatorType string
	Variant      string
	Keyspace     struct {
		Name    string
		Sharded bool
	}
}

// Route describes where the plan goes ("Route EqualUnique").
func (p VitessPlan) Route() string {
	if p.Variant == "" {
		return p.OperatorType
	}
	return p.OperatorType + " " + p.Variant
}

// VitessPlanner plans a query without running it: PlanVitess on a DB, or a
// stand-in in tests.
type VitessPlanner func(ctx context.Context, query string) (VitessPlan, error)

// PlanVitess asks vtgate where it would send query (VEXPLAIN PLAN plans
// from the VSchema and routing rules without running anything).
func (db *DB) PlanVitess(ctx context.Context, query string) (VitessPlan, error) {
	var raw string
	var p VitessPlan
	if err := db.QueryRowContext(ctx, "VEXPLAIN PLAN "+query).Scan(&raw); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, fmt.Errorf("read vtgate's plan: %w", err)
	}
	return p, nil
}

// CheckVitessTarget reads the keyspace the session targets (the database
// name of the URL) and refuses none (global routing, with which vtgate
// cannot prepare the permission store's check statement) and replicas
// (which lag). It returns the keyspace.
func CheckVitessTarget(ctx context.Context, db *DB) (string, error) {
	// The database name is vtgate's target: "keyspace", "keyspace@primary",
	// or "@primary" for none (global routing).
	var target string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&target); err != nil {
		return "", fmt.Errorf("%w: read the session's keyspace: %w", ErrVitessLayout, err)
	}
	return vitessTarget(target)
}

func vitessTarget(target string) (string, error) {
	keyspace, tabletType, _ := strings.Cut(target, "@")
	keyspace, _, _ = strings.Cut(strings.NewReplacer(":", "/").Replace(keyspace), "/")
	if keyspace == "" {
		return "", fmt.Errorf("%w: the database URL names no keyspace (%q): connect to the sharded keyspace "+
			"(mysql://user:pass@vtgate:3306/bastion); without one vtgate cannot prepare the check statement (deploy/vitess/README.md)", ErrVitessLayout, target)
	}
	if tabletType != "" && !strings.EqualFold(tabletType, "primary") {
		return "", fmt.Errorf("%w: the database URL reads %s tablets (%q): Bastion must read primaries, as replicas lag; "+
			"use mysql://user:pass@vtgate:3306/%s", ErrVitessLayout, tabletType, target, keyspace)
	}
	return keyspace, nil
}

// CheckVitessUnsharded checks, on Vitess, that the session targets a
// keyspace's primaries and that vtgate sends each of tables, and the
// migration records, to one unsharded keyspace (deploy/vitess's
// bastion_ref): the layout of every store but the permission store's
// user-keyed tables. what names the store in errors. Elsewhere it does
// nothing. The error wraps ErrVitessLayout and names the file to apply.
func CheckVitessUnsharded(ctx context.Context, db *DB, what string, tables []string) error {
	if !db.Vitess {
		return nil
	}
	if _, err := CheckVitessTarget(ctx, db); err != nil {
		return fmt.Errorf("open %s: %w", what, err)
	}
	if _, err := VitessUnsharded(ctx, db.PlanVitess, append(append([]string(nil), tables...), MigrationTables...)); err != nil {
		return fmt.Errorf("open %s: %w", what, err)
	}
	return nil
}

// VitessUnsharded asks plan where a read of each table goes and fails
// unless every one goes to the same unsharded keyspace, which it returns.
func VitessUnsharded(ctx context.Context, plan VitessPlanner, tables []string) (string, error) {
	keyspace := ""
	for _, table := range tables {
		p, err := plan(ctx, "SELECT 1 FROM "+table)
		if err != nil {
			return "", fmt.Errorf("%w: plan a read of %s: %w (apply deploy/vitess/routing_rules.json and vschema_bastion_ref.json)", ErrVitessLayout, table, err)
		}
		if p.OperatorType != "Route" || p.Keyspace.Sharded {
			return "", fmt.Errorf("%w: %s must be in an unsharded keyspace, but vtgate sends a read of it to %s in keyspace %q (sharded: %t); "+
				"apply deploy/vitess/routing_rules.json", ErrVitessLayout, table, p.Route(), p.Keyspace.Name, p.Keyspace.Sharded)
		}
		if keyspace == "" {
			keyspace = p.Keyspace.Name
		} else if p.Keyspace.Name != keyspace {
			return "", fmt.Errorf("%w: %s is in keyspace %q and %s in %q; every table not keyed by user must be in one keyspace, "+
				"so that what commits together lands together (deploy/vitess/routing_rules.json)",
				ErrVitessLayout, tables[0], keyspace, table, p.Keyspace.Name)
		}
	}
	return keyspace, nil
}
