package sqlqueue_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/queue"
	"github.com/bastionhq/bastion/queue/queuetest"
	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/store/mysql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/sqlite"
	"github.com/bastionhq/bastion/store/storetest"
)

// testVisibility is long on purpose: only the test clock moves it.
const testVisibility = time.Minute

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// opener opens the same database afresh on every call, as a new process.
type opener func(t *testing.T) *sqldb.DB

func sqliteOpener(t *testing.T) opener {
	path := filepath.Join(t.TempDir(), "queue.db")
	return func(t *testing.T) *sqldb.DB {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

func mysqlOpener(t *testing.T) opener {
	url := storetest.MySQLURL(t)
	return func(t *testing.T) *sqldb.DB {
		db, err := mysql.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

func openQueue(t *testing.T, db *sqldb.DB, c *clock) *sqlqueue.Queue {
	t.Helper()
	q, err := sqlqueue.Open(context.Background(), db, sqlqueue.Options{
		VisibilityTimeout: testVisibility,
		PollInterval:      10 * time.Millisecond,
		Now:               c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func harness(newOpener func(t *testing.T) opener) queuetest.NewHarness {
	return func(t *testing.T) queuetest.Harness {
		open := newOpener(t)
		c := newClock()
		return queuetest.Harness{
			Open:              func(t *testing.T) queue.Queue { return openQueue(t, open(t), c) },
			Advance:           c.Advance,
			VisibilityTimeout: testVisibility,
			MaxBodySize:       sqlqueue.DefaultMaxBodySize,
		}
	}
}

func TestConformanceSQLite(t *testing.T) { queuetest.Run(t, harness(sqliteOpener)) }

func TestConformanceMySQL(t *testing.T) { queuetest.Run(t, harness(mysqlOpener)) }
