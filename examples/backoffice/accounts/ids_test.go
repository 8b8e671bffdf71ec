package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Accounts and users are keyed byte for byte, in a database created
// beforehand with the server's default collation too: account uch is not
// account UCH, and neither is one user's email the other's.
func TestKeysCompareByteForByte(t *testing.T) {
	storetest.EachCreatedBeforehand(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a, err := Open(ctx, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{
			"INSERT INTO example_accounts (subdomain, plan) VALUES ('uch', 'free'), ('UCH', 'pro')",
			"INSERT INTO example_users (email, subdomain) VALUES ('ann@uch.test', 'uch'), ('ANN@uch.test', 'UCH')",
		} {
			if _, err := db.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		if err := a.SetPlan(ctx, "UCH", "enterprise"); err != nil {
			t.Fatal(err)
		}
		for sub, plan := range map[string]string{"uch": "free", "UCH": "enterprise"} {
			acc, err := a.Account(ctx, sub)
			if err != nil || acc.Plan != plan || acc.Users != 1 {
				t.Fatalf("account %s: %+v %v; want plan %s and its one user", sub, acc, err, plan)
			}
		}
		if err := a.DisableUser(ctx, "ANN@uch.test"); err != nil {
			t.Fatal(err)
		}
		if u, err := a.User(ctx, "ann@uch.test"); err != nil || u.Disabled || u.Subdomain != "uch" {
			t.Fatalf("user ann@uch.test: %+v %v; want her own, still enabled", u, err)
		}
	})
}

// An accounts table whose keys compare by a case-insensitive collation
// (altered by hand) is refused at open, naming the column.
func TestOpenRefusesACaseInsensitiveColumn(t *testing.T) {
	ctx := context.Background()
	db := storetest.MySQL(t)
	if _, err := Open(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "ALTER TABLE example_users MODIFY email VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, db, nil); !errors.Is(err, sqldb.ErrCollation) || !strings.Contains(err.Error(), "email") {
		t.Fatalf("open on a case-insensitive column: %v", err)
	}
}
