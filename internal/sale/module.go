// Package sale is the heart of the POS (the document's @nx/sale): orders and their lines,
// checkout, payments with split tenders, kitchen tickets, cash sessions (shifts) with Z-reports,
// refunds, and the realtime events every screen follows. It prices through pricing's quote,
// holds stock through inventory's reservations and learns the menu from commerce, each through a
// narrow interface declared in deps.go.
package sale

import (
	"embed"
	"log/slog"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/banapos/bana/internal/platform/realtime"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Queue is the sale module's job queue: the expiry of unpaid orders and of payment attempts.
const Queue = "sale"

// Permissions of the sale routes.
const (
	PermRead         = "sale.read"
	PermWrite        = "sale.write"
	PermRefund       = "sale.refund"
	PermShiftWrite   = "shift.write"
	PermKitchenRead  = "kitchen.read"
	PermKitchenWrite = "kitchen.write"
)

// Deps are what the module is built from: the parts of the platform it uses (module.Platform)
// and the other modules it needs, through the interfaces of deps.go.
type Deps struct {
	module.Platform
	Catalog Catalog
	Pricer  Pricer
	Stock   Stock
	// Providers are the payment providers by name; SYSTEM (cash) is always present.
	Providers []Provider
	// Expiry is how long a checked-out order waits for payment (default 15 minutes).
	Expiry time.Duration
}

// Module is the sale module: its services, tables and routes.
type Module struct {
	db      *db.DB
	ids     *id.Generator
	clock   clock.Clock
	log     *slog.Logger
	jobs    *jobs.Client
	events  *events.Bus
	live    *realtime.Hub
	idem    *idempotency.Store
	catalog Catalog
	pricer  Pricer
	stock   Stock
	expiry  time.Duration
	// providers are read without a lock: AddProvider is for wiring, before requests.
	providers map[string]Provider

	orders    *query.Table[Order]
	items     *query.Table[Item]
	payments  *query.Table[Payment]
	shifts    *query.Table[Shift]
	movements *query.Table[CashMovement]
	tickets   *query.Table[KitchenTicket]
	kitchen   *query.Table[KitchenItem]
	refunds   *query.Table[Refund]
	zreports  *query.Table[ZReport]
	callbacks *query.Table[PaymentCallback]
}

// New builds the module.
func New(d Deps) *Module {
	if d.Expiry == 0 {
		d.Expiry = DefaultExpiry
	}
	d.Platform = d.Platform.OrDefaults()
	m := &Module{db: d.DB, ids: d.IDs, clock: d.Clock, log: d.Log, jobs: d.Jobs, events: d.Events, live: d.Live,
		idem: d.Idem, catalog: d.Catalog, pricer: d.Pricer, stock: d.Stock, expiry: d.Expiry, providers: map[string]Provider{}}
	tenant := query.Options{Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}}
	m.orders = query.NewTable[Order]("order", d.DB, d.IDs, tenant)
	m.items = query.NewTable[Item]("order item", d.DB, d.IDs, query.Options{Tenant: tenant.Tenant, Order: []string{"position ASC"}})
	m.payments = query.NewTable[Payment]("payment", d.DB, d.IDs, tenant)
	m.shifts = query.NewTable[Shift]("shift", d.DB, d.IDs, tenant)
	m.movements = query.NewTable[CashMovement]("cash movement", d.DB, d.IDs, tenant)
	m.tickets = query.NewTable[KitchenTicket]("kitchen ticket", d.DB, d.IDs, tenant)
	m.kitchen = query.NewTable[KitchenItem]("kitchen item", d.DB, d.IDs, tenant)
	m.refunds = query.NewTable[Refund]("refund", d.DB, d.IDs, tenant)
	m.zreports = query.NewTable[ZReport]("z-report", d.DB, d.IDs, tenant)
	m.callbacks = query.NewTable[PaymentCallback]("payment callback", d.DB, d.IDs, query.Options{})
	m.orders.HasMany("items", m.items, "id", "orderId")
	m.orders.HasMany("payments", m.payments, "id", "orderId")
	m.orders.HasMany("refunds", m.refunds, "id", "orderId")
	m.orders.HasMany("kitchenTickets", m.tickets, "id", "orderId")
	m.tickets.HasMany("items", m.kitchen, "id", "ticketId")
	m.shifts.HasMany("movements", m.movements, "id", "shiftId")
	m.shifts.HasMany("orders", m.orders, "id", "shiftId")
	m.providers[ProviderSystem] = cashProvider{}
	for _, p := range d.Providers {
		m.providers[p.Name()] = p
	}
	return m
}

// AddProvider registers a payment provider under its name, replacing one of the same name. It is
// for wiring: call it before the server takes requests (the providers are read without a lock).
// The payment module registers its providers (VNPAY) this way, and tests register fakes.
func (m *Module) AddProvider(p Provider) { m.providers[p.Name()] = p }

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "sale" }

// Migrations returns the sale schema.
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "sale", Schema: "sale", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// Routes registers the sale API: its tables read through the CRUD routes (every write goes
// through an operation that keeps the rules), and the operations of http.go.
func (m *Module) Routes(s *api.Server) {
	noWrites := []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}
	readOnly := func(r auth.Requirement) map[api.Route]auth.Requirement {
		return map[api.Route]auth.Requirement{api.RouteFind: r, api.RouteCount: r, api.RouteFindOne: r, api.RouteGet: r}
	}
	read := readOnly(auth.Requirement{Permission: PermRead})
	api.RegisterCRUD(s, api.CRUD[Order]{Table: m.orders, Path: "/sale-orders", Tag: "Sale orders", Singular: "sale-order", Disable: noWrites, Auth: read})
	api.RegisterCRUD(s, api.CRUD[Payment]{Table: m.payments, Path: "/sale-payments", Tag: "Payments", Singular: "sale-payment", Disable: noWrites, Auth: read})
	api.RegisterCRUD(s, api.CRUD[Refund]{Table: m.refunds, Path: "/sale-refunds", Tag: "Refunds", Singular: "sale-refund", Disable: noWrites, Auth: read})
	api.RegisterCRUD(s, api.CRUD[Shift]{Table: m.shifts, Path: "/shifts", Tag: "Shifts", Singular: "shift", Disable: noWrites, Auth: read})
	api.RegisterCRUD(s, api.CRUD[CashMovement]{Table: m.movements, Path: "/cash-movements", Tag: "Shifts", Singular: "cash-movement", Disable: noWrites, Auth: read})
	api.RegisterCRUD(s, api.CRUD[ZReport]{Table: m.zreports, Path: "/z-reports", Tag: "Shifts", Singular: "z-report", Disable: noWrites, Auth: read})
	api.RegisterCRUD(s, api.CRUD[KitchenTicket]{Table: m.tickets, Path: "/kitchen-tickets", Tag: "Kitchen", Singular: "kitchen-ticket", Disable: noWrites,
		Auth: readOnly(auth.Requirement{Permission: PermKitchenRead})})
	admins := auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin, auth.Operator}}
	api.RegisterCRUD(s, api.CRUD[PaymentCallback]{Table: m.callbacks, Path: "/payment-callbacks", Tag: "Payments", Singular: "payment-callback",
		Disable: noWrites, Auth: readOnly(admins)})

	m.orderRoutes(s)
	m.kitchenRoutes(s)
	m.shiftRoutes(s)
}

// Workers registers the expiry of unpaid orders and payment attempts.
func (m *Module) Workers(j *jobs.Client) {
	jobs.Register(j, &expireOrderWorker{m: m})
	jobs.Handle(j, m.expirePaymentJob)
}

// Subscribe subscribes to nothing yet.
func (m *Module) Subscribe(*events.Bus) {}

// Queues names the module's job queue.
func (m *Module) Queues() []string { return []string{Queue} }

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(3, "optional_text",
		db.TextColumns{Table: "sale_cash_movements", Columns: []string{"reason"}},
		db.TextColumns{Table: "sale_orders", Columns: []string{"table_code", "promotion_codes", "note", "cancel_reason"}},
		db.TextColumns{Table: "sale_order_items", Columns: []string{"sku", "category_code", "station_code", "tax_rate", "kitchen_status", "note"}},
		db.TextColumns{Table: "sale_payment_callbacks", Columns: []string{"detail"}},
		db.TextColumns{Table: "sale_kitchen_tickets", Columns: []string{"table_code"}},
		db.TextColumns{Table: "sale_kitchen_items", Columns: []string{"note"}},
		db.TextColumns{Table: "sale_refunds", Columns: []string{"reason"}},
	)
}
