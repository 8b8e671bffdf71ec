package authzmetrics_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/store/authzmetrics"
	"github.com/bastionhq/bastion/store/authzsql"
	"github.com/bastionhq/bastion/store/sqldb"
	"github.com/bastionhq/bastion/store/storetest"
)

// instrumented is the SQL store on db wrapped with its metrics, and the
// registry they are on.
func instrumented(t *testing.T, db *sqldb.DB) (*authzmetrics.Store, *prometheus.Registry) {
	t.Helper()
	st, err := authzsql.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s, err := authzmetrics.Instrument(st, reg)
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func TestInstrumentCountsCallsAndErrors(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	s, reg := instrumented(t, db)
	if _, err := s.LoadUser(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := s.LoadUser(ctx, "U1"); err == nil {
		t.Fatal("closed store answered")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var calls uint64
	var errs float64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != "load_user" {
				t.Fatalf("%s has labels %v, want op=load_user", f.GetName(), m.GetLabel())
			}
			switch f.GetName() {
			case "bastion_store_duration_seconds":
				calls = m.GetHistogram().GetSampleCount()
			case "bastion_store_errors_total":
				errs = m.GetCounter().GetValue()
			}
		}
	}
	if calls != 2 || errs != 1 {
		t.Fatalf("calls = %d, errors = %v; want 2 and 1", calls, errs)
	}
}

// A batch read is one load_users call, and reaches the store as one.
func TestInstrumentPassesBatchReadsThrough(t *testing.T) {
	ctx := context.Background()
	s, reg := instrumented(t, storetest.SQLite(t))
	recs, err := s.LoadUsers(ctx, []string{"U1", "U2", "U3"})
	if err != nil || len(recs) != 3 || recs[2].UserID != "U3" {
		t.Fatalf("LoadUsers = %+v, %v", recs, err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]uint64{}
	for _, f := range families {
		if f.GetName() != "bastion_store_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			ops[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
		}
	}
	if len(ops) != 1 || ops["load_users"] != 1 {
		t.Fatalf("store calls by op = %v; want one load_users", ops)
	}
}
