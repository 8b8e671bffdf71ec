package authz_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestCustomRolesAreScoped(t *testing.T) {
	e := newDemoEngine(t, storetest.SQLite(t))
	ctx := context.Background()
	role := authz.Role{Name: "T1_ARCHIVER", Description: "archives T1 channels", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.TeamMain}
	if _, err := e.PutRole(ctx, role, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Assign(ctx, "UMEMBER", "T1_ARCHIVER", demo.ChannelBackoffice, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Assign(ctx, "UMEMBER", "T1_ARCHIVER", demo.ChannelSupport, "test"); !errors.Is(err, authz.ErrInvalidRequest) {
		t.Fatalf("assigning a T1 role on a T2 channel: %v, want ErrInvalidRequest", err)
	}
	for _, bad := range []authz.Role{
		{Name: "CHANNELS_ADMIN", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.TeamMain},
		{Name: "X", Permissions: []string{"NOPE"}, Scope: demo.TeamMain},
		{Name: "Y", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.ChannelGeneral},
		{Name: "lower", Permissions: []string{"ARCHIVE_CHANNEL"}, Scope: demo.TeamMain},
	} {
		if _, err := e.PutRole(ctx, bad, "test"); err == nil {
			t.Fatalf("PutRole(%+v) succeeded", bad)
		}
	}
	if _, err := e.DeleteRole(ctx, "T1_ARCHIVER", "test"); err == nil || !strings.Contains(err.Error(), "revoke") {
		t.Fatalf("deleting a held role: %v", err)
	}
	if _, err := e.Revoke(ctx, "UMEMBER", "T1_ARCHIVER", demo.ChannelBackoffice, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteRole(ctx, "T1_ARCHIVER", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteRole(ctx, "CHANNELS_ADMIN", "test"); !errors.Is(err, authz.ErrInvalidRequest) {
		t.Fatalf("deleting a system role: %v", err)
	}
}

func TestEntityValidation(t *testing.T) {
	e := newDemoEngine(t, storetest.SQLite(t))
	ctx := context.Background()
	for _, bad := range []authz.Entity{
		{ID: "C5", Type: authz.TypeChannel, ParentID: "T404"},
		{ID: "C5", Type: authz.TypeChannel, ParentID: demo.Enterprise},
		{ID: "C5", Type: "spaceship", ParentID: demo.TeamMain},
		{ID: demo.TeamMain, Type: authz.TypeChannel, ParentID: demo.TeamOther},
		{ID: "bad id", Type: authz.TypeChannel, ParentID: demo.TeamMain},
	} {
		if _, err := e.UpsertEntity(ctx, bad, "test"); err == nil {
			t.Fatalf("UpsertEntity(%+v) succeeded", bad)
		}
	}
	// Upserting without a creator keeps the recorded one.
	if _, err := e.UpsertEntity(ctx, authz.Entity{ID: demo.ChannelGeneral, Type: authz.TypeChannel, ParentID: demo.TeamMain}, "test"); err != nil {
		t.Fatal(err)
	}
	ent, err := e.Entity(ctx, demo.ChannelGeneral)
	if err != nil || ent.CreatorID != "UMEMBER" {
		t.Fatalf("creator after upsert = %q, %v", ent.CreatorID, err)
	}
}

func TestAuditRecordsWhoChangedWhat(t *testing.T) {
	e := newDemoEngine(t, storetest.SQLite(t))
	ctx := context.Background()
	before, err := e.Store().CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetAccountType(ctx, demo.TeamMain, "UMEMBER", authz.AccountAdmin, "UPRIMARY"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Assign(ctx, "UMEMBER", "ROLES_ADMIN", demo.TeamMain, "UPRIMARY"); err != nil {
		t.Fatal(err)
	}
	// A write that changes nothing is not logged.
	if _, err := e.Assign(ctx, "UMEMBER", "ROLES_ADMIN", demo.TeamMain, "UPRIMARY"); err != nil {
		t.Fatal(err)
	}
	changes, err := e.Audit(ctx, authz.ChangeFilter{After: before})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 {
		t.Fatalf("got %d changes, want 2: %+v", len(changes), changes)
	}
	c := changes[0]
	if c.Kind != authz.ChangeAccountType || c.Actor != "UPRIMARY" || c.Before != "member" || c.After != "admin" || c.UserID != "UMEMBER" {
		t.Fatalf("account type change = %+v", c)
	}
	if changes[1].Kind != authz.ChangeAssign || !strings.Contains(changes[1].After, "ROLES_ADMIN") || changes[1].Revision <= c.Revision {
		t.Fatalf("assignment change = %+v", changes[1])
	}
	byUser, err := e.Audit(ctx, authz.ChangeFilter{UserID: "UMEMBER"})
	if err != nil || len(byUser) < 3 { // demo account type + the two above
		t.Fatalf("audit by user: %d entries, %v", len(byUser), err)
	}
}
