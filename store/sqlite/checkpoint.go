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

// checkpointBusy bounds, in milliseconds, how long a checkpoint waits for
// another process's writer or for readers still in the WAL; it holds the
// write gate meanwhile.
const checkpointBusy = 50

// checkpoint copies the WAL into the database every checkpointEvery until
// stop is closed, then closes done. It takes the handle's write gate and
// runs a RESTART checkpoint: with no write of this process under way it
// gets SQLite's write lock at once, copies the second or so of frames
// written since the last one, and leaves the WAL to start over at the next
// write. (A passive checkpoint under a steady flow of writes never lets
// the WAL start over: it grew to the autocheckpoint threshold, whose
// commit then copied 40 MiB.) Writes of this process wait for it on the
// gate. If it cannot finish within checkpointBusy, the next one goes on.
func (p *walProbe) checkpoint(gate writeGate, stop <-chan struct{}, done chan<- struct{}) {
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
		if gate.enter(ctx) {
			// A failure (the database busy, or closed) leaves the frames
			// for the next one.
			p.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)")
			gate.leave()
		}
		cancel()
	}
}
