package nats_test

import (
	"testing"

	"github.com/bastionhq/bastion/queue/queuetest"
)

func BenchmarkThroughput(b *testing.B) {
	q := openQueue(b, uniqueOptions(b))
	b.Cleanup(func() { q.Close() })
	queuetest.BenchThroughput(b, q, 4)
}

func BenchmarkEnqueue(b *testing.B) {
	q := openQueue(b, uniqueOptions(b))
	b.Cleanup(func() { q.Close() })
	queuetest.BenchEnqueue(b, q)
}
