// Package commerce owns merchants and their catalog (the document's @nx/commerce, PostgreSQL
// schema public): the four merchant types and their category templates, merchant onboarding,
// the category tree, kitchen and bar stations, sale channels, terminals and enrolled devices, and
// products with their info, identifiers (SKU, EAN-13, UPC-A, EAN-8, PLU, custom), variants and
// modifier groups. Pricing and sale read it through VariantsForQuote, Merchant and
// ValidateModifiers; the search module will index its ProductChanged events.
//
// Files: module.go (this: the module and its tables), model.go (rows and states), errors.go (the
// rules callers branch on), barcode.go and text.go (pure: check digits, weighed-item barcodes,
// names and codes), merchant.go (onboarding), catalog.go (the create and write hooks of the
// catalog tables), product.go (the product aggregate), lookup.go (scan lookup), quote.go (the
// service API for pricing and sale), catalogcache.go (its cache), device.go (enrolment and
// revocation), events.go (ProductChanged), seed.go (the demo café), http.go (routes), store*.go
// (the only files with SQL).
package commerce

import (
	"embed"
	"log/slog"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"

	_ "time/tzdata" // merchants' time zones must load on hosts without a zoneinfo database
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Queue is the commerce module's job queue: its event subscribers run there.
const Queue = "commerce"

// Permission prefixes of the module's resources: reads need "<prefix>.read", writes
// "<prefix>.write", deletes "<prefix>.delete". catalog covers products, variants, identifiers,
// categories, stations, sale channels and modifiers; merchant the merchants (onboarding also
// needs the role of an organizer owner or admin); device the devices, terminals and enrolment
// codes (codes: owners and admins).
const (
	PermCatalog  = "catalog"
	PermMerchant = "merchant"
	PermDevice   = "device"
)

// The permissions the module names outside its CRUD resources.
const (
	PermCatalogRead   = PermCatalog + ".read"
	PermCatalogWrite  = PermCatalog + ".write"
	PermMerchantRead  = PermMerchant + ".read"
	PermMerchantWrite = PermMerchant + ".write"
	PermDeviceWrite   = PermDevice + ".write"
)

// Deps are what the module needs of the platform.
type Deps struct {
	module.Platform
}

// Module is the commerce module.
type Module struct {
	db     *db.DB
	ids    *id.Generator
	clock  clock.Clock
	bus    *events.Bus
	tokens *auth.Tokens
	log    *slog.Logger

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

// New builds the module: its tables, the hooks that keep the catalog's rules on every write
// (whoever makes it: the CRUD routes or the module's own code), and their relations.
func New(d Deps) *Module {
	d.Platform = d.Platform.OrDefaults()
	m := &Module{db: d.DB, ids: d.IDs, clock: d.Clock, bus: d.Events, tokens: d.Tokens, log: d.Log,
		catalog: newCatalogCache(4096)}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	// A row of a merchant stays in its merchant: merchantId (and the parent ids below) are read-only
	// after the create. The id is the server's: one sent with a create is dropped (Computed).
	opts := func(readOnly []string, order ...string) query.Options {
		return query.Options{Tenant: tenant, ReadOnly: append([]string{"merchantId"}, readOnly...), Computed: []string{"id"}, Order: order}
	}
	m.merchantTypes = query.NewTable[MerchantType]("merchant type", d.DB, d.IDs, query.Options{Order: []string{"position ASC"}})
	// A merchant's own id is its merchant: an employee, whose scope lists merchants, sees only
	// those merchants; an organizer owner sees every merchant of its organizer.
	m.merchants = query.NewTable[Merchant]("merchant", d.DB, d.IDs, query.Options{
		Tenant: query.Tenant{Organizer: "organizerId", Merchant: "id"}, ReadOnly: []string{"type", "onboardingKey"},
		Order: []string{"createdAt ASC"}}).
		SetHooks(announced(m, CollectionMerchants, func(r *Merchant) (id.ID, id.ID, id.ID) { return r.OrganizerID, r.ID, r.ID },
			query.Hooks[Merchant]{Update: m.updateMerchant, Delete: m.deleteMerchant}))
	m.templates = query.NewTable[CategoryTemplate]("category template", d.DB, d.IDs, query.Options{
		Computed: []string{"id"}, Order: []string{"merchantType ASC", "position ASC"}}).
		SetHooks(query.Hooks[CategoryTemplate]{Update: m.updateTemplate})
	m.stations = query.NewTable[Station]("station", d.DB, d.IDs, opts(nil, "position ASC")).
		SetHooks(query.Hooks[Station]{Update: m.updateStation, Delete: m.deleteStation})
	// A category's station code and template are the server's: the code follows its station.
	categories := opts(nil, "position ASC")
	categories.Computed = append(categories.Computed, "stationCode", "templateId")
	m.categories = query.NewTable[Category]("category", d.DB, d.IDs, categories).
		SetHooks(announced(m, CollectionCategories, func(r *Category) (id.ID, id.ID, id.ID) { return r.OrganizerID, r.MerchantID, r.ID },
			query.Hooks[Category]{Update: m.updateCategory}))
	m.channels = query.NewTable[SaleChannel]("sale channel", d.DB, d.IDs, opts(nil, "position ASC")).
		SetHooks(announced(m, CollectionSaleChannels, func(r *SaleChannel) (id.ID, id.ID, id.ID) { return r.OrganizerID, r.MerchantID, r.ID },
			query.Hooks[SaleChannel]{Update: m.updateChannel}))
	m.terminals = query.NewTable[Terminal]("terminal", d.DB, d.IDs, opts(nil, "code ASC")).
		SetHooks(query.Hooks[Terminal]{Update: m.updateTerminal})
	// A device's state and token are set by enrolment and revocation, never by a write of its row.
	m.devices = query.NewTable[Device]("device", d.DB, d.IDs,
		opts([]string{"status", "permissions", "tokenExpiresAt", "enrolledAt", "revokedAt"}, "createdAt DESC")).
		SetHooks(announced(m, CollectionDevices, func(r *Device) (id.ID, id.ID, id.ID) { return r.OrganizerID, r.MerchantID, r.ID },
			query.Hooks[Device]{Update: m.updateDevice, Delete: m.deleteDevice}))
	m.groups = query.NewTable[ModifierGroup]("modifier group", d.DB, d.IDs, opts(nil, "position ASC")).
		SetHooks(query.Hooks[ModifierGroup]{Update: m.updateGroup})
	m.options = query.NewTable[ModifierOption]("modifier option", d.DB, d.IDs, opts([]string{"groupId"}, "position ASC")).
		SetHooks(query.Hooks[ModifierOption]{Update: m.updateOption})
	m.links = query.NewTable[VariantModifierGroup]("variant modifier group", d.DB, d.IDs, opts([]string{"variantId", "groupId"}, "position ASC")).
		SetHooks(query.Hooks[VariantModifierGroup]{Update: m.updateLink, Delete: m.deleteLink})
	m.products = query.NewTable[Product]("product", d.DB, d.IDs, opts(nil, "position ASC")).
		SetHooks(query.Hooks[Product]{Update: m.updateProduct, Delete: m.deleteProduct, Restore: m.restoreProduct})
	m.infos = query.NewTable[ProductInfo]("product info", d.DB, d.IDs, opts([]string{"productId"}))
	m.variants = query.NewTable[ProductVariant]("product variant", d.DB, d.IDs, opts([]string{"productId"}, "position ASC")).
		SetHooks(query.Hooks[ProductVariant]{Update: m.updateVariant, Delete: m.deleteVariant})
	m.identifiers = query.NewTable[ProductIdentifier]("product identifier", d.DB, d.IDs, opts([]string{"productId"}, "code ASC")).
		SetHooks(query.Hooks[ProductIdentifier]{Update: m.updateIdentifier, Delete: m.deleteIdentifier})

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

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "commerce" }

// Migrations returns the module's schema and its seeds (merchant types, category templates).
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "commerce", Schema: "public", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// Routes registers the module's HTTP operations (http.go): merchants, the catalog, devices.
func (m *Module) Routes(s *api.Server) {
	m.merchantRoutes(s)
	m.catalogRoutes(s)
	m.productRoutes(s)
	m.deviceRoutes(s)
}

// Workers registers nothing: commerce's background work is its event subscriber.
func (m *Module) Workers(*jobs.Client) {}

// Subscribe registers the module's event handlers. Call it before the jobs client starts.
func (m *Module) Subscribe(b *events.Bus) {
	events.Subscribe(b, Queue+".init-seller", m.onSellerRegistered)
}

// Queues names the module's job queue.
func (m *Module) Queues() []string { return []string{Queue} }

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(4, "optional_text",
		db.TextColumns{Table: "merchant_types", Columns: []string{"description"}},
		db.TextColumns{Table: "merchants", Columns: []string{"tax_code", "address", "phone", "email"}},
		db.TextColumns{Table: "category_templates", Columns: []string{"parent_code", "station_code"}},
		db.TextColumns{Table: "categories", Columns: []string{"description", "station_code"}},
		db.TextColumns{Table: "terminals", Columns: []string{"sale_channel_code"}},
		db.TextColumns{Table: "devices", Columns: []string{"platform", "serial", "app_version"}},
		db.TextColumns{Table: "device_enrollments", Columns: []string{"name"}},
		db.TextColumns{Table: "products", Columns: []string{"description"}},
		db.TextColumns{Table: "product_infos", Columns: []string{"unit", "content", "origin"}},
		db.TextColumns{Table: "product_variants", Columns: []string{"sku", "tax_rate"}},
	)
}
