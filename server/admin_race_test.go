package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"connectrpc.com/connect"

	"github.com/bastionhq/bastion/authz"
	authzv1 "github.com/bastionhq/bastion/gen/bastion/authz/v1"
	"github.com/bastionhq/bastion/server/servertest"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// raceWrites is how many admin writes of each kind the race test makes
// while the workspace moves. Before admin writes carried what their
// authorization saw, every run of this size let 4 to 31 writes land
// outside the actor's reach, on SQLite and on MariaDB; one fails it.
const raceWrites = 60

// Admin writes race a workspace moving between enterprises: UROLES
// administers enterprise E1 only, and another replica moves T1 from E1 to
// E2 and back, again and again. Every write UROLES makes on T1 (a role
// scoped to it, an account type or preferences of it, a channel created
// in it, an assignment on it) must land only where T1 was E1's when it
// landed; the others fail (ABORTED, or PERMISSION_DENIED when the check
// saw the move).
func TestAdminWritesRacingAMoveNeverLandOutOfReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		env := servertest.Start(t, db)
		mover := servertest.Start(t, db) // another replica
		if _, err := mover.Engine.UpsertEntity(ctx, authz.Entity{ID: "E2", Type: authz.TypeEnterprise}, "test"); err != nil {
			t.Fatal(err)
		}
		c := env.Client(servertest.APIKey)
		actor := &authzv1.Actor{TeamId: "T1", UserId: "UROLES"} // ROLES_ADMIN on E1

		done := make(chan struct{})
		var moves sync.WaitGroup
		moves.Add(1)
		go func() {
			defer moves.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				parent := "E2"
				if i%2 == 1 {
					parent = "E1"
				}
				if _, err := mover.Engine.UpsertEntity(ctx, authz.Entity{ID: "T1", Type: authz.TypeWorkspace, ParentID: parent}, "mover"); err != nil {
					t.Error(err)
					return
				}
			}
		}()

		writes := map[string]func(i int) error{
			"put role": func(i int) error {
				_, err := c.PutRole(ctx, connect.NewRequest(&authzv1.PutRoleRequest{Actor: actor,
					Role: &authzv1.Role{Name: fmt.Sprintf("DESK_%d", i), Permissions: []string{"EXTEND_TRIAL"}, Scope: "T1"}}))
				return err
			},
			"set account type": func(i int) error {
				_, err := c.SetAccountType(ctx, connect.NewRequest(&authzv1.SetAccountTypeRequest{Actor: actor, TeamId: "T1",
					UserId: fmt.Sprintf("UNEW%d", i), AccountType: authzv1.AccountType_ACCOUNT_TYPE_ADMIN}))
				return err
			},
			"set team preferences": func(i int) error {
				_, err := c.SetTeamPreferences(ctx, connect.NewRequest(&authzv1.SetTeamPreferencesRequest{Actor: actor, TeamId: "T1",
					Preferences: map[string]string{"who_can_archive_channels": fmt.Sprint("admin", i%2)}}))
				return err
			},
			"create entity": func(i int) error {
				_, err := c.UpsertEntity(ctx, connect.NewRequest(&authzv1.UpsertEntityRequest{Actor: actor,
					Entity: &authzv1.Entity{Id: fmt.Sprintf("CNEW%d", i), Type: "channel", ParentId: "T1"}}))
				return err
			},
			"assign": func(i int) error {
				_, err := c.AssignRole(ctx, connect.NewRequest(&authzv1.AssignRoleRequest{Actor: actor,
					UserId: fmt.Sprintf("UNEW%d", i), Role: "BACKOFFICE_VIEWER", EntityId: "T1"}))
				return err
			},
		}
		var wg sync.WaitGroup
		for name, write := range writes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range raceWrites {
					err := write(i)
					var ce *connect.Error
					switch {
					case err == nil:
					case errors.As(err, &ce) && (ce.Code() == connect.CodeAborted || ce.Code() == connect.CodePermissionDenied):
					default:
						t.Errorf("%s %d: %v", name, i, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(done)
		moves.Wait()

		// Replay T1's moves and find where T1 was when each write landed.
		moved, err := env.Engine.Audit(ctx, authz.ChangeFilter{Kind: authz.ChangeEntity, EntityID: "T1", Limit: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		parentAt := func(rev authz.Revision) string {
			parent := ""
			for _, ch := range moved {
				if ch.Revision >= rev {
					break
				}
				var ent authz.Entity
				if err := json.Unmarshal([]byte(ch.After), &ent); err != nil {
					t.Fatal(err)
				}
				parent = ent.ParentID
			}
			return parent
		}
		landed, err := env.Engine.Audit(ctx, authz.ChangeFilter{Actor: "T1/UROLES", Limit: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		outside := 0
		for _, ch := range landed {
			if p := parentAt(ch.Revision); p != "E1" {
				outside++
				if outside <= 5 {
					t.Errorf("%s %s landed at revision %d while T1 was under %s, out of UROLES's reach", ch.Kind, ch.Key, ch.Revision, p)
				}
			}
		}
		if outside > 0 {
			t.Errorf("%d of %d writes landed out of reach", outside, len(landed))
		}
		if len(landed) == 0 || len(moved) < 3 {
			t.Errorf("%d writes landed and T1 moved %d times; the race was not run", len(landed), len(moved))
		}
		t.Logf("%d writes landed, T1 moved %d times", len(landed), len(moved))
	})
}
