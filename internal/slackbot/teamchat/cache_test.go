package teamchat_test

import (
	"github.com/bastionhq/bastion/sandbox"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bastionhq/bastion/internal/slackbot"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/slackbot/teamchat"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
)

// countingStore counts the reads of a real store; fail makes reads fail,
// hold (when set) runs after the read, before its answer is returned.
type countingStore struct {
	*installsql.Store
	mu    sync.Mutex
	reads int
	fail  error
	hold  func()
}

func (s *countingStore) TeamInstallations(ctx context.Context, teamID string) ([]slackapp.Installation, error) {
	s.mu.Lock()
	s.reads++
	fail, hold := s.fail, s.hold
	s.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	list, err := s.Store.TeamInstallations(ctx, teamID)
	if hold != nil {
		hold()
	}
	return list, err
}

func (s *countingStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

func (s *countingStore) set(fail error, hold func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.hold = fail, hold
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cached is a Source and an ingress gate sharing a cache over a real
// SQLite store with T1 and T2 installed; the service writes that store
// without counting.
type cached struct {
	store *countingStore
	svc   *slackapp.Service
	cache *teamchat.Cache
	gate  slackbot.InstallationGate
	src   *teamchat.Source
	clock *clock
}

func newCached(t testing.TB, ttl time.Duration) *cached {
	t.Helper()
	svc, store := sqliteService(t, "T1", "T2")
	c := &cached{store: &countingStore{Store: store}, svc: svc, clock: &clock{t: time.Unix(1_700_000_000, 0)}}
	c.cache = teamchat.NewCache(c.store, teamchat.CacheOptions{TTL: ttl, Now: c.clock.now})
	c.gate = c.cache.Gate(svc)
	var err error
	if c.src, err = teamchat.New(teamchat.Options{Installations: c.cache}); err != nil {
		t.Fatal(err)
	}
	return c
}

// event does the lookups of one message event of team and reports
// whether the team was active and had a client.
func (c *cached) event(t *testing.T, team string) (active, hasChat bool) {
	t.Helper()
	ctx := context.Background()
	active, err := c.gate.IsActive(ctx, team)
	if err != nil {
		t.Fatalf("is %s active: %v", team, err)
	}
	_, err = c.src.ChatFor(ctx, slackbot.Workspace{TeamID: team})
	if err != nil && !errors.Is(err, slackbot.ErrNoChat) {
		t.Fatalf("chat of %s: %v", team, err)
	}
	return active, err == nil
}

func TestCachedLookupsReadTheStoreOncePerTTL(t *testing.T) {
	c := newCached(t, time.Minute)
	ctx := context.Background()
	for range 20 {
		if active, ok := c.event(t, "T1"); !active || !ok {
			t.Fatalf("T1: active %v, chat %v", active, ok)
		}
		if u, err := c.src.BotUserFor(ctx, slackbot.Workspace{TeamID: "T1"}); err != nil || u != "UBOTT1" {
			t.Fatalf("bot user = %q, %v", u, err)
		}
	}
	if n := c.store.count(); n != 1 {
		t.Fatalf("20 events read the store %d times, want 1", n)
	}
	c.event(t, "T2")
	if active, _ := c.event(t, "T3"); active {
		t.Fatal("a team without records is active")
	}
	c.event(t, "T3")
	if n := c.store.count(); n != 3 {
		t.Fatalf("reads = %d, want 3 (T1, T2, and T3 not installed, kept too)", n)
	}

	// Another process uninstalls T1: seen once the TTL has passed.
	if _, err := c.store.SetTeamActive(ctx, "T1", false); err != nil {
		t.Fatal(err)
	}
	c.clock.add(59 * time.Second)
	if active, _ := c.event(t, "T1"); !active {
		t.Fatal("the entry expired before the TTL")
	}
	c.clock.add(time.Second)
	if active, ok := c.event(t, "T1"); active || ok {
		t.Fatalf("after the TTL: active %v, chat %v", active, ok)
	}
	if n := c.store.count(); n != 4 {
		t.Fatalf("reads = %d, want 4", n)
	}
}

// An uninstall or token revocation that reaches this process's ingress
// applies to the very next event, however long the TTL.
func TestLifecycleEventsDropTheTeamAtOnce(t *testing.T) {
	for _, kind := range []string{slackbot.EventAppUninstalled, slackbot.EventTokensRevoked} {
		t.Run(kind, func(t *testing.T) {
			c := newCached(t, time.Hour)
			q := &queue{}
			h, err := slackbot.NewEventsHandler(slackbot.EventsHandlerOptions{SigningSecret: "s", Queue: q, Installations: c.gate,
				Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			post(t, h, "Ev1", "T1", "app_mention")
			post(t, h, "Ev2", "T2", "app_mention")
			c.event(t, "T1")
			post(t, h, "Ev3", "T1", kind)
			post(t, h, "Ev4", "T1", "app_mention")
			post(t, h, "Ev5", "T2", "app_mention")
			if got := fmt.Sprint(q.ids); got != "[slack-event:Ev1 slack-event:Ev2 slack-event:Ev5]" {
				t.Fatalf("queued %s", got)
			}
			if _, ok := c.event(t, "T1"); ok {
				t.Fatal("the worker still has a client for the uninstalled team")
			}
			// T2's entry was kept: only T1's records were read again.
			if n := c.store.count(); n != 3 {
				t.Fatalf("reads = %d, want 3", n)
			}
			// A reinstall in this process clears the cache.
			if _, err := c.store.SetTeamActive(context.Background(), "T1", true); err != nil {
				t.Fatal(err)
			}
			c.cache.Clear()
			if active, ok := c.event(t, "T1"); !active || !ok {
				t.Fatalf("after the reinstall: active %v, chat %v", active, ok)
			}
		})
	}
}

// A read that was under way when the team was forgotten does not put its
// answer, made before the uninstall, back into the cache.
func TestReadUnderWayDuringAnUninstallIsNotKept(t *testing.T) {
	c := newCached(t, time.Hour)
	ctx := context.Background()
	read, release := make(chan struct{}), make(chan struct{})
	c.store.set(nil, func() { close(read); <-release })
	done := make(chan bool)
	go func() {
		active, _ := c.gate.IsActive(ctx, "T1")
		done <- active
	}()
	<-read
	c.store.set(nil, nil)
	if _, err := c.gate.HandleLifecycleEvent(ctx, "T1", slackbot.EventAppUninstalled); err != nil {
		t.Fatal(err)
	}
	close(release)
	if !<-done {
		t.Fatal("the read under way saw the uninstall; the test shows nothing")
	}
	if active, ok := c.event(t, "T1"); active || ok {
		t.Fatalf("after the uninstall: active %v, chat %v", active, ok)
	}
}

// A store that cannot be read is an error every time, never an answer
// kept for the TTL.
func TestStoreErrorsAreNotCached(t *testing.T) {
	c := newCached(t, time.Hour)
	ctx := context.Background()
	boom := errors.New("database is locked")
	c.store.set(boom, nil)
	for range 2 {
		if active, err := c.gate.IsActive(ctx, "T1"); !errors.Is(err, boom) || active {
			t.Fatalf("is active = %v, %v", active, err)
		}
		if _, err := c.src.ChatFor(ctx, slackbot.Workspace{TeamID: "T1"}); !errors.Is(err, boom) {
			t.Fatalf("chat: %v", err)
		}
	}
	if n := c.store.count(); n != 4 {
		t.Fatalf("reads = %d, want 4: an error was kept", n)
	}
	c.store.set(nil, nil)
	if active, ok := c.event(t, "T1"); !active || !ok {
		t.Fatalf("after the store recovered: active %v, chat %v", active, ok)
	}
}

func TestZeroTTLReadsEveryTime(t *testing.T) {
	for _, ttl := range []time.Duration{0, -time.Second} {
		c := newCached(t, ttl)
		for range 3 {
			c.event(t, "T1")
		}
		// The gate asks the service, which reads the store uncounted.
		if n := c.store.count(); n != 3 {
			t.Fatalf("TTL %v: reads = %d, want 3", ttl, n)
		}
		if _, err := c.gate.HandleLifecycleEvent(context.Background(), "T1", slackbot.EventAppUninstalled); err != nil {
			t.Fatal(err)
		}
		if active, ok := c.event(t, "T1"); active || ok {
			t.Fatalf("TTL %v after the uninstall: active %v, chat %v", ttl, active, ok)
		}
	}
}

func TestCacheKeepsAtMostMaxTeams(t *testing.T) {
	_, store := sqliteService(t)
	cache := teamchat.NewCache(store, teamchat.CacheOptions{TTL: time.Hour, MaxTeams: 8})
	for i := range 100 {
		if _, err := cache.TeamInstallations(context.Background(), fmt.Sprintf("T%d", i)); err != nil {
			t.Fatal(err)
		}
		if n := cache.Len(); n > 8 {
			t.Fatalf("%d teams kept, max 8", n)
		}
	}
}

// queue records the ids the ingress stored.
type queue struct {
	mu  sync.Mutex
	ids []string
}

func (q *queue) Enqueue(_ context.Context, id string, _ []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, id)
	return true, nil
}

// post sends a signed event callback of team to h.
func post(t *testing.T, h http.Handler, eventID, team, kind string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": eventID, "team_id": team,
		"event": map[string]any{"type": kind, "user": "U1", "text": "hi", "ts": "1.0", "channel": "C1"}})
	at := time.Now().Unix()
	ts := strconv.FormatInt(at, 10)
	r := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", sandbox.Sign("s", at, body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("%s %s: status %d %s", kind, team, w.Code, w.Body)
	}
}
