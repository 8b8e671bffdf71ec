package authz_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/bastionhq/bastion/authz"
	"github.com/bastionhq/bastion/authz/demo"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// oneAtATime hides a store's LoadUsers, so the engine reads a batch's
// users one by one.
type oneAtATime struct{ authz.Store }

// batchRequests mixes every demo user with entities and permissions that
// allow, deny, do not apply or do not exist, repeated users, and requests
// that fail (malformed, unknown entity, a revision not yet written).
func batchRequests() []authz.EligibilityRequest {
	users := []string{"UGUEST", "UMCGUEST", "UMEMBER", "UCHANADMIN", "UOPS", "UADMIN", "UROLES", "UOWNER", "UPRIMARY", "USUPPORT", "UNOBODY"}
	entities := []string{demo.ChannelGeneral, demo.ChannelBackoffice, demo.ChannelPrivateFinance, demo.TeamMain}
	perms := []string{"ARCHIVE_CHANNEL", "RENAME_CHANNEL", "EXTEND_TRIAL", "NO_SUCH_PERMISSION"}
	var reqs []authz.EligibilityRequest
	for i, u := range users {
		for j, e := range entities {
			reqs = append(reqs, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: u, EntityID: e, Permissions: []string{perms[(i+j)%len(perms)], perms[(i+j+1)%len(perms)]}})
		}
	}
	return append(reqs,
		authz.EligibilityRequest{TeamID: "", UserID: "UADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}},
		authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UADMIN", EntityID: "CMISSING", Permissions: []string{"ARCHIVE_CHANNEL"}},
		authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"},
			Consistency: authz.Consistency{AtLeastRevision: 1 << 40}},
		authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"},
			Consistency: authz.Consistency{Mode: authz.BoundedStaleness}},
	)
}

// A batch answers each request exactly as Check does, whether the store
// reads the batch's users in one query or one by one.
func TestCheckBatchAnswersAsCheckDoes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := newDemoEngine(t, db)
		st, err := authzsql.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		slow := engineOn(t, oneAtATime{st})
		reqs := batchRequests()
		for name, engine := range map[string]*authz.Engine{"one read": e, "one read per user": slow} {
			got := engine.CheckBatch(ctx, reqs)
			if len(got) != len(reqs) {
				t.Fatalf("%s: %d results for %d requests", name, len(got), len(reqs))
			}
			allowed, failed := 0, 0
			for i, req := range reqs {
				want, wantErr := engine.Check(ctx, req)
				if (wantErr == nil) != (got[i].Err == nil) || (wantErr != nil && wantErr.Error() != got[i].Err.Error()) {
					t.Errorf("%s: request %d %+v: error %v, Check says %v", name, i, req, got[i].Err, wantErr)
					continue
				}
				if wantErr != nil {
					failed++
					continue
				}
				// A bounded-staleness request may be answered from memory
				// (filled by any earlier read of the user); the others must
				// be authoritative.
				wantAuthoritative := want.Authoritative
				if req.Consistency.Mode == authz.BoundedStaleness {
					wantAuthoritative = got[i].Result.Authoritative
				}
				if !reflect.DeepEqual(got[i].Result.Decisions, want.Decisions) || got[i].Result.Authoritative != wantAuthoritative {
					t.Errorf("%s: request %d %+v:\n got %+v\nwant %+v", name, i, req, got[i].Result, want)
				}
				if got[i].Result.Allowed() {
					allowed++
				}
			}
			// The mix must exercise both answers and failures.
			if allowed == 0 || failed != 3 {
				t.Errorf("%s: %d allowed, %d failed; want some allowed and the 3 bad requests failed", name, allowed, failed)
			}
			if !errors.Is(got[len(got)-2].Err, authz.ErrStale) {
				t.Errorf("%s: a revision not yet written: %v, want ErrStale", name, got[len(got)-2].Err)
			}
		}
	})
}

// A batch is authoritative: a revoke written by another process is seen
// by the next batch.
func TestCheckBatchSeesAnotherProcessRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		writer := newDemoEngine(t, db)
		reader := newEngine(t, db, nil)
		reqs := []authz.EligibilityRequest{
			{TeamID: demo.TeamMain, UserID: "UCHANADMIN", EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}},
			{TeamID: demo.TeamMain, UserID: "UOPS", EntityID: demo.ChannelBackoffice, Permissions: []string{"EXTEND_TRIAL"}},
		}
		before := reader.CheckBatch(ctx, reqs)
		for i, r := range before {
			if r.Err != nil || !r.Result.Allowed() || !r.Result.Authoritative {
				t.Fatalf("before the revoke, request %d: %+v %v", i, r.Result, r.Err)
			}
		}
		rev, err := writer.Revoke(ctx, "UCHANADMIN", "CHANNELS_ADMIN", demo.Enterprise, "test")
		if err != nil {
			t.Fatal(err)
		}
		after := reader.CheckBatch(ctx, reqs)
		if after[0].Err != nil || after[0].Result.Allowed() || after[0].Result.Revision < rev {
			t.Fatalf("after the revoke: %+v %v (revoke at revision %d)", after[0].Result, after[0].Err, rev)
		}
		if after[1].Err != nil || !after[1].Result.Allowed() {
			t.Fatalf("another user of the batch: %+v %v", after[1].Result, after[1].Err)
		}
	})
}

// A store that cannot be read fails every request of the batch (deny),
// never allows.
func TestCheckBatchStoreDownFailsEveryRequest(t *testing.T) {
	db := storetest.SQLite(t)
	e := newDemoEngine(t, db)
	db.Close()
	var reqs []authz.EligibilityRequest
	for i := range 3 {
		reqs = append(reqs, authz.EligibilityRequest{TeamID: demo.TeamMain, UserID: fmt.Sprintf("U%d", i), EntityID: demo.ChannelGeneral, Permissions: []string{"ARCHIVE_CHANNEL"}})
	}
	for i, r := range e.CheckBatch(context.Background(), reqs) {
		if r.Err == nil || r.Result.Allowed() {
			t.Errorf("request %d with the store closed: %+v %v", i, r.Result, r.Err)
		}
	}
}
