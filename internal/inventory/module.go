// Package inventory owns stock: locations of a merchant, stock items (the document's Inventory:
// on hand, reserved and available per variant and location), the audit trail of every change
// (InventoryTracking, twenty tracking types), reservations for order lines with expiry, stock
// adjustments (applied by the inventory queue), transfers between locations, stock counts,
// vendors and purchase orders with partial receiving, FIFO cost layers that give a sale its cost
// of goods, and the reconciliation that proves the stored quantities match their history.
//
// Stock never goes negative and is never oversold: every change is one conditional UPDATE that
// refuses to take on hand below reserved (see store), checked again by CHECK constraints.
package inventory

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/riverqueue/river"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Queue is the inventory module's job queue (reservation expiry, stock adjustments).
const Queue = "inventory"

// Permissions: reads need inventory.read; stock effects, vendors and purchase orders need
// inventory.write; deletes inventory.delete; reservations (what sale's terminals do) need
// inventory.reserve (granted by inventory.* or *, not implied by inventory.write).
const (
	PermRead    = "inventory.read"
	PermWrite   = "inventory.write"
	PermDelete  = "inventory.delete"
	PermReserve = "inventory.reserve"
)

// Deps are what the inventory takes of the platform: the database, ids, the clock, the logger,
// the jobs client (its queue), the event bus (PurchaseOrderReceived, for finance) and the
// Idempotency-Key store; and of commerce, the Catalog (deps.go) that says which variants a
// merchant sells. When Idem is nil, New makes a store on DB without a purge job (the
// application's store purges the shared table). Catalog is required: without it every variant
// is refused.
type Deps struct {
	module.Platform
	Catalog Catalog
}

// Module serves the inventory.
type Module struct {
	module.Base
	svc   *Service
	idem  *idempotency.Store
	log   *slog.Logger
	clock clock.Clock

	locations    *query.Table[Location]
	items        *query.Table[StockItem]
	types        *query.Table[InventoryTrackingType]
	trackings    *query.Table[InventoryTracking]
	reservations *query.Table[StockReservation]
	layers       *query.Table[CostLayer]
	vendors      *query.Table[Vendor]
	orders       *query.Table[PurchaseOrder]
	orderItems   *query.Table[PurchaseOrderItem]
	receipts     *query.Table[PurchaseOrderReceipt]
	adjustments  *query.Table[StockAdjustment]
	transfers    *query.Table[StockTransfer]
	counts       *query.Table[StockCount]
}

// New builds the module.
func New(d Deps) *Module {
	d.Platform = d.Platform.OrDefaults()
	clk := d.Clock
	m := &Module{idem: d.Idem, log: d.Log, clock: clk,
		svc: &Service{db: d.DB, ids: d.IDs, st: &store{db: d.DB, ids: d.IDs, clock: clk}, jobs: d.Jobs, events: d.Events, clock: clk,
			catalog: d.Catalog}}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	m.locations = query.NewTable[Location]("location", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"code ASC"}}).
		SetHooks(query.Hooks[Location]{Create: m.svc.placeLocation})
	m.items = query.NewTable[StockItem]("stock item", d.DB, d.IDs, query.Options{Tenant: tenant,
		ReadOnly: []string{"merchantId", "locationId", "variantId", "quantityOnHand"}, Computed: []string{"quantityReserved", "quantityAvailable"}})
	m.types = query.NewTable[InventoryTrackingType]("tracking type", d.DB, d.IDs, query.Options{Order: []string{"id ASC"}})
	m.trackings = query.NewTable[InventoryTracking]("tracking", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.reservations = query.NewTable[StockReservation]("reservation", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.layers = query.NewTable[CostLayer]("cost layer", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.vendors = query.NewTable[Vendor]("vendor", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"code ASC"}})
	m.orders = query.NewTable[PurchaseOrder]("purchase order", d.DB, d.IDs, query.Options{Tenant: tenant, ReadOnly: []string{"merchantId"},
		Computed: []string{"status", "totalAmount", "receivedAmount", "submittedAt", "confirmedAt", "completedAt", "cancelledAt"}}).
		SetHooks(query.Hooks[PurchaseOrder]{Create: m.openPO, Update: m.checkPO})
	m.orderItems = query.NewTable[PurchaseOrderItem]("purchase order item", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"id ASC"},
		ReadOnly: []string{"merchantId", "purchaseOrderId"}, Computed: []string{"quantityReceived"}}).
		SetHooks(query.Hooks[PurchaseOrderItem]{Create: m.svc.changePOLine, Update: m.svc.changePOLine, Delete: m.svc.changePOLine})
	m.receipts = query.NewTable[PurchaseOrderReceipt]("purchase order receipt", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.adjustments = query.NewTable[StockAdjustment]("adjustment", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.transfers = query.NewTable[StockTransfer]("transfer", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.counts = query.NewTable[StockCount]("count", d.DB, d.IDs, query.Options{Tenant: tenant})

	m.items.BelongsTo("location", m.locations, "locationId", "id")
	m.locations.HasMany("items", m.items, "id", "locationId")
	m.items.HasMany("trackings", m.trackings, "id", "itemId")
	m.items.HasMany("reservations", m.reservations, "id", "itemId")
	m.items.HasMany("costLayers", m.layers, "id", "itemId")
	m.orders.HasMany("items", m.orderItems, "id", "purchaseOrderId")
	m.orders.HasMany("receipts", m.receipts, "id", "purchaseOrderId")
	m.orders.BelongsTo("vendor", m.vendors, "vendorId", "id")
	m.orders.BelongsTo("location", m.locations, "locationId", "id")
	m.vendors.HasMany("purchaseOrders", m.orders, "id", "vendorId")
	return m
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "inventory" }

// Queues names the module's job queue.
func (m *Module) Queues() []string { return []string{Queue} }

// Service returns the use cases (sale's Reserve, Release, Commit and Sell among them).
func (m *Module) Service() *Service { return m.svc }

// Migrations returns the module's schema (PostgreSQL schema inventory) and the seed of the
// twenty tracking types.
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "inventory", Schema: "inventory", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{{Version: 2, Name: "tracking_types",
		Up:   func(ctx context.Context, d *db.DB) error { return seedTrackingTypes(ctx, d, false) },
		Down: func(ctx context.Context, d *db.DB) error { return seedTrackingTypes(ctx, d, true) }}, optionalText()}}
}

// readOnly registers the read routes of a resource that only the stock operations write (the
// audit trail, reservations, cost layers and the documents of stock moves).
func readOnly[T any](s *api.Server, t *query.Table[T], tag, path, singular string) {
	api.RegisterCRUD(s, api.CRUD[T]{Table: t, Path: path, Tag: tag, Singular: singular, Permission: "inventory",
		Disable: []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}})
}

// Routes registers the CRUD resources and the stock operations (http.go).
func (m *Module) Routes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Location]{Table: m.locations, Path: "/inventory-locations", Tag: "Inventory", Singular: "inventory-location",
		Permission: "inventory", Validate: m.validateLocation})
	api.RegisterCRUD(s, api.CRUD[StockItem]{Table: m.items, Path: "/inventories", Tag: "Inventory", Singular: "inventory",
		Permission: "inventory", Validate: m.validateItem, Disable: []api.Route{api.RouteDelete, api.RouteDeleteBy},
		Create: func(ctx context.Context, it *StockItem) error { return m.svc.createItem(ctx, it, m.items.Create) }})
	readOnly(s, m.types, "Inventory", "/inventory-tracking-types", "inventory-tracking-type")
	readOnly(s, m.trackings, "Inventory", "/inventory-trackings", "inventory-tracking")
	readOnly(s, m.reservations, "Inventory", "/inventory-reservations", "inventory-reservation")
	readOnly(s, m.layers, "Inventory", "/inventory-cost-layers", "inventory-cost-layer")
	readOnly(s, m.adjustments, "Inventory", "/inventory-adjustments", "inventory-adjustment")
	readOnly(s, m.transfers, "Inventory", "/inventory-transfers", "inventory-transfer")
	readOnly(s, m.counts, "Inventory", "/inventory-counts", "inventory-count")
	api.RegisterCRUD(s, api.CRUD[Vendor]{Table: m.vendors, Path: "/vendors", Tag: "Purchasing", Singular: "vendor",
		Permission: "inventory", Validate: m.validateVendor})
	api.RegisterCRUD(s, api.CRUD[PurchaseOrder]{Table: m.orders, Path: "/purchase-orders", Tag: "Purchasing", Singular: "purchase-order",
		Permission: "inventory", Validate: m.validatePO, Disable: []api.Route{api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}})
	// A line's PATCH and DELETE are the operations of http.go (their documented body is the
	// three fields a line may change); every write of a line runs changePOLine.
	api.RegisterCRUD(s, api.CRUD[PurchaseOrderItem]{Table: m.orderItems, Path: "/purchase-order-items", Tag: "Purchasing",
		Singular: "purchase-order-item", Permission: "inventory", Validate: m.validatePOItem,
		Disable: []api.Route{api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy}})
	readOnly(s, m.receipts, "Purchasing", "/purchase-order-receipts", "purchase-order-receipt")
	m.operations(s)
}

// Workers registers the inventory queue's workers (reservation expiry, stock adjustments) on the
// jobs client. Idempotency-Key records are the platform store's, and so is their purge.
func (m *Module) Workers(j *jobs.Client) {
	jobs.Register(j, &expireWorker{svc: m.svc, clock: m.clock})
	jobs.Register(j, &adjustmentWorker{svc: m.svc, log: m.log})
}

// expireWorker runs ExpireReservations. The job is scheduled at the reservations' expiry, but
// whether one is due is decided by the module's clock: a job that runs early (River schedules
// on the wall clock, a test moves a fake one) snoozes until the clock says it is due.
type expireWorker struct {
	river.WorkerDefaults[ExpireReservations]
	svc   *Service
	clock clock.Clock
}

// Work releases the reservations that are still active once they are due.
func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireReservations]) error {
	ctx = auth.System(ctx)
	_, later, err := w.svc.expire(ctx, job.Args.ReservationIDs)
	if err != nil {
		return err
	}
	if later != nil {
		return river.JobSnooze(later.Sub(w.clock.Now()) + 10*time.Millisecond)
	}
	return nil
}

type adjustmentWorker struct {
	river.WorkerDefaults[ApplyAdjustment]
	svc *Service
	log *slog.Logger
}

// Work applies one adjustment (or rejects it); a repeat finds it no longer pending.
func (w *adjustmentWorker) Work(ctx context.Context, job *river.Job[ApplyAdjustment]) error {
	ctx = auth.System(ctx)
	st, err := w.svc.applyAdjustment(ctx, job.Args.AdjustmentID)
	if err == nil && st == AdjustmentRejected {
		w.log.InfoContext(ctx, "adjustment rejected", "adjustment", job.Args.AdjustmentID)
	}
	return err
}

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(4, "optional_text",
		db.TextColumns{Table: "inventory_locations", Columns: []string{"address"}},
		db.TextColumns{Table: "inventory_items", Columns: []string{"sku"}},
		db.TextColumns{Table: "inventory_trackings", Columns: []string{"reference", "actor_kind", "note"}},
		db.TextColumns{Table: "inventory_reservations", Columns: []string{"reason"}},
		db.TextColumns{Table: "inventory_vendors", Columns: []string{"tax_code", "email", "phone", "address", "contact_name", "note"}},
		db.TextColumns{Table: "purchase_orders", Columns: []string{"note"}},
		db.TextColumns{Table: "purchase_order_items", Columns: []string{"note"}},
		db.TextColumns{Table: "purchase_order_receipts", Columns: []string{"note"}},
		db.TextColumns{Table: "inventory_adjustments", Columns: []string{"reason", "error"}},
		db.TextColumns{Table: "inventory_transfers", Columns: []string{"note"}},
		db.TextColumns{Table: "inventory_counts", Columns: []string{"note"}},
	)
}
