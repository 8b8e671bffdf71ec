package approval_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestConsoleVotesFollowTheRulesOfReactions(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{})
	ctx := context.Background()
	ts, _, ar := e.request(t, "U1", "delete account acme")
	cast := func(user string, approve bool) approval.CastOutcome {
		t.Helper()
		out, err := p.approvals.Cast(ctx, approval.Cast{RequestID: ar.ID, TeamID: "T1", UserID: user, Approve: approve})
		must(t, err)
		return out
	}

	// The caller's approval is the caller's own, never one of the others.
	if out := cast("U1", true); !out.Counted || !out.CallerApproved || out.Approvals != 0 || out.State != approval.Pending {
		t.Fatalf("caller's vote: %+v", out)
	}
	// U4 holds no DELETE_ACCOUNT: not counted, and told why; a rejection
	// by U4 does not cancel either.
	if out := cast("U4", true); out.Counted || !strings.Contains(out.Reason, "approvers need DELETE_ACCOUNT") || out.Approvals != 0 {
		t.Fatalf("ineligible vote: %+v", out)
	}
	if out := cast("U4", false); out.Counted || out.State != approval.Pending {
		t.Fatalf("ineligible rejection: %+v", out)
	}
	// A repeated vote changes nothing.
	cast("U2", true)
	if out := cast("U2", true); !out.Counted || out.Approvals != 1 || out.State != approval.Pending {
		t.Fatalf("repeated vote: %+v", out)
	}
	e.reply(t, ts, "<@U2> approved in the admin console.")
	// The permission is asked for at the moment of the vote.
	e.grants.revoke("U3", "DELETE_ACCOUNT")
	if out := cast("U3", true); out.Counted {
		t.Fatalf("a vote after the permission was revoked counted: %+v", out)
	}
	e.grants.grant("U3", "DELETE_ACCOUNT")
	// The vote completes the request. The run is this call's unless a
	// worker reconciling the post's votes got to the stored vote first:
	// then the request is still running when the vote returns.
	if out := cast("U3", true); !out.Counted || (out.State != approval.Done && out.State != approval.Running) || out.Approvals != 2 {
		t.Fatalf("the completing vote: %+v", out)
	}
	e.reply(t, ts, "account acme deleted")
	e.drained(t)
	if st := e.state(t, ar.ID); st != approval.Done {
		t.Fatalf("after the run the request is %s, want done", st)
	}
	if n := e.ran("delete"); n != 1 {
		t.Fatalf("ran %d times", n)
	}
	// Once done, a vote is answered with the state and not counted.
	if out := cast("U2", false); out.Counted || out.State != approval.Done {
		t.Fatalf("vote on a finished request: %+v", out)
	}
	hist := strings.Join(e.history(t, ar.ID), " ")
	for _, want := range []string{"approved:U1", "ignored:U4", "approved:U2", "approved:U3", "started", "ran:U1"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history %q lacks %s", hist, want)
		}
	}
}

func TestConsoleRejectionCancels(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{})
	ts, _, ar := e.request(t, "U1", "extend acme trial")
	out, err := p.approvals.Cast(context.Background(), approval.Cast{RequestID: ar.ID, TeamID: "T1", UserID: "U2"})
	must(t, err)
	if !out.Counted || out.State != approval.Rejected {
		t.Fatalf("rejection: %+v", out)
	}
	e.reply(t, ts, "Rejected by <@U2>")
	if e.ran("extend") != 0 {
		t.Fatal("a rejected request ran")
	}
}

func TestConsoleVoteOnAnUnknownRequestOrOtherTeam(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{})
	_, _, ar := e.request(t, "U1", "extend acme trial")
	for _, c := range []approval.Cast{{RequestID: "nope", TeamID: "T1", UserID: "U2", Approve: true},
		{RequestID: ar.ID, TeamID: "T2", UserID: "U2", Approve: true}} {
		if _, err := p.approvals.Cast(context.Background(), c); !errors.Is(err, approval.ErrNotFound) {
			t.Errorf("%+v: %v, want ErrNotFound", c, err)
		}
	}
	if e.state(t, ar.ID) != approval.Pending {
		t.Fatal("a refused vote changed the request")
	}
}

// Concurrent console votes from two processes, and a reaction, complete
// the request once.
func TestConcurrentConsoleVotesRunOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newApprovalEnv(t, db)
		p1 := e.start(t, "p1", procOptions{})
		p2 := e.start(t, "p2", procOptions{})
		ts, post, ar := e.request(t, "U1", "delete account acme")
		e.react(t, "U1", post.TS, approveEmoji)
		e.voted(t, ar.ID, "U1", true)
		var wg sync.WaitGroup
		for i, p := range []*approvalProc{p1, p2, p1, p2} {
			user := []string{"U2", "U3"}[i%2]
			wg.Go(func() {
				if _, err := p.approvals.Cast(context.Background(), approval.Cast{RequestID: ar.ID, TeamID: "T1", UserID: user, Approve: true}); err != nil {
					t.Error(err)
				}
			})
		}
		e.react(t, "U2", post.TS, approveEmoji)
		wg.Wait()
		e.reply(t, ts, "account acme deleted")
		e.drained(t)
		if n := e.ran("delete"); n != 1 {
			t.Fatalf("ran %d times", n)
		}
		if n := e.replies(ts, ". Running `"); n != 1 {
			t.Fatalf("%d approval notes in the thread", n)
		}
	})
}
