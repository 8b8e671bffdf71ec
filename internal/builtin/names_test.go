package builtin_test

import (
	"context"
	"testing"

	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/names"
	"github.com/bastionhq/bastion/store/namesql"
	"github.com/bastionhq/bastion/store/storetest"
)

// Replies name workspaces and enterprises from the directory; users and
// channels stay mentions, which Slack shows by name; an actor of the
// audit log is a mention too.
func TestRepliesSpeakInNames(t *testing.T) {
	ctx := context.Background()
	dir, err := namesql.Open(ctx, storetest.SQLite(t))
	must(t, err)
	must(t, dir.Set(ctx, []names.Entry{
		{Kind: names.Team, ID: demo.TeamMain, Name: "Acme", Source: names.FromCLI},
		{Kind: names.Enterprise, ID: demo.Enterprise, Name: "Acme <Corp>", Source: names.FromCLI},
	}))
	h := newNamedHarness(t, dir)
	out, _ := h.say("UROLES", demo.ChannelGeneral, "whoami")
	contains(t, "whoami", out, "a member in workspace Acme.", "`ROLES_ADMIN` on enterprise Acme &lt;Corp&gt;", "granted by demo-data")
	lacks(t, "whoami", out, "workspace T1", "enterprise E1")
	h.say("UROLES", demo.ChannelGeneral, "grant <@UMEMBER> USERS_ADMIN on workspace")
	out, _ = h.say("UROLES", demo.ChannelGeneral, "audit 1")
	contains(t, "audit", out, "<@UROLES>: granted `USERS_ADMIN` to <@UMEMBER> on workspace Acme")
	lacks(t, "audit", out, "T1/UROLES", "workspace T1")
	// Without a name, the id.
	out, _ = h.sayIn(demo.TeamOther, "USUPPORT", demo.ChannelSupport, "whoami")
	contains(t, "whoami in T2", out, "in workspace T2.")
}
