package rolesdiff

import (
	"context"
	"errors"
	"fmt"

	"github.com/bastionhq/bastion/authz"
)

// FromStore returns a Source reading through a permission store, such as
// an engine's (Engine.Store), for previews made inside a running service.
// Unlike store/authzsql's Reader it reads no single snapshot, and it holds
// a role's assignments in memory at once: use it for one write's preview,
// and the Reader for a roles file's on a large organisation.
func FromStore(st authz.Store) Source { return storeSource{st} }

type storeSource struct{ st authz.Store }

func (s storeSource) Reference(ctx context.Context) (*authz.Reference, error) {
	return s.st.LoadReference(ctx)
}

func (s storeSource) EachAssignmentOfRole(ctx context.Context, role string, fn func(userID, entityID string) error) error {
	list, err := s.st.ListAssignments(ctx, authz.AssignmentFilter{Role: role})
	if err != nil {
		return err
	}
	for _, a := range list {
		if err := fn(a.UserID, a.EntityID); err != nil {
			return err
		}
	}
	return nil
}

func (s storeSource) EachAssignmentOn(ctx context.Context, entityID string, fn func(userID, role string) error) error {
	list, err := s.st.ListAssignments(ctx, authz.AssignmentFilter{EntityID: entityID})
	if err != nil {
		return err
	}
	for _, a := range list {
		if err := fn(a.UserID, a.Role); err != nil {
			return err
		}
	}
	return nil
}

func (s storeSource) EachAccountType(ctx context.Context, userIDs []string, fn func(userID string, a authz.AccountTypeRecord) error) error {
	recs, err := s.Users(ctx, userIDs)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		for _, a := range rec.AccountTypes {
			if err := fn(rec.UserID, a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s storeSource) Users(ctx context.Context, userIDs []string) ([]authz.UserRecord, error) {
	if bl, ok := s.st.(authz.UserBatchLoader); ok {
		recs, err := bl.LoadUsers(ctx, userIDs)
		if !errors.Is(err, errors.ErrUnsupported) {
			return recs, err
		}
	}
	recs := make([]authz.UserRecord, len(userIDs))
	for i, id := range userIDs {
		rec, err := s.st.LoadUser(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read user %s: %w", id, err)
		}
		recs[i] = rec
	}
	return recs, nil
}
