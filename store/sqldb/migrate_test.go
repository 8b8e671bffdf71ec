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

// count returns the rows of a table, or -1 when it does not exist.
func count(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		return -1
	}
	return n
}

// A migration that fails halfway runs again once its cause is gone: on
// MySQL, which has committed the statements before the failing one, it
// resumes at that statement instead of failing on what they created.
func TestMigrateResumesAfterAStatementFailedHalfway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// The second statement needs a table nobody has created yet.
		v1 := []sqldb.Migration{{Version: 1, Name: "copy", SQL: `CREATE TABLE copied (id INTEGER NOT NULL PRIMARY KEY);
CREATE INDEX copied_id ON copied (id);
INSERT INTO copied (id) SELECT id FROM source;
CREATE TABLE after_copy (id INTEGER NOT NULL PRIMARY KEY);
ALTER TABLE after_copy ADD COLUMN label VARCHAR(16) NOT NULL DEFAULT '';`}}
		err := sqldb.Migrate(ctx, db, "halfway", v1)
		if err == nil || !strings.Contains(err.Error(), "source") {
			t.Fatalf("first run: %v; want the third statement's failure", err)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE source (id INTEGER NOT NULL PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO source (id) VALUES (1), (2)"); err != nil {
			t.Fatal(err)
		}
		if err := sqldb.Migrate(ctx, db, "halfway", v1); err != nil {
			t.Fatalf("second run, the cause gone: %v", err)
		}
		if n := count(t, db, "copied"); n != 2 {
			t.Fatalf("copied rows = %d; want 2", n)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO after_copy (id, label) VALUES (1, 'x')"); err != nil {
			t.Fatalf("the last statement's column: %v", err)
		}
		if err := sqldb.Migrate(ctx, db, "halfway", v1); err != nil {
			t.Fatalf("third run: %v", err)
		}
	})
}

// A process that dies after a statement took effect and before its
// success was recorded leaves that statement's outcome unknown: the next
// run runs it again and takes "exists already" for its success on MySQL,
// where it was committed; on SQLite nothing of the migration was.
func TestMigrateRunsAgainAStatementWhoseSuccessWasNotRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		v1 := []sqldb.Migration{{Version: 1, Name: "three tables", SQL: `CREATE TABLE one (id INTEGER NOT NULL PRIMARY KEY);
CREATE TABLE two (id INTEGER NOT NULL PRIMARY KEY);
INSERT INTO two (id) VALUES (1);
CREATE INDEX two_id ON two (id);
ALTER TABLE two ADD COLUMN label VARCHAR(16) NOT NULL DEFAULT '';
CREATE TABLE three (id INTEGER NOT NULL PRIMARY KEY);`}}
		died := errors.New("the process died here")
		// Die after each of statements 2 to 5 in turn: each rerun runs
		// that statement again, then dies after the next.
		for stopAt := 2; stopAt <= 5; stopAt++ {
			err := sqldb.MigrateStopping(ctx, db, "dies", v1, func(_, step int) error {
				if step == stopAt {
					return died
				}
				return nil
			})
			if !errors.Is(err, died) {
				t.Fatalf("run stopped after statement %d: %v", stopAt, err)
			}
		}
		if err := sqldb.Migrate(ctx, db, "dies", v1); err != nil {
			t.Fatalf("run after the last death: %v", err)
		}
		if n := count(t, db, "two"); n != 1 {
			t.Fatalf("rows of two = %d; want 1", n)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO three (id) VALUES (1)"); err != nil {
			t.Fatalf("table three: %v", err)
		}
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations WHERE component = 'dies' AND version = 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("version rows = %d, %v; want 1", n, err)
		}
	})
}

// A text column that compares by a collation ignoring case (or trailing
// spaces) is refused, naming it; byte-wise ones are accepted.
func TestCheckByteComparisonRefusesColumnsThatIgnoreCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		good, bad := []string{"CREATE TABLE good (id VARCHAR(10) NOT NULL PRIMARY KEY, note TEXT)"},
			[]string{"CREATE TABLE bad (id VARCHAR(10) COLLATE NOCASE NOT NULL PRIMARY KEY)"}
		if db.Dialect == sqldb.MySQL {
			// A binary collation that pads nothing: MariaDB's, or MySQL 8's.
			nopad := "utf8mb4_nopad_bin"
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.collations WHERE collation_name = ?", nopad).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				nopad = "utf8mb4_0900_bin"
			}
			good = []string{"CREATE TABLE good (id VARBINARY(10) NOT NULL PRIMARY KEY, nopad VARCHAR(10) COLLATE " + nopad + ", note TEXT)"}
			bad = []string{"CREATE TABLE bad (id VARCHAR(10) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY)",
				"CREATE TABLE padded (id VARCHAR(10) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY)"}
		} else {
			bad = append(bad, "CREATE TABLE indexed (id VARCHAR(10) NOT NULL)", "CREATE INDEX indexed_id ON indexed (id COLLATE NOCASE)")
		}
		for _, q := range append(good, bad...) {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := sqldb.CheckByteComparison(ctx, db, []string{"good", "missing"}); err != nil {
			t.Fatalf("byte-wise columns: %v", err)
		}
		for _, table := range []string{"bad", "padded", "indexed"} {
			if strings.Contains(strings.Join(bad, ";"), "TABLE "+table) {
				err := sqldb.CheckByteComparison(ctx, db, []string{"good", table})
				if !errors.Is(err, sqldb.ErrCollation) || !strings.Contains(err.Error(), table) {
					t.Errorf("table %s: %v; want ErrCollation naming it", table, err)
				}
			}
		}
	})
}

func TestCreatedTables(t *testing.T) {
	ms := []sqldb.Migration{
		{Version: 1, SQL: "CREATE TABLE a (x INT);\nCREATE INDEX a_x ON a (x);\ncreate table if not exists `b` (y INT);", MySQL: "CREATE TABLE a (x INT);"},
		{Version: 2, SQL: "-- nothing"},
	}
	if got := sqldb.CreatedTables(ms, sqldb.SQLite); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("sqlite: %v", got)
	}
	if got := sqldb.CreatedTables(ms, sqldb.MySQL); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("mysql: %v", got)
	}
}
