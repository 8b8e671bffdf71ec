package cli

import (
	"context"
	"github.com/bastionhq/bastion/internal/approval"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/sqlite"
)

func runApprovalsCmd(t *testing.T, dbPath string, args ...string) (string, error) {
	t.Helper()
	out, _, err := execute(t, nil, "", append([]string{"--db", dbPath, "approvals"}, args...)...)
	return out, err
}

func TestApprovalsListAndShow(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "bastion.db")
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := botsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, ts := range []string{"1.1", "2.2", "3.3"} {
		ar := approval.Request{ID: approval.ID("T1", "C1", ts), TeamID: "T1", ChannelID: "C1", MessageTS: ts, ThreadTS: ts,
			CallerID: "U1", Text: "delete account acme" + ts, Command: "delete account <subdomain>", Needed: 2, Permission: "DELETE_ACCOUNT",
			Mode: approval.ByReaction, DryRun: "would delete acme", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if _, err := store.CreateApproval(ctx, ar); err != nil {
			t.Fatal(err)
		}
	}
	done := approval.ID("T1", "C1", "2.2")
	if _, err := store.AddApprovalVote(ctx, done, approval.Vote{UserID: "U2", Kind: approval.VoteApprove, Via: "reaction", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := store.RecordApprovalEvent(ctx, approval.Event{RequestID: done, Kind: "approved", UserID: "U2", At: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SettleApproval(ctx, done, approval.Pending, approval.Rejected, "rejected by U3", now); err != nil {
		t.Fatal(err)
	}
	// One whose process died while running it, found by the sweep.
	stuck := approval.ID("T1", "C1", "3.3")
	for _, u := range []string{"U1", "U2", "U3"} {
		if _, err := store.AddApprovalVote(ctx, stuck, approval.Vote{UserID: u, Kind: approval.VoteApprove, Via: "button", At: now}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := store.StartApproval(ctx, stuck, now); err != nil || !ok {
		t.Fatalf("start = %v, %v", ok, err)
	}
	if ok, err := store.InterruptApproval(ctx, stuck, now.Add(time.Second), "outcome unknown: no result and no sign of its run for 15m0s", now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("interrupt = %v, %v", ok, err)
	}
	db.Close()

	out, err := runApprovalsCmd(t, dbPath, "list")
	if err != nil || !strings.Contains(out, "delete account acme1.1") || strings.Contains(out, "acme2.2") || strings.Contains(out, "acme3.3") ||
		!strings.Contains(out, "caller waiting, 0/2") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = runApprovalsCmd(t, dbPath, "list", "--state", "interrupted")
	if err != nil || !strings.Contains(out, stuck+"  interrupted") || !strings.Contains(out, "outcome unknown: no result and no sign of its run for 15m0s") ||
		strings.Contains(out, "acme1.1") || strings.Contains(out, "acme2.2") {
		t.Fatalf("list --state interrupted: %v\n%s", err, out)
	}
	if _, err := runApprovalsCmd(t, dbPath, "list", "--state", "stuck"); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("list of an unknown state: %v", err)
	}
	out, err = runApprovalsCmd(t, dbPath, "show", stuck)
	if err != nil || !strings.Contains(out, "request "+stuck+": interrupted") ||
		!strings.Contains(out, "started:    "+now.UTC().Format(time.RFC3339)) || !strings.Contains(out, "Check its target before running it again") {
		t.Fatalf("show interrupted: %v\n%s", err, out)
	}
	out, err = runApprovalsCmd(t, dbPath, "list", "--all")
	if err != nil || !strings.Contains(out, "acme2.2") || !strings.Contains(out, "rejected by U3") || !strings.Contains(out, "1/2") {
		t.Fatalf("list --all: %v\n%s", err, out)
	}
	out, err = runApprovalsCmd(t, dbPath, "show", done)
	if err != nil || !strings.Contains(out, "request "+done+": rejected") || !strings.Contains(out, "U2 approve by reaction") ||
		!strings.Contains(out, "approved  U2") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if _, err := runApprovalsCmd(t, dbPath, "show", "nope"); err == nil {
		t.Fatal("show of an unknown id succeeded")
	}
}
