// Command eventflood offers signed Events API requests to a running
// `bastion serve` at a fixed rate and reports how long the server took to
// acknowledge them (p50, p99, max), timing each from its scheduled send
// so that a stall is charged to every event it held back. With -slack it
// also serves a minimal Slack Web API (every method answers ok) for the
// server's SLACK_API_URL, so that the bot's workers run their commands
// while the events arrive.
//
//	eventflood -slack 127.0.0.1:0 -print-slack-url   # prints the URL, serves until killed
//	eventflood -target http://127.0.0.1:8080 -secret S -rate 200 -duration 10s
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bastionhq/bastion/bench/loadgen"
	"github.com/bastionhq/bastion/sandbox"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "eventflood:", err)
		os.Exit(1)
	}
}

func run() error {
	target := flag.String("target", "", "base URL of the server (POST /slack/events)")
	secret := flag.String("secret", "", "the server's SLACK_SIGNING_SECRET")
	rate := flag.Float64("rate", 200, "events offered per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to offer events")
	text := flag.String("text", "<@UBOT> help", "the app_mention text")
	team := flag.String("team", "T1", "team id of the events")
	user := flag.String("user", "UMEMBER", "user id of the events")
	channel := flag.String("channel", "C2", "channel id of the events")
	pid := flag.Int("server-pid", 0, "the server's process id, to report its CPU per event")
	slackAddr := flag.String("slack", "", "serve a fake Slack Web API on this address and print its URL, until interrupted")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *slackAddr != "" {
		return serveSlack(ctx, *slackAddr)
	}
	if *target == "" || *secret == "" {
		return fmt.Errorf("-target and -secret are required")
	}
	var run [6]byte
	rand.Read(run[:])
	prefix := hex.EncodeToString(run[:])
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000}}
	n := int(*rate * duration.Seconds())
	lat := make([]time.Duration, n)
	failed := make([]error, n)
	interval := time.Duration(float64(time.Second) / *rate)
	var wg sync.WaitGroup
	var before loadgen.ProcStat
	if *pid > 0 {
		var err error
		if before, err = loadgen.ReadProcStat(*pid); err != nil {
			return err
		}
	}
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts := fmt.Sprintf("1700000000.%06d", i)
			body := fmt.Appendf(nil, `{"token":"x","team_id":%q,"api_app_id":"A1","type":"event_callback","event_id":"Ev%s%d","event_time":1700000000,`+
				`"event":{"type":"app_mention","user":%q,"text":%q,"ts":"%s-%s","channel":%q,"event_ts":"%s"}}`,
				*team, prefix, i, *user, *text, ts, prefix, *channel, ts)
			unix := time.Now().Unix()
			now := strconv.FormatInt(unix, 10)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, *target+"/slack/events", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Slack-Request-Timestamp", now)
			req.Header.Set("X-Slack-Signature", sandbox.Sign(*secret, unix, body))
			resp, err := hc.Do(req)
			lat[i] = time.Since(at)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			failed[i] = err
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	errs := 0
	var first error
	for _, err := range failed {
		if err != nil {
			errs++
			if first == nil {
				first = err
			}
		}
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	fmt.Printf("%d events offered at %.0f/s over %v: ack p50 %v, p99 %v, max %v, %d errors",
		n, *rate, elapsed.Round(time.Millisecond), q(0.5), q(0.99), lat[len(lat)-1].Round(100*time.Microsecond), errs)
	if *pid > 0 {
		after, err := loadgen.ReadProcStat(*pid)
		if err != nil {
			return err
		}
		cpu := after.CPU - before.CPU
		fmt.Printf("; server %.2f cores, %v CPU per event", cpu.Seconds()/elapsed.Seconds(), (cpu / time.Duration(n)).Round(time.Microsecond))
	}
	fmt.Println()
	if errs > 0 {
		return fmt.Errorf("%d events not acknowledged (first: %v)", errs, first)
	}
	return nil
}

// slackAnswers are the replies of the Web API methods whose answers the
// server reads: the name lookups it makes at start and auth.test. Every
// other method answers genericAnswer.
var slackAnswers = map[string]string{
	"conversations.info": `{"ok":true,"channel":{"id":"C2","name":"backoffice"}}`,
	"users.info":         `{"ok":true,"user":{"id":"UMEMBER","name":"member","real_name":"Member"}}`,
	"team.info":          `{"ok":true,"team":{"id":"T1","name":"Acme","domain":"acme"}}`,
}

// genericAnswer is the reply of every other method: ok, with the fields
// auth.test and chat.postMessage return.
const genericAnswer = `{"ok":true,"user_id":"UBOT","bot_id":"BBOT","user":"bastion","team_id":"T1","team":"Acme","url":"https://acme.slack.com/","channel":"C2","ts":"1700000000.000001","message":{"ts":"1700000000.000001"}}`

// serveSlack answers every Web API method with ok (slackAnswers, else
// genericAnswer) until ctx ends.
func serveSlack(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("http://%s/api/\n", ln.Addr())
	os.Stdout.Sync()
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		answer, ok := slackAnswers[strings.TrimPrefix(r.URL.Path, "/api/")]
		if !ok {
			answer = genericAnswer
		}
		fmt.Fprint(w, answer)
	})}
	go func() { <-ctx.Done(); hs.Close() }()
	if err := hs.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
