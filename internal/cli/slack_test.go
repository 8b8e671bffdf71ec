package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/sqlite"
)

const slackTestKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func runSlackCmd(t *testing.T, key, dbPath string, args ...string) (string, error) {
	t.Helper()
	out, _, err := execute(t, map[string]string{"BASTION_ENCRYPTION_KEY": key}, "", append([]string{"--db", dbPath, "slack"}, args...)...)
	return out, err
}

func TestSlackBackfillAndInstallationsCommands(t *testing.T) {
	ctx := context.Background()
	sb := sandbox.New(sandbox.Options{})
	sb.Start()
	defer sb.Close()
	dbPath := filepath.Join(t.TempDir(), "bastion.db")
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := slackapp.ParseEncryptionKey(slackTestKey)
	sealer, _ := slackapp.NewTokenSealer(key)
	store, err := installsql.Open(ctx, db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	for _, team := range []string{"T1", "T2", "T3"} {
		if err := sb.AddTeam(sandbox.Team{ID: team}); err != nil {
			t.Fatal(err)
		}
		token, _ := sb.InstallApp(team, "commands", "chat:write", "reactions:read")
		if err := store.SaveInstallation(ctx, slackapp.Installation{ID: team, TeamID: team, BotToken: token, Active: true, InstalledAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	out, err := runSlackCmd(t, slackTestKey, dbPath, "installations")
	if err != nil || !strings.Contains(out, "(unknown: run backfill-scopes)") {
		t.Fatalf("installations before backfill: %v\n%s", err, out)
	}
	out, err = runSlackCmd(t, slackTestKey, dbPath, "backfill-scopes", "--dry-run", "--batch-size", "2")
	if err != nil || !strings.Contains(out, "dry run: 3 installations need scopes: 2 batches of 2, at least 10s at a 10s pause") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, err = runSlackCmd(t, slackTestKey, dbPath, "backfill-scopes", "--batch-size", "2", "--pause", "1ms", "--api-url", sb.APIURL())
	if err != nil || !strings.Contains(out, "batch 1: 2/3 checked") || !strings.Contains(out, "backfill done: 3 checked, 3 updated, 0 failed") {
		t.Fatalf("backfill: %v\n%s", err, out)
	}
	out, err = runSlackCmd(t, slackTestKey, dbPath, "installations")
	if err != nil || strings.Contains(out, "unknown") || !strings.Contains(out, "commands,chat:write,reactions:read") ||
		!strings.Contains(out, "approvals_by_reaction(missing: reactions:write)") || !strings.Contains(out, " slash_commands ") {
		t.Fatalf("installations after backfill: %v\n%s", err, out)
	}
}

func TestSlackCommandsNeedTheEncryptionKey(t *testing.T) {
	db := demoDB(t)
	_, err := runSlackCmd(t, "", db, "installations")
	if err == nil || !strings.Contains(err.Error(), slackapp.EncryptionKeyEnv) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := runSlackCmd(t, "tooshort", db, "installations"); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestSlackProgressBar(t *testing.T) {
	got := slackProgressBar(slackapp.BackfillProgress{Total: 100, Done: 50, ETA: 90 * time.Second}, 10)
	if got != "[#####.....]  50% 50/100 eta 1m30s " {
		t.Fatalf("bar = %q", got)
	}
}
