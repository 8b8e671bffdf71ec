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

// maxCachedUsers bounds the user cache; past it the cache starts over.
const maxCachedUsers = 200_000

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

	hub    hub
	logger *slog.Logger
}

type cachedUser struct {
	rec       UserRecord
	fetchedAt time.Time
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
	ref, err := store.LoadReference(ctx)
	if err != nil {
		return nil, fmt.Errorf("load reference data: %w", err)
	}
	return &Engine{store: store, catalog: catalog, now: opts.Now, maxStaleness: opts.MaxStaleness, ref: ref, logger: defaultLogger(opts.Logger)}, nil
}

// Catalog returns the declared model the engine checks against.
func (e *Engine) Catalog() *Catalog { return e.catalog }

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// loadUser returns the user's record: from the cache when the consistency
// allows it, otherwise from the store, after which the reference data is
// brought up to the same revision.
func (e *Engine) loadUser(ctx context.Context, userID string, c Consistency) (*UserRecord, bool, error) {
	if c.Mode == BoundedStaleness {
		if v, ok := e.users.Load(userID); ok {
			cu := v.(*cachedUser)
			if e.now().Sub(cu.fetchedAt) <= e.maxStaleness && cu.rec.Revision >= c.AtLeastRevision {
				return &cu.rec, false, nil
			}
		}
	}
	rec, err := e.store.LoadUser(ctx, userID)
	if err != nil {
		return nil, false, fmt.Errorf("load user %s: %w", userID, err)
	}
	if rec.Revision < c.AtLeastRevision {
		return nil, false, fmt.Errorf("%w: at revision %d, asked for %d", ErrStale, rec.Revision, c.AtLeastRevision)
	}
	if err := e.syncReference(ctx, rec.Revision); err != nil {
		return nil, false, err
	}
	if c.Mode == BoundedStaleness {
		e.cacheUser(rec)
	}
	return &rec, true, nil
}

func (e *Engine) cacheUser(rec UserRecord) {
	if e.userCount.Load() >= maxCachedUsers {
		e.users.Clear()
		e.userCount.Store(0)
	}
	if _, loaded := e.users.Swap(rec.UserID, &cachedUser{rec: rec, fetchedAt: e.now()}); !loaded {
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
