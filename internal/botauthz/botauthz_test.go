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
