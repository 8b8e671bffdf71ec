package authz_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func TestListUserPermissions(t *testing.T) {
	e := newDemoEngine(t, storetest.SQLite(t))
	ctx := context.Background()
	up, err := e.ListUserPermissions(ctx, demo.TeamMain, "UCHANADMIN")
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Entities) != 1 || up.Entities[0].EntityID != demo.Enterprise || up.AccountType != authz.AccountMember ||
		!reflect.DeepEqual(up.Entities[0].Permissions, []string{"ARCHIVE_CHANNEL", "CONVERT_CHANNEL_TO_PRIVATE", "CREATE_PRIVATE_CHANNEL", "RENAME_CHANNEL"}) {
		t.Fatalf("UCHANADMIN permissions = %+v", up)
	}
	guest, err := e.ListUserPermissions(ctx, demo.TeamMain, "UMCGUEST")
	if err != nil || len(guest.Entities) != 0 {
		t.Fatalf("a guest's effective permissions must be empty (checks deny them): %+v %v", guest, err)
	}
}

func TestLookupUsers(t *testing.T) {
	e := newDemoEngine(t, storetest.SQLite(t))
	users, _, err := e.LookupUsers(context.Background(), demo.TeamMain, demo.ChannelBackoffice, "EXTEND_TRIAL")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"UADMIN", "UADMIN2", "UOPS", "UOPS2"}
	if !reflect.DeepEqual(users, want) {
		t.Fatalf("EXTEND_TRIAL holders on #backoffice = %v, want %v", users, want)
	}
	users, _, err = e.LookupUsers(context.Background(), demo.TeamMain, demo.ChannelGeneral, "ARCHIVE_CHANNEL")
	if err != nil || !reflect.DeepEqual(users, []string{"UCHANADMIN"}) { // UMCGUEST holds the role but is a guest
		t.Fatalf("ARCHIVE_CHANNEL holders on #general = %v, %v", users, err)
	}
}

// waitNotifiedUntil waits for a notification on ch, then for more until
// cond holds: a notification means "look again", and the one read may
// predate the change waited for (a role edit applied late notifies holders
// read after it).
func waitNotifiedUntil(t *testing.T, ch <-chan authz.Revision, what string, cond func() bool) {
	t.Helper()
	waitNotified(t, ch, what)
	for !cond() {
		waitNotified(t, ch, what)
	}
}

func waitNotified(t *testing.T, ch <-chan authz.Revision, what string) authz.Revision {
	t.Helper()
	select {
	case rev := <-ch:
		return rev
	case <-time.After(10 * time.Second):
		t.Fatalf("no notification for %s", what)
		return 0
	}
}

func TestSubscribersHearOfChangesFromOtherProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := newDemoEngine(t, db)
		b := newEngine(t, db, nil)
		go b.Follow(ctx, 10*time.Millisecond)

		events, stop := b.Subscribe("UMEMBER")
		defer stop()
		rev, err := a.Assign(ctx, "UMEMBER", "BACKOFFICE_VIEWER", demo.ChannelBackoffice, "test")
		if err != nil {
			t.Fatal(err)
		}
		if got := waitNotified(t, events, "assign through another engine"); got < rev {
			t.Fatalf("notified at revision %d, before the assign's %d", got, rev)
		}
		up, err := b.ListUserPermissions(ctx, demo.TeamMain, "UMEMBER")
		if err != nil || len(up.Entities) != 1 || up.Entities[0].Permissions[0] != "VIEW_ACCOUNT" {
			t.Fatalf("after assign: %+v %v", up, err)
		}
		holds := func(perm string) func() bool {
			return func() bool {
				up, err := b.ListUserPermissions(ctx, demo.TeamMain, "UMEMBER")
				if err != nil {
					t.Fatal(err)
				}
				for _, ent := range up.Entities {
					if ent.EntityID == demo.TeamMain && slices.Contains(ent.Permissions, perm) {
						return true
					}
				}
				return false
			}
		}
		// Editing a role notifies its holders.
		if _, err := a.PutRole(ctx, authz.Role{Name: "AUDITOR", Permissions: []string{"VIEW_USER_GROUPS"}, Scope: demo.TeamMain}, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Assign(ctx, "UMEMBER", "AUDITOR", demo.TeamMain, "test"); err != nil {
			t.Fatal(err)
		}
		waitNotifiedUntil(t, events, "second assign", holds("VIEW_USER_GROUPS"))
		edit, err := a.PutRole(ctx, authz.Role{Name: "AUDITOR", Permissions: []string{"VIEW_USER_GROUPS", "ADD_USER_TO_WORKSPACE"}, Scope: demo.TeamMain}, "test")
		if err != nil {
			t.Fatal(err)
		}
		waitNotifiedUntil(t, events, "role edit", holds("ADD_USER_TO_WORKSPACE"))
		// A change to another user does not notify this one. (A
		// notification of the edit itself may still be on its way.)
		if _, err := a.Assign(ctx, "UOWNER", "AUDITOR", demo.TeamMain, "test"); err != nil {
			t.Fatal(err)
		}
		other, stopOther := b.Subscribe("UOWNER")
		defer stopOther()
		if _, err := a.Revoke(ctx, "UOWNER", "AUDITOR", demo.TeamMain, "test"); err != nil {
			t.Fatal(err)
		}
		waitNotified(t, other, "revoke of UOWNER")
		select {
		case rev := <-events:
			if rev > edit {
				t.Fatalf("UMEMBER notified at revision %d, after the role edit at %d: of a change to UOWNER", rev, edit)
			}
		default:
		}
	})
}
