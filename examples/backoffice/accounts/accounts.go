// Package accounts is an example back office: a small accounts database
// and the bot commands a SaaS team adds to manage it from Slack.
package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bastionhq/bastion/store/sqldb"
)

var migrations = []sqldb.Migration{{
	Version: 1,
	Name:    "accounts and users",
	SQL: `CREATE TABLE example_accounts (
	subdomain VARCHAR(63) PRIMARY KEY,
	plan VARCHAR(32) NOT NULL,
	trial_ends_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE example_users (
	email VARCHAR(255) PRIMARY KEY,
	subdomain VARCHAR(63) NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0
);`,
}, {
	// On MySQL a VARCHAR compares by its collation, which by default
	// ignores case: a subdomain or an email then compares byte for byte
	// on every database, as on SQLite, as Bastion's own tables do.
	Version: 2,
	Name:    "keys compare byte for byte",
	SQL:     `-- SQLite compares text byte for byte already`,
	MySQL: `ALTER TABLE example_accounts MODIFY subdomain VARBINARY(63) NOT NULL, MODIFY plan VARBINARY(32) NOT NULL;
ALTER TABLE example_users MODIFY email VARBINARY(255) NOT NULL, MODIFY subdomain VARBINARY(63) NOT NULL;`,
}}

// Plans an account may be on.
var Plans = []string{"free", "pro", "enterprise"}

// ErrNotFound is returned for an unknown account or user.
var ErrNotFound = errors.New("not found")

// Account is one customer account.
type Account struct {
	Subdomain  string
	Plan       string
	TrialEnds  time.Time // zero when not on a trial
	Users      int
	ActiveUser int
}

// DB is the accounts database.
type DB struct {
	db  *sqldb.DB
	now func() time.Time
}

// Open migrates the example tables in db. It refuses (sqldb.ErrCollation)
// tables whose keys would not compare byte for byte.
func Open(ctx context.Context, db *sqldb.DB, now func() time.Time) (*DB, error) {
	if err := sqldb.Migrate(ctx, db, "example_backoffice", migrations); err != nil {
		return nil, fmt.Errorf("open accounts: %w", err)
	}
	if err := sqldb.CheckByteComparison(ctx, db, sqldb.CreatedTables(migrations, db.Dialect)); err != nil {
		return nil, fmt.Errorf("open accounts: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &DB{db: db, now: now}, nil
}

// Seed adds a few demo accounts and users when the database is empty.
func (a *DB) Seed(ctx context.Context) error {
	stmts := []string{
		a.db.InsertIgnore() + " INTO example_accounts (subdomain, plan, trial_ends_at) VALUES ('acme', 'pro', 0), ('globex', 'free', 0)",
		a.db.InsertIgnore() + " INTO example_users (email, subdomain, disabled) VALUES ('ann@acme.test', 'acme', 0), ('bob@acme.test', 'acme', 0), ('hank@globex.test', 'globex', 0)",
	}
	for _, s := range stmts {
		if _, err := a.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("seed accounts: %w", err)
		}
	}
	return nil
}

// Account reads one account.
func (a *DB) Account(ctx context.Context, subdomain string) (Account, error) {
	acc := Account{Subdomain: subdomain}
	var trial int64
	err := a.db.QueryRowContext(ctx, "SELECT plan, trial_ends_at FROM example_accounts WHERE subdomain = ?", subdomain).Scan(&acc.Plan, &trial)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %s: %w", subdomain, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account %s: %w", subdomain, err)
	}
	if trial > 0 {
		acc.TrialEnds = time.Unix(trial, 0)
	}
	err = a.db.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN disabled = 0 THEN 1 ELSE 0 END), 0) FROM example_users WHERE subdomain = ?", subdomain).
		Scan(&acc.Users, &acc.ActiveUser)
	if err != nil {
		return Account{}, fmt.Errorf("count users of %s: %w", subdomain, err)
	}
	return acc, nil
}

// SetTrial puts the account on an enterprise trial ending days from now.
func (a *DB) SetTrial(ctx context.Context, subdomain string, days int64) (time.Time, error) {
	ends := a.now().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Second)
	res, err := a.db.ExecContext(ctx, "UPDATE example_accounts SET plan = 'enterprise', trial_ends_at = ? WHERE subdomain = ?", ends.Unix(), subdomain)
	if err := one(res, err, "account "+subdomain); err != nil {
		return time.Time{}, err
	}
	return ends, nil
}

// SetPlan changes an account's plan and ends any trial.
func (a *DB) SetPlan(ctx context.Context, subdomain, plan string) error {
	res, err := a.db.ExecContext(ctx, "UPDATE example_accounts SET plan = ?, trial_ends_at = 0 WHERE subdomain = ?", plan, subdomain)
	return one(res, err, "account "+subdomain)
}

// DisableUser blocks a user from signing in.
func (a *DB) DisableUser(ctx context.Context, email string) error {
	res, err := a.db.ExecContext(ctx, "UPDATE example_users SET disabled = 1 WHERE email = ?", email)
	return one(res, err, "user "+email)
}

// User is a customer's user as the back office sees it.
type User struct {
	Email     string
	Subdomain string
	Disabled  bool
}

// User loads one user by email; errors wrap ErrNotFound when absent.
func (a *DB) User(ctx context.Context, email string) (User, error) {
	u := User{Email: email}
	err := a.db.QueryRowContext(ctx, "SELECT subdomain, disabled FROM example_users WHERE email = ?", email).Scan(&u.Subdomain, &u.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("load user %s: %w", email, err)
	}
	return u, nil
}

func one(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
