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
	// Now is the clock (default time.Now).
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

	// refMu guards ref, which sync mutates in place.
	refMu     sync.RWMutex
	ref       *Reference
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
	return &Engine{store: store, catalog: catalog, now: opts.Now, maxStaleness: opts.MaxStaleness, ref: ref,
		maxUsers: int64(opts.UsersInMemory), logger: defaultLogger(opts.Logger)}, nil
}

// Catalog returns the declared model the engine checks against.
func (e *Engine) Catalog() *Catalog { return e.catalog }

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// loadUser returns the user's record: from the cache when the consistency
// allows it, otherwise a current record (readUsers), after which the
// reference data is brought up to the same revision.
func (e *Engine) loadUser(ctx context.Context, userID string, c Consistency) (*UserRecord, bool, error) {
	if rec := e.cachedUser(userID, c); rec != nil {
		return rec, false, nil
	}
	recs, err := e.readUsers(ctx, []string{userID})
	if err != nil {
		return nil, false, err
	}
	rec := &recs[0]
	if err := checkRevision(*rec, c); err != nil {
		return nil, false, err
	}
	if err := e.syncReference(ctx, rec.Revision); err != nil {
		return nil, false, err
	}
	return rec, true, nil
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

// cacheUser keeps rec in memory, first making room when the bound is
// reached (evictLeastRecent).
func (e *Engine) cacheUser(rec UserRecord) {
	if e.maxUsers == 0 {
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
// follow writes made by other processes.
func (e *Engine) Sync(ctx context.Context) (Revision, error) {
	rev, err := e.store.CurrentRevision(ctx)
	if err != nil {
		return 0, fmt.Errorf("read current revision: %w", err)
	}
	return rev, e.syncReference(ctx, rev)
}

// Revision returns the revision the engine's reference data reflects.
func (e *Engine) Revision() Revision {
	e.refMu.RLock()
	defer e.refMu.RUnlock()
	return e.ref.Revision
}
