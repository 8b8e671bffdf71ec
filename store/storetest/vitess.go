package storetest

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// VitessURL returns BASTION_TEST_VTGATE, the address of a vtgate serving
// the layout of deploy/vitess with the sharded keyspace as database name
// (mysql://user@host:port/bastion). The test fails when it is not set.
func VitessURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("BASTION_TEST_VTGATE")
	if u == "" {
		t.Fatal("BASTION_TEST_VTGATE is not set: deploy/vitess/vttest.sh test starts a Vitess cluster and sets it " +
			"(or deploy/vitess/vttest.sh start DIR, then export the variables in DIR/env)")
	}
	return u
}

// vitessLockWait bounds how long a test waits for others to finish with
// the cluster.
const vitessLockWait = 10 * time.Minute

// Vitess gives the test the Vitess cluster of VitessURL to itself, empty:
// a Vitess cluster cannot make a fresh pair of keyspaces per test, so the
// test waits until no other test (in any process) holds the cluster, drops
// every table of every keyspace, and opens the sharded keyspace. Whatever
// opens a store on it then migrates it from scratch.
func Vitess(t testing.TB) *sqldb.DB {
	t.Helper()
	u := VitessURL(t)
	cfg, err := mysql.ParseURL(u)
	if err != nil {
		t.Fatalf("BASTION_TEST_VTGATE: %v", err)
	}
	raw, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), vitessLockWait)
	defer cancel()
	lock, err := raw.Conn(ctx)
	if err != nil {
		t.Fatalf("connect to vtgate %s: %v", u, err)
	}
	var got sql.NullInt64
	if err := lock.QueryRowContext(ctx, "SELECT GET_LOCK('bastion_test_vitess', ?)", int(vitessLockWait.Seconds())).Scan(&got); err != nil || got.Int64 != 1 {
		lock.Close()
		t.Fatalf("wait for other tests to finish with the Vitess cluster: %v (got %v)", err, got)
	}
	t.Cleanup(func() {
		lock.ExecContext(context.Background(), "SELECT RELEASE_LOCK('bastion_test_vitess')")
		lock.Close()
	})
	if err := dropVitessTables(ctx, raw); err != nil {
		t.Fatalf("empty the Vitess cluster: %v", err)
	}
	db, err := mysql.Open(ctx, u)
	if err != nil {
		t.Fatalf("open vtgate: %v", err)
	}
	// Registered after the lock's release, so it runs before it.
	t.Cleanup(func() { db.Close() })
	return db
}

// dropVitessTables drops every table of every keyspace the vtgate serves.
func dropVitessTables(ctx context.Context, db *sql.DB) error {
	keyspaces, err := column(ctx, db, "SHOW VITESS_KEYSPACES")
	if err != nil {
		return err
	}
	for _, ks := range keyspaces {
		tables, err := column(ctx, db, "SHOW TABLES FROM `"+ks+"`")
		if err != nil {
			return err
		}
		for _, table := range tables {
			if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS `"+ks+"`.`"+table+"`"); err != nil {
				return err
			}
		}
	}
	return nil
}

func column(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
