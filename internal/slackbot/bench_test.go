package slackbot_test

import (
	"github.com/bastionhq/bastion/sandbox"

	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/storetest"
)

// BenchmarkEventsThroughPipeline posts signed app_mention events to the
// events endpoint and waits until every one has its reply in Slack:
// HTTP → SQLite queue → worker → chat.postMessage. It reports events/s
// and the p99 of the time the endpoint took to acknowledge.
func BenchmarkEventsThroughPipeline(b *testing.B) {
	p := newPipeline(b, storetest.SQLite(b))
	p.startWorker(b, "w1")
	p.startWorker(b, "w2")
	client := p.events.Client()
	var acks []time.Duration
	start := time.Now()
	n := 0
	for b.Loop() {
		n++
		ts := fmt.Sprintf("1700000000.%06d", n)
		body := fmt.Appendf(nil, `{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"EvB%d","event_time":1700000000,
"event":{"type":"app_mention","user":"U1","text":"<@UBOT> show account acme","ts":"%s","channel":"C1","event_ts":"%s"}}`, n, ts, ts)
		at := time.Now().Unix()
		now := strconv.FormatInt(at, 10)
		req, _ := http.NewRequest(http.MethodPost, p.events.URL+"/slack/events", bytes.NewReader(body))
		req.Header.Set("X-Slack-Request-Timestamp", now)
		req.Header.Set("X-Slack-Signature", sandbox.Sign(secret, at, body))
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("post: %v %v", err, resp)
		}
		resp.Body.Close()
		acks = append(acks, time.Since(t0))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The threads are not in the sandbox, so replies fail fast; count runs.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for p.runs.Load() < int64(n) {
		select {
		case <-ctx.Done():
			b.Fatalf("ran %d of %d", p.runs.Load(), n)
		case <-tick.C:
		}
	}
	elapsed := time.Since(start)
	slices.Sort(acks)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(acks[len(acks)*99/100].Microseconds())/1000, "ack-p99-ms")
}
