// Package pricing owns pricing (the document's schema pricing): fare sets and fares, fare rules,
// costs, taxes, tax sets and tax types, promotions and their redemptions, their CRUD routes, and
// the quote that combines them.
//
// The engine (NewEngine, Engine.Quote) is pure: no I/O, no clock, no randomness. The Module
// stores the rows, builds each merchant's Engine from them (cached until they change, see
// engineCache), resolves each line's variant, options, fare set and tax through the Catalog
// interface, counts the promotions' redemptions, and serves POST /pricing/quote. The same request
// always gives the same quote, and every number of the quote is explained.
//
// # Order of evaluation
//
// For each line:
//
//  1. Fare. Of the line's fares, those ACTIVE, in the request's currency and active at the quote
//     time (ActiveFrom inclusive, ActiveTo exclusive) compete; the one that started last wins (a
//     fare without ActiveFrom is the standing price), then the highest id. None: a 422 naming
//     lines[i].
//  2. Rules, on the fare only (modifiers keep their own prices). Rules run in priority order,
//     highest first, ties by id. If any OVERRIDE matches, the first one sets the unit price and
//     nothing else runs: an explicit price is the merchant's last word, whatever the priority of
//     a discount. Otherwise every matching DISCOUNT and MARKUP applies in that order, each to the
//     running price (10% then 10% is 19%), percentages rounded half up to the dong per unit, and
//     a discount never takes the price below zero.
//  3. Unit price = fare after rules + modifiers; line amount = unit price x quantity.
//
// Then for the order:
//
//  4. Promotions: automatic ones and those whose code was given, ITEM promotions before ORDER
//     ones, each group by priority (highest first) then id. Each works on what the rules and the
//     promotions before it left of each line. An ORDER promotion's amount is spread over the
//     lines in proportion to what is left of them, by largest remainder, so the shares add up to
//     it exactly. A promotion that is not Stackable applies only alone: it is refused after any
//     other, and once it applies every later one is refused. No line goes below zero.
//  5. Taxes, on what is left of each line: one tax line per tax (type and rate), whose tax is
//     computed on the sum of its lines and rounded half up to the dong once (inclusive prices:
//     G x r / (10000 + r) of the gross; exclusive: N x r / 10000 of the net), the figure an
//     e-invoice declares per rate. Each line gets its exact share of that tax made whole by
//     largest remainder, so the lines' taxes add up to the tax lines to the dong.
//
// Money is whole dong (int64), rates and percentages basis points (10% = 1000). The limits
// (MaxUnitPrice, MaxQuantity, MaxLines) keep every sum inside int64; shares and percentages are
// computed on 128-bit products, so no step loses a dong to overflow or floating point.
//
// # Files
//
// module.go is the entry (Deps, Module, New, the module contract); engine.go, rule.go,
// promotion.go, tax.go and money.go the pure engine; model.go the stored rows; errors.go the
// typed errors; store.go and cache.go the only SQL and the cache of built engines; service.go
// the quote and the redemptions; http.go the routes.
package pricing

import (
	"embed"
	"log/slog"

	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
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

// permission is the prefix of the CRUD routes' permissions (PermRead, PermWrite, PermDelete).
const permission = "pricing"

// Module is the pricing module: the stored fares, rules, taxes and promotions of each merchant,
// their CRUD routes, and the quote service that prices orders with the engine.
type Module struct {
	module.Base
	db      *db.DB
	ids     *id.Generator
	catalog Catalog
	log     *slog.Logger
	clock   clock.Clock // the quote time when a request gives none, and the time of a redemption
	cache   *engineCache

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

// Deps are what the module needs: of the platform, the database, ids, the clock and the logger;
// of other modules, the catalog that resolves variants and merchants (commerce, adapted by
// internal/app).
type Deps struct {
	module.Platform
	Catalog Catalog
}

// CacheSize is how many merchants' engines a module keeps built; past it, an arbitrary one is
// dropped and rebuilt on its next quote.
const CacheSize = 10_000

// New builds the module. A nil Log is slog's default logger, a nil Clock the wall clock.
func New(d Deps) *Module {
	d.Platform = d.Platform.OrDefaults()
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	m := &Module{db: d.DB, ids: d.IDs, catalog: d.Catalog, log: d.Log, clock: d.Clock, cache: newEngineCache(CacheSize)}
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

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "pricing" }

// Migrations returns the module's schema (PostgreSQL schema pricing).
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "pricing", Schema: "pricing", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(2, "optional_text",
		db.TextColumns{Table: "pricing_fare_sets", Columns: []string{"description"}},
		db.TextColumns{Table: "pricing_fare_rules", Columns: []string{"description"}},
		db.TextColumns{Table: "pricing_costs", Columns: []string{"note"}},
		db.TextColumns{Table: "pricing_taxes", Columns: []string{"description"}},
		db.TextColumns{Table: "pricing_promotions", Columns: []string{"code", "description"}},
	)
}
