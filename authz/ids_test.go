package authz_test

import (
	"context"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// Ids are compared byte for byte by the store as by the engine, in a
// database created beforehand with the server's default collation (which
// ignores case on MariaDB): "uch" and "UCH" are two users, in checks of a
// running engine and of a fresh one, in revokes and in the audit log.
func TestIDsCompareByteForByteOnADatabaseCreatedBeforehand(t *testing.T) {
	storetest.EachCreatedBeforehand(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := newDemoEngine(t, db)
		for _, u := range []string{"uch", "UCH"} {
			if _, err := e.SetAccountType(ctx, demo.TeamMain, u, authz.AccountMember, "test"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.Assign(ctx, "uch", "CHANNELS_ADMIN", demo.TeamMain, "test"); err != nil {
			t.Fatal(err)
		}
		for name, eng := range map[string]*authz.Engine{"running": e, "fresh": newEngine(t, db, nil)} {
			wantAllowed(t, check(t, eng, demo.TeamMain, "uch", demo.ChannelGeneral, "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
			if d := check(t, eng, demo.TeamMain, "UCH", demo.ChannelGeneral, "ARCHIVE_CHANNEL"); d.Allowed {
				t.Fatalf("%s engine: UCH allowed by uch's role: %+v", name, d)
			}
		}
		if _, err := e.Revoke(ctx, "UCH", "CHANNELS_ADMIN", demo.TeamMain, "test"); err == nil {
			t.Fatal("revoking UCH's role removed something: UCH holds none")
		}
		wantAllowed(t, check(t, newEngine(t, db, nil), demo.TeamMain, "uch", demo.ChannelGeneral, "ARCHIVE_CHANNEL"), true, authz.RuleAllowIfHasPermission)
		if list, err := e.Assignments(ctx, authz.AssignmentFilter{UserID: "UCH"}); err != nil || len(list) != 0 {
			t.Fatalf("UCH's assignments: %+v %v; want none", list, err)
		}
		changes, err := e.Audit(ctx, authz.ChangeFilter{UserID: "UCH"})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].Kind != authz.ChangeAccountType {
			t.Fatalf("UCH's audit log: %+v; want only their account type", changes)
		}
	})
}
