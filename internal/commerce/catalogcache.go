package commerce

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
)

// catalogCache keeps what sale and pricing read of a merchant's catalog (its MerchantInfo and
// the VariantInfo of each variant asked for) so that an order does not read the merchant, its
// variants, their modifier groups and options on every request.
//
// Staleness is decided by the database, as for pricing's engines: triggers give the merchant's
// row of catalog_versions a new value in the same transaction as any write of the rows these
// are built from, whoever makes it (the API, a bulk update, a seed, another process). An
// operation reads that one row by primary key, once (platform/memo), and uses a cached entry only
// when it was read at the same value. The version is read before the rows it tags, so an entry
// is never older than its version; a value is never reused, also after a rollback, so rows read
// by a transaction that rolled back never pass for current.
//
// Entries are the merchant's, whoever asked: the caller's tenant scope is applied on every read.
// Values are shared by concurrent operations and must not be changed by callers. The cache holds
// at most max merchants; past that it drops an arbitrary one.
type catalogCache struct {
	mu      sync.Mutex
	max     int
	entries map[id.ID]*catalogEntry
	reads   atomic.Int64 // catalog reads that missed: for tests and metrics
}

type catalogEntry struct {
	version  int64
	merchant *MerchantInfo
	variants map[id.ID]VariantInfo
}

func newCatalogCache(max int) *catalogCache {
	return &catalogCache{max: max, entries: map[id.ID]*catalogEntry{}}
}

// entry returns the merchant's entry at version, emptied when it was at another. Callers hold mu.
func (c *catalogCache) entry(merchantID id.ID, version int64) *catalogEntry {
	e, ok := c.entries[merchantID]
	if ok && e.version == version {
		return e
	}
	if !ok && len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	e = &catalogEntry{version: version, variants: map[id.ID]VariantInfo{}}
	c.entries[merchantID] = e
	return e
}

func (c *catalogCache) merchant(merchantID id.ID, version int64) (MerchantInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[merchantID]; ok && e.version == version && e.merchant != nil {
		return *e.merchant, true
	}
	return MerchantInfo{}, false
}

func (c *catalogCache) putMerchant(version int64, mi MerchantInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entry(mi.ID, version).merchant = &mi
}

// variants returns the cached variants among ids and the ids it does not hold.
func (c *catalogCache) variants(merchantID id.ID, version int64, ids []id.ID) (map[id.ID]VariantInfo, []id.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hit := make(map[id.ID]VariantInfo, len(ids))
	var missing []id.ID
	e, ok := c.entries[merchantID]
	for _, v := range ids {
		if ok && e.version == version {
			if vi, found := e.variants[v]; found {
				hit[v] = vi
				continue
			}
		}
		missing = append(missing, v)
	}
	return hit, missing
}

func (c *catalogCache) putVariants(merchantID id.ID, version int64, vs map[id.ID]VariantInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(merchantID, version)
	for k, v := range vs {
		e.variants[k] = v
	}
}

type versionKey struct{ merchant id.ID }

// catalogVersion reads the merchant's catalog version, once per operation. A merchant whose
// catalog has not changed since the table was made has none: 0.
func (m *Module) catalogVersion(ctx context.Context, merchantID id.ID) (int64, error) {
	if v, ok := memo.Get[int64](ctx, versionKey{merchantID}); ok {
		return v, nil
	}
	v, err := m.readCatalogVersion(ctx, merchantID)
	if err != nil {
		return 0, err
	}
	memo.Put(ctx, versionKey{merchantID}, v)
	return v, nil
}

// CatalogReads counts the reads of merchants and variants that the catalog cache could not
// answer, for tests and metrics.
func (m *Module) CatalogReads() int64 { return m.catalog.reads.Load() }
