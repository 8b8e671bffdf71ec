// Package authzmetrics measures a permission store: every call's latency
// and failures, by operation, as Prometheus metrics.
package authzmetrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bastionhq/bastion/authz"
)

// Store wraps an authz.Store and records
// bastion_store_duration_seconds{op} and bastion_store_errors_total{op}.
type Store struct {
	next     authz.Store
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

var _ authz.Store = (*Store)(nil)

// Instrument registers the metrics on reg and returns the wrapped store.
func Instrument(next authz.Store, reg prometheus.Registerer) (*Store, error) {
	s := &Store{
		next: next,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bastion_store_duration_seconds",
			Help:    "Latency of permission store calls, by operation (load_user is the check path).",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bastion_store_errors_total",
			Help: "Permission store calls that failed, by operation.",
		}, []string{"op"}),
	}
	for _, c := range []prometheus.Collector{s.duration, s.errors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) observe(op string, start time.Time, err error) {
	s.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil {
		s.errors.WithLabelValues(op).Inc()
	}
}

// LoadUser implements authz.Store.
func (s *Store) LoadUser(ctx context.Context, userID string) (r authz.UserRecord, err error) {
	defer func(t time.Time) { s.observe("load_user", t, err) }(time.Now())
	return s.next.LoadUser(ctx, userID)
}

// LoadReference implements authz.Store.
func (s *Store) LoadReference(ctx context.Context) (r *authz.Reference, err error) {
	defer func(t time.Time) { s.observe("load_reference", t, err) }(time.Now())
	return s.next.LoadReference(ctx)
}

// Changes implements authz.Store.
func (s *Store) Changes(ctx context.Context, f authz.ChangeFilter) (c []authz.Change, err error) {
	defer func(t time.Time) { s.observe("changes", t, err) }(time.Now())
	return s.next.Changes(ctx, f)
}

// CurrentRevision implements authz.Store.
func (s *Store) CurrentRevision(ctx context.Context) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("current_revision", t, err) }(time.Now())
	return s.next.CurrentRevision(ctx)
}

// ListAssignments implements authz.Store.
func (s *Store) ListAssignments(ctx context.Context, f authz.AssignmentFilter) (a []authz.Assignment, err error) {
	defer func(t time.Time) { s.observe("list_assignments", t, err) }(time.Now())
	return s.next.ListAssignments(ctx, f)
}

// UpsertEntity implements authz.Store.
func (s *Store) UpsertEntity(ctx context.Context, e authz.Entity, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("upsert_entity", t, err) }(time.Now())
	return s.next.UpsertEntity(ctx, e, actor)
}

// SetAccountType implements authz.Store.
func (s *Store) SetAccountType(ctx context.Context, teamID, userID string, at authz.AccountType, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("set_account_type", t, err) }(time.Now())
	return s.next.SetAccountType(ctx, teamID, userID, at, actor)
}

// SetTeamPrefs implements authz.Store.
func (s *Store) SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("set_team_prefs", t, err) }(time.Now())
	return s.next.SetTeamPrefs(ctx, teamID, prefs, actor)
}

// PutRole implements authz.Store.
func (s *Store) PutRole(ctx context.Context, role authz.Role, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("put_role", t, err) }(time.Now())
	return s.next.PutRole(ctx, role, actor)
}

// DeleteRole implements authz.Store.
func (s *Store) DeleteRole(ctx context.Context, name, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("delete_role", t, err) }(time.Now())
	return s.next.DeleteRole(ctx, name, actor)
}

// Assign implements authz.Store.
func (s *Store) Assign(ctx context.Context, a authz.Assignment, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("assign", t, err) }(time.Now())
	return s.next.Assign(ctx, a, actor)
}

// Revoke implements authz.Store.
func (s *Store) Revoke(ctx context.Context, a authz.Assignment, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("revoke", t, err) }(time.Now())
	return s.next.Revoke(ctx, a, actor)
}

// Import implements authz.Store.
func (s *Store) Import(ctx context.Context, b authz.Import, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("import", t, err) }(time.Now())
	return s.next.Import(ctx, b, actor)
}
