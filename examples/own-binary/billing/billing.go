// Package billing is a team's back-office commands over its own billing
// database: free months given to customer accounts, with the permission
// service deciding who may give them and a second person approving each.
package billing

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	_ "modernc.org/sqlite" // the team's database driver

	"github.com/bastionhq/bastion/bot"
)

// Ledger records the free months given to accounts.
type Ledger struct {
	db   *sql.DB
	once sync.Once
	err  error
}

// Open opens the ledger in the SQLite file at path; the file and its
// table are created on first use.
func Open(path string) *Ledger {
	db, err := sql.Open("sqlite", path)
	return &Ledger{db: db, err: err}
}

// Close closes the database.
func (l *Ledger) Close() error {
	if l.db == nil {
		return nil
	}
	return l.db.Close()
}

func (l *Ledger) ready(ctx context.Context) error {
	l.once.Do(func() {
		if l.err == nil {
			_, l.err = l.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS credits (
				id INTEGER PRIMARY KEY AUTOINCREMENT, subdomain TEXT NOT NULL, months INTEGER NOT NULL, given_by TEXT NOT NULL)`)
		}
	})
	return l.err
}

// Give records months free months for subdomain and returns the credit's
// number.
func (l *Ledger) Give(ctx context.Context, subdomain string, months int64, by string) (int64, error) {
	if err := l.ready(ctx); err != nil {
		return 0, err
	}
	res, err := l.db.ExecContext(ctx, `INSERT INTO credits (subdomain, months, given_by) VALUES (?, ?, ?)`, subdomain, months, by)
	if err != nil {
		return 0, fmt.Errorf("record the credit: %w", err)
	}
	return res.LastInsertId()
}

// Months is the free months given to subdomain so far.
func (l *Ledger) Months(ctx context.Context, subdomain string) (int64, error) {
	if err := l.ready(ctx); err != nil {
		return 0, err
	}
	var n sql.NullInt64
	err := l.db.QueryRowContext(ctx, `SELECT SUM(months) FROM credits WHERE subdomain = ?`, subdomain).Scan(&n)
	return n.Int64, err
}

// Commands are the billing commands over the ledger.
func Commands(l *Ledger) []bot.Command {
	return []bot.Command{
		{
			Pattern:     "comp <subdomain> <months:int> months",
			Description: "Give an account free months of its plan.",
			Group:       "Billing",
			Permission:  "SET_PLAN",
			Risk:        bot.Sensitive, // one approval besides the caller's
			DryRun: func(ctx context.Context, req *bot.Request) (string, error) {
				if err := checkMonths(req.Args.Int("months")); err != nil {
					return "", err
				}
				return fmt.Sprintf("Would give %s %d free months.", req.Args.String("subdomain"), req.Args.Int("months")), nil
			},
			Handler: func(ctx context.Context, req *bot.Request) error {
				months := req.Args.Int("months")
				if err := checkMonths(months); err != nil {
					return err
				}
				id, err := l.Give(ctx, req.Args.String("subdomain"), months, req.UserID)
				if err != nil {
					return err
				}
				return req.Replyf(ctx, "Gave %s %d free months (credit %d).", req.Args.String("subdomain"), months, id)
			},
		},
		{
			Pattern:     "credits <subdomain>",
			Description: "Show the free months an account was given.",
			Group:       "Billing",
			Permission:  "VIEW_ACCOUNT",
			Handler: func(ctx context.Context, req *bot.Request) error {
				n, err := l.Months(ctx, req.Args.String("subdomain"))
				if err != nil {
					return err
				}
				return req.Replyf(ctx, "%s has %d free months.", req.Args.String("subdomain"), n)
			},
		},
	}
}

func checkMonths(n int64) error {
	if n < 1 || n > 12 {
		return fmt.Errorf("months must be between 1 and 12, not %d", n)
	}
	return nil
}
