package sqlqueue_test

import (
	"context"
	"testing"

	"github.com/bastionhq/bastion/queue/queuetest"
	"github.com/bastionhq/bastion/queue/sqlqueue"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func benchQueue(b *testing.B, db *sqldb.DB) *sqlqueue.Queue {
	q, err := sqlqueue.Open(context.Background(), db, sqlqueue.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { q.Close() })
	return q
}

func BenchmarkThroughputSQLite(b *testing.B) {
	queuetest.BenchThroughput(b, benchQueue(b, storetest.SQLite(b)), 4)
}

func BenchmarkThroughputMySQL(b *testing.B) {
	queuetest.BenchThroughput(b, benchQueue(b, storetest.MySQL(b)), 4)
}

func BenchmarkEnqueueSQLite(b *testing.B) {
	queuetest.BenchEnqueue(b, benchQueue(b, storetest.SQLite(b)))
}

func BenchmarkEnqueueMySQL(b *testing.B) {
	queuetest.BenchEnqueue(b, benchQueue(b, storetest.MySQL(b)))
}
