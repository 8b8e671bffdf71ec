package teamchat

import (
	"context"
	"fmt"
	"github.com/bastionhq/bastion/internal/slackbot"
	"sync"
	"time"

	"github.com/bastionhq/bastion/slackapp"
)

// Defaults of CacheOptions.
const (
	// DefaultCacheTTL is how long a team's records are answered from
	// memory: the longest an uninstall or reinstall applied by another
	// process goes unseen here.
	DefaultCacheTTL = 30 * time.Second
	// DefaultCacheTeams bounds how many teams are kept.
	DefaultCacheTeams = 10_000
)

// CacheOptions configure a Cache.
type CacheOptions struct {
	// TTL is how long a team's records are kept; zero or negative turns
	// the cache off (every lookup reads the store).
	TTL time.Duration
	// MaxTeams bounds the teams kept (default DefaultCacheTeams); when
	// full, expired entries and then arbitrary ones make room.
	MaxTeams int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Cache keeps each team's installation records in memory for a short
// TTL, so that the lookups of every event (the ingress's active check, the
// worker's bot user and client) do not each read the installation store.
// It is an Installations for Source, and Gate makes it the ingress's
// InstallationGate.
//
// A team's entry is dropped at once by Forget (Gate calls it for
// app_uninstalled and tokens_revoked) and every entry by Clear (after an
// install in this process), so changes made here take effect at once and
// changes made by other processes within the TTL. A failed read is never
// kept, and a read that was under way while an entry was dropped does not
// put its (possibly older) answer back.
type Cache struct {
	store Installations
	ttl   time.Duration
	max   int
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry
	// gen counts invalidations; a read only fills the cache when none
	// happened while it ran.
	gen uint64
}

type cacheEntry struct {
	list    []slackapp.Installation
	expires time.Time
}

// NewCache returns a cache over store.
func NewCache(store Installations, opts CacheOptions) *Cache {
	if opts.MaxTeams <= 0 {
		opts.MaxTeams = DefaultCacheTeams
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{store: store, ttl: opts.TTL, max: opts.MaxTeams, now: opts.Now, entries: map[string]cacheEntry{}}
}

// TeamInstallations returns teamID's records, from memory while they are
// younger than the TTL. The slice is shared: callers must not modify it.
func (c *Cache) TeamInstallations(ctx context.Context, teamID string) ([]slackapp.Installation, error) {
	if c.ttl <= 0 {
		return c.store.TeamInstallations(ctx, teamID)
	}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[teamID]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.list, nil
	}
	list, err := c.store.TeamInstallations(ctx, teamID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return list, nil
	}
	if _, ok := c.entries[teamID]; !ok && len(c.entries) >= c.max {
		c.makeRoom(now)
	}
	c.entries[teamID] = cacheEntry{list: list, expires: now.Add(c.ttl)}
	return list, nil
}

// makeRoom drops expired entries and, when that is not enough, arbitrary
// ones until an eighth of the cache is free, so a full cache is swept
// once per max/8 new teams. c.mu is held.
func (c *Cache) makeRoom(now time.Time) {
	for team, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, team)
		}
	}
	for team := range c.entries {
		if len(c.entries) < c.max-c.max/8 {
			break
		}
		delete(c.entries, team)
	}
}

// Forget drops teamID's entry: its next lookup reads the store.
func (c *Cache) Forget(teamID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, teamID)
	c.gen++
}

// Clear drops every entry, e.g. after an install or reinstall.
func (c *Cache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.gen++
}

// Gate returns gate with its active check answered from the cache and
// its lifecycle events dropping the team's entry once applied. gate must
// keep its installations in the cache's store (a *slackapp.Service over
// that store), whose rule (slackapp.ActiveInstallation) it applies.
func (c *Cache) Gate(gate slackbot.InstallationGate) slackbot.InstallationGate {
	return cachedGate{cache: c, gate: gate}
}

type cachedGate struct {
	cache *Cache
	gate  slackbot.InstallationGate
}

func (g cachedGate) IsActive(ctx context.Context, teamID string) (bool, error) {
	if g.cache.ttl <= 0 {
		return g.gate.IsActive(ctx, teamID)
	}
	list, err := g.cache.TeamInstallations(ctx, teamID)
	if err != nil {
		return false, fmt.Errorf("is team %s active: %w", teamID, err)
	}
	_, active := slackapp.ActiveInstallation(list)
	return active, nil
}

// HandleLifecycleEvent applies the event, then drops the team's entry,
// also when applying failed part way.
func (g cachedGate) HandleLifecycleEvent(ctx context.Context, teamID, eventType string) (bool, error) {
	handled, err := g.gate.HandleLifecycleEvent(ctx, teamID, eventType)
	g.cache.Forget(teamID)
	return handled, err
}
