package authzsql

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// A database written before user versions existed gets one for each of
// its users: the revision of the user's newest row.
func TestUserVersionsAreBackfilled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := sqldb.Migrate(ctx, db, component, migrations[:2]); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"INSERT INTO authz_assignments (user_id, role, entity_id, granted_by, granted_at, revision) VALUES ('U1', 'R1', 'T1', '', 0, 3), ('U1', 'R2', 'T1', '', 0, 7), ('U2', 'R1', 'T1', '', 0, 4)",
			"INSERT INTO authz_account_types (user_id, team_id, account_type, revision) VALUES ('U1', 'T1', 'member', 5), ('U3', 'T1', 'admin', 9)",
			"UPDATE authz_revision SET rev = 9 WHERE id = 1",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		st, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		v, current, err := st.UserVersions(ctx, []string{"U1", "U2", "U3", "U4"})
		if err != nil {
			t.Fatal(err)
		}
		if v[0] != 7 || v[1] != 4 || v[2] != 9 || v[3] != 0 || current != 9 {
			t.Fatalf("versions %v at %d; want [7 4 9 0] at 9", v, current)
		}
	})
}

// A table altered to compare ids without regard to case is refused at
// open, naming the table and column.
func TestOpenRefusesAColumnThatIgnoresCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if _, err := Open(ctx, db); err != nil {
			t.Fatal(err)
		}
		alter := "CREATE INDEX authz_assignments_nocase ON authz_assignments (user_id COLLATE NOCASE)"
		if db.Dialect == sqldb.MySQL {
			alter = "ALTER TABLE authz_assignments MODIFY user_id VARCHAR(64) COLLATE utf8mb4_general_ci NOT NULL"
		}
		if _, err := db.ExecContext(ctx, alter); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, db)
		if !errors.Is(err, sqldb.ErrCollation) || !strings.Contains(err.Error(), "authz_assignments") {
			t.Fatalf("open on a case-insensitive column: %v; want ErrCollation naming the table", err)
		}
	})
}
