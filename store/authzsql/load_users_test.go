package authzsql_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// LoadUsers returns, in order, what LoadUser returns for each user, over
// more users than one statement reads and for users with no rows.
func TestLoadUsersMatchesLoadUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		const users = 300 // over one statement's 256
		batch := authz.Import{Entities: []authz.Entity{{ID: "E1", Type: authz.TypeEnterprise}, {ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"}}}
		for i := range users {
			u := fmt.Sprintf("U%03d", i)
			if i%3 == 0 {
				continue // no rows at all
			}
			batch.AccountTypes = append(batch.AccountTypes, authz.ImportedAccount{TeamID: "T1", UserID: u, Type: authz.AccountMember})
			for r := range i % 4 {
				batch.Assignments = append(batch.Assignments, authz.Assignment{UserID: u, Role: []string{"CHANNELS_ADMIN", "USERS_ADMIN", "ROLES_ADMIN"}[r], EntityID: "T1"})
			}
		}
		if _, err := st.Import(ctx, batch, "test"); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := users - 1; i >= 0; i-- { // not in storage order
			ids = append(ids, fmt.Sprintf("U%03d", i))
		}
		got, err := st.LoadUsers(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Fatalf("%d records for %d users", len(got), len(ids))
		}
		assigned := 0
		for i, id := range ids {
			want, err := st.LoadUser(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got[i].UserID != id || got[i].Revision != want.Revision ||
				len(got[i].Assignments) != len(want.Assignments) || !reflect.DeepEqual(got[i].AccountTypes, want.AccountTypes) {
				t.Fatalf("user %s:\n got %+v\nwant %+v", id, got[i], want)
			}
			for k := range want.Assignments {
				if !want.Assignments[k].GrantedAt.Equal(got[i].Assignments[k].GrantedAt) || want.Assignments[k].Role != got[i].Assignments[k].Role {
					t.Fatalf("user %s assignment %d: got %+v want %+v", id, k, got[i].Assignments[k], want.Assignments[k])
				}
			}
			assigned += len(got[i].Assignments)
		}
		if assigned == 0 || got[0].Revision == 0 {
			t.Fatalf("nothing read back: %d assignments, revision %d", assigned, got[0].Revision)
		}
	})
}
