package sqlite

import (
	"context"
	"time"
)

// checkpointEvery is how often the WAL is copied back into the database
// file. Commits checkpoint only past 10,000 pages (wal_autocheckpoint in
// Open): the commit that crossed SQLite's default threshold of 1,000
// pages copied them and synced both files before it returned, which made
// one write in a few hundred wait tens of milliseconds.
const checkpointEvery = time.Second

// checkpoint runs a passive checkpoint on the held connection every
// checkpointEvery until stop is closed, then closes done. A passive
// checkpoint neither waits for nor blocks readers and writers; what it
// cannot copy yet is copied by a later one.
func (p *walProbe) checkpoint(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*checkpointEvery)
		// A failure (the database busy, or closed) leaves the frames
		// for the next one.
		p.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		cancel()
	}
}
