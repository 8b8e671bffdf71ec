package approval_test

import (
	"context"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestApprovalsZeroOneAndTwo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newApprovalEnv(t, db)
		e.start(t, "p1", procOptions{})

		// Safe: no approvals, it runs at once and posts no request.
		ts := e.ask(t, "U1", "show account acme")
		if got := e.reply(t, ts, "account acme: plan pro"); !strings.Contains(string(got.Blocks), "*account acme: plan pro*") {
			t.Fatalf("a reply with blocks was posted without them: %s", got.Blocks)
		}
		if n := e.replies(ts, "Approval needed"); n != 0 {
			t.Fatalf("a safe command asked for approval")
		}

		// Sensitive: the caller and one other.
		ts, post, ar := e.request(t, "U1", "extend acme trial")
		if ar.Needed != 1 || !strings.Contains(post.Text, "would extend the trial of acme by 14 days") ||
			!strings.Contains(post.Text, "<@U1> and 1 other person with EXTEND_TRIAL") {
			t.Fatalf("request %+v posted as:\n%s", ar, post.Text)
		}
		e.react(t, "U1", post.TS, approveEmoji)
		e.voted(t, ar.ID, "U1", true)
		if e.ran("extend") != 0 {
			t.Fatal("ran on the caller's approval alone")
		}
		e.react(t, "U2", post.TS, approveEmoji)
		e.reply(t, ts, "trial of acme extended")
		if got := e.reply(t, ts, "Approved by"); !strings.Contains(got.Text, "<@U1>, <@U2>") {
			t.Fatalf("approval note = %q", got.Text)
		}

		// Destructive by count: the caller and two others. Others first:
		// without the caller it does not run.
		ts, post, ar = e.request(t, "U1", "delete account acme")
		if ar.Needed != 2 || !strings.Contains(post.Text, "would delete account acme and its 3 users") {
			t.Fatalf("request %+v posted as:\n%s", ar, post.Text)
		}
		e.react(t, "U2", post.TS, approveEmoji)
		e.react(t, "U3", post.TS, approveEmoji)
		e.voted(t, ar.ID, "U2", true)
		e.voted(t, ar.ID, "U3", true)
		if e.ran("delete") != 0 || e.state(t, ar.ID) != approval.Pending {
			t.Fatal("ran without the caller's approval")
		}
		e.react(t, "U1", post.TS, approveEmoji)
		// The handler hears who approved, the caller first, and replies
		// with blocks in the request's thread.
		if got := e.reply(t, ts, "account acme deleted"); !strings.Contains(got.Text, "approved by U1 U2 U3") ||
			!strings.Contains(string(got.Blocks), "approved by U1 U2 U3") {
			t.Fatalf("run after approvals replied %q with blocks %s", got.Text, got.Blocks)
		}
		e.drained(t)
		if e.ran("delete") != 1 || e.ran("extend") != 1 || e.state(t, ar.ID) != approval.Done {
			t.Fatalf("runs = %v, state %s", e.runs, e.state(t, ar.ID))
		}

		// The audit trail: request, each vote with who, the execution.
		want := []string{"requested:U1", "approved:U2", "approved:U3", "approved:U1", "started", "ran:U1"}
		if got := e.history(t, ar.ID); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("history = %v, want %v", got, want)
		}
		invs, err := e.store.RecentInvocations(context.Background(), "T1", 20)
		must(t, err)
		var verdicts []router.Verdict
		for _, inv := range invs {
			if inv.MessageTS == ts {
				verdicts = append(verdicts, inv.Verdict)
				if inv.Verdict == router.Ran && (inv.Result != "ok" || inv.Reason != "approved by U1, U2, U3") {
					t.Fatalf("execution record = %+v", inv)
				}
			}
		}
		if len(verdicts) != 2 || !slices.Contains(verdicts, router.Pending) || !slices.Contains(verdicts, router.Ran) {
			t.Fatalf("audit verdicts of the request = %v", verdicts)
		}
		// The request post now says how it ended.
		e.postSays(t, ts, post.TS, "Approved by <@U1>, <@U2>, <@U3> and run.")
	})
}

func TestApprovalsSelfAndIneligibleVotesDoNotCount(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	e.start(t, "p1", procOptions{})
	ts, post, ar := e.request(t, "U1", "extend acme trial")
	e.react(t, "U1", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U1", true)
	// U4 holds no EXTEND_TRIAL: told so, not counted.
	e.react(t, "U4", post.TS, approveEmoji)
	e.reply(t, ts, "<@U4>'s approval does not count: approvers need EXTEND_TRIAL in this channel")
	e.drained(t)
	if e.ran("extend") != 0 || e.state(t, ar.ID) != approval.Pending {
		t.Fatal("ran on a self-approval plus an ineligible one")
	}
	// An ineligible rejection does not cancel either.
	e.react(t, "U4", post.TS, rejectEmoji)
	e.reply(t, ts, "<@U4>'s rejection does not count")
	e.drained(t)
	if e.state(t, ar.ID) != approval.Pending {
		t.Fatal("an ineligible rejection cancelled the request")
	}
	e.react(t, "U2", post.TS, approveEmoji)
	e.reply(t, ts, "trial of acme extended")
	if got := e.history(t, ar.ID); !contains(got, "ignored:U4") {
		t.Fatalf("history = %v", got)
	}
}

func TestApprovalsPermissionRevokedBeforeApproval(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	e.start(t, "p1", procOptions{})
	ts, post, ar := e.request(t, "U1", "extend acme trial")
	e.react(t, "U1", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U1", true)
	e.grants.revoke("U2", "EXTEND_TRIAL")
	e.react(t, "U2", post.TS, approveEmoji)
	e.reply(t, ts, "<@U2>'s approval does not count")
	e.drained(t)
	if e.ran("extend") != 0 {
		t.Fatal("counted an approver whose permission was revoked")
	}
	e.react(t, "U3", post.TS, approveEmoji)
	e.reply(t, ts, "trial of acme extended")
	if got := e.reply(t, ts, "Approved by"); strings.Contains(got.Text, "U2") {
		t.Fatalf("approvers = %q", got.Text)
	}

	// A caller who loses the command's permission before the approvals
	// are in is refused when it would run.
	ts, post, ar = e.request(t, "U1", "extend other trial")
	e.react(t, "U1", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U1", true)
	e.grants.revoke("U1", "EXTEND_TRIAL")
	e.react(t, "U3", post.TS, approveEmoji)
	e.reply(t, ts, "Not run: <@U1> no longer holds EXTEND_TRIAL here.")
	e.drained(t)
	if e.ran("extend") != 1 || e.state(t, ar.ID) != approval.Failed {
		t.Fatalf("runs %d, state %s", e.ran("extend"), e.state(t, ar.ID))
	}
}

func TestApprovalsWithdrawal(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{})
	ts, post, ar := e.request(t, "U1", "extend acme trial")
	e.react(t, "U2", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U2", true)
	must(t, e.sb.Unreact("T1", "U2", "C1", post.TS, approveEmoji))
	e.voted(t, ar.ID, "U2", false)
	e.react(t, "U1", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U1", true)
	if e.ran("extend") != 0 {
		t.Fatal("ran on a withdrawn approval")
	}
	// `approvals` lists it with the votes that count.
	lts := e.ask(t, "U1", "approvals")
	if got := e.reply(t, lts, "Waiting for approvals here"); !strings.Contains(got.Text, ar.ID) ||
		!strings.Contains(got.Text, "caller's approval given, others 0 of 1") {
		t.Fatalf("approvals listing = %q", got.Text)
	}
	_ = p
	e.react(t, "U2", post.TS, approveEmoji)
	e.reply(t, ts, "trial of acme extended")
	if got := e.history(t, ar.ID); !contains(got, "withdrawn:U2") {
		t.Fatalf("history = %v", got)
	}
}

func TestApprovalsRejection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newApprovalEnv(t, db)
		e.start(t, "p1", procOptions{})
		ts, post, ar := e.request(t, "U1", "extend acme trial")
		e.react(t, "U1", post.TS, approveEmoji)
		e.voted(t, ar.ID, "U1", true)
		e.react(t, "U2", post.TS, rejectEmoji)
		e.reply(t, ts, "Rejected by <@U2>")
		e.react(t, "U3", post.TS, approveEmoji)
		e.drained(t)
		if e.ran("extend") != 0 || e.state(t, ar.ID) != approval.Rejected {
			t.Fatalf("after rejection: runs %d, state %s", e.ran("extend"), e.state(t, ar.ID))
		}
		// The caller may cancel too.
		ts, post, ar = e.request(t, "U1", "extend other trial")
		e.react(t, "U1", post.TS, rejectEmoji)
		e.reply(t, ts, "Rejected by <@U1>")
		e.eventually(t, "rejection in the audit log", func() bool {
			invs, err := e.store.RecentInvocations(context.Background(), "T1", 10)
			must(t, err)
			for _, inv := range invs {
				if inv.MessageTS == ts && inv.Verdict == approval.VerdictRejected && inv.Reason == "rejected by U1" {
					return true
				}
			}
			return false
		})
	})
}

func TestApprovalsExpire(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{})
	ts, post, ar := e.request(t, "U1", "extend acme trial")
	e.react(t, "U1", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U1", true)
	if n, err := p.approvals.ExpireDue(context.Background(), e.clock.Now()); err != nil || n != 0 {
		t.Fatalf("expired %d early, %v", n, err)
	}
	e.clock.Add(time.Hour + time.Second)
	if n, err := p.approvals.ExpireDue(context.Background(), e.clock.Now()); err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	e.reply(t, ts, "This request expired after 1h0m0s")
	e.react(t, "U2", post.TS, approveEmoji)
	e.drained(t)
	if e.ran("extend") != 0 || e.state(t, ar.ID) != approval.Expired {
		t.Fatal("ran after expiry")
	}

	// A vote arriving after the deadline expires the request too, without
	// waiting for the periodic sweep.
	ts, post, ar = e.request(t, "U1", "extend other trial")
	e.clock.Add(2 * time.Hour)
	e.react(t, "U1", post.TS, approveEmoji)
	e.reply(t, ts, "This request expired")
	if e.state(t, ar.ID) != approval.Expired {
		t.Fatal("not expired at vote time")
	}
}

func TestApprovalsConcurrentDuplicateReactionsRunOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newApprovalEnv(t, db)
		// Two processes with two workers each take the same queue.
		p1 := e.start(t, "p1", procOptions{workers: 2})
		p2 := e.start(t, "p2", procOptions{workers: 2})
		ts, post, ar := e.request(t, "U1", "delete account acme")
		e.react(t, "U1", post.TS, approveEmoji)
		e.react(t, "U2", post.TS, approveEmoji)
		e.voted(t, ar.ID, "U2", true)
		// The last approval, delivered three more times under other event
		// ids as Slack does, while both processes also look at the post
		// directly.
		e.react(t, "U3", post.TS, approveEmoji)
		ev := map[string]any{"type": "reaction_added", "user": "U3", "reaction": approveEmoji,
			"item": map[string]any{"type": "message", "channel": "C1", "ts": post.TS}, "event_ts": post.TS}
		for range 3 {
			must(t, e.sb.Emit("T1", ev))
		}
		var wg sync.WaitGroup
		for _, p := range []*approvalProc{p1, p2, p1, p2} {
			wg.Go(func() {
				err := p.approvals.HandleReaction(context.Background(), slackbot.ReactionEvent{TeamID: "T1", UserID: "U3",
					Reaction: approveEmoji, ChannelID: "C1", MessageTS: post.TS, Added: true})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		e.reply(t, ts, "account acme deleted")
		e.drained(t)
		if n := e.ran("delete"); n != 1 {
			t.Fatalf("ran %d times", n)
		}
		if n := e.replies(ts, "account acme deleted"); n != 1 {
			t.Fatalf("%d results in the thread", n)
		}
		if n := e.replies(ts, ". Running `"); n != 1 {
			t.Fatalf("%d approval notes in the thread", n)
		}
	})
}

func TestApprovalsSurviveRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newApprovalEnv(t, db)
		p1 := e.start(t, "p1", procOptions{})
		ts, post, ar := e.request(t, "U1", "extend acme trial")
		e.react(t, "U1", post.TS, approveEmoji)
		e.voted(t, ar.ID, "U1", true)
		p1.stop()

		// A new process: new router, gate and workers on the same store.
		e.start(t, "p2", procOptions{})
		lts := e.ask(t, "U2", "approvals")
		if got := e.reply(t, lts, "Waiting for approvals here"); !strings.Contains(got.Text, ar.ID) {
			t.Fatalf("listing after restart = %q", got.Text)
		}
		e.react(t, "U2", post.TS, approveEmoji)
		e.reply(t, ts, "trial of acme extended")
		e.drained(t)
		if n := e.ran("extend"); n != 1 {
			t.Fatalf("ran %d times", n)
		}
	})
}

func TestApprovalsRecheckReactionsBeforeRunning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newApprovalEnv(t, db)
		p := e.start(t, "p1", procOptions{})
		ts, post, ar := e.request(t, "U1", "extend acme trial")
		e.react(t, "U1", post.TS, approveEmoji)
		e.voted(t, ar.ID, "U1", true)
		// A worker read U2's ✅, U2 removed it, and another worker handled
		// the removal before the first stored the approval: the store
		// holds a vote the post no longer shows.
		_, err := e.store.AddApprovalVote(context.Background(), ar.ID, approval.Vote{UserID: "U2", Kind: approval.VoteApprove, Via: "reaction", At: e.clock.Now()})
		must(t, err)
		must(t, p.approvals.TryStart(context.Background(), ar.ID))
		if e.ran("extend") != 0 || e.state(t, ar.ID) != approval.Pending {
			t.Fatalf("ran on a withdrawn approval: state %s", e.state(t, ar.ID))
		}
		if got := e.history(t, ar.ID); !contains(got, "withdrawn:U2") {
			t.Fatalf("history = %v", got)
		}
		e.react(t, "U3", post.TS, approveEmoji)
		e.reply(t, ts, "trial of acme extended")
		if got := e.reply(t, ts, "Approved by"); strings.Contains(got.Text, "U2") {
			t.Fatalf("approvers = %q", got.Text)
		}
	})
}

func TestApprovalsRunSweepsExpiredRequests(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{})
	ts, _, ar := e.request(t, "U1", "delete account acme")
	e.clock.Add(61 * time.Minute)
	e.runUntilReply(t, p, ts, "This request expired after 1h0m0s")
	if e.state(t, ar.ID) != approval.Expired {
		t.Fatal("not expired")
	}
	if got := e.history(t, ar.ID); got[len(got)-1] != "expired" {
		t.Fatalf("history = %v", got)
	}
}

func TestApprovalsAreNotOpenedInDirectMessages(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	e.start(t, "p1", procOptions{})
	ts, err := e.sb.PostAsUser("T1", "D1", "U1", "extend acme trial")
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), approvalWait)
	defer cancel()
	must(t, e.sb.WaitFor(ctx, func() bool {
		for _, m := range botReplies(e.sb.Thread("D1", ts)) {
			// The router refuses a command that needs a permission (roles
			// grant none in a DM); the gate refuses any other.
			if strings.Contains(m.Text, "does not run in a direct message") || strings.Contains(m.Text, "who cannot see a direct message: ask in a channel") {
				return true
			}
		}
		return false
	}))
	list, err := e.store.ListApprovals(context.Background(), approval.Filter{})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("opened %+v", list)
	}
}
