//go:build vitess

package vitess_test

import (
	"context"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/storetest"
)

// withKeyspace returns url with another database (keyspace) name.
func withKeyspace(t *testing.T, url, keyspace string) string {
	t.Helper()
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + keyspace
	return u.String()
}

// Pointed at the unsharded keyspace, the store refuses to start, names the
// file to apply, and creates nothing there (migrating through it would
// have put the user-keyed tables in the unsharded keyspace).
func TestTheStoreRefusesALayoutThatDoesNotShardUsers(t *testing.T) {
	db := storetest.Vitess(t)
	ctx := context.Background()
	ref, err := mysql.Open(ctx, withKeyspace(t, storetest.VitessURL(t), "bastion_ref"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if !ref.Vitess {
		t.Fatal("mysql.Open did not recognise vtgate")
	}
	_, err = authzsql.Open(ctx, ref)
	if err == nil || !strings.Contains(err.Error(), "must be sharded by user_id") || !strings.Contains(err.Error(), "vschema_bastion.json") {
		t.Fatalf("opening the store on bastion_ref: %v; want an error saying the user tables must be sharded and naming vschema_bastion.json", err)
	}
	tables, err := db.QueryContext(ctx, "SHOW TABLES FROM bastion_ref")
	if err != nil {
		t.Fatal(err)
	}
	defer tables.Close()
	for tables.Next() {
		var name string
		tables.Scan(&name)
		t.Errorf("the refused start created %s in bastion_ref", name)
	}
}

// A mistyped keyspace is an error, not a new keyspace: Vitess's test
// server creates an unsharded keyspace for CREATE DATABASE.
func TestAnUnknownKeyspaceIsNotCreated(t *testing.T) {
	db := storetest.Vitess(t)
	ctx := context.Background()
	if _, err := mysql.Open(ctx, withKeyspace(t, storetest.VitessURL(t), "bastoin")); err == nil {
		t.Error("opening keyspace bastoin succeeded")
	}
	keyspaces, err := db.QueryContext(ctx, "SHOW VITESS_KEYSPACES")
	if err != nil {
		t.Fatal(err)
	}
	defer keyspaces.Close()
	for keyspaces.Next() {
		var name string
		keyspaces.Scan(&name)
		if name != "bastion" && name != "bastion_ref" {
			t.Errorf("keyspace %s exists after opening a mistyped one", name)
		}
	}
}

// Ids differ by case: the keyspaces' databases must use a binary collation
// (vttest.sh sets mysqld's default; README.md says so for production).
func TestIDsAreCaseSensitive(t *testing.T) {
	storetest.Vitess(t)
	st := openStore(t, storetest.VitessURL(t))
	ctx := context.Background()
	for _, id := range []string{"Cx", "cX"} {
		if _, err := st.UpsertEntity(ctx, authz.Entity{ID: id, Type: authz.TypeEnterprise}, authz.Prior{}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Assign(ctx, authz.Assignment{UserID: "U" + id, Role: "CHANNELS_ADMIN", EntityID: id}, authz.Prior{}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := st.LoadReference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ref.Entities["Cx"]; !ok || len(ref.Entities) != 2 {
		t.Errorf("entities Cx and cX stored as %v", ref.Entities)
	}
	for _, user := range []string{"UCx", "UcX"} {
		got, err := st.LoadUser(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Assignments) != 1 || got.Assignments[0].EntityID != user[1:] {
			t.Errorf("user %s has assignments %v, want one on %s", user, got.Assignments, user[1:])
		}
	}
}

// Connected to vtgate without a keyspace (global routing), the store
// refuses to start and says to name the sharded keyspace: vtgate v0.24
// cannot prepare the check statement that way (error 1222).
func TestTheStoreRefusesGlobalRouting(t *testing.T) {
	storetest.Vitess(t)
	ctx := context.Background()
	db, err := mysql.Open(ctx, withKeyspace(t, storetest.VitessURL(t), "@primary"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := authzsql.Open(ctx, db); err == nil || !strings.Contains(err.Error(), "names no keyspace") {
		t.Fatalf("opening the store without a keyspace: %v; want an error saying to name the sharded keyspace", err)
	}
}

// Replicas lag, so a session that reads them is refused.
func TestTheStoreRefusesReplicaReads(t *testing.T) {
	storetest.Vitess(t)
	ctx := context.Background()
	db, err := mysql.Open(ctx, withKeyspace(t, storetest.VitessURL(t), "bastion@replica"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := authzsql.Open(ctx, db); err == nil || !strings.Contains(err.Error(), "must read primaries") {
		t.Fatalf("opening the store on replicas: %v; want an error saying checks must read primaries", err)
	}
}
