package pricing

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/banapos/bana/internal/platform/id"
)

// snapshot is one merchant's pricing, compiled: what a quote needs besides the catalog and the
// usage counts. It is immutable once built and shared by concurrent quotes.
type snapshot struct {
	version     int64           // the merchant's pricing version it was read at
	merchant    CatalogMerchant // the catalog settings it was built with
	engine      *Engine
	currency    string
	defaultTax  Tax
	sets        []fareSetFares // ACTIVE fare sets by priority, then id
	taxSets     []taxCover     // ACTIVE tax sets by priority, then id
	autoLimited []id.ID        // automatic promotions with a usage limit
	codeLimited map[string]id.ID
}

// fareSetFares is a fare set and its fares by variant.
type fareSetFares struct {
	id       id.ID
	channels []string
	fares    map[id.ID][]Fare
}

// taxCover is a tax set: its tax and what it covers.
type taxCover struct {
	tax        Tax
	all        bool
	variants   map[id.ID]bool
	categories map[string]bool
}

func (c *taxCover) covers(v *CatalogVariant) bool {
	if c.all || c.variants[v.VariantID] {
		return true
	}
	return slices.ContainsFunc(v.Categories, func(cat string) bool { return c.categories[cat] })
}

// engineCache keeps each merchant's snapshot built, so a quote does not read and compile the
// merchant's rules, fares, taxes and promotions every time.
//
// Staleness is decided by the database, not by this process: triggers on the pricing tables bump
// the merchant's row of pricing_versions in the same transaction as any insert, update or delete
// of its rows, whoever makes it (a CRUD route, an updateBy or deleteBy, a restore, a seed, another
// process). Each quote reads that one row by primary key and rebuilds when it differs from the
// cached snapshot's, so the quote after a committed change always sees it, in every process, with
// no time-to-live and no message bus. A snapshot records the version read in the same
// transaction as its rows, so a change committed during a rebuild makes the next quote rebuild
// again rather than keep a stale mix.
//
// Concurrent quotes of a merchant whose snapshot is stale wait for one rebuild instead of each
// doing their own. The cache holds at most max merchants; past that it drops an arbitrary one,
// which its next quote rebuilds.
type engineCache struct {
	mu      sync.Mutex
	max     int
	entries map[id.ID]*snapshot
	flights map[id.ID]*flight
	builds  atomic.Int64 // snapshots built: for tests and metrics
}

// flight is a rebuild in progress.
type flight struct {
	from     int64 // version seen before the rebuild started; the snapshot's is at least this
	merchant CatalogMerchant
	done     chan struct{}
	snap     *snapshot
	err      error
}

func newEngineCache(max int) *engineCache {
	return &engineCache{max: max, entries: map[id.ID]*snapshot{}, flights: map[id.ID]*flight{}}
}

// snapshot returns the merchant's current snapshot, rebuilding it when its pricing rows or
// catalog settings changed since it was built.
func (m *Module) snapshot(ctx context.Context, merchantID id.ID, cm CatalogMerchant) (*snapshot, error) {
	v, err := m.version(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	c := m.cache
	c.mu.Lock()
	if s := c.entries[merchantID]; s != nil && s.version >= v && s.merchant == cm {
		c.mu.Unlock()
		return s, nil
	}
	if f := c.flights[merchantID]; f != nil && f.from >= v && f.merchant == cm {
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err == nil {
			return f.snap, nil
		}
		// The rebuild failed, maybe for its own caller's reason (a cancelled request): try once more.
		return m.load(ctx, merchantID, cm)
	}
	f := &flight{from: v, merchant: cm, done: make(chan struct{})}
	c.flights[merchantID] = f
	c.mu.Unlock()

	f.snap, f.err = m.load(ctx, merchantID, cm)

	c.mu.Lock()
	if c.flights[merchantID] == f {
		delete(c.flights, merchantID)
	}
	if f.err == nil {
		c.store(merchantID, f.snap)
	}
	c.mu.Unlock()
	close(f.done)
	return f.snap, f.err
}

// store keeps s unless a newer snapshot of the merchant is already there. c.mu is held.
func (c *engineCache) store(merchantID id.ID, s *snapshot) {
	if old := c.entries[merchantID]; old != nil && old.version > s.version {
		return
	}
	c.entries[merchantID] = s
	for other := range c.entries {
		if len(c.entries) <= c.max {
			break
		}
		if other != merchantID {
			delete(c.entries, other)
		}
	}
}
