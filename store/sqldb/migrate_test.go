package sqldb_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestMigrateAppliesOnceInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		v1 := []sqldb.Migration{{Version: 1, Name: "widgets", SQL: "CREATE TABLE widgets (id VARCHAR(64) PRIMARY KEY, n INTEGER NOT NULL);"}}
		if err := sqldb.Migrate(ctx, db, "test", v1); err != nil {
			t.Fatal(err)
		}
		v2 := append(v1, sqldb.Migration{Version: 2, Name: "column", SQL: "ALTER TABLE widgets ADD COLUMN label VARCHAR(64);\nINSERT INTO widgets (id, n, label) VALUES ('a', 1, 'x');"})
		for i := 0; i < 2; i++ { // the second run must apply nothing
			if err := sqldb.Migrate(ctx, db, "test", v2); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM widgets").Scan(&n); err != nil || n != 1 {
			t.Fatalf("widgets rows = %d, %v; want 1", n, err)
		}
		if _, err := db.Exec("INSERT INTO widgets (id, n) VALUES ('b', 2)" + db.Upsert("id", "n")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO widgets (id, n) VALUES ('b', 3)" + db.Upsert("id", "n")); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT n FROM widgets WHERE id='b'").Scan(&n); err != nil || n != 3 {
			t.Fatalf("upsert: n = %d, %v; want 3", n, err)
		}
	})
}

func TestMigrateRejectsGaps(t *testing.T) {
	db := storetest.SQLite(t)
	err := sqldb.Migrate(context.Background(), db, "test", []sqldb.Migration{{Version: 2, Name: "x", SQL: "SELECT 1"}})
	if err == nil {
		t.Fatal("want an error for a migration list that does not start at 1")
	}
}

func TestSplitStatements(t *testing.T) {
	got := sqldb.SplitStatements("-- comment\nCREATE TABLE a (x INT);\n\nCREATE INDEX i ON a (x);\n")
	want := []string{"CREATE TABLE a (x INT)", "CREATE INDEX i ON a (x)"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}

// A build older than the database refuses it rather than write without
// the newer schema's invariants.
func TestMigrateRefusesANewerSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		v2 := []sqldb.Migration{
			{Version: 1, Name: "gadgets", SQL: "CREATE TABLE gadgets (id VARCHAR(64) PRIMARY KEY);"},
			{Version: 2, Name: "gadget size", SQL: "ALTER TABLE gadgets ADD COLUMN size INTEGER NOT NULL DEFAULT 0;"},
		}
		if err := sqldb.Migrate(ctx, db, "newer", v2); err != nil {
			t.Fatal(err)
		}
		err := sqldb.Migrate(ctx, db, "newer", v2[:1])
		if !errors.Is(err, sqldb.ErrSchemaTooNew) || !strings.Contains(err.Error(), "version 2") {
			t.Fatalf("an older build on a newer schema: %v; want ErrSchemaTooNew naming version 2", err)
		}
		// Other components are judged on their own versions.
		other := []sqldb.Migration{{Version: 1, Name: "gizmos", SQL: "CREATE TABLE gizmos (id VARCHAR(64) PRIMARY KEY);"}}
		if err := sqldb.Migrate(ctx, db, "older", other); err != nil {
			t.Fatalf("another component: %v", err)
		}
	})
}
