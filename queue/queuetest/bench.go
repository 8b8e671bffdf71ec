package queuetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/queue"
)

// BenchThroughput measures messages per second through enqueue, receive
// and ack, with one producer and workers consumers on q.
func BenchThroughput(b *testing.B, q queue.Queue, workers int) {
	ctx := context.Background()
	prefix := fmt.Sprintf("bench-%d-", time.Now().UnixNano())
	body := []byte(`{"type":"event_callback","event":{"type":"app_mention","text":"<@U0BOT> whoami"}}`)
	var wg sync.WaitGroup
	received := make(chan struct{}, b.N)
	errs := make(chan error, workers+1)
	recvCtx, stop := context.WithCancel(ctx)
	defer stop()
	b.ResetTimer()
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				d, err := q.Receive(recvCtx)
				if err != nil {
					if recvCtx.Err() == nil {
						errs <- err
					}
					return
				}
				if err := d.Ack(ctx); err != nil {
					errs <- err
					return
				}
				received <- struct{}{}
			}
		})
	}
	for i := range b.N {
		if _, err := q.Enqueue(ctx, prefix+fmt.Sprint(i), body); err != nil {
			b.Fatal(err)
		}
	}
	for range b.N {
		select {
		case <-received:
		case err := <-errs:
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	wg.Wait()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// BenchEnqueue measures the latency of Enqueue (the time the ingress makes
// Slack wait) and reports its median and 99th percentile.
func BenchEnqueue(b *testing.B, q queue.Queue) {
	ctx := context.Background()
	prefix := fmt.Sprintf("bench-%d-", time.Now().UnixNano())
	body := []byte(`{"type":"event_callback","event":{"type":"app_mention","text":"<@U0BOT> whoami"}}`)
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := q.Enqueue(ctx, prefix+fmt.Sprint(i), body); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs")
}
