// Package authzmetrics measures a permission store: every call's latency
// and failures, by operation, as Prometheus metrics.
package authzmetrics

import (
	"context"
	"errors"
	"fmt"
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

var (
	_ authz.Store             = (*Store)(nil)
	_ authz.UserBatchLoader   = (*Store)(nil)
	_ authz.UserVersionReader = (*Store)(nil)
)

// Instrument registers the metrics on reg and returns the wrapped store.
func Instrument(next authz.Store, reg prometheus.Registerer) (*Store, error) {
	s := &Store{
		next: next,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bastion_store_duration_seconds",
			Help:    "Latency of permission store calls, by operation (user_versions is the check path; load_user and load_users read users not yet in memory, or changed).",
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

// LoadUsers implements authz.UserBatchLoader; when the wrapped store
// cannot read many users at once it fails with errors.ErrUnsupported, and
// the engine reads them one by one.
func (s *Store) LoadUsers(ctx context.Context, userIDs []string) (r []authz.UserRecord, err error) {
	bl, ok := s.next.(authz.UserBatchLoader)
	if !ok {
		return nil, fmt.Errorf("load users: %w", errors.ErrUnsupported)
	}
	defer func(t time.Time) { s.observe("load_users", t, err) }(time.Now())
	return bl.LoadUsers(ctx, userIDs)
}

// UserVersions implements authz.UserVersionReader; when the wrapped store
// keeps no versions it fails with errors.ErrUnsupported, and the engine
// reads users in full.
func (s *Store) UserVersions(ctx context.Context, userIDs []string) (v []authz.Revision, current authz.Revision, err error) {
	vr, ok := s.next.(authz.UserVersionReader)
	if !ok {
		return nil, 0, fmt.Errorf("user versions: %w", errors.ErrUnsupported)
	}
	defer func(t time.Time) { s.observe("user_versions", t, err) }(time.Now())
	return vr.UserVersions(ctx, userIDs)
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

// Head implements authz.Store.
func (s *Store) Head(ctx context.Context, at authz.Revision) (h authz.Head, err error) {
	defer func(t time.Time) { s.observe("head", t, err) }(time.Now())
	return s.next.Head(ctx, at)
}

// ListAssignments implements authz.Store.
func (s *Store) ListAssignments(ctx context.Context, f authz.AssignmentFilter) (a []authz.Assignment, err error) {
	defer func(t time.Time) { s.observe("list_assignments", t, err) }(time.Now())
	return s.next.ListAssignments(ctx, f)
}

// UpsertEntity implements authz.Store.
func (s *Store) UpsertEntity(ctx context.Context, e authz.Entity, prior authz.Prior, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("upsert_entity", t, err) }(time.Now())
	return s.next.UpsertEntity(ctx, e, prior, actor)
}

// SetAccountType implements authz.Store.
func (s *Store) SetAccountType(ctx context.Context, teamID, userID string, at authz.AccountType, prior authz.Prior, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("set_account_type", t, err) }(time.Now())
	return s.next.SetAccountType(ctx, teamID, userID, at, prior, actor)
}

// SetTeamPrefs implements authz.Store.
func (s *Store) SetTeamPrefs(ctx context.Context, teamID string, prefs map[string]string, prior authz.Prior, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("set_team_prefs", t, err) }(time.Now())
	return s.next.SetTeamPrefs(ctx, teamID, prefs, prior, actor)
}

// PutRole implements authz.Store.
func (s *Store) PutRole(ctx context.Context, role authz.Role, prior authz.Prior, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("put_role", t, err) }(time.Now())
	return s.next.PutRole(ctx, role, prior, actor)
}

// DeleteRole implements authz.Store.
func (s *Store) DeleteRole(ctx context.Context, name string, prior authz.Prior, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("delete_role", t, err) }(time.Now())
	return s.next.DeleteRole(ctx, name, prior, actor)
}

// Assign implements authz.Store.
func (s *Store) Assign(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("assign", t, err) }(time.Now())
	return s.next.Assign(ctx, a, prior, actor)
}

// Expire implements authz.Store.
func (s *Store) Expire(ctx context.Context, a authz.Assignment, now time.Time, actor string) (r authz.Revision, removed bool, err error) {
	defer func(t time.Time) { s.observe("expire", t, err) }(time.Now())
	return s.next.Expire(ctx, a, now, actor)
}

// Revoke implements authz.Store.
func (s *Store) Revoke(ctx context.Context, a authz.Assignment, prior authz.Prior, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("revoke", t, err) }(time.Now())
	return s.next.Revoke(ctx, a, prior, actor)
}

// Import implements authz.Store.
func (s *Store) Import(ctx context.Context, b authz.Import, actor string) (r authz.Revision, err error) {
	defer func(t time.Time) { s.observe("import", t, err) }(time.Now())
	return s.next.Import(ctx, b, actor)
}
