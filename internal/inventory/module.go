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
	"io/fs"
	"log/slog"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/riverqueue/river"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Module serves the inventory.
type Module struct {
	svc  *Service
	idem *idempotency.Store
	log  *slog.Logger

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

// Deps are what the module needs of the platform.
type Deps struct {
	DB     *db.DB
	IDs    *id.Generator
	Jobs   *jobs.Client
	Events Publisher
	// Idem is the platform's Idempotency-Key store (the application's). When nil, New makes one
	// on DB without a purge job: the application's store purges the shared table.
	Idem *idempotency.Store
	Log  *slog.Logger
}

// New builds the module.
func New(d Deps) *Module {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	if d.Idem == nil {
		d.Idem = idempotency.New(d.DB, nil)
	}
	m := &Module{svc: NewService(d.DB, d.IDs, d.Jobs, d.Events), idem: d.Idem, log: d.Log}
	m.locations = query.NewTable[Location]("location", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"code ASC"}})
	m.items = query.NewTable[StockItem]("stock item", d.DB, d.IDs, query.Options{Tenant: tenant,
		ReadOnly: []string{"merchantId", "locationId", "variantId", "quantityOnHand", "quantityReserved", "quantityAvailable"}})
	m.types = query.NewTable[InventoryTrackingType]("tracking type", d.DB, d.IDs, query.Options{Order: []string{"id ASC"}})
	m.trackings = query.NewTable[InventoryTracking]("tracking", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.reservations = query.NewTable[StockReservation]("reservation", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.layers = query.NewTable[CostLayer]("cost layer", d.DB, d.IDs, query.Options{Tenant: tenant})
	m.vendors = query.NewTable[Vendor]("vendor", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"code ASC"}})
	m.orders = query.NewTable[PurchaseOrder]("purchase order", d.DB, d.IDs, query.Options{Tenant: tenant,
		ReadOnly: []string{"merchantId", "status", "totalAmount", "receivedAmount", "submittedAt", "confirmedAt", "completedAt", "cancelledAt"}})
	m.orderItems = query.NewTable[PurchaseOrderItem]("purchase order item", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"id ASC"},
		ReadOnly: []string{"merchantId", "purchaseOrderId", "quantityReceived"}})
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

// Service returns the use cases (sale's Reserve, Release and Commit among them).
func (m *Module) Service() *Service { return m.svc }

// Migrations returns the module's schema (PostgreSQL schema inventory) and the seed of the
// twenty tracking types.
func (m *Module) Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return db.Migrations{Module: "inventory", Schema: "inventory", FS: sub, Steps: []db.Step{{Version: 2, Name: "tracking_types",
		Up: func(ctx context.Context, d *db.DB) error {
			for i, t := range TrackingTypes {
				if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(`INSERT INTO inventory_tracking_types (id, code, name, direction, quantity, description) VALUES (?, ?, ?, ?, ?, ?)`),
					i+1, string(t.Code), t.Name, string(t.Direction), string(t.Quantity), t.Description); err != nil {
					return err
				}
			}
			return nil
		},
		Down: func(ctx context.Context, d *db.DB) error {
			_, err := d.Raw(ctx, true).ExecContext(ctx, `DELETE FROM inventory_tracking_types`)
			return err
		}}}}
}

// Workers registers the inventory queue's workers (reservation expiry, stock adjustments) on the
// jobs client. Idempotency-Key records are the platform store's, and so is their purge.
func (m *Module) Workers(j *jobs.Client) {
	jobs.Register(j, &expireWorker{svc: m.svc})
	jobs.Register(j, &adjustmentWorker{svc: m.svc, log: m.log})
}

type expireWorker struct {
	river.WorkerDefaults[ExpireReservations]
	svc *Service
}

// Work releases the reservations that are still active once they are due.
func (w *expireWorker) Work(ctx context.Context, job *river.Job[ExpireReservations]) error {
	_, later, err := w.svc.expire(ctx, job.Args.ReservationIDs)
	if err != nil {
		return err
	}
	if later != nil {
		return river.JobSnooze(time.Until(*later) + 10*time.Millisecond)
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
	st, err := w.svc.applyAdjustment(ctx, job.Args.AdjustmentID)
	if err == nil && st == AdjustmentRejected {
		w.log.Info("adjustment rejected", "adjustment", job.Args.AdjustmentID)
	}
	return err
}
