//go:build vitess

// Tests of Bastion on a live Vitess cluster laid out by this directory's
// files. deploy/vitess/vttest.sh test starts one (vttestserver, two shards)
// and runs them with -tags vitess; without BASTION_TEST_VTGATE they fail.
package vitess_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// vtgateHTTP returns the base URL of vtgate's status pages
// (BASTION_TEST_VTGATE_HTTP, set by vttest.sh).
func vtgateHTTP(t testing.TB) string {
	t.Helper()
	u := os.Getenv("BASTION_TEST_VTGATE_HTTP")
	if u == "" {
		t.Fatal("BASTION_TEST_VTGATE_HTTP is not set: deploy/vitess/vttest.sh test sets it")
	}
	return strings.TrimSuffix(u, "/")
}

// tabletCalls returns how many queries vtgate has sent to each shard's
// tablets ("keyspace/shard"), from its VttabletCall counters in
// /debug/vars (Execute, StreamExecute and the like, per shard).
func tabletCalls(t testing.TB) map[string]int64 {
	t.Helper()
	var vars struct {
		VttabletCall struct {
			Histograms map[string]struct{ Count int64 }
		}
	}
	getVars(t, &vars)
	out := map[string]int64{}
	for key, h := range vars.VttabletCall.Histograms {
		// Operation.Keyspace.Shard.TabletType
		f := strings.Split(key, ".")
		if len(f) != 4 {
			t.Fatalf("VttabletCall key %q: want Operation.Keyspace.Shard.TabletType", key)
		}
		// Queries only: not vtgate's own calls such as GetSchema, which
		// its schema tracker makes when it likes, nor GET_LOCK's
		// ExecuteLock (the test cluster's lock).
		if !strings.Contains(f[0], "Execute") || strings.Contains(f[0], "Lock") {
			continue
		}
		out[f[1]+"/"+f[2]] += h.Count
	}
	return out
}

// getVars decodes vtgate's /debug/vars into v.
func getVars(t testing.TB, v any) {
	t.Helper()
	res, err := http.Get(vtgateHTTP(t) + "/debug/vars")
	if err != nil {
		t.Fatalf("read vtgate's counters: %v", err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("decode vtgate's /debug/vars: %v", err)
	}
}

// callsDuring returns the calls vtgate made to each shard while fn ran,
// leaving out shards it did not call.
func callsDuring(t testing.TB, fn func()) map[string]int64 {
	t.Helper()
	before := tabletCalls(t)
	fn()
	after := tabletCalls(t)
	out := map[string]int64{}
	for k, n := range after {
		if d := n - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// shardOf asks vtgate which shard of the bastion keyspace holds a user
// (its user_hash vindex, queried as a table), so that the tests do not
// compute Vitess's hashing themselves.
func shardOf(t testing.TB, db *sqldb.DB, userID string) string {
	t.Helper()
	var shard string
	if err := db.QueryRowContext(context.Background(), "SELECT shard FROM user_hash WHERE id = ?", userID).Scan(&shard); err != nil {
		t.Fatalf("shard of %s: %v", userID, err)
	}
	return "bastion/" + shard
}

// shards lists the bastion keyspace's shards as vtgate sees them.
func shards(t testing.TB, db *sqldb.DB) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SHOW VITESS_SHARDS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(s, "bastion/") {
			out = append(out, s)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// usersByShard sorts the demo users by the shard that holds them.
func usersByShard(t testing.TB, db *sqldb.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, u := range demo.Users() {
		s := shardOf(t, db, u.ID)
		out[s] = append(out[s], u.ID)
	}
	return out
}

// demoStore opens the permission store on db and loads the demo
// organisation into it.
func demoStore(t testing.TB, db *sqldb.DB) *authzsql.Store {
	t.Helper()
	ctx := context.Background()
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatalf("open the permission store on Vitess: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := demo.Load(ctx, newEngine(t, st)); err != nil {
		t.Fatalf("load the demo organisation: %v", err)
	}
	return st
}

// newEngine returns an engine on st with the built-in roles, holding no
// user in memory yet, following nothing.
func newEngine(t testing.TB, st *authzsql.Store) *authz.Engine {
	t.Helper()
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	e, err := authz.NewEngine(context.Background(), st, cat, authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// userOf returns a demo user's team.
func teamOf(t testing.TB, userID string) string {
	t.Helper()
	for _, u := range demo.Users() {
		if u.ID == userID {
			return u.Team
		}
	}
	t.Fatalf("no demo user %s", userID)
	return ""
}

func describe(calls map[string]int64) string {
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%d ", k, calls[k])
	}
	return strings.TrimSpace(b.String())
}
