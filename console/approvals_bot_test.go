package console_test

import (
	"context"
	"github.com/bastionhq/bastion/internal/approval"
	"strings"
	"testing"
	"time"

	"github.com/bastionhq/bastion/console"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestBotApprovalsListOnlyPendingRequestsOfTheTeam(t *testing.T) {
	ctx := context.Background()
	st, err := botsql.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for _, a := range []approval.Request{
		{ID: "a1", TeamID: "T1", ChannelID: "C2", MessageTS: "1.1", CallerID: "UOPS", Text: "delete account acme", Needed: 2, Mode: approval.ByReaction, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{ID: "a2", TeamID: "T1", ChannelID: "C2", MessageTS: "2.1", CallerID: "UOPS", Text: "set acme plan to pro", Needed: 1, Mode: approval.ByReaction, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{ID: "a3", TeamID: "T2", ChannelID: "C4", MessageTS: "3.1", CallerID: "USUPPORT", Text: "disable user bob", Needed: 1, Mode: approval.ByButton, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
	} {
		if ok, err := st.CreateApproval(ctx, a); err != nil || !ok {
			t.Fatalf("create %s: %v %v", a.ID, ok, err)
		}
	}
	if _, err := st.AddApprovalVote(ctx, "a1", approval.Vote{UserID: "UADMIN", Kind: approval.VoteApprove, Via: "reaction", At: t0}); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.SettleApproval(ctx, "a2", approval.Pending, approval.Rejected, "rejected", t0); err != nil || !ok {
		t.Fatalf("reject a2: %v %v", ok, err)
	}

	e := newEnv(t, func(o *console.Options, _ string) { o.Approvals = console.BotApprovals{Store: st} })
	e.grant("UMEMBER", "CONSOLE_VIEWER", "E1")
	_, page := e.signIn("T1", "UMEMBER").get("/console/approvals")
	t1 := section(t, page, "approvals-T1")
	if !strings.Contains(t1, "delete account acme") || !strings.Contains(t1, "1 of 2") || strings.Contains(t1, "set acme plan to pro") {
		t.Errorf("T1 should list a1 (1 of 2 approvals) and not the rejected a2:\n%s", t1)
	}
	if t2 := section(t, page, "approvals-T2"); !strings.Contains(t2, "disable user bob") || strings.Contains(t2, "delete account") {
		t.Errorf("T2 should list a3 only:\n%s", t2)
	}
}
