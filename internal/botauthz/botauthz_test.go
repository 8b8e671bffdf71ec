package botauthz_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/authz/rolesfile"
	"github.com/bastionhq/bastion/internal/botauthz"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestAuthorizerAsksTheEngine(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	st, err := authzsql.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	e, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, e); err != nil {
		t.Fatal(err)
	}
	a := botauthz.New(e)
	d, err := a.CheckPermission(ctx, demo.TeamMain, "UOPS", demo.ChannelBackoffice, "EXTEND_TRIAL")
	if err != nil || !d.Allowed || !strings.Contains(d.Reason, "BACKOFFICE_OPERATOR") {
		t.Fatalf("operator in #backoffice: %+v %v", d, err)
	}
	d, err = a.CheckPermission(ctx, demo.TeamMain, "UOPS", demo.ChannelGeneral, "EXTEND_TRIAL")
	if err != nil || d.Allowed {
		t.Fatalf("operator of #backoffice in #general: %+v %v", d, err)
	}
	if _, err := a.CheckPermission(ctx, demo.TeamMain, "UOPS", demo.ChannelBackoffice, "NOT_A_PERMISSION"); err == nil {
		t.Fatal("an unknown permission must be an error, so the bot denies")
	}
	if _, err := a.CheckPermission(ctx, demo.TeamMain, "UOPS", "C404", "EXTEND_TRIAL"); err == nil {
		t.Fatal("an unknown channel must be an error, so the bot denies")
	}
	db.Close()
	if _, err := a.CheckPermission(ctx, demo.TeamMain, "UOPS", demo.ChannelBackoffice, "EXTEND_TRIAL"); err == nil {
		t.Fatal("a closed store must be an error, so the bot denies")
	}
}

// Reasons name people and channels as mentions, which Slack shows by
// name, never by a bare id.
func TestReasonsSpeakInMentions(t *testing.T) {
	ctx := context.Background()
	st, err := authzsql.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rolesfile.LoadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	e, err := authz.NewEngine(ctx, st, cat, authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, e); err != nil {
		t.Fatal(err)
	}
	a := botauthz.New(e)
	for _, c := range []struct{ user, channel, permission, want string }{
		{"UOPS", demo.ChannelBackoffice, "EXTEND_TRIAL", "Role `BACKOFFICE_OPERATOR` in <#C2> grants it."},
		{"UCHANADMIN", demo.ChannelGeneral, "ARCHIVE_CHANNEL", "Role `CHANNELS_ADMIN`, held above this channel, grants it."},
		{"UMEMBER", demo.ChannelGeneral, "ARCHIVE_CHANNEL", "No role of theirs grants ARCHIVE_CHANNEL in this channel or above it."},
		{"UMCGUEST", demo.ChannelGeneral, "ARCHIVE_CHANNEL", "<@UMCGUEST> is a guest in this workspace"},
		{"USUPPORT", demo.ChannelGeneral, "ARCHIVE_CHANNEL", "<@USUPPORT> has no account in this workspace"},
	} {
		d, err := a.CheckPermission(ctx, demo.TeamMain, c.user, c.channel, c.permission)
		if err != nil || !strings.Contains(d.Reason, c.want) || strings.Contains(d.Reason, " T1") || strings.Contains(d.Reason, " E1") {
			t.Errorf("%s %s in %s: %q %v, want %q", c.user, c.permission, c.channel, d.Reason, err, c.want)
		}
	}
}
