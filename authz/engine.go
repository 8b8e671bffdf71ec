package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxStaleness bounds how old a BoundedStaleness answer may be.
const DefaultMaxStaleness = time.Second

// DefaultUsersInMemory is how many users' records an engine keeps by
// default (Options.UsersInMemory).
const DefaultUsersInMemory = 100_000

// ErrStale is returned when the store cannot show a revision the request
// asked for with AtLeastRevision.
var ErrStale = errors.New("store is behind the requested revision")

// Options tune an Engine. The zero value is usable.
type Options struct {
	// MaxStaleness bounds BoundedStaleness answers (default 1 s).
	MaxStaleness time.Duration
	// Now is the clock (default time.Now). It is the one clock assignments
	// end by: every check reads it to decide whether an assignment has
	// ended, and the sweeper (Sweep) to remove ended ones. Processes
	// sharing a store must keep their clocks in step (NTP); a check never
	// grants past an end by its own clock, whatever the store holds.
	Now func() time.Time
	// Logger receives Follow's warnings (default slog.Default()).
	Logger *slog.Logger
	// UsersInMemory bounds the user records kept in memory (default
	// DefaultUsersInMemory; negative keeps none). Authoritative checks of a
	// user held in memory read only the user's version; bounded-staleness
	// checks read nothing. At the bound, the half of the users verified
	// longest ago is forgotten. A record
	// takes about 2.3 KB with 10 assignments (BenchmarkUsersInMemory).
	UsersInMemory int
}

// Engine answers permission checks and applies validated writes.
type Engine struct {
	store        Store
	catalog      *Catalog
	now          func() time.Time
	maxStaleness time.Duration

	// refMu guards ref, which sync mutates in place, and the history the
	// engine follows: last, epoch, broken, brokenWhy.
	refMu sync.RWMutex
	ref   *Reference
	// last is the newest change-log entry ref reflects (nil for none),
	// compared with the store's to notice a history that is not the one
	// followed (checkHead).
	last *Change
	// epoch counts the times everything held was replaced because the
	// store's history was not the one followed; a check that began in an
	// earlier epoch starts again.
	epoch uint64
	// broken is set (to an ErrUnavailable) while the engine holds data of
	// a history the store no longer has and could not read it again;
	// brokenWhy says what was found.
	broken    error
	brokenWhy string
	refreshMu sync.Mutex // one change-log reader at a time

	users     sync.Map // user id -> *cachedUser
	userCount atomic.Int64
	maxUsers  int64 // bound on userCount; 0 keeps none
	evicting  atomic.Bool
	// noVersions is set once the store said it keeps no user versions.
	noVersions atomic.Bool
	// versions merges the version reads of concurrent checks.
	versionsOnce sync.Once
	versions     *versionReads

	hub    hub
	logger *slog.Logger
	// sweepWake tells RunSweeper of an assignment with an end.
	sweepWake chan struct{}
}

type cachedUser struct {
	rec UserRecord
	// verifiedAt (unix nanoseconds) is when the store last showed rec to
	// be current: when it was read, or when a version read matched it.
	verifiedAt atomic.Int64
}

// NewEngine loads the reference data from store and returns an engine that
// checks against catalog.
func NewEngine(ctx context.Context, store Store, catalog *Catalog, opts Options) (*Engine, error) {
	if opts.MaxStaleness <= 0 {
		opts.MaxStaleness = DefaultMaxStaleness
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case opts.UsersInMemory == 0:
		opts.UsersInMemory = DefaultUsersInMemory
	case opts.UsersInMemory < 0:
		opts.UsersInMemory = 0
	}
	if err := catalog.CheckDepth(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	ref, err := store.LoadReference(ctx)
	if err != nil {
		return nil, fmt.Errorf("load reference data: %w", err)
	}
	ref.init()
	return &Engine{store: store, catalog: catalog, now: opts.Now, maxStaleness: opts.MaxStaleness, ref: ref, last: ref.Last,
		maxUsers: int64(opts.UsersInMemory), logger: defaultLogger(opts.Logger), sweepWake: make(chan struct{}, 1)}, nil
}

// Catalog returns the declared model the engine checks against.
func (e *Engine) Catalog() *Catalog { return e.catalog }

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// loadUser returns the user's record: from the cache when the consistency
// allows it, otherwise a current record (readUsers), after which the
// reference data is brought up to the same revision. It also returns the
// engine's epoch the record belongs to: the answer must be decided in it
// (sameHistory).
func (e *Engine) loadUser(ctx context.Context, userID string, c Consistency) (*UserRecord, bool, uint64, error) {
	p := e.position()
	if err := e.repair(ctx, p); err != nil {
		return nil, false, 0, err
	}
	if p.broken != nil {
		p = e.position()
	}
	if rec := e.cachedUser(userID, c); rec != nil {
		return rec, false, p.epoch, nil
	}
	recs, err := e.readUsers(ctx, []string{userID}, p.epoch)
	if err != nil {
		return nil, false, 0, err
	}
	rec := &recs[0]
	if err := e.checkNotBehind(ctx, p, rec.Revision); err != nil {
		return nil, false, 0, err
	}
	if err := checkRevision(*rec, c); err != nil {
		return nil, false, 0, err
	}
	if err := e.syncReference(ctx, rec.Revision); err != nil {
		return nil, false, 0, err
	}
	return rec, true, p.epoch, nil
}

// checkNotBehind compares the revision of a read that began after the
// engine stood at p with p: a store behind what the engine had followed
// went back in time, so the engine reads it again in full and the check
// starts over (errHistoryChanged).
func (e *Engine) checkNotBehind(ctx context.Context, p position, rev Revision) error {
	if rev >= p.revision {
		return nil
	}
	if _, err := e.reread(ctx, p.epoch, wentBack(rev, p.revision)); err != nil {
		return err
	}
	return errHistoryChanged
}

// cachedUser returns the user's cached record when c allows a cached
// answer and the cache holds one fresh enough, else nil.
func (e *Engine) cachedUser(userID string, c Consistency) *UserRecord {
	if c.Mode != BoundedStaleness {
		return nil
	}
	v, ok := e.users.Load(userID)
	if !ok {
		return nil
	}
	cu := v.(*cachedUser)
	if e.now().Sub(time.Unix(0, cu.verifiedAt.Load())) > e.maxStaleness || cu.rec.Revision < c.AtLeastRevision {
		return nil
	}
	return &cu.rec
}

// checkRevision fails when a record read from the store is older than the
// revision c asks for.
func checkRevision(rec UserRecord, c Consistency) error {
	if rec.Revision < c.AtLeastRevision {
		return fmt.Errorf("%w: at revision %d, asked for %d", ErrStale, rec.Revision, c.AtLeastRevision)
	}
	return nil
}

// cacheUser keeps rec, read in epoch, in memory, first making room when
// the bound is reached (evictLeastRecent). A record of an earlier epoch
// (read before the engine replaced what it held) is not kept.
func (e *Engine) cacheUser(rec UserRecord, epoch uint64) {
	if e.maxUsers == 0 {
		return
	}
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	if e.epoch != epoch || e.broken != nil {
		return
	}
	if n := e.userCount.Load(); n >= e.maxUsers && e.evicting.CompareAndSwap(false, true) {
		evict := func() {
			e.evictLeastRecent()
			e.evicting.Store(false)
		}
		if n < evictInlineBelow {
			evict()
		} else {
			// 61 ms at 100,000 users (BenchmarkEvictLeastRecent): not on
			// a check's path.
			go evict()
		}
	}
	cu := &cachedUser{rec: rec}
	cu.verifiedAt.Store(e.now().UnixNano())
	if _, loaded := e.users.Swap(rec.UserID, cu); !loaded {
		e.userCount.Add(1)
	}
}

// Sync brings the reference data and the user cache up to the store's
// current revision. Servers call it periodically so that cached answers
// follow writes made by other processes. It first compares the store's
// head with the history the engine follows (its store id, its revision,
// the change last applied) and, when the store was restored or created
// anew, reads it again in full; it fails with ErrUnavailable while that
// read fails.
func (e *Engine) Sync(ctx context.Context) (Revision, error) {
	rev, err := e.checkHead(ctx)
	if err != nil {
		return 0, err
	}
	return rev, e.syncReference(ctx, rev)
}

// Ready reports whether the engine can answer: the store answers, and its
// history is the one the engine holds (Sync). The error says why not.
func (e *Engine) Ready(ctx context.Context) error {
	_, err := e.Sync(ctx)
	return err
}

// Revision returns the revision the engine's reference data reflects.
func (e *Engine) Revision() Revision {
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	return e.ref.Revision
}
