//go:build vitess

package vitess_test

import (
	"context"
	neturl "net/url"
	"strings"
	"testing"

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
