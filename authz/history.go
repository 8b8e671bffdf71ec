package authz

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnavailable marks an answer the engine refuses because it cannot
// vouch for the data behind it: the store's history is not the one it
// followed (restored from a backup, or created anew) and reading the store
// again in full failed, or the history changed while the check ran. Ask
// again; the engine reads the store again in the meantime.
var ErrUnavailable = errors.New("permission store unavailable")

// errHistoryChanged is the error of a check during which the engine
// replaced everything it held, because the store's history was not the
// one it followed: what the check read may belong to the old history.
var errHistoryChanged = fmt.Errorf("%w: the store's history changed while the check ran (restored or created anew); ask again", ErrUnavailable)

// historyAttempts bounds how many times a check starts again after the
// engine replaced what it held during the check.
const historyAttempts = 3

// position is where the engine stands in the store's history.
type position struct {
	revision Revision
	// epoch counts the times the engine replaced everything it held
	// because the store's history was not the one it followed.
	epoch uint64
	// broken is set while the engine holds data of a history the store no
	// longer has and could not read the store again; why says what was
	// found.
	broken error
	why    string
}

// position returns where the engine stands.
func (e *Engine) position() position {
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	return position{revision: e.ref.Revision, epoch: e.epoch, broken: e.broken, why: e.brokenWhy}
}

// sameHistory reports whether the engine still follows the history it
// stood in at p: nothing was replaced since, and nothing needs to be.
// e.refMu is held.
func (e *Engine) sameHistory(p position) error {
	switch {
	case e.broken != nil:
		return e.broken
	case e.epoch != p.epoch:
		return errHistoryChanged
	}
	return nil
}

// checkHead compares the store's head (its id, revision, and the change
// at the revision the engine last applied) with the history the engine
// follows, reads the store again in full when they differ, and returns the
// store's revision.
func (e *Engine) checkHead(ctx context.Context) (Revision, error) {
	e.refMu.RLock()
	last, storeID := e.last, e.ref.StoreID
	e.refMu.RUnlock()
	p := e.position()
	var at Revision
	if last != nil {
		at = last.Revision
	}
	head, err := e.store.Head(ctx, at)
	if err != nil {
		return 0, fmt.Errorf("read the store's head: %w", err)
	}
	var why string
	switch {
	case p.broken != nil:
		why = p.why
	case head.StoreID != storeID:
		why = fmt.Sprintf("the store's id is %q, not %q as when this process read it: it was created anew", head.StoreID, storeID)
	case head.Revision < p.revision:
		why = wentBack(head.Revision, p.revision)
	case last != nil && (head.At == nil || !sameChange(*head.At, *last)):
		why = fmt.Sprintf("the change at revision %d is not the one this process applied: the store's history was replaced", last.Revision)
	default:
		return head.Revision, nil
	}
	return e.reread(ctx, p.epoch, why)
}

// wentBack explains a store found at revision rev after the engine had
// followed it to followed.
func wentBack(rev, followed Revision) string {
	return fmt.Sprintf("the store is at revision %d, behind revision %d that this process followed: it went back in time (restored from a backup?)", rev, followed)
}

// reread replaces everything the engine holds with a full read of the
// store, because its history is not the one the engine followed (why),
// unless that was done since the engine stood at epoch. Until a read
// succeeds every check fails with ErrUnavailable. It returns the revision
// read.
func (e *Engine) reread(ctx context.Context, epoch uint64, why string) (Revision, error) {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	return e.rereadLocked(ctx, epoch, why)
}

// rereadLocked is reread; e.refreshMu is held.
func (e *Engine) rereadLocked(ctx context.Context, epoch uint64, why string) (Revision, error) {
	e.refMu.Lock()
	if e.epoch != epoch && e.broken == nil {
		rev := e.ref.Revision
		e.refMu.Unlock()
		return rev, nil
	}
	if e.broken == nil {
		e.logger.Warn("the permission store's history is not the one this process followed; reading it again in full", "reason", why)
	}
	// Nothing held may answer until the read below succeeds.
	e.epoch++
	e.broken, e.brokenWhy = fmt.Errorf("%w: %s", ErrUnavailable, why), why
	e.users.Clear()
	e.userCount.Store(0)
	e.refMu.Unlock()
	ref, err := e.store.LoadReference(ctx)
	if err != nil {
		e.refMu.Lock()
		e.broken = fmt.Errorf("%w: %s; reading it again failed: %v", ErrUnavailable, why, err)
		broken := e.broken
		e.refMu.Unlock()
		return 0, broken
	}
	e.replaceReference(ref)
	e.logger.Info("read the permission store again in full", "revision", ref.Revision, "store_id", ref.StoreID)
	return ref.Revision, nil
}

// replaceReference makes ref the engine's reference data, forgets every
// user held, and tells every subscriber to look again.
func (e *Engine) replaceReference(ref *Reference) {
	ref.init()
	e.refMu.Lock()
	e.ref = ref
	e.last = ref.Last
	e.epoch++
	e.broken, e.brokenWhy = nil, ""
	e.users.Clear()
	e.userCount.Store(0)
	e.refMu.Unlock()
	e.hub.notifyAll(ref.Revision)
}

// repair reads the store again when the engine is broken, and returns the
// error that remains.
func (e *Engine) repair(ctx context.Context, p position) error {
	if p.broken == nil {
		return nil
	}
	_, err := e.reread(ctx, p.epoch, p.why)
	return err
}

// sameChange reports whether a and b are the same change-log entry.
func sameChange(a, b Change) bool {
	return a.Revision == b.Revision && a.At.Equal(b.At) && a.Actor == b.Actor && a.Kind == b.Kind && a.Key == b.Key &&
		a.UserID == b.UserID && a.TeamID == b.TeamID && a.EntityID == b.EntityID && a.Before == b.Before && a.After == b.After
}
