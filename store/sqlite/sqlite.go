// Package sqlite opens Bastion's embedded store: one SQLite file in WAL mode,
// through the pure-Go modernc.org/sqlite driver.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/bastionhq/bastion/store/sqldb"
	msqlite "modernc.org/sqlite" // also registers the "sqlite" driver
)

// Open opens (creating it and its folder if needed) the SQLite database at
// path. Writers take the lock at the start of a transaction and wait up to
// five seconds for it, so concurrent processes queue instead of failing;
// the writes of one handle take turns before they reach SQLite (see
// writeGate).
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	db, _, err := open(ctx, path)
	return db, err
}

// open is Open, returning the handle's write gate too.
func open(ctx context.Context, path string) (*sqldb.DB, writeGate, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("open sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("open sqlite %s: create folder: %w", path, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// 64 MiB of page cache per connection keeps the check path's B-tree
	// pages in memory as the store grows. No memory-mapped reads: a
	// connection unmaps its whole mapping at its first read after another
	// connection's commit (TLB shootdowns on every core), and with checks
	// answered after a look at the WAL index the mapping saved nothing
	// measurable; without it the server holds about 110 MB less at 1M
	// assignments (bench/checks.sh).
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "mmap_size(0)")
	// The held connection of the WAL probe checkpoints in the background
	// (checkpoint.go); a commit checkpoints only once the WAL holds 10,000
	// pages (40 MiB), should those checkpoints fall behind.
	q.Add("_pragma", "wal_autocheckpoint(10000)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	connector, err := msqlite.NewConnector(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	gate := newWriteGate()
	db := sql.OpenDB(&gatedConnector{inner: connector, gate: gate})
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	out := &sqldb.DB{DB: db, Dialect: sqldb.SQLite, URL: "sqlite://" + path}
	probe, err := openWALProbe(ctx, dsn, path, gate)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if probe != nil {
		out.Changes = probe
		out.OnClose(probe.Close)
	}
	return out, gate, nil
}
