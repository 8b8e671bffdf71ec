package vitess_test

// These tests need no cluster: they read this directory's files and run
// the stores' layout checks on MariaDB. The others (build tag vitess) run
// on a live cluster (vttest.sh test).

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/accesssql"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/httpcommandsql"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// otherStores are the tables of every store but the permission store's,
// by store: all of them belong to the unsharded keyspace.
func otherStores() map[string][]string {
	return map[string][]string{
		"bot store (queue claims, invocations, approvals)": botsql.Tables(),
		"sql queue":           sqlqueue.Tables(),
		"installation store":  installsql.Tables(),
		"name directory":      namesql.Tables(),
		"http command ledger": httpcommandsql.Tables(),
		"temporary grants":    accesssql.Tables(),
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// Every table of every store is placed once: the permission store's
// user-keyed tables in the sharded keyspace, every other table in
// bastion_ref and routed there by name; nothing is placed that no store
// creates.
func TestTheFilesPlaceEveryStoresTables(t *testing.T) {
	type vschema struct {
		Sharded bool                `json:"sharded"`
		Tables  map[string]struct{} `json:"tables"`
	}
	var sharded, ref vschema
	readJSON(t, "vschema_bastion.json", &sharded)
	readJSON(t, "vschema_bastion_ref.json", &ref)
	var rr struct {
		Rules []struct {
			FromTable string   `json:"from_table"`
			ToTables  []string `json:"to_tables"`
		} `json:"rules"`
	}
	readJSON(t, "routing_rules.json", &rr)
	rules := map[string][]string{}
	for _, r := range rr.Rules {
		if _, twice := rules[r.FromTable]; twice {
			t.Errorf("routing_rules.json routes %s twice", r.FromTable)
		}
		rules[r.FromTable] = r.ToTables
	}

	unsharded := slices.Clone(authzsql.UnshardedTables())
	for store, tables := range otherStores() {
		if len(tables) == 0 {
			t.Fatalf("the %s lists no tables", store)
		}
		for _, table := range tables {
			if slices.Contains(unsharded, table) {
				t.Errorf("%s of the %s is another store's table too", table, store)
			}
			unsharded = append(unsharded, table)
			if _, ok := sharded.Tables[table]; ok {
				t.Errorf("%s (%s) is in vschema_bastion.json; it belongs to bastion_ref", table, store)
			}
		}
	}
	slices.Sort(unsharded)
	if got := slices.Sorted(maps.Keys(ref.Tables)); !slices.Equal(got, unsharded) {
		t.Errorf("vschema_bastion_ref.json places %v, want every table not keyed by user: %v", got, unsharded)
	}
	for _, table := range unsharded {
		if to := rules["bastion."+table]; !slices.Equal(to, []string{"bastion_ref." + table}) {
			t.Errorf("routing rule for bastion.%s goes to %v, want bastion_ref.%s", table, to, table)
		}
	}
	if len(rules) != len(unsharded) {
		t.Errorf("routing_rules.json has %d rules, want one per table of bastion_ref (%d)", len(rules), len(unsharded))
	}
	if ref.Sharded || !sharded.Sharded {
		t.Error("bastion must be sharded and bastion_ref unsharded")
	}
}

// Every store checks, on Vitess, where vtgate sends its tables before it
// migrates: opened on a server that plans no query as vtgate would (here
// MariaDB, taken for a vtgate), each refuses to start, names the routing
// rules to apply, and creates nothing.
func TestEveryStoreChecksItsRoutingBeforeMigrating(t *testing.T) {
	ctx := context.Background()
	sealer, err := slackapp.NewTokenSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(*sqldb.DB) error{
		"bot store":           func(db *sqldb.DB) error { _, err := botsql.Open(ctx, db); return err },
		"sql queue":           func(db *sqldb.DB) error { _, err := sqlqueue.Open(ctx, db, sqlqueue.Options{}); return err },
		"installation store":  func(db *sqldb.DB) error { _, err := installsql.Open(ctx, db, sealer); return err },
		"name directory":      func(db *sqldb.DB) error { _, err := namesql.Open(ctx, db); return err },
		"http command ledger": func(db *sqldb.DB) error { _, err := httpcommandsql.Open(ctx, db); return err },
		"temporary grants":    func(db *sqldb.DB) error { _, err := accesssql.Open(ctx, db); return err },
		"permission store":    func(db *sqldb.DB) error { _, err := authzsql.Open(ctx, db); return err },
	} {
		t.Run(name, func(t *testing.T) {
			db := storetest.MySQL(t)
			db.Vitess = true
			err := open(db)
			if !errors.Is(err, sqldb.ErrVitessLayout) || !strings.Contains(err.Error(), "plan a read of") || !strings.Contains(err.Error(), "deploy/vitess/") {
				t.Fatalf("open: %v; want the layout refused, naming the file to apply", err)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n); err != nil || n != 0 {
				t.Fatalf("the refused start created %d tables (%v)", n, err)
			}
		})
	}
}
