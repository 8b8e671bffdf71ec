package accesssql_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bastionhq/bastion/internal/access"
	"github.com/bastionhq/bastion/store/accesssql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCompareAndSets: each reminder, extension and end happens once, for
// the end it was computed from; a new grant of the same assignment
// forgets the reminder.
func TestCompareAndSets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, err := accesssql.Open(ctx, db)
		must(t, err)
		t0 := time.Unix(1_800_000_000, 0)
		g := access.Grant{ID: access.GrantID("T1", "U1", "R", "C1"), TeamID: "T1", UserID: "U1", Role: "R", EntityID: "C1",
			ChannelID: "C1", ThreadTS: "1.0", RequestID: "req", Reason: "INC-1 ünïcode", Approvers: []string{"U2", "U3"},
			Duration: time.Hour, StartsAt: t0, EndsAt: t0.Add(time.Hour), State: access.Active}
		must(t, s.PutGrant(ctx, g))
		got, err := s.Grant(ctx, g.ID)
		must(t, err)
		if got.Reason != g.Reason || len(got.Approvers) != 2 || !got.EndsAt.Equal(g.EndsAt) || got.State != access.Active {
			t.Fatalf("grant = %+v", got)
		}
		if _, err := s.Grant(ctx, "nope"); !errors.Is(err, access.ErrNotFound) {
			t.Fatalf("unknown grant: %v", err)
		}
		if due, err := s.DueReminders(ctx, t0.Add(44*time.Minute), 10); err != nil || len(due) != 0 {
			t.Fatalf("due 16 minutes early: %v, %v", due, err)
		}
		due, err := s.DueReminders(ctx, t0.Add(time.Hour), 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due = %v, %v", due, err)
		}
		if ok, err := s.MarkReminded(ctx, g.ID, g.EndsAt); err != nil || !ok {
			t.Fatalf("first reminder = %v, %v", ok, err)
		}
		if ok, err := s.MarkReminded(ctx, g.ID, g.EndsAt); err != nil || ok {
			t.Fatalf("second reminder = %v, %v", ok, err)
		}
		// An extension moves the end once; the new end is due again.
		to := g.EndsAt.Add(time.Hour)
		if ok, err := s.ExtendGrant(ctx, g.ID, g.EndsAt, to); err != nil || !ok {
			t.Fatalf("extend = %v, %v", ok, err)
		}
		if ok, err := s.ExtendGrant(ctx, g.ID, g.EndsAt, to.Add(time.Hour)); err != nil || ok {
			t.Fatalf("extend from a stale end = %v, %v", ok, err)
		}
		if due, err := s.DueReminders(ctx, to, 10); err != nil || len(due) != 1 {
			t.Fatalf("due after the extension = %v, %v", due, err)
		}
		if ok, err := s.EndGrant(ctx, g.ID, g.EndsAt, to); err != nil || ok {
			t.Fatalf("end at the old end = %v, %v", ok, err)
		}
		if ends, err := s.DueEnds(ctx, to, 10); err != nil || len(ends) != 1 {
			t.Fatalf("due ends = %v, %v", ends, err)
		}
		if ok, err := s.EndGrant(ctx, g.ID, to, to); err != nil || !ok {
			t.Fatalf("end = %v, %v", ok, err)
		}
		if ok, err := s.EndGrant(ctx, g.ID, to, to); err != nil || ok {
			t.Fatalf("second end = %v, %v", ok, err)
		}
		if ends, err := s.DueEnds(ctx, to, 10); err != nil || len(ends) != 0 {
			t.Fatalf("due ends after the end = %v, %v", ends, err)
		}
		// A new grant of the same assignment is active again, unreminded.
		g.StartsAt, g.EndsAt = to, to.Add(time.Hour)
		must(t, s.PutGrant(ctx, g))
		if ok, err := s.MarkReminded(ctx, g.ID, g.EndsAt); err != nil || !ok {
			t.Fatalf("reminder of the new grant = %v, %v", ok, err)
		}
	})
}
