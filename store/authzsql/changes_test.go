package authzsql_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// The change log reads newest first below a revision, so that a page of
// the audit log shows the latest entries and the next page the ones
// before them.
func TestChangesNewestFirstBelowARevision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := openStore(t, db)
		var revs []authz.Revision
		for _, e := range []authz.Entity{{ID: "E1", Type: authz.TypeEnterprise}, {ID: "T1", Type: authz.TypeWorkspace, ParentID: "E1"},
			{ID: "C1", Type: authz.TypeChannel, ParentID: "T1"}, {ID: "C2", Type: authz.TypeChannel, ParentID: "T1"}, {ID: "C3", Type: authz.TypeChannel, ParentID: "T1"}} {
			rev, err := st.UpsertEntity(ctx, e, authz.Prior{}, "test")
			if err != nil {
				t.Fatal(err)
			}
			revs = append(revs, rev)
		}
		list := func(f authz.ChangeFilter) []authz.Revision {
			t.Helper()
			got, err := st.Changes(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []authz.Revision
			for _, c := range got {
				out = append(out, c.Revision)
			}
			return out
		}
		newest := slices.Clone(revs)
		slices.Reverse(newest)
		if got := list(authz.ChangeFilter{Newest: true, Limit: 2}); !slices.Equal(got, newest[:2]) {
			t.Errorf("newest two: %v, want %v", got, newest[:2])
		}
		if got := list(authz.ChangeFilter{Newest: true, Before: newest[1], Limit: 2}); !slices.Equal(got, newest[2:4]) {
			t.Errorf("the two before %d: %v, want %v", newest[1], got, newest[2:4])
		}
		if got := list(authz.ChangeFilter{Newest: true, Before: revs[3], After: revs[0]}); !slices.Equal(got, []authz.Revision{revs[2], revs[1]}) {
			t.Errorf("between %d and %d, newest first: %v", revs[0], revs[3], got)
		}
		if got := list(authz.ChangeFilter{Before: revs[2]}); !slices.Equal(got, revs[:2]) {
			t.Errorf("before %d, oldest first: %v", revs[2], got)
		}
		if got := list(authz.ChangeFilter{Newest: true, EntityID: "C2"}); !slices.Equal(got, []authz.Revision{revs[3]}) {
			t.Errorf("newest first about C2: %v", got)
		}
	})
}
