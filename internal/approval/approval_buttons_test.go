package approval_test

import (
	"context"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/internal/router"
	"github.com/bastionhq/bastion/internal/slackbot"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/sandbox"
	"github.com/bastionhq/bastion/store/botsql"
	"github.com/bastionhq/bastion/store/storetest"
)

// noReactionScopes is a workspace that granted neither reactions:read nor
// reactions:write.
var noReactionScopes = []string{"chat:write", "app_mentions:read"}

func TestApprovalsFallBackToButtons(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{scopes: noReactionScopes})
	ts, post, ar := e.request(t, "U1", "extend acme trial")
	if ar.Mode != approval.ByButton || !strings.Contains(string(post.Blocks), approval.ApproveActionID) {
		t.Fatalf("mode %s, blocks %s", ar.Mode, post.Blocks)
	}
	click := func(user, action string) {
		t.Helper()
		must(t, e.sb.Click("T1", user, "C1", post.TS, action))
	}
	// The same rules as reactions: an ineligible click is refused, a
	// withdrawn approval does not count, the caller alone is not enough.
	click("U4", approval.ApproveActionID)
	e.reply(t, ts, "<@U4>'s approval does not count")
	click("U2", approval.ApproveActionID)
	e.reply(t, ts, "<@U2> approved.")
	click("U2", approval.WithdrawActionID)
	e.reply(t, ts, "<@U2> withdrew their approval.")
	click("U1", approval.ApproveActionID)
	e.voted(t, ar.ID, "U1", true)
	if e.ran("extend") != 0 {
		t.Fatal("ran on the caller's approval and a withdrawn one")
	}
	click("U2", approval.ApproveActionID)
	e.reply(t, ts, "trial of acme extended")
	// The post lost its buttons.
	e.eventually(t, "buttons removed", func() bool {
		m := findMessage(e.sb.Messages("C1"), post.TS)
		return strings.Contains(m.Text, "and run.") && !strings.Contains(string(m.Blocks), approval.ApproveActionID)
	})
	// A click from a stale rendering after the run changes nothing.
	err := p.approvals.HandleAction(context.Background(), slackbot.ActionEvent{TeamID: "T1", UserID: "U3", ChannelID: "C1",
		MessageTS: post.TS, ActionID: approval.ApproveActionID, Value: ar.ID, ActionTS: "1.1"})
	must(t, err)
	e.drained(t)
	if n := e.ran("extend"); n != 1 {
		t.Fatalf("ran %d times", n)
	}

	// Reject by button.
	ts, post, ar = e.request(t, "U1", "extend other trial")
	must(t, e.sb.Click("T1", "U3", "C1", post.TS, approval.RejectActionID))
	e.reply(t, ts, "Rejected by <@U3>")
	if e.state(t, ar.ID) != approval.Rejected {
		t.Fatal("not rejected")
	}
}

func TestApprovalsWithoutButtonsSayWhatToReinstallWith(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	e.start(t, "p1", procOptions{scopes: noReactionScopes, noButtons: true})
	ts := e.ask(t, "U1", "extend acme trial")
	got := e.reply(t, ts, "Could not open the approval request")
	if !strings.Contains(got.Text, "reactions:read, reactions:write") || !strings.Contains(got.Text, "reinstall the app") {
		t.Fatalf("reply = %q", got.Text)
	}
	e.drained(t)
	if e.ran("extend") != 0 {
		t.Fatal("ran")
	}
}

func findMessage(msgs []sandbox.Message, ts string) sandbox.Message {
	for _, m := range msgs {
		if m.TS == ts {
			return m
		}
	}
	return sandbox.Message{}
}

func TestRiskPolicyIsASetting(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	p := e.start(t, "p1", procOptions{})
	must(t, p.router.SetRiskPolicy(router.RiskPolicy{Safe: 0, Sensitive: 0, Destructive: 2}))
	ts := e.ask(t, "U1", "extend acme trial")
	e.reply(t, ts, "trial of acme extended")
	must(t, p.router.SetRiskPolicy(router.RiskPolicy{Safe: 0, Sensitive: 3, Destructive: 3}))
	_, _, ar := e.request(t, "U1", "extend acme trial")
	if ar.Needed != 3 {
		t.Fatalf("needed = %d, want the policy's 3", ar.Needed)
	}
	// Approvals: 2 on an unrated command is not changed by the policy.
	_, _, ar = e.request(t, "U1", "delete account acme")
	if ar.Needed != 2 {
		t.Fatalf("needed = %d, want the command's 2", ar.Needed)
	}
	if err := p.router.SetRiskPolicy(router.RiskPolicy{Sensitive: -1}); err == nil {
		t.Fatal("accepted a negative count")
	}
}

func TestNewApprovalsChecksOptions(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	r := router.New(router.Options{})
	chat := slackbot.NewSlackChat("xoxb-none", slackbot.SlackChatOptions{APIURL: e.sb.APIURL()})
	if _, err := approval.New(approval.Options{Router: r, Chat: chat}); err == nil {
		t.Fatal("accepted a missing store")
	}
	if _, err := approval.New(approval.Options{Store: e.store, Router: r, Chat: chat, ApproveEmoji: "ok", RejectEmoji: "ok"}); err == nil {
		t.Fatal("accepted the same emoji for approve and reject")
	}
	first, again, other := approval.ID("T1", "C1", "1.1"), approval.ID("T1", "C1", "1.1"), approval.ID("T1", "C1", "1.2")
	if first != again || other == first {
		t.Fatal("approval ids are not one per message")
	}
}

// lateRecord is a store that holds SetApprovalPost until release closes,
// so that clicks can arrive between the post and its record.
type lateRecord struct {
	*botsql.Store
	release chan struct{}
}

func (s lateRecord) SetApprovalPost(ctx context.Context, id, postTS string) error {
	<-s.release
	return s.Store.SetApprovalPost(ctx, id, postTS)
}

// A click on the request's post counts even when it arrives before the
// post is recorded: people click as soon as the buttons appear.
func TestAClickBeforeThePostIsRecordedCounts(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	late := lateRecord{Store: e.store, release: make(chan struct{})}
	e.start(t, "p1", procOptions{scopes: noReactionScopes, workers: 2, store: late})
	ts := e.ask(t, "U1", "extend acme trial")
	post := e.reply(t, ts, "Approval needed")
	must(t, e.sb.Click("T1", "U2", "C1", post.TS, approval.ApproveActionID))
	e.reply(t, ts, "<@U2> approved.")
	close(late.release)
	e.postSays(t, ts, post.TS, "1 of 2 approvals so far")
	must(t, e.sb.Click("T1", "U1", "C1", post.TS, approval.ApproveActionID))
	e.reply(t, ts, "trial of acme extended")
	if n := e.ran("extend"); n != 1 {
		t.Fatalf("ran %d times", n)
	}
}
