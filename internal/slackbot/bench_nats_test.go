package slackbot_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	natsclient "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/bastionhq/bastion/bot"
	natsq "github.com/bastionhq/bastion/queue/nats"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/storetest"
)

const benchNATSURL = "nats://127.0.0.1:4222"

// BenchmarkEventsThroughPipelineNATS is BenchmarkEventsThroughPipeline
// with the queue on NATS JetStream (claims and audit stay in SQLite):
// HTTP → JetStream → 2 workers → chat.postMessage. It reports events/s and
// the p99 of the time the endpoint took to acknowledge.
func BenchmarkEventsThroughPipelineNATS(b *testing.B) {
	ctx := context.Background()
	sb := sandbox.New(sandbox.Options{SigningSecret: secret})
	sb.Start()
	b.Cleanup(sb.Close)
	must(b, sb.AddTeam(sandbox.Team{ID: "T1"}))
	must(b, sb.AddChannel("T1", sandbox.Channel{ID: "C1", Name: "general"}))
	token, err := sb.InstallApp("T1", "chat:write", "reactions:write")
	must(b, err)

	var suffix [6]byte
	rand.Read(suffix[:])
	name := hex.EncodeToString(suffix[:])
	q, err := natsq.Open(ctx, benchNATSURL, natsq.Options{Stream: "BOT_BENCH_" + name, Subject: "bot.bench." + name, Consumer: "w" + name,
		MaxBodySize: 512 << 10})
	if err != nil {
		b.Fatalf("open queue (is nats-server -js running on %s?): %v", benchNATSURL, err)
	}
	b.Cleanup(func() { q.Close(); deleteBenchStream(b, "BOT_BENCH_"+name) })
	store, err := botsql.Open(ctx, storetest.SQLite(b))
	must(b, err)

	var runs atomic.Int64
	rt := router.New(router.Options{})
	must(b, rt.Register(bot.Command{Pattern: "show account <subdomain>", Description: "Show an account.",
		Handler: func(ctx context.Context, req *bot.Request) error {
			runs.Add(1)
			return req.Replyf(ctx, "account %s: plan pro", req.Args.String("subdomain"))
		}}))
	events, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: secret, Queue: q, MaxBody: 512 << 10})
	must(b, err)
	srv := httptest.NewServer(events)
	b.Cleanup(srv.Close)
	quiet := slog.New(slog.DiscardHandler)
	wctx, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	for i := range 2 {
		w, err := slackbot.NewWorker(slackbot.WorkerOptions{Queue: q, Router: rt, Claims: store, Audit: store, Logger: quiet,
			Chat: slackbot.NewSlackChat(token, slackbot.SlackChatOptions{APIURL: sb.APIURL(), MaxAttempts: 1}), BotUserID: sb.BotUserID(),
			Name: fmt.Sprintf("w%d", i)})
		must(b, err)
		go w.Run(wctx)
	}

	client := srv.Client()
	var acks []time.Duration
	start := time.Now()
	n := 0
	for b.Loop() {
		n++
		ts := fmt.Sprintf("1700000000.%06d", n)
		body := fmt.Appendf(nil, `{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"EvN%s%d","event_time":1700000000,
"event":{"type":"app_mention","user":"U1","text":"<@UBOT> show account acme","ts":"%s","channel":"C1","event_ts":"%s"}}`, name, n, ts, ts)
		at := time.Now().Unix()
		now := strconv.FormatInt(at, 10)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
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
	deadline, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// The threads are not in the sandbox, so replies fail fast; count runs.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for runs.Load() < int64(n) {
		select {
		case <-deadline.Done():
			b.Fatalf("ran %d of %d", runs.Load(), n)
		case <-tick.C:
		}
	}
	elapsed := time.Since(start)
	slices.Sort(acks)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(acks[len(acks)*99/100].Microseconds())/1000, "ack-p99-ms")
}

func deleteBenchStream(b *testing.B, stream string) {
	conn, err := natsclient.Connect(benchNATSURL)
	if err != nil {
		b.Errorf("delete stream %s: %v", stream, err)
		return
	}
	defer conn.Close()
	js, err := jetstream.New(conn)
	if err != nil {
		b.Errorf("delete stream %s: %v", stream, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := js.DeleteStream(ctx, stream); err != nil {
		b.Errorf("delete stream %s: %v", stream, err)
	}
}
