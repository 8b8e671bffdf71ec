package authz

import (
	"context"
	"errors"
	"fmt"
)

// readUsers returns the current records of distinct users, as of a read
// made after the call began. When the store keeps user versions, it reads
// only the versions, answers the users held in memory at their current
// version from memory, and reads the others in full; otherwise it reads
// every user in full. Records read in full are kept in memory (and serve
// bounded-staleness checks too) if the engine is still in epoch.
func (e *Engine) readUsers(ctx context.Context, ids []string, epoch uint64) ([]UserRecord, error) {
	vr, ok := e.store.(UserVersionReader)
	if !ok || e.noVersions.Load() || e.maxUsers == 0 {
		return e.loadAndKeep(ctx, ids, epoch)
	}
	var versions []Revision
	var current Revision
	var err error
	if len(ids) == 1 {
		var one Revision
		one, current, err = e.versionReads(vr).get(ctx, ids[0])
		versions = []Revision{one}
	} else {
		versions, current, err = vr.UserVersions(ctx, ids)
	}
	if errors.Is(err, errors.ErrUnsupported) {
		e.noVersions.Store(true)
		return e.loadAndKeep(ctx, ids, epoch)
	}
	if err != nil {
		return nil, fmt.Errorf("read versions of %s: %w", describeIDs(ids), err)
	}
	if len(versions) != len(ids) {
		return nil, fmt.Errorf("read versions of %s: store returned %d", describeIDs(ids), len(versions))
	}
	recs := make([]UserRecord, len(ids))
	now := e.now().UnixNano()
	var stale []int
	for i, id := range ids {
		if v, ok := e.users.Load(id); ok {
			if cu := v.(*cachedUser); cu.rec.Version == versions[i] {
				recs[i] = cu.rec
				recs[i].Revision = current
				cu.verifiedAt.Store(now)
				continue
			}
		}
		stale = append(stale, i)
	}
	if len(stale) == 0 {
		return recs, nil
	}
	staleIDs := make([]string, len(stale))
	for k, i := range stale {
		staleIDs[k] = ids[i]
	}
	loaded, err := e.loadUsers(ctx, staleIDs)
	if err != nil {
		return nil, err
	}
	for k, i := range stale {
		recs[i] = loaded[k]
		e.cacheUser(loaded[k], epoch)
	}
	return recs, nil
}

// loadAndKeep reads users in full and keeps them in memory.
func (e *Engine) loadAndKeep(ctx context.Context, ids []string, epoch uint64) ([]UserRecord, error) {
	recs, err := e.loadUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		e.cacheUser(r, epoch)
	}
	return recs, nil
}

// loadUsers reads the full records of distinct user ids, in order: in one
// read when the store is a UserBatchLoader that supports it, else one read
// per user.
func (e *Engine) loadUsers(ctx context.Context, ids []string) ([]UserRecord, error) {
	if bl, ok := e.store.(UserBatchLoader); ok && len(ids) > 1 {
		recs, err := bl.LoadUsers(ctx, ids)
		switch {
		case errors.Is(err, errors.ErrUnsupported):
			// Read them one by one, below.
		case err != nil:
			return nil, fmt.Errorf("load %s: %w", describeIDs(ids), err)
		case len(recs) != len(ids):
			return nil, fmt.Errorf("load %s: store returned %d records", describeIDs(ids), len(recs))
		default:
			return recs, nil
		}
	}
	recs := make([]UserRecord, len(ids))
	for k, id := range ids {
		rec, err := e.store.LoadUser(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("load user %s: %w", id, err)
		}
		recs[k] = rec
	}
	return recs, nil
}

// describeIDs names a set of users for an error message.
func describeIDs(ids []string) string {
	if len(ids) == 1 {
		return "user " + ids[0]
	}
	return fmt.Sprintf("%d users (%s, ...)", len(ids), ids[0])
}

// versionReads returns the engine's merger of single-user version reads
// from vr.
func (e *Engine) versionReads(vr UserVersionReader) *versionReads {
	e.versionsOnce.Do(func() {
		e.versions = &versionReads{read: vr.UserVersions, limit: concurrentVersionReads}
	})
	return e.versions
}

// concurrentVersionReads is how many merged version reads run at once.
const concurrentVersionReads = 2
