package slacknames_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/names/slacknames"
	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/storetest"
)

// counting counts the Web API calls by method, passing them on.
type counting struct {
	mu    sync.Mutex
	calls map[string]int
	next  http.RoundTripper
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.calls[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *counting) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) advance(d time.Duration) { c.now.Add(int64(d)) }
func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func key(k names.Kind, id string) names.Key { return names.Key{Kind: k, ID: id} }

type env struct {
	sb     *sandbox.Server
	dir    *namesql.Store
	filler *slacknames.Filler
	calls  *counting
	clock  *clock
}

// newEnv is a sandbox with Acme (T1, of Acme Corp) and Acme Support (T2,
// installed without team:read), a directory on SQLite and a filler.
func newEnv(t *testing.T) *env {
	t.Helper()
	sb := sandbox.New(sandbox.Options{SigningSecret: "s"})
	sb.Start()
	t.Cleanup(sb.Close)
	must(t, sb.AddTeam(sandbox.Team{ID: "T1", Name: "Acme", Domain: "acme", EnterpriseID: "E1", EnterpriseName: "Acme Corp"}))
	must(t, sb.AddTeam(sandbox.Team{ID: "T2", Name: "Acme Support", EnterpriseID: "E1", EnterpriseName: "Acme Corp"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "C2", Name: "backoffice"}))
	must(t, sb.AddChannel("T1", sandbox.Channel{ID: "D1", Type: sandbox.DirectMessage, User: "UMEMBER"}))
	must(t, sb.AddUser("T1", sandbox.User{ID: "UMEMBER", Name: "mia", RealName: "Mia Lopez"}))
	must(t, sb.AddUser("T2", sandbox.User{ID: "USUPPORT", Name: "sam"}))
	tokens := map[string]string{}
	for team, scopes := range map[string][]string{"T1": {"users:read", "channels:read", "groups:read", "im:read", "team:read"}, "T2": {"users:read"}} {
		tok, err := sb.InstallApp(team, scopes...)
		must(t, err)
		tokens[team] = tok
	}
	dir, err := namesql.Open(context.Background(), storetest.SQLite(t))
	must(t, err)
	c := newClock()
	dir.SetClock(c.Now)
	calls := &counting{calls: map[string]int{}, next: http.DefaultTransport}
	f, err := slacknames.New(slacknames.Options{Directory: dir, APIURL: sb.APIURL(), HTTPClient: &http.Client{Transport: calls},
		Now: c.Now, Tokens: slacknames.TokensFunc(func(_ context.Context, team string) (string, error) {
			if tok, ok := tokens[team]; ok {
				return tok, nil
			}
			return "", errors.New("not installed")
		})})
	must(t, err)
	return &env{sb: sb, dir: dir, filler: f, calls: calls, clock: c}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) name(t *testing.T, k names.Key) string {
	t.Helper()
	got, err := e.dir.Lookup(context.Background(), []names.Key{k})
	must(t, err)
	return got[k].Name
}

func TestFillReadsEachKindWithTheWorkspacesToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := []names.Key{key(names.User, "UMEMBER"), key(names.Channel, "C2"), key(names.Team, "T1"), key(names.Enterprise, "E1"),
		key(names.User, "UNOBODY"), key(names.Channel, "CNOPE"), key(names.Channel, "D1"), key(names.Team, "T2")}
	n, err := e.filler.Fill(ctx, "T1", keys)
	must(t, err)
	if n != 5 {
		t.Errorf("learned %d names, want 5", n)
	}
	for k, want := range map[names.Key]string{key(names.User, "UMEMBER"): "Mia Lopez", key(names.Channel, "C2"): "backoffice",
		key(names.Team, "T1"): "Acme", key(names.Enterprise, "E1"): "Acme Corp", key(names.Team, "T2"): "Acme Support",
		key(names.User, "UNOBODY"): "", key(names.Channel, "D1"): ""} {
		if got := e.name(t, k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	got, _ := e.dir.Lookup(ctx, []names.Key{key(names.User, "UMEMBER")})
	if m := got[key(names.User, "UMEMBER")]; m.Handle != "mia" || m.TeamID != "T1" || m.Source != names.FromSlack || m.Pinned {
		t.Errorf("Mia's entry: %+v", m)
	}

	// The directory is the cache: nothing is asked again, not even the
	// ids Slack did not know, until MaxAge has passed.
	before := e.calls.total()
	if n, err := e.filler.Fill(ctx, "T1", keys); err != nil || n != 0 || e.calls.total() != before {
		t.Fatalf("second fill: %d learned, %v, %d more calls", n, err, e.calls.total()-before)
	}
	must(t, e.sb.RenameUser("T1", "UMEMBER", "mia", "Mia López"))
	e.clock.advance(slacknames.DefaultMaxAge + time.Minute)
	if _, err := e.filler.Fill(ctx, "T1", keys); err != nil {
		t.Fatal(err)
	}
	if got := e.name(t, key(names.User, "UMEMBER")); got != "Mia López" {
		t.Fatalf("after MaxAge the name is read again: %q", got)
	}
}

func TestFillNeverReplacesANameSetByHand(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.dir.Set(ctx, []names.Entry{{Kind: names.User, ID: "UMEMBER", Name: "Mia (set by hand)", Source: names.FromCLI}}))
	e.clock.advance(10 * slacknames.DefaultMaxAge)
	if _, err := e.filler.Fill(ctx, "T1", []names.Key{key(names.User, "UMEMBER")}); err != nil {
		t.Fatal(err)
	}
	if e.calls.total() != 0 || e.name(t, key(names.User, "UMEMBER")) != "Mia (set by hand)" {
		t.Fatalf("a pinned name was read again (%d calls) or replaced: %q", e.calls.total(), e.name(t, key(names.User, "UMEMBER")))
	}
	must(t, e.filler.UserChanged(ctx, "T1", slack.User{ID: "UMEMBER", RealName: "Mia from an event"}))
	if got := e.name(t, key(names.User, "UMEMBER")); got != "Mia (set by hand)" {
		t.Fatalf("an event replaced a pinned name: %q", got)
	}
}

func TestFillGoesOnPastWhatFails(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// T2's token lacks team:read: the user is learned, the workspace's
	// name fails and says why.
	n, err := e.filler.Fill(ctx, "T2", []names.Key{key(names.Team, "T2"), key(names.User, "USUPPORT")})
	if err == nil || !strings.Contains(err.Error(), "missing_scope") || n != 1 || e.name(t, key(names.User, "USUPPORT")) != "sam" {
		t.Fatalf("fill with a missing scope: %d, %v", n, err)
	}
	if _, err := e.filler.Fill(ctx, "T9", []names.Key{key(names.User, "UX")}); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("a workspace without a token: %v", err)
	}
}

func TestFillWaitsOutRateLimits(t *testing.T) {
	e := newEnv(t)
	e.sb.RateLimit("team.info", 1, time.Second)
	e.sb.RateLimit("users.info", 1, time.Second)
	n, err := e.filler.Fill(context.Background(), "T1", []names.Key{key(names.Team, "T1"), key(names.User, "UMEMBER")})
	if err != nil || n != 2 {
		t.Fatalf("fill through rate limits: %d, %v", n, err)
	}
}

func TestEventsReplaceNamesAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.filler.Fill(ctx, "T1", []names.Key{key(names.User, "UMEMBER"), key(names.Channel, "C2"), key(names.Team, "T1")}); err != nil {
		t.Fatal(err)
	}
	must(t, e.filler.UserChanged(ctx, "T1", slack.User{ID: "UMEMBER", Name: "mia", RealName: "Mia L.", Profile: slack.UserProfile{DisplayName: "mia.l"}}))
	must(t, e.filler.ChannelRenamed(ctx, "T1", "C2", "back-office"))
	must(t, e.filler.TeamRenamed(ctx, "T1", "Acme Inc"))
	must(t, e.filler.ChannelRenamed(ctx, "T1", "C3", "\u202e\n"))
	for k, want := range map[names.Key]string{key(names.User, "UMEMBER"): "Mia L.", key(names.Channel, "C2"): "back-office",
		key(names.Team, "T1"): "Acme Inc", key(names.Channel, "C3"): ""} {
		if got := e.name(t, k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}

func TestSweepFillsEveryWorkspace(t *testing.T) {
	e := newEnv(t)
	n, err := e.filler.Sweep(context.Background(), func(context.Context) (map[string][]names.Key, error) {
		return map[string][]names.Key{"T1": {key(names.Channel, "C2")}, "T2": {key(names.User, "USUPPORT")}}, nil
	})
	if err != nil || n != 2 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
}
