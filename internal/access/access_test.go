package access_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/internal/access"
	"github.com/bastionhq/bastion/internal/approval"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

const ask2h = "request BACKOFFICE_OPERATOR on <#" + channel + "|backoffice> for 2h because INC-4211"

// TestRequestApprovedAtTheSameMomentGrantsOnce: the requester's own
// approval never counts, an approver without ASSIGN_ROLES does not
// count, and two eligible approvals at the same moment, taken by
// different processes, grant once.
func TestRequestApprovedAtTheSameMomentGrantsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.start(t, "p1", 2)
		e.start(t, "p2", 2)
		ts, post, id := e.request(t, ask2h)
		for _, want := range []string{"<@" + rita + ">", "<@" + pia + ">", "because: INC-4211", "with ASSIGN_ROLES in this channel", "not <@" + mia + ">"} {
			if !strings.Contains(post.Text, want) {
				t.Fatalf("request post lacks %q:\n%s", want, post.Text)
			}
		}
		if strings.Contains(post.Text, "<@"+ada+">") {
			t.Fatalf("the post names ada, who cannot approve:\n%s", post.Text)
		}
		e.react(t, mia, post.TS, "white_check_mark")
		e.react(t, ada, post.TS, "white_check_mark")
		e.reply(t, ts, "<@"+ada+">'s approval does not count")
		e.drained(t)
		if w := e.granter.writes(); len(w) != 0 || e.miaMayExtend(t) {
			t.Fatalf("granted on the requester's and an ineligible vote: %+v", w)
		}
		var wg sync.WaitGroup
		for _, u := range []string{rita, pia} {
			wg.Go(func() { e.react(t, u, post.TS, "white_check_mark") })
		}
		wg.Wait()
		e.reply(t, ts, "Granted `BACKOFFICE_OPERATOR` to <@"+mia+">")
		e.drained(t)
		writes := e.granter.writes()
		if len(writes) != 1 || e.replies(ts, "Granted") != 1 {
			t.Fatalf("%d grant writes, %d Granted replies; want 1 and 1:%s", len(writes), e.replies(ts, "Granted"), threadText(e.sb.Thread(channel, ts)))
		}
		w := writes[0]
		if w.Reason != "INC-4211" || w.RequestID != id || !w.Until.Equal(e.clock.Now().Add(2*time.Hour)) || len(w.Approvers) == 0 || slices.Contains(w.Approvers, mia) {
			t.Fatalf("grant write = %+v", w)
		}
		if !e.miaMayExtend(t) {
			t.Fatal("mia cannot use the role she was granted")
		}
		g, err := e.grants.Grant(context.Background(), access.GrantID(team, mia, "BACKOFFICE_OPERATOR", channel))
		must(t, err)
		if g.State != access.Active || g.Reason != "INC-4211" || !g.EndsAt.Equal(w.Until) {
			t.Fatalf("grant record = %+v", g)
		}
	})
}

// TestReminderOnceThenEnd: the grant's holder is reminded once, however
// many processes sweep at the same moment, and the thread hears of the
// end once.
func TestReminderOnceThenEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		p1, p2 := e.start(t, "p1", 1), e.start(t, "p2", 1)
		ts := e.granted(t)
		ctx := context.Background()
		my := e.ask(t, mia, "my access")
		e.reply(t, my, "`BACKOFFICE_OPERATOR` on <#"+channel+"> until 16:00 UTC (2h left), because: INC-4211")
		// Nothing is due before the last fifteen minutes.
		e.clock.Add(time.Hour + 44*time.Minute)
		if n, err := p1.access.RemindDue(ctx, e.clock.Now()); err != nil || n != 0 {
			t.Fatalf("reminders 16 minutes before the end = %d, %v", n, err)
		}
		e.clock.Add(time.Minute)
		total := sweepTogether(t, e.clock.Now(), p1.access.RemindDue, p2.access.RemindDue)
		if total != 1 {
			t.Fatalf("%d reminders sent by two processes at once, want 1", total)
		}
		rem := e.reply(t, ts, "<@"+mia+">, your `BACKOFFICE_OPERATOR` on <#"+channel+"> ends at 16:00 UTC, in 15m.")
		if !strings.Contains(rem.Text, "Extend adds 2h at once") {
			t.Fatalf("reminder = %q", rem.Text)
		}
		if n := sweepTogether(t, e.clock.Now(), p1.access.RemindDue, p2.access.RemindDue); n != 0 || e.replies(ts, "ends at 16:00") != 1 {
			t.Fatalf("a second sweep reminded %d more times; thread:%s", n, threadText(e.sb.Thread(channel, ts)))
		}
		if n := sweepTogether(t, e.clock.Now(), p1.access.EndDue, p2.access.EndDue); n != 0 {
			t.Fatalf("%d ends told before the end", n)
		}
		if !e.miaMayExtend(t) {
			t.Fatal("mia lost the role before its end")
		}
		e.clock.Add(15 * time.Minute)
		// The engine ends it at its end, before anything is swept or told.
		if e.miaMayExtend(t) {
			t.Fatal("mia still holds the role at its end")
		}
		if n := sweepTogether(t, e.clock.Now(), p1.access.EndDue, p2.access.EndDue); n != 1 {
			t.Fatalf("%d ends told by two processes at once, want 1", n)
		}
		e.reply(t, ts, "`BACKOFFICE_OPERATOR` of <@"+mia+"> on <#"+channel+"> ended at 16:00 UTC.")
		my = e.ask(t, mia, "my access")
		e.reply(t, my, "You hold no role for a while.")
	})
}

// TestReminderOnceUnderContention repeats the two-process reminder sweep
// over many grants at once: each is reminded of exactly once.
func TestReminderOnceUnderContention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		p1, p2 := e.start(t, "p1", 1), e.start(t, "p2", 1)
		ctx := context.Background()
		now := e.clock.Now()
		const n = 40
		thread := e.ask(t, mia, "grants for load")
		for i := range n {
			user := "UGEN" + string(rune('A'+i%26)) + string(rune('A'+i/26))
			must(t, e.grants.PutGrant(ctx, access.Grant{ID: access.GrantID(team, user, "BACKOFFICE_OPERATOR", channel), TeamID: team, UserID: user,
				Role: "BACKOFFICE_OPERATOR", EntityID: channel, ChannelID: channel, ThreadTS: thread, RequestID: "r", Reason: "load",
				Duration: time.Hour, StartsAt: now, EndsAt: now.Add(10 * time.Minute), State: access.Active}))
		}
		if got := sweepTogether(t, now, p1.access.RemindDue, p2.access.RemindDue); got != n {
			t.Fatalf("%d reminders for %d grants", got, n)
		}
		e.eventually(t, "every reminder posted", func() bool { return e.replies(thread, "ends at") >= n })
		if got := e.replies(thread, "ends at"); got != n {
			t.Fatalf("%d reminder posts for %d grants", got, n)
		}
	})
}

// sweepTogether runs the sweeps at the same moment and sums what they did.
func sweepTogether(t *testing.T, now time.Time, sweeps ...func(context.Context, time.Time) (int, error)) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	start := make(chan struct{})
	for _, s := range sweeps {
		wg.Go(func() {
			<-start
			n, err := s(context.Background(), now)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return total
}

// granted has mia ask for two hours and rita approve; it returns the
// thread.
func (e *env) granted(t *testing.T) string {
	t.Helper()
	ts, post, _ := e.request(t, ask2h)
	e.react(t, rita, post.TS, "white_check_mark")
	e.reply(t, ts, "Granted `BACKOFFICE_OPERATOR` to <@"+mia+"> on <#"+channel+"> until 16:00 UTC (2h from now), approved by <@"+rita+">. Reason: INC-4211")
	e.drained(t)
	return ts
}

// TestRejectedAndExpiredRequestsGrantNothing: an eligible ❌ rejects,
// and a request nobody approves expires.
func TestRejectedAndExpiredRequestsGrantNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		p := e.start(t, "p1", 1)
		ts, post, id := e.request(t, ask2h)
		e.react(t, pia, post.TS, "x")
		e.reply(t, ts, "Rejected by <@"+pia+">")
		ts2, _, id2 := e.request(t, "request BACKOFFICE_OPERATOR on here for 30m because INC-4212")
		// Events still queued (the bot's own reactions) would expire it
		// first once the clock moves.
		e.drained(t)
		e.clock.Add(approval.DefaultTTL)
		if n, err := p.approvals.ExpireDue(context.Background(), e.clock.Now()); err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		e.reply(t, ts2, "This request expired")
		for _, r := range []string{id, id2} {
			ar, err := e.bot.Approval(context.Background(), r)
			must(t, err)
			if ar.State != approval.Rejected && ar.State != approval.Expired {
				t.Fatalf("request %s is %s", r, ar.State)
			}
		}
		if w := e.granter.writes(); len(w) != 0 || e.miaMayExtend(t) {
			t.Fatalf("granted after a rejection and an expiry: %+v", w)
		}
	})
}

// TestRequestsTheRolesFileRefuses: what the policy does not allow is
// refused with a reason and opens nothing.
func TestRequestsTheRolesFileRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.start(t, "p1", 1)
		for text, want := range map[string]string{
			"request ROLES_ADMIN on here for 1h because curious":               "`ROLES_ADMIN` cannot be requested for a while. Roles that can: `BACKOFFICE_OPERATOR`.",
			"request BACKOFFICE_OPERATOR on here for 9h because INC-1":         "`BACKOFFICE_OPERATOR` can be requested for at most 8h; you asked for 9h.",
			"request BACKOFFICE_OPERATOR on <#C999> for 1h because INC-1":      "The permission service does not know <#C999>.",
			"request BACKOFFICE_OPERATOR on <#" + demo4 + "> for 1h because x": "is not part of this workspace.",
			"request BACKOFFICE_OPERATOR on moon for 1h because x":             "is not a channel, `here` or `workspace`.",
		} {
			ts := e.ask(t, mia, text)
			e.reply(t, ts, want)
		}
		// Ada holds the role on the workspace for good: a grant with an
		// end there would end it.
		ts := e.ask(t, ada, "request BACKOFFICE_OPERATOR on workspace for 1h because x")
		e.reply(t, ts, "<@"+ada+"> holds `BACKOFFICE_OPERATOR` on workspace T1 already, with no end: nothing to request.")
		e.drained(t)
		list, err := e.bot.ListApprovals(context.Background(), approval.Filter{})
		must(t, err)
		if len(list) != 0 || len(e.granter.writes()) != 0 {
			t.Fatalf("refused requests opened %d approvals, wrote %d grants", len(list), len(e.granter.writes()))
		}
	})
}

// demo4 is #support, in the other workspace.
const demo4 = "C4"

// TestExtendAloneWithinTheMaximumThenByRequest: the holder's Extend adds
// the duration at once while the whole grant stays within the maximum,
// once per button; past it, Extend opens a request approved as before.
func TestExtendAloneWithinTheMaximumThenByRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		p := e.start(t, "p1", 2)
		ctx := context.Background()
		ts, post, _ := e.request(t, "request BACKOFFICE_OPERATOR on here for 4h because INC-7")
		e.react(t, rita, post.TS, "white_check_mark")
		e.reply(t, ts, "Granted")
		e.drained(t)
		e.clock.Add(3*time.Hour + 50*time.Minute)
		_, err := p.access.RemindDue(ctx, e.clock.Now())
		must(t, err)
		rem := e.reply(t, ts, "Extend adds 4h at once")
		// Someone else's click does nothing but say so.
		must(t, e.sb.Click(team, pia, channel, rem.TS, access.ExtendActionID))
		e.reply(t, ts, "only <@"+mia+"> can extend")
		must(t, e.sb.Click(team, mia, channel, rem.TS, access.ExtendActionID))
		must(t, e.sb.Click(team, mia, channel, rem.TS, access.ExtendActionID))
		e.reply(t, ts, "<@"+mia+"> extended `BACKOFFICE_OPERATOR` on <#"+channel+"> by 4h: it now ends at 22:00 UTC.")
		e.reply(t, ts, "was extended already: it ends at 22:00 UTC")
		e.drained(t)
		if n := e.replies(ts, "extended `BACKOFFICE_OPERATOR`"); n != 1 {
			t.Fatalf("%d self-extensions from one button", n)
		}
		// 8h held, the maximum: Extend is a new request.
		e.clock.Add(4 * time.Hour)
		_, err = p.access.RemindDue(ctx, e.clock.Now())
		must(t, err)
		rem = e.reply(t, ts, "Extend asks again for 4h")
		must(t, e.sb.Click(team, mia, channel, rem.TS, access.ExtendActionID))
		ext := e.reply(t, ts, "asks to extend their grant ending at 22:00 UTC:")
		e.eventually(t, "extension request posted", func() bool {
			ar, err := e.bot.Approval(ctx, approval.ID(team, channel, rem.TS))
			return err == nil && ar.PostTS == ext.TS
		})
		e.react(t, pia, ext.TS, "white_check_mark")
		e.reply(t, ts, "Extended `BACKOFFICE_OPERATOR` to <@"+mia+"> on <#"+channel+"> until Dec 3 02:00 UTC (4h10m from now), approved by <@"+pia+">")
		g, err := e.grants.Grant(ctx, access.GrantID(team, mia, "BACKOFFICE_OPERATOR", channel))
		must(t, err)
		if want := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC); !g.EndsAt.Equal(want) {
			t.Fatalf("grant ends at %s, want %s", g.EndsAt, want)
		}
	})
}

// TestAuditRecordHasReasonAndEveryApprover: with two approvals needed,
// the engine's audit entry of the grant carries the reason, the
// requester, both approvers and the request.
func TestAuditRecordHasReasonAndEveryApprover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		pol, _ := e.catalog.RequestPolicyOf("BACKOFFICE_OPERATOR")
		pol.Approvals = 2
		e.catalog.Requests["BACKOFFICE_OPERATOR"] = pol
		e.start(t, "p1", 2)
		ts, post, id := e.request(t, ask2h)
		if !strings.Contains(post.Text, "Approval needed from 2 other people") {
			t.Fatalf("post = %q", post.Text)
		}
		e.react(t, rita, post.TS, "white_check_mark")
		e.eventually(t, "rita's vote", func() bool {
			votes, err := e.bot.ApprovalVotes(context.Background(), id)
			must(t, err)
			return len(votes) == 2
		})
		if len(e.granter.writes()) != 0 {
			t.Fatal("granted with one approval of two")
		}
		e.react(t, pia, post.TS, "white_check_mark")
		e.reply(t, ts, "Granted")
		changes, err := e.engine.Audit(context.Background(), authz.ChangeFilter{UserID: mia, Kind: authz.ChangeAssign})
		must(t, err)
		if len(changes) != 1 {
			t.Fatalf("%d assignment changes for mia, want 1: %+v", len(changes), changes)
		}
		c := changes[0]
		for _, want := range []string{"INC-4211", "requested by " + mia, "approved by " + pia + ", " + rita, "access request " + id, `"expires_at"`} {
			if !strings.Contains(c.After, want) {
				t.Fatalf("audit entry lacks %q: %+v", want, c)
			}
		}
		if c.Actor != team+"/"+pia && c.Actor != team+"/"+rita {
			t.Fatalf("audit actor = %q, want an approver", c.Actor)
		}
	})
}

// TestApproverWhoLostThePermissionDoesNotCount: eligibility is asked at
// the moment of the vote, not when the request opened.
func TestApproverWhoLostThePermissionDoesNotCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.start(t, "p1", 1)
		ts, post, _ := e.request(t, ask2h)
		if !strings.Contains(post.Text, "<@"+rita+">") {
			t.Fatalf("rita is not named as an approver:\n%s", post.Text)
		}
		_, err := e.engine.Revoke(context.Background(), rita, "ROLES_ADMIN", "E1", "test")
		must(t, err)
		e.react(t, rita, post.TS, "white_check_mark")
		e.reply(t, ts, "<@"+rita+">'s approval does not count: approvers need ASSIGN_ROLES in this channel.")
		e.drained(t)
		if len(e.granter.writes()) != 0 || e.miaMayExtend(t) {
			t.Fatal("granted on the vote of someone who lost ASSIGN_ROLES")
		}
		e.react(t, pia, post.TS, "white_check_mark")
		e.reply(t, ts, "Granted")
	})
}
