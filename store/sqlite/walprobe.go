package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/bastionhq/bastion/store/sqldb"
)

// walIndexHeader is the size of the two copies of the WAL-index header at
// the start of the -shm file (https://www.sqlite.org/walformat.html, "The
// WAL-Index Header"); the checkpoint information after them changes
// without any commit and is left out.
const walIndexHeader = 2 * 48

// walProbe reads the WAL-index header of a database in WAL mode: every
// commit, by any connection of any process, rewrites it before the commit
// returns (the change counter iChange, the last frame mxFrame, the frame
// checksums; a WAL restart draws new salts), so an unchanged header means
// nothing was committed. It is one pread of 96 bytes, where the cheapest
// query that starts a read transaction (PRAGMA data_version) costs about
// as much as the check path's whole version read.
//
// A connection of its own stays open for the probe's lifetime, so that
// this process keeps the -shm file in use: SQLite deletes and later
// recreates it only when the last connection to the database closes, and
// a probe reading a deleted file would no longer see commits. That
// connection also checkpoints the WAL in the background (checkpoint).
type walProbe struct {
	hold *sql.DB   // one connection, kept open
	conn *sql.Conn // that connection
	shm  *os.File

	stop, stopped chan struct{} // of the checkpoint loop
}

var _ sqldb.ChangeProbe = (*walProbe)(nil)

// openWALProbe opens the probe for the database at path through dsn, or
// returns nil when the database is not in WAL mode.
// Its checkpoints take turns with the handle's writes through gate.
func openWALProbe(ctx context.Context, dsn, path string, gate writeGate) (*walProbe, error) {
	hold, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	hold.SetMaxOpenConns(1)
	conn, err := hold.Conn(ctx)
	if err != nil {
		hold.Close()
		return nil, err
	}
	p := &walProbe{hold: hold, conn: conn}
	var mode string
	// journal_mode answers without a read; schema_version reads, which
	// opens the WAL index.
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		p.Close()
		return nil, fmt.Errorf("read journal mode: %w", err)
	}
	if mode != "wal" {
		p.Close()
		return nil, nil
	}
	// Checkpoints wait briefly (checkpoint.go).
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", checkpointBusy)); err != nil {
		p.Close()
		return nil, fmt.Errorf("set the checkpoint's busy timeout: %w", err)
	}
	var schema int64
	if err := conn.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&schema); err != nil {
		p.Close()
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	p.shm, err = os.Open(path + "-shm")
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("open the WAL index: %w", err)
	}
	if _, ok := p.Token(); !ok {
		p.Close()
		return nil, fmt.Errorf("read the WAL index %s-shm: no initialised header", path)
	}
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go p.checkpoint(gate, p.stop, p.stopped)
	return p, nil
}

// Token implements sqldb.ChangeProbe: it reads both copies of the header
// and answers only when they agree (a writer updates the second copy,
// then the first), the header is initialised and the read is whole.
func (p *walProbe) Token() (sqldb.ChangeToken, bool) {
	var t sqldb.ChangeToken
	n, err := p.shm.ReadAt(t[:], 0)
	if err != nil || n != len(t) {
		return t, false
	}
	const isInit = 12 // offset of the header's isInit byte
	if t[isInit] != 1 || !bytes.Equal(t[:walIndexHeader/2], t[walIndexHeader/2:]) {
		return t, false
	}
	return t, true
}

// Close ends the checkpoints, then closes the index file and the held
// connection.
func (p *walProbe) Close() error {
	if p.stop != nil {
		close(p.stop)
		<-p.stopped
	}
	var errs []error
	if p.shm != nil {
		errs = append(errs, p.shm.Close())
	}
	errs = append(errs, p.conn.Close(), p.hold.Close())
	return errors.Join(errs...)
}
