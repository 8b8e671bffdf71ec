package teamchat_test

import (
	"context"
	"github.com/bastionhq/bastion/internal/slackbot"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/slackbot/teamchat"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// sqliteService is an installation service on a real SQLite store with
// the given teams installed, each with one active record.
func sqliteService(tb testing.TB, teams ...string) (*slackapp.Service, *installsql.Store) {
	tb.Helper()
	ctx := context.Background()
	sealer, err := slackapp.NewTokenSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	store, err := installsql.Open(ctx, storetest.SQLite(tb), sealer)
	if err != nil {
		tb.Fatal(err)
	}
	for _, team := range teams {
		if err := store.SaveInstallation(ctx, slackapp.Installation{ID: team, TeamID: team, BotToken: "xoxb-" + team,
			BotUserID: "UBOT" + team, Active: true, InstalledAt: time.Now()}); err != nil {
			tb.Fatal(err)
		}
	}
	return slackapp.NewService(store, slackapp.ServiceOptions{}), store
}

// benchEvent is the installation lookups of one message event: the
// ingress's active check, then the worker's bot user and client.
func benchEvent(b *testing.B, gate slackbot.InstallationGate, src *teamchat.Source) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := gate.IsActive(ctx, "T1"); !ok || err != nil {
			b.Fatalf("active = %v, %v", ok, err)
		}
		if _, err := src.BotUserFor(ctx, slackbot.Workspace{TeamID: "T1"}); err != nil {
			b.Fatal(err)
		}
		if _, err := src.ChatFor(ctx, slackbot.Workspace{TeamID: "T1"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInstallationLookups(b *testing.B) {
	svc, store := sqliteService(b, "T1", "T2")
	ctx := context.Background()
	src, err := teamchat.New(teamchat.Options{Installations: store})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("store/ChatFor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := src.ChatFor(ctx, slackbot.Workspace{TeamID: "T1"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("store/IsActive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := svc.IsActive(ctx, "T1"); !ok || err != nil {
				b.Fatalf("active = %v, %v", ok, err)
			}
		}
	})
	b.Run("store/event", func(b *testing.B) { benchEvent(b, svc, src) })

	cache := teamchat.NewCache(store, teamchat.CacheOptions{TTL: teamchat.DefaultCacheTTL})
	gate := cache.Gate(svc)
	cachedSrc, err := teamchat.New(teamchat.Options{Installations: cache})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cached/ChatFor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cachedSrc.ChatFor(ctx, slackbot.Workspace{TeamID: "T1"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached/IsActive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := gate.IsActive(ctx, "T1"); !ok || err != nil {
				b.Fatalf("active = %v, %v", ok, err)
			}
		}
	})
	b.Run("cached/event", func(b *testing.B) { benchEvent(b, gate, cachedSrc) })
}
