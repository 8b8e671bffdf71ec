package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"time"
)

// gateWait bounds the wait for the gate: as long as SQLite's own
// busy_timeout, after which the write goes ahead and meets SQLite's lock
// as it did without a gate (and fails after busy_timeout if it is still
// held). It keeps a goroutine that writes outside its own open
// transaction from waiting on itself forever.
const gateWait = 5 * time.Second

// writeGate lets one write of this handle at a time reach SQLite. Writers
// take turns on the database file anyway; without the gate, a writer that
// finds the file locked sleeps on SQLite's busy schedule (1, 2, 5, 10 ...
// 100 ms) however soon the lock is freed, which put tens of milliseconds
// on the Events API's acknowledgements while workers claimed and deleted
// messages. Waiting here, it starts as soon as the previous write of the
// process ends; writers of other processes still meet SQLite's lock.
//
// A transaction holds the gate from BEGIN to COMMIT or ROLLBACK (every
// read-write transaction begins IMMEDIATE, taking the write lock at once);
// a statement run outside a transaction through Exec holds it for that
// statement. Queries, and read-only transactions, do not take it.
type writeGate chan struct{}

func newWriteGate() writeGate { return make(writeGate, 1) }

// enter waits for the gate until ctx ends or gateWait passes, and reports
// whether it holds it.
func (g writeGate) enter(ctx context.Context) bool {
	select {
	case g <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	case <-t.C:
		return false
	}
}

func (g writeGate) leave() { <-g }

// gatedConnector hands out connections whose writes pass the gate.
type gatedConnector struct {
	inner driver.Connector
	gate  writeGate
}

func (c *gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(gatedInner)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite driver connection lacks context methods")
	}
	return &gatedConn{inner: inner, gate: c.gate}, nil
}

func (c *gatedConnector) Driver() driver.Driver { return c.inner.Driver() }

// gatedInner is what gatedConn needs of the driver's connection.
type gatedInner interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// gatedConn is used by one goroutine at a time (database/sql's contract),
// so its fields need no lock.
type gatedConn struct {
	inner gatedInner
	gate  writeGate
	inTx  bool // in a transaction: its statements pass without the gate
}

var _ gatedInner = (*gatedConn)(nil)

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *gatedConn) Close() error { return c.inner.Close() }

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	held := !opts.ReadOnly && c.gate.enter(ctx)
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		if held {
			c.gate.leave()
		}
		return nil, err
	}
	c.inTx = true
	return &gatedTx{inner: tx, conn: c, held: held}, nil
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	inner, ok := s.(gatedInnerStmt)
	if !ok {
		s.Close()
		return nil, errors.New("sqlite driver statement lacks context methods")
	}
	return &gatedStmt{inner: inner, conn: c}, nil
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !c.inTx && c.gate.enter(ctx) {
		defer c.gate.leave()
	}
	return c.inner.ExecContext(ctx, query, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.inner.QueryContext(ctx, query, args)
}

func (c *gatedConn) Ping(ctx context.Context) error { return c.inner.Ping(ctx) }

func (c *gatedConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }

func (c *gatedConn) IsValid() bool { return c.inner.IsValid() }

// gatedTx gives the gate back when the transaction ends.
type gatedTx struct {
	inner driver.Tx
	conn  *gatedConn
	held  bool
}

func (t *gatedTx) Commit() error {
	defer t.end()
	return t.inner.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.end()
	return t.inner.Rollback()
}

func (t *gatedTx) end() {
	t.conn.inTx = false
	if t.held {
		t.held = false
		t.conn.gate.leave()
	}
}

// gatedInnerStmt is what gatedStmt needs of the driver's statement.
type gatedInnerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// gatedStmt runs a prepared write outside a transaction through the gate.
type gatedStmt struct {
	inner gatedInnerStmt
	conn  *gatedConn
}

func (s *gatedStmt) Close() error  { return s.inner.Close() }
func (s *gatedStmt) NumInput() int { return s.inner.NumInput() }

func (s *gatedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *gatedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

// named numbers positional arguments as database/sql does.
func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if !s.conn.inTx && s.conn.gate.enter(ctx) {
		defer s.conn.gate.leave()
	}
	return s.inner.ExecContext(ctx, args)
}

func (s *gatedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.inner.QueryContext(ctx, args)
}
