package authzsql_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/authzsql"
)

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

var fromTable = regexp.MustCompile(`(?i)\bFROM\s+([a-z_]+)(.*)`)

// Every statement of the check path must reach only the shards of the
// users it reads: a sharded table is read only by its vindex column (= or
// IN), and any other table is a reference table present in every shard.
func TestCheckPathQueriesNameTheShardKey(t *testing.T) {
	v := loadVSchema(t, "vschema_bastion.json")
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
			spec, ok := v.Tables[table]
			switch {
			case !ok:
				t.Errorf("check path reads %s, which the VSchema does not place", table)
			case spec.Type == "reference":
			case len(spec.ColumnVindexes) == 0:
				t.Errorf("table %s is neither sharded nor a reference table", table)
			default:
				col := spec.ColumnVindexes[0].Column
				if !regexp.MustCompile(`(?i)\bWHERE\s+` + col + `\s*(=\s*\?|IN\s*\(\?(\s*,\s*\?)*\))`).MatchString(where) {
					t.Errorf("query on sharded table %s does not select by %s: %q", table, col, strings.TrimSpace(part))
				}
			}
		}
	}
}

// Every table of the schema is placed in one of the two keyspaces.
func TestVSchemaPlacesEveryTable(t *testing.T) {
	sharded, ref := loadVSchema(t, "vschema_bastion.json"), loadVSchema(t, "vschema_bastion_ref.json")
	for _, table := range authzsql.Tables() {
		s, inSharded := sharded.Tables[table]
		_, inRef := ref.Tables[table]
		if !inRef && !(inSharded && len(s.ColumnVindexes) > 0) {
			t.Errorf("table %s is not placed by the VSchemas", table)
		}
		if inSharded && s.Type == "reference" && !inRef {
			t.Errorf("reference table %s has no source in bastion_ref", table)
		}
	}
}
