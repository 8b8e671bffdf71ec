package botsql

import (
	"context"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestClaimLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, db); err != nil {
			t.Fatalf("second open: %v", err)
		}
		key := slackbot.MessageKey{TeamID: "T1", ChannelID: "C1", TS: "1700000000.000100"}
		t0 := time.Unix(1700000000, 0)
		c, err := s.Claim(ctx, key, "ev:1", "w1", t0)
		if err != nil || !c.Won || c.State != slackbot.ClaimRunning || c.Worker != "w1" {
			t.Fatalf("first claim = %+v, %v", c, err)
		}
		c, err = s.Claim(ctx, key, "ev:2", "w2", t0)
		if err != nil || c.Won || c.Worker != "w1" || c.DeliveryID != "ev:1" {
			t.Fatalf("second claim = %+v, %v", c, err)
		}
		if ok, err := s.Heartbeat(ctx, key, "w1", t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("heartbeat of the owner = %v, %v", ok, err)
		}
		// The same heartbeat again changes no column: it must still say
		// the claim is held (MySQL counts changed rows unless told not to).
		if ok, err := s.Heartbeat(ctx, key, "w1", t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("repeated heartbeat of the owner = %v, %v", ok, err)
		}
		if ok, err := s.Heartbeat(ctx, key, "w2", t0.Add(time.Minute)); err != nil || ok {
			t.Fatalf("heartbeat of a non-owner = %v, %v", ok, err)
		}
		if ok, err := s.Interrupt(ctx, key, t0.Add(30*time.Second), t0.Add(2*time.Minute)); err != nil || ok {
			t.Fatalf("interrupt of a fresh claim = %v, %v", ok, err)
		}
		if ok, err := s.Finish(ctx, key, "w2", slackbot.ClaimDone, t0); err != nil || ok {
			t.Fatalf("finish by a non-owner = %v, %v", ok, err)
		}
		if ok, err := s.Interrupt(ctx, key, t0.Add(2*time.Minute), t0.Add(2*time.Minute)); err != nil || !ok {
			t.Fatalf("interrupt of a stale claim = %v, %v", ok, err)
		}
		if ok, err := s.Heartbeat(ctx, key, "w1", t0.Add(3*time.Minute)); err != nil || ok {
			t.Fatalf("heartbeat after interrupt = %v, %v; the worker must learn it lost the claim", ok, err)
		}
		if ok, err := s.Finish(ctx, key, "w1", slackbot.ClaimDone, t0); err != nil || ok {
			t.Fatalf("finish after interrupt = %v, %v", ok, err)
		}
		c, _ = s.Claim(ctx, key, "ev:3", "w3", t0)
		if c.Won || c.State != slackbot.ClaimInterrupted {
			t.Fatalf("claim after interrupt = %+v", c)
		}
		n, err := s.PruneClaims(ctx, t0.Add(time.Second))
		if err != nil || n != 1 {
			t.Fatalf("prune = %d, %v", n, err)
		}
	})
}

func TestConcurrentClaimsHaveOneWinner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		key := slackbot.MessageKey{TeamID: "T1", ChannelID: "C1", TS: "1.2"}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Go(func() {
				c, err := s.Claim(ctx, key, "ev", string(rune('a'+i)), time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				if c.Won {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d winners", wins)
		}
	})
}

func TestInvocationsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Unix(1700000000, 123)
		for i, v := range []router.Verdict{router.Denied, router.Ran} {
			inv := router.Invocation{TeamID: "T1", ChannelID: "C1", UserID: "U1", MessageTS: "1.1", Text: "set acme trial remaining to 3 days ✓",
				Command: "set <subdomain> trial remaining to <days:int> days", Verdict: v, Reason: "why", Result: "ok", At: at.Add(time.Duration(i)), Duration: 42 * time.Millisecond}
			if err := s.RecordInvocation(ctx, inv); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.RecentInvocations(ctx, "T1", 10)
		if err != nil || len(got) != 2 {
			t.Fatalf("got %d, %v", len(got), err)
		}
		if got[0].Verdict != router.Ran || got[1].Verdict != router.Denied || got[0].Duration != 42*time.Millisecond || !got[1].At.Equal(at) || got[0].Text != "set acme trial remaining to 3 days ✓" {
			t.Fatalf("got %+v", got)
		}
		if other, _ := s.RecentInvocations(ctx, "T2", 10); len(other) != 0 {
			t.Fatalf("other team sees %d", len(other))
		}
	})
}
