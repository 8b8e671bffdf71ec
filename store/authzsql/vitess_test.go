package authzsql_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/namesql"
)

// These tests read the deployment files of deploy/vitess; the tests in
// deploy/vitess run the store on a live Vitess laid out by them.

type vschema struct {
	Sharded bool `json:"sharded"`
	Tables  map[string]struct {
		Type           string `json:"type"`
		ColumnVindexes []struct {
			Column string `json:"column"`
		} `json:"column_vindexes"`
	} `json:"tables"`
}

func loadVSchema(t *testing.T, name string) vschema {
	t.Helper()
	data, err := os.ReadFile("../../deploy/vitess/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var v vschema
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// loadRoutingRules returns routing_rules.json as from table -> to table.
func loadRoutingRules(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("../../deploy/vitess/routing_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var rr struct {
		Rules []struct {
			FromTable string   `json:"from_table"`
			ToTables  []string `json:"to_tables"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(data, &rr); err != nil {
		t.Fatalf("routing_rules.json: %v", err)
	}
	out := map[string]string{}
	for _, r := range rr.Rules {
		if len(r.ToTables) != 1 {
			t.Fatalf("routing rule for %s has %d targets, want 1", r.FromTable, len(r.ToTables))
		}
		out[r.FromTable] = r.ToTables[0]
	}
	return out
}

var fromTable = regexp.MustCompile(`(?i)\bFROM\s+([a-z_]+)(.*)`)

// Every statement of the check path reaches only the shards of the users it
// reads: a sharded table is read only by its vindex column (= or IN), and
// any other table is routed to the unsharded keyspace.
func TestCheckPathQueriesNameTheShardKey(t *testing.T) {
	v := loadVSchema(t, "vschema_bastion.json")
	rules := loadRoutingRules(t)
	if !v.Sharded {
		t.Fatal("the bastion keyspace must be sharded")
	}
	for _, q := range authzsql.CheckPathQueries() {
		for _, part := range regexp.MustCompile(`(?i)\bUNION ALL\b`).Split(q, -1) {
			m := fromTable.FindStringSubmatch(part)
			if m == nil {
				t.Fatalf("no FROM in %q", part)
			}
			table, where := m[1], m[2]
			spec, sharded := v.Tables[table]
			_, routed := rules["bastion."+table]
			switch {
			case sharded && routed:
				t.Errorf("%s is both sharded and routed to the unsharded keyspace", table)
			case routed:
			case !sharded:
				t.Errorf("check path reads %s, which neither the VSchema nor the routing rules place", table)
			case len(spec.ColumnVindexes) == 0:
				t.Errorf("table %s has no vindex", table)
			default:
				col := spec.ColumnVindexes[0].Column
				if !regexp.MustCompile(`(?i)\bWHERE\s+` + col + `\s*(=\s*\?|IN\s*\(\?(\s*,\s*\?)*\))`).MatchString(where) {
					t.Errorf("query on sharded table %s does not select by %s: %q", table, col, strings.TrimSpace(part))
				}
			}
		}
	}
}

// Every table of the schema is placed: the user-keyed ones in the sharded
// keyspace with user_id as primary vindex, all the others in the unsharded
// keyspace and routed there by name, and nothing twice. The name directory,
// which every process opens, lives in the unsharded keyspace too.
func TestVitessFilesPlaceEveryTable(t *testing.T) {
	sharded, ref, rules := loadVSchema(t, "vschema_bastion.json"), loadVSchema(t, "vschema_bastion_ref.json"), loadRoutingRules(t)
	if ref.Sharded {
		t.Fatal("bastion_ref must be unsharded")
	}
	all := append(authzsql.Tables(), "schema_migrations")
	all = append(all, namesql.Tables()...)
	for _, table := range all {
		userKeyed := slices.Contains(authzsql.UserKeyedTables(), table)
		s, inSharded := sharded.Tables[table]
		_, inRef := ref.Tables[table]
		to, routed := rules["bastion."+table]
		if userKeyed {
			if !inSharded || len(s.ColumnVindexes) == 0 || s.ColumnVindexes[0].Column != "user_id" {
				t.Errorf("%s is not sharded by user_id in vschema_bastion.json", table)
			}
			if inRef || routed {
				t.Errorf("user-keyed %s must not be in bastion_ref or routed there", table)
			}
			continue
		}
		if inSharded {
			t.Errorf("%s is in vschema_bastion.json; it belongs to bastion_ref", table)
		}
		if !inRef {
			t.Errorf("%s is not in vschema_bastion_ref.json", table)
		}
		if to != "bastion_ref."+table {
			t.Errorf("routing rule for bastion.%s goes to %q, want bastion_ref.%s", table, to, table)
		}
	}
	for table := range sharded.Tables {
		if !slices.Contains(all, table) {
			t.Errorf("vschema_bastion.json names %s, which the schema does not create", table)
		}
	}
	// The other stores' tables are placed there too (deploy/vitess's
	// files_test.go checks every store's); each rule sends a name to the
	// same name in bastion_ref.
	for from, to := range rules {
		table := strings.TrimPrefix(from, "bastion.")
		if _, inRef := ref.Tables[table]; !inRef || to != "bastion_ref."+table {
			t.Errorf("routing rule %s → %s does not send the table to its place in vschema_bastion_ref.json", from, to)
		}
	}
}

// vttest.sh turns routing_rules.json into vttestserver's topology with sed,
// one rule per line.
func TestRoutingRulesFileHasOneRulePerLine(t *testing.T) {
	data, err := os.ReadFile("../../deploy/vitess/routing_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`"from_table": *"[^"]*", *"to_tables": *\["[^"]*"\]`)
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "from_table") {
			if !line.MatchString(l) {
				t.Errorf("rule not on one line in the form vttest.sh reads: %s", l)
			}
			n++
		}
	}
	if n != len(loadRoutingRules(t)) {
		t.Errorf("%d rule lines for %d rules", n, len(loadRoutingRules(t)))
	}
}
