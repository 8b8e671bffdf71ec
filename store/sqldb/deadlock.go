package sqldb

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"
)

// DeadlockRetries bounds how many more times ExecContext runs a statement
// that the server rolled back to break a deadlock.
const DeadlockRetries = 5

// erLockDeadlock is MySQL's ER_LOCK_DEADLOCK: "Deadlock found when trying
// to get lock; try restarting transaction".
const erLockDeadlock = 1213

// ExecContext runs one statement outside any transaction, as
// sql.DB.ExecContext does. On MySQL (and Vitess), InnoDB breaks a deadlock
// by rolling back one of the transactions in it. A statement run outside a
// transaction is a transaction of its own, so when it is the one rolled
// back (error 1213) nothing of it remains, and ExecContext runs it again,
// up to DeadlockRetries more times, after a short pause that grows with
// each attempt. It returns the last error when the retries are spent or
// ctx ends. Statements inside Tx are not run again: there the whole
// transaction was rolled back, and its caller decides.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	for attempt := 0; ; attempt++ {
		res, err := db.DB.ExecContext(ctx, query, args...)
		if err == nil || attempt == DeadlockRetries || !db.deadlockVictim(err) {
			return res, err
		}
		pause := time.Duration(attempt+1)*time.Millisecond + rand.N(2*time.Millisecond)
		select {
		case <-ctx.Done():
			return res, err
		case <-time.After(pause):
		}
	}
}

// Exec is ExecContext with context.Background().
func (db *DB) Exec(query string, args ...any) (sql.Result, error) {
	return db.ExecContext(context.Background(), query, args...)
}

// deadlockVictim reports whether err says the server rolled the statement
// back to break a deadlock.
func (db *DB) deadlockVictim(err error) bool {
	if db.ServerError == nil {
		return false
	}
	n, ok := db.ServerError(err)
	return ok && n == erLockDeadlock
}
