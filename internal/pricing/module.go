package pricing

import (
	"database/sql"
	"embed"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Permissions of the pricing routes. The quote needs only PermRead, so the POS employee role that
// rings up sales must hold pricing.read (sale's own routes call the quote service directly).
const (
	PermRead   = "pricing.read"
	PermWrite  = "pricing.write"
	PermDelete = "pricing.delete"
)

// Module is the pricing module: the stored fares, rules, taxes and promotions of each merchant,
// their CRUD routes, and the quote service that prices orders with the engine.
type Module struct {
	db      *db.DB
	ids     *id.Generator
	catalog Catalog
	log     *slog.Logger
	now     func() time.Time
	cache   *engineCache
	stmtMu  sync.Mutex
	stmts   map[string]*sql.Stmt // prepared statements of the quote's hot path, by SQL

	fareSets   *query.Table[FareSet]
	fares      *query.Table[FareRow]
	rules      *query.Table[FareRule]
	costs      *query.Table[Cost]
	taxTypes   *query.Table[TaxTypeRow]
	taxes      *query.Table[TaxRow]
	taxSets    *query.Table[TaxSet]
	promotions *query.Table[PromotionRow]
	usages     *query.Table[PromotionUsage]
}

// Deps are what the module needs: the database, ids, the catalog that resolves variants and
// merchants (commerce, adapted by internal/app) and a logger.
type Deps struct {
	DB      *db.DB
	IDs     *id.Generator
	Catalog Catalog
	Log     *slog.Logger
}

// CacheSize is how many merchants' engines a module keeps built; past it, an arbitrary one is
// dropped and rebuilt on its next quote.
const CacheSize = 10_000

// New builds the module.
func New(d Deps) *Module {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	m := &Module{db: d.DB, ids: d.IDs, catalog: d.Catalog, log: d.Log, now: time.Now, cache: newEngineCache(CacheSize),
		stmts: map[string]*sql.Stmt{}}
	m.fareSets = query.NewTable[FareSet]("fare set", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"code ASC"}})
	m.fares = query.NewTable[FareRow]("fare", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.rules = query.NewTable[FareRule]("fare rule", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"priority DESC"}})
	m.costs = query.NewTable[Cost]("cost", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.taxTypes = query.NewTable[TaxTypeRow]("tax type", d.DB, d.IDs, query.Options{Order: []string{"id ASC"}})
	m.taxes = query.NewTable[TaxRow]("tax", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"code ASC"}})
	m.taxSets = query.NewTable[TaxSet]("tax set", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"priority DESC"}})
	m.promotions = query.NewTable[PromotionRow]("promotion", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"priority DESC"}})
	m.usages = query.NewTable[PromotionUsage]("promotion usage", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"usedAt DESC"}})

	m.fareSets.HasMany("fares", m.fares, "id", "fareSetId")
	m.fares.BelongsTo("fareSet", m.fareSets, "fareSetId", "id")
	m.taxes.HasMany("taxSets", m.taxSets, "id", "taxId")
	m.taxSets.BelongsTo("tax", m.taxes, "taxId", "id")
	m.promotions.HasMany("usages", m.usages, "id", "promotionId")
	m.usages.BelongsTo("promotion", m.promotions, "promotionId", "id")
	return m
}

// Migrations returns the module's schema (PostgreSQL schema pricing).
func (m *Module) Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return db.Migrations{Module: "pricing", Schema: "pricing", FS: sub}
}
