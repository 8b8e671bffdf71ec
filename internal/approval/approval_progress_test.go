package approval_test

import (
	"testing"

	"github.com/bastionhq/bastion/store/storetest"
)

// The request post carries no reaction of the bot's (Slack would count
// it with people's) and says, as votes come and go, how many of the
// approvals it needs it has and whose.
func TestApprovalPostShowsProgressAndTheBotDoesNotReact(t *testing.T) {
	e := newApprovalEnv(t, storetest.SQLite(t))
	e.start(t, "p1", procOptions{})
	ts, post, ar := e.request(t, "U1", "delete account acme")
	e.drained(t)
	if rs := e.sb.Reactions("C1", post.TS); len(rs) != 0 {
		t.Fatalf("the bot reacted to its own request post: %+v", rs)
	}
	e.react(t, "U1", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U1", true)
	e.postSays(t, ts, post.TS, "1 of 3 approvals so far: <@U1>.")
	if rs := e.sb.Reactions("C1", post.TS); len(rs) != 1 || len(rs[0].Users) != 1 {
		t.Fatalf("reactions on the post: %+v, want only U1's", rs)
	}
	e.react(t, "U2", post.TS, approveEmoji)
	e.voted(t, ar.ID, "U2", true)
	e.postSays(t, ts, post.TS, "2 of 3 approvals so far: <@U1>, <@U2>.")
	must(t, e.sb.Unreact("T1", "U2", "C1", post.TS, approveEmoji))
	e.voted(t, ar.ID, "U2", false)
	e.postSays(t, ts, post.TS, "1 of 3 approvals so far: <@U1>.")
	e.react(t, "U2", post.TS, approveEmoji)
	e.react(t, "U3", post.TS, approveEmoji)
	e.reply(t, ts, "account acme deleted")
	e.postSays(t, ts, post.TS, "Approved by <@U1>, <@U2>, <@U3> and run.")
}
