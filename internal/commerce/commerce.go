// Package commerce owns merchants and their catalog (the document's @nx/commerce, PostgreSQL
// schema public): the four merchant types and their category templates, merchant onboarding,
// the category tree, kitchen and bar stations, sale channels, terminals and enrolled devices, and
// products with their info, identifiers (SKU, EAN-13, UPC-A, EAN-8, PLU, custom), variants and
// modifier groups. Pricing and sale read it through VariantsForQuote, Merchant and
// ValidateModifiers; the search module will index its ProductChanged events.
//
// Files: barcode.go (pure: check digits, weighed-item barcodes), text.go (names and codes),
// model.go (rows), merchant.go (onboarding), product.go (the product aggregate), lookup.go (scan
// lookup), quote.go (the service API for pricing and sale), device.go (enrolment and revocation),
// seed.go (the demo café), http.go (routes), resource.go (update and delete routes with hooks).
package commerce

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"

	_ "time/tzdata" // merchants' time zones must load on hosts without a zoneinfo database
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Deps are what the module needs of the platform.
type Deps struct {
	DB     *db.DB
	IDs    *id.Generator
	Events *events.Bus
	Tokens *auth.Tokens // signs device tokens
	Log    *slog.Logger
}

// Module is the commerce module.
type Module struct {
	db     *db.DB
	ids    *id.Generator
	bus    *events.Bus
	tokens *auth.Tokens
	log    *slog.Logger
	now    func() time.Time

	merchantTypes *query.Table[MerchantType]
	merchants     *query.Table[Merchant]
	templates     *query.Table[CategoryTemplate]
	stations      *query.Table[Station]
	categories    *query.Table[Category]
	channels      *query.Table[SaleChannel]
	terminals     *query.Table[Terminal]
	devices       *query.Table[Device]
	groups        *query.Table[ModifierGroup]
	options       *query.Table[ModifierOption]
	links         *query.Table[VariantModifierGroup]
	products      *query.Table[Product]
	infos         *query.Table[ProductInfo]
	variants      *query.Table[ProductVariant]
	identifiers   *query.Table[ProductIdentifier]

	catalog *catalogCache // what sale and pricing read of a merchant, by catalog version
}

// Read-only fields of each table beyond id, organizerId and the timestamps: a PUT or PATCH
// leaves them as stored.
var (
	merchantFixed   = []string{"type", "onboardingKey"}
	tenantFixed     = []string{"merchantId"}
	categorySystem  = []string{"stationCode", "templateId"}
	deviceSystem    = []string{"merchantId", "status", "permissions", "tokenExpiresAt", "enrolledAt", "revokedAt"}
	optionFixed     = []string{"merchantId", "groupId"}
	variantFixed    = []string{"merchantId", "productId"}
	identifierFixed = []string{"merchantId", "productId"}
	linkFixed       = []string{"merchantId", "variantId", "groupId"}
)

// New builds the module.
func New(d Deps) *Module {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	m := &Module{db: d.DB, ids: d.IDs, bus: d.Events, tokens: d.Tokens, log: d.Log, now: time.Now, catalog: newCatalogCache(4096)}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	opts := func(readOnly []string, order ...string) query.Options {
		return query.Options{Tenant: tenant, ReadOnly: readOnly, Order: order}
	}
	m.merchantTypes = query.NewTable[MerchantType]("merchant type", d.DB, d.IDs, query.Options{Order: []string{"position ASC"}})
	// A merchant's own id is its merchant: an employee, whose scope lists merchants, sees only
	// those merchants; an organizer owner sees every merchant of its organizer.
	m.merchants = query.NewTable[Merchant]("merchant", d.DB, d.IDs, query.Options{
		Tenant: query.Tenant{Organizer: "organizerId", Merchant: "id"}, ReadOnly: merchantFixed, Order: []string{"createdAt ASC"}})
	m.templates = query.NewTable[CategoryTemplate]("category template", d.DB, d.IDs, query.Options{Order: []string{"merchantType ASC", "position ASC"}})
	m.stations = query.NewTable[Station]("station", d.DB, d.IDs, opts(tenantFixed, "position ASC"))
	m.categories = query.NewTable[Category]("category", d.DB, d.IDs, opts(append(append([]string{}, tenantFixed...), categorySystem...), "position ASC"))
	m.channels = query.NewTable[SaleChannel]("sale channel", d.DB, d.IDs, opts(tenantFixed, "position ASC"))
	m.terminals = query.NewTable[Terminal]("terminal", d.DB, d.IDs, opts(tenantFixed, "code ASC"))
	m.devices = query.NewTable[Device]("device", d.DB, d.IDs, opts(deviceSystem, "createdAt DESC"))
	m.groups = query.NewTable[ModifierGroup]("modifier group", d.DB, d.IDs, opts(tenantFixed, "position ASC"))
	m.options = query.NewTable[ModifierOption]("modifier option", d.DB, d.IDs, opts(optionFixed, "position ASC"))
	m.links = query.NewTable[VariantModifierGroup]("variant modifier group", d.DB, d.IDs, opts(linkFixed, "position ASC"))
	m.products = query.NewTable[Product]("product", d.DB, d.IDs, opts(tenantFixed, "position ASC"))
	m.infos = query.NewTable[ProductInfo]("product info", d.DB, d.IDs, opts([]string{"merchantId", "productId"}))
	m.variants = query.NewTable[ProductVariant]("product variant", d.DB, d.IDs, opts(variantFixed, "position ASC"))
	m.identifiers = query.NewTable[ProductIdentifier]("product identifier", d.DB, d.IDs, opts(identifierFixed, "code ASC"))

	m.merchants.HasMany("categories", m.categories, "id", "merchantId")
	m.merchants.HasMany("stations", m.stations, "id", "merchantId")
	m.merchants.HasMany("saleChannels", m.channels, "id", "merchantId")
	m.merchants.HasMany("terminals", m.terminals, "id", "merchantId")
	m.merchants.HasMany("devices", m.devices, "id", "merchantId")
	m.merchants.BelongsTo("merchantType", m.merchantTypes, "type", "code")
	m.merchantTypes.HasMany("categoryTemplates", m.templates, "code", "merchantType")
	m.categories.BelongsTo("parent", m.categories, "parentId", "id")
	m.categories.HasMany("children", m.categories, "id", "parentId")
	m.categories.BelongsTo("station", m.stations, "stationId", "id")
	m.categories.HasMany("products", m.products, "id", "categoryId")
	m.stations.HasMany("categories", m.categories, "id", "stationId")
	m.terminals.HasMany("devices", m.devices, "id", "terminalId")
	m.devices.BelongsTo("terminal", m.terminals, "terminalId", "id")
	m.groups.HasMany("options", m.options, "id", "groupId")
	m.options.BelongsTo("group", m.groups, "groupId", "id")
	m.links.BelongsTo("group", m.groups, "groupId", "id")
	m.links.BelongsTo("variant", m.variants, "variantId", "id")
	m.products.HasMany("variants", m.variants, "id", "productId")
	m.products.HasMany("identifiers", m.identifiers, "id", "productId")
	m.products.BelongsTo("info", m.infos, "id", "productId")
	m.products.BelongsTo("category", m.categories, "categoryId", "id")
	m.variants.BelongsTo("product", m.products, "productId", "id")
	m.variants.HasMany("identifiers", m.identifiers, "id", "variantId")
	m.variants.HasMany("modifierGroups", m.links, "id", "variantId")
	m.identifiers.BelongsTo("product", m.products, "productId", "id")
	m.identifiers.BelongsTo("variant", m.variants, "variantId", "id")
	return m
}

// Migrations returns the module's schema and its seeds (merchant types, category templates).
func (m *Module) Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return db.Migrations{Module: "commerce", Schema: "public", FS: sub}
}

// Subscribe registers the module's event handlers. Call it before the jobs client starts.
func (m *Module) Subscribe() {
	events.Subscribe(m.bus, "commerce.init-seller", m.onSellerRegistered)
}

// ProductChanged is published, in the writing transaction, on every write to a product, its
// variants, identifiers, info or modifier links, for the search module to index. Indexers upsert
// the product on CREATED and UPDATED and drop it on DELETED.
type ProductChanged struct {
	OrganizerID id.ID  `json:"organizerId"`
	MerchantID  id.ID  `json:"merchantId"`
	ProductID   id.ID  `json:"productId"`
	VariantID   id.ID  `json:"variantId,omitempty"`
	Action      string `json:"action" enum:"CREATED,UPDATED,DELETED"`
}

// Product change actions.
const (
	Created = "CREATED"
	Updated = "UPDATED"
	Deleted = "DELETED"
)

// EventName implements events.Event.
func (ProductChanged) EventName() string { return "ProductChanged" }

// EventVersion implements events.Event.
func (ProductChanged) EventVersion() int { return 1 }

func (m *Module) productChanged(ctx context.Context, organizer, merchant, product, variant id.ID, action string) error {
	_, err := m.bus.Publish(ctx, ProductChanged{OrganizerID: organizer, MerchantID: merchant, ProductID: product, VariantID: variant, Action: action})
	return err
}
