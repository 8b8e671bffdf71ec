package httpcommand_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/bot"
	"github.com/bastionhq/bastion/internal/httpcommand"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/store/httpcommandsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// bench is a router serving one file's commands, whose endpoints are a
// handler process, with the run ledger on a SQLite file.
type bench struct {
	h      *handlerProc
	router *router.Router
	ledger *httpcommandsql.Ledger
	cmds   []bot.Command
	logs   *lockedBuffer
	mu     sync.Mutex
	said   []string // every reply, to check for secrets
}

// newBench parses file, in which {url} stands for the handler's address,
// and registers its commands. The signing secret is in TEST_SECRET, and
// another one in OTHER_SECRET.
func newBench(t *testing.T, h *handlerProc, file string, now func() time.Time) *bench {
	t.Helper()
	env := testEnv(t)
	vars := map[string]string{"TEST_SECRET": testSecret, "OTHER_SECRET": strings.Repeat("x", 32)}
	env.Getenv = func(k string) string { return vars[k] }
	f, err := httpcommand.Parse("commands.yaml", []byte(strings.ReplaceAll(file, "{url}", h.URL)), env)
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := httpcommandsql.Open(context.Background(), storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{h: h, ledger: ledger, logs: &lockedBuffer{}}
	b.cmds, err = f.Commands(httpcommand.Options{Ledger: ledger, Now: now, Logger: slog.New(slog.NewJSONHandler(b.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	b.router = router.New(router.Options{Authorizer: bot.AuthorizerFunc(
		func(_ context.Context, _, user, _, permission string) (bot.Decision, error) {
			if user == "UNOBODY" {
				return bot.Decision{Reason: "no role grants " + permission + "."}, nil
			}
			return bot.Decision{Allowed: true, Reason: "granted"}, nil
		})})
	if err := b.router.Register(b.cmds...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, s := range append(b.said, b.logs.String()) {
			if strings.Contains(s, testSecret) {
				t.Errorf("a signing secret leaked into a reply or a log line: %s", s)
			}
		}
	})
	return b
}

// reply is one thing the bot said in a thread.
type reply struct {
	text   string
	blocks []slack.Block
}

// thread records replies, with their blocks.
type thread struct {
	mu      sync.Mutex
	replies []reply
}

func (th *thread) Reply(_ context.Context, text string) error {
	th.mu.Lock()
	defer th.mu.Unlock()
	th.replies = append(th.replies, reply{text: text})
	return nil
}

func (th *thread) ReplyBlocks(_ context.Context, text string, blocks []slack.Block) error {
	th.mu.Lock()
	defer th.mu.Unlock()
	th.replies = append(th.replies, reply{text: text, blocks: blocks})
	return nil
}

// textOnly is a Responder that cannot post blocks.
type textOnly struct{ th *thread }

func (r textOnly) Reply(ctx context.Context, text string) error { return r.th.Reply(ctx, text) }

func message(user, ts, text string) bot.Message {
	return bot.Message{TeamID: "T1", ChannelID: "C1", UserID: user, Text: text, TS: ts, ThreadTS: ts}
}

// say handles text as U1's message ts and returns the audit record and
// the replies.
func (b *bench) say(t *testing.T, ts, text string) (router.Invocation, []reply) {
	t.Helper()
	th := &thread{}
	inv := b.router.Handle(context.Background(), message("U1", ts, text), th)
	b.keep(inv.Result, th.replies)
	return inv, th.replies
}

func (b *bench) keep(result string, replies []reply) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.said = append(b.said, result)
	for _, r := range replies {
		b.said = append(b.said, r.text)
	}
}

// dryRun runs the dry run of the command text matches, as the approval
// flow does before it posts the request.
func (b *bench) dryRun(t *testing.T, ts, text string) (string, error) {
	t.Helper()
	req, err := b.router.Resolve(message("U1", ts, text), &thread{})
	if err != nil {
		t.Fatal(err)
	}
	if req.Command.DryRun == nil {
		t.Fatalf("%s has no dry run", req.Command.Usage())
	}
	out, err := req.Command.DryRun(context.Background(), req)
	if err != nil {
		b.keep(err.Error(), nil)
	}
	return out, err
}

// outcome is the ledger's record of the run of message ts.
func (b *bench) outcome(t *testing.T, ts string) httpcommand.Run {
	t.Helper()
	r, err := b.ledger.LookupRun(context.Background(), httpcommand.RequestID("T1", "C1", ts))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// refund is a file with one refund command at path of the handler, and
// more YAML lines for it.
func refund(path, more string) string {
	return `commands:
  - pattern: refund <invoice> <amount:int> cents
    description: Refund part of an invoice.
    permission: SET_PLAN
    endpoint: {url}` + path + `
    secret_env: TEST_SECRET
` + more
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// A run reaches the handler signed the way the README documents, with
// typed arguments, and its text answer is posted in the thread.
func TestRunIsSignedAndTyped(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/refund", `  - pattern: hold <invoice> for <wait:duration> by <who:user>
    description: Hold an invoice.
    endpoint: {url}/refund
    secret_env: TEST_SECRET
`), nil)
	inv, replies := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	if inv.Verdict != router.Ran || inv.Result != "ok" || len(replies) != 1 || replies[0].text != "Refunded 500 cents of invoice inv_1 (approved by )." {
		t.Fatalf("run: %+v, replies %+v", inv, replies)
	}
	id := httpcommand.RequestID("T1", "C1", "1700000000.000100")
	got := h.received(t)
	if len(got) != 1 {
		t.Fatalf("the handler got %+v", got)
	}
	r := got[0]
	if !r.Accepted || r.Phase != "run" || r.RequestID != id || r.Command != "refund <invoice> <amount:int> cents" ||
		r.Text != "refund inv_1 500 cents" || r.Args["invoice"] != "inv_1" || r.Args["amount"] != float64(500) ||
		r.TeamID != "T1" || r.ChannelID != "C1" || r.UserID != "U1" || len(r.Approvers) != 0 {
		t.Fatalf("the handler got %+v", r)
	}
	if run := b.outcome(t, "1700000000.000100"); run.Outcome != httpcommand.OutcomeOK || run.Detail != "200 OK" || run.Endpoint != h.URL+"/refund" {
		t.Fatalf("ledger: %+v", run)
	}

	b.say(t, "1700000000.000200", "hold inv_2 for 90m by <@U2>")
	r = h.received(t)[1]
	if r.Args["wait"] != float64(5400) || r.Args["who"] != "U2" || r.Args["invoice"] != "inv_2" {
		t.Fatalf("duration and user arguments: %+v", r.Args)
	}
}

// The handler rejects a call signed with another secret, or one whose
// timestamp is too old (a replay); the thread hears what it answered.
func TestHandlerRejectsBadSignaturesAndReplays(t *testing.T) {
	h := startHandler(t, testSecret)
	wrong := newBench(t, h, strings.Replace(refund("/refund", ""), "TEST_SECRET", "OTHER_SECRET", 1), nil)
	inv, _ := wrong.say(t, "1700000000.000100", "refund inv_1 500 cents")
	wantContains(t, "result with the wrong secret", inv.Result, "answered 401 Unauthorized: bad signature (request ")
	stale := newBench(t, h, refund("/refund", ""), func() time.Time { return time.Now().Add(-10 * time.Minute) })
	inv, _ = stale.say(t, "1700000000.000200", "refund inv_1 500 cents")
	wantContains(t, "result signed 10 minutes ago", inv.Result, "answered 401 Unauthorized: bad signature")
	for _, r := range h.received(t) {
		if r.Accepted {
			t.Fatalf("the handler accepted %+v", r)
		}
	}
	if run := wrong.outcome(t, "1700000000.000100"); run.Outcome != httpcommand.OutcomeFailed || run.Detail != "401 Unauthorized: bad signature" {
		t.Fatalf("ledger: %+v", run)
	}
}

// A dry run asks the handler what would happen, touches no ledger, and is
// tried again while the handler says it is unavailable.
func TestDryRun(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/refund", "")+strings.Replace(strings.TrimPrefix(refund("/flaky", ""), "commands:\n"), "refund <invoice>", "flaky <invoice>", 1)+
		strings.Replace(strings.TrimPrefix(refund("/fail-html", ""), "commands:\n"), "refund <invoice>", "gateway <invoice>", 1), nil)
	out, err := b.dryRun(t, "1700000000.000100", "refund inv_1 500 cents")
	if err != nil || out != "Would refund 500 cents of invoice inv_1." {
		t.Fatalf("dry run = %q, %v", out, err)
	}
	id := httpcommand.RequestID("T1", "C1", "1700000000.000100")
	if got := h.received(t)[0]; got.Phase != "dry_run" || got.RequestID != id || len(got.Approvers) != 0 {
		t.Fatalf("the handler got %+v", got)
	}
	if _, err := b.ledger.LookupRun(context.Background(), id); err == nil {
		t.Fatal("a dry run was recorded as a run")
	}

	out, err = b.dryRun(t, "1700000000.000200", "flaky inv_2 7 cents")
	flakyID := httpcommand.RequestID("T1", "C1", "1700000000.000200")
	if err != nil || out != "Would refund 7 cents of invoice inv_2." || h.count(t, "dry_run", flakyID) != 2 {
		t.Fatalf("dry run after a 503 = %q, %v; the handler got %d dry runs", out, err, h.count(t, "dry_run", flakyID))
	}

	_, err = b.dryRun(t, "1700000000.000300", "gateway inv_3 7 cents")
	if err == nil {
		t.Fatal("a dry run answered 502 three times succeeded")
	}
	wantContains(t, "dry run error", err.Error(), "answered 502 Bad Gateway: no explanation in its answer")
	if n := h.count(t, "dry_run", httpcommand.RequestID("T1", "C1", "1700000000.000300")); n != 3 {
		t.Fatalf("a dry run answered 502 was tried %d times, want 3", n)
	}
}

// A request id is sent to run once: again after it ran, by concurrent
// workers, and after a process that claimed it stopped before recording
// how it ended.
func TestRunIsSentAtMostOnce(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/refund", ""), nil)
	first, _ := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	again, replies := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	id := httpcommand.RequestID("T1", "C1", "1700000000.000100")
	if first.Result != "ok" || h.count(t, "run", id) != 1 {
		t.Fatalf("first: %+v; runs received %d", first, h.count(t, "run", id))
	}
	wantContains(t, "the second handling", again.Result, "request "+id+" was taken at", "a run is never sent twice for one request: it ran")
	if len(replies) != 1 || !strings.Contains(replies[0].text, "never sent twice") {
		t.Fatalf("the thread heard %+v", replies)
	}

	const workers = 8
	var wg sync.WaitGroup
	results := make(chan string, workers)
	for range workers {
		wg.Go(func() {
			inv, _ := b.say(t, "1700000000.000200", "refund inv_2 5 cents")
			results <- inv.Result
		})
	}
	wg.Wait()
	close(results)
	oks := 0
	for r := range results {
		if r == "ok" {
			oks++
		} else if !strings.Contains(r, "never sent twice") {
			t.Errorf("a concurrent handling said %q", r)
		}
	}
	if n := h.count(t, "run", httpcommand.RequestID("T1", "C1", "1700000000.000200")); oks != 1 || n != 1 {
		t.Fatalf("%d concurrent handlings succeeded and the handler got %d runs; want 1 and 1", oks, n)
	}

	// A process claimed this run and stopped before its outcome.
	crashed := httpcommand.RequestID("T1", "C1", "1700000000.000300")
	if _, won, err := b.ledger.ClaimRun(context.Background(), httpcommand.Run{RequestID: crashed, ClaimedAt: time.Now()}); err != nil || !won {
		t.Fatalf("claim: %v %v", won, err)
	}
	inv, _ := b.say(t, "1700000000.000300", "refund inv_3 5 cents")
	wantContains(t, "a run claimed by a stopped process", inv.Result, "its outcome was never recorded", "check with the service")
	if n := h.count(t, "run", crashed); n != 0 {
		t.Fatalf("a run claimed by another process was sent %d times", n)
	}
}

// A handler that does not answer within the command's timeout leaves the
// run's outcome unknown: the thread says so, with the request id, and the
// run is not sent again.
func TestTimeout(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/hang", "    timeout: 2s\n"), nil)
	start := time.Now()
	inv, _ := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	id := httpcommand.RequestID("T1", "C1", "1700000000.000100")
	wantContains(t, "result", inv.Result, "no answer within 2s", "The run was sent and will not be sent again, so its outcome is unknown",
		"check with the service (request "+id+")")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the call took %s with a 2s timeout", took)
	}
	h.waitReceived(t, "run", id)
	if run := b.outcome(t, "1700000000.000100"); run.Outcome != httpcommand.OutcomeUnknown {
		t.Fatalf("ledger: %+v", run)
	}
	again, _ := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	wantContains(t, "the second handling", again.Result, "never sent twice", "its outcome is unknown (no answer within 2s)")
	if n := h.count(t, "run", id); n != 1 {
		t.Fatalf("the handler got the run %d times", n)
	}

	_, err := b.dryRun(t, "1700000000.000200", "refund inv_2 5 cents")
	if err == nil {
		t.Fatal("a dry run without an answer succeeded")
	}
	wantContains(t, "dry run error", err.Error(), "no answer within 2s")
	dryID := httpcommand.RequestID("T1", "C1", "1700000000.000200")
	h.waitReceived(t, "dry_run", dryID)
	if n := h.count(t, "dry_run", dryID); n != 1 {
		t.Fatalf("a dry run that timed out was sent %d times: the timeout bounds its retries too", n)
	}
}

// A 500 with a JSON text is shown; a 502 from a proxy without one says
// so; neither is sent again.
func TestServerErrors(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/fail", "")+strings.Replace(strings.TrimPrefix(refund("/fail-html", ""), "commands:\n"), "refund <invoice>", "gateway <invoice>", 1), nil)
	inv, replies := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	id := httpcommand.RequestID("T1", "C1", "1700000000.000100")
	wantContains(t, "result", inv.Result, "answered 500 Internal Server Error: the billing database is down (request "+id+")")
	if len(replies) != 1 || !strings.HasPrefix(replies[0].text, "`refund <invoice> <amount:int> cents` failed: ") {
		t.Fatalf("the thread heard %+v", replies)
	}
	if run := b.outcome(t, "1700000000.000100"); run.Outcome != httpcommand.OutcomeFailed {
		t.Fatalf("ledger: %+v", run)
	}
	inv, _ = b.say(t, "1700000000.000200", "gateway inv_1 500 cents")
	wantContains(t, "result", inv.Result, "answered 502 Bad Gateway: no explanation in its answer")
	if n := h.count(t, "run", httpcommand.RequestID("T1", "C1", "1700000000.000200")); n != 1 {
		t.Fatalf("a run answered 502 was sent %d times", n)
	}
}

// A 2xx whose answer cannot be read means the command ran: the thread
// says so rather than that it failed to run. Oversized answers are not
// read.
func TestMalformedAnswers(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/malformed", "")+strings.Replace(strings.TrimPrefix(refund("/big", ""), "commands:\n"), "refund <invoice>", "big <invoice>", 1), nil)
	inv, _ := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	wantContains(t, "result", inv.Result, "answered 200 OK, so the command ran, but its answer could not be read: the answer is not a JSON object")
	if run := b.outcome(t, "1700000000.000100"); run.Outcome != httpcommand.OutcomeUnreadable {
		t.Fatalf("ledger: %+v", run)
	}
	inv, _ = b.say(t, "1700000000.000200", "big inv_1 500 cents")
	wantContains(t, "result", inv.Result, fmt.Sprintf("its answer could not be read: the answer is larger than %d bytes", httpcommand.MaxAnswerSize))
}

// A redirect is reported, not followed: the run would be sent again,
// elsewhere.
func TestRedirectsAreNotFollowed(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/redirect", ""), nil)
	inv, _ := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	wantContains(t, "result", inv.Result, "answered 307 Temporary Redirect: a redirect to http://localhost:", "/refund, which Bastion does not follow")
	if strings.Contains(inv.Result, "leaked") {
		t.Errorf("the redirect's query was shown: %s", inv.Result)
	}
	for _, r := range h.received(t) {
		if r.Path != "/redirect" {
			t.Fatalf("the redirect was followed to %s", r.Path)
		}
	}
}

// Without a connection nothing is sent: the thread says to try again.
func TestUnreachableEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := &handlerProc{URL: "http://" + ln.Addr().String()}
	ln.Close()
	b := newBench(t, closed, refund("/refund", ""), nil)
	inv, _ := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	wantContains(t, "result", inv.Result, "nothing was sent: could not reach 127.0.0.1:", "Say the command again to retry")
	if run := b.outcome(t, "1700000000.000100"); run.Outcome != httpcommand.OutcomeNotSent {
		t.Fatalf("ledger: %+v", run)
	}
	_, err = b.dryRun(t, "1700000000.000200", "refund inv_2 5 cents")
	if err == nil || !strings.Contains(err.Error(), "could not reach 127.0.0.1:") {
		t.Fatalf("dry run: %v", err)
	}
}

// Blocks are posted as blocks where the thread takes them, as their text
// elsewhere.
func TestBlocksAnswer(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/blocks", ""), nil)
	_, replies := b.say(t, "1700000000.000100", "refund inv_1 500 cents")
	if len(replies) != 1 || len(replies[0].blocks) != 1 || replies[0].text != "Refunded 500 cents of invoice inv_1 (approved by )." {
		t.Fatalf("replies: %+v", replies)
	}
	raw, err := replies[0].blocks[0].(interface{ MarshalJSON() ([]byte, error) }).MarshalJSON()
	if err != nil || !strings.Contains(string(raw), `"text":"*Refunded 500 cents of invoice inv_1 (approved by ).*"`) {
		t.Fatalf("block: %s %v", raw, err)
	}
	th := &thread{}
	b.router.Handle(context.Background(), message("U1", "1700000000.000200", "refund inv_2 5 cents"), textOnly{th: th})
	if len(th.replies) != 1 || th.replies[0].blocks != nil || th.replies[0].text != "Refunded 5 cents of invoice inv_2 (approved by )." {
		t.Fatalf("replies without blocks: %+v", th.replies)
	}
}

// File commands are authorized like any other: a caller without the
// permission reaches no endpoint.
func TestDeniedCallerReachesNoEndpoint(t *testing.T) {
	h := startHandler(t, testSecret)
	b := newBench(t, h, refund("/refund", ""), nil)
	th := &thread{}
	inv := b.router.Handle(context.Background(), message("UNOBODY", "1700000000.000100", "refund inv_1 500 cents"), th)
	if inv.Verdict != router.Denied || len(h.received(t)) != 0 {
		t.Fatalf("a caller without SET_PLAN: %+v; handler got %+v", inv, h.received(t))
	}
}
