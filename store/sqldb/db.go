// Package sqldb holds what every SQL-backed part of Bastion shares: a
// database handle that knows its SQL dialect, and a versioned migration
// runner. It imports no driver; store/sqlite and store/mysql open handles.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Dialect names the SQL flavour behind a DB.
type Dialect string

const (
	// SQLite is the embedded default (modernc.org/sqlite).
	SQLite Dialect = "sqlite"
	// MySQL covers MySQL, MariaDB and Vitess.
	MySQL Dialect = "mysql"
)

// DB is a database handle together with its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	// URL is the address the handle was opened from, with any password removed.
	URL string
	// Vitess is set when the MySQL server is a Vitess vtgate: a transaction
	// may then span several databases (shards), committed one after another.
	Vitess bool
	// ServerError returns the number of an error the database server
	// answered with (MySQL's error numbers), and false for other failures
	// such as a lost connection. Nil when the dialect has none.
	ServerError func(err error) (number int, ok bool)
	// Changes tells whether anything was committed since an earlier look,
	// without a query; nil when the dialect offers no such probe.
	Changes ChangeProbe
	// closers are closed, in order, before the handle.
	closers []func() error
}

// OnClose registers f to run when the handle is closed, before its
// connections are.
func (db *DB) OnClose(f func() error) {
	db.closers = append(db.closers, f)
}

// Close closes what OnClose registered, then the handle.
func (db *DB) Close() error {
	var errs []error
	for _, f := range db.closers {
		errs = append(errs, f())
	}
	db.closers = nil
	errs = append(errs, db.DB.Close())
	return errors.Join(errs...)
}

// Upsert returns the dialect's clause that turns an INSERT into an update of
// cols when the row already exists (the conflict target is the primary key).
func (db *DB) Upsert(conflict string, cols ...string) string {
	if len(cols) == 0 {
		if db.Dialect == MySQL {
			return fmt.Sprintf(" ON DUPLICATE KEY UPDATE %s=%s", firstCol(conflict), firstCol(conflict))
		}
		return " ON CONFLICT(" + conflict + ") DO NOTHING"
	}
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += ", "
		}
		if db.Dialect == MySQL {
			out += c + "=VALUES(" + c + ")"
		} else {
			out += c + "=excluded." + c
		}
	}
	if db.Dialect == MySQL {
		return " ON DUPLICATE KEY UPDATE " + out
	}
	return " ON CONFLICT(" + conflict + ") DO UPDATE SET " + out
}

// InsertIgnore returns the dialect's "INSERT, skipping rows that already exist" verb.
func (db *DB) InsertIgnore() string {
	if db.Dialect == MySQL {
		return "INSERT IGNORE"
	}
	return "INSERT OR IGNORE"
}

func firstCol(list string) string {
	for i, r := range list {
		if r == ',' {
			return list[:i]
		}
	}
	return list
}

// Tx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
