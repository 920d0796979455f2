package sale

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/banapos/bana/internal/platform/realtime"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Deps are what the module is built from.
type Deps struct {
	DB      *db.DB
	IDs     *id.Generator
	Jobs    *jobs.Client
	Events  *events.Bus
	Live    *realtime.Hub
	Idem    *idempotency.Store
	Log     *slog.Logger
	Catalog Catalog
	Pricer  Pricer
	Stock   Stock
	// Providers are the payment providers by name; SYSTEM (cash) is always present.
	Providers []Provider
	// Expiry is how long a checked-out order waits for payment (default 15 minutes).
	Expiry time.Duration
	Now    func() time.Time
}

// Module is the sale module: its service, tables and routes.
type Module struct {
	Deps
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

// New builds the module and registers its job workers.
func New(d Deps) *Module {
	if d.Expiry == 0 {
		d.Expiry = DefaultExpiry
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	tenant := query.Options{Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}}
	m := &Module{Deps: d, providers: map[string]Provider{}}
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
	jobs.Register(d.Jobs, &expireOrderWorker{m: m})
	jobs.Register(d.Jobs, &expirePaymentWorker{m: m})
	return m
}

// AddProvider registers a payment provider under its name, replacing one of the same name. It is
// for wiring: call it before the server takes requests (the providers are read without a lock).
// The payment module registers its providers (VNPAY) this way, and tests register fakes.
func (m *Module) AddProvider(p Provider) { m.providers[p.Name()] = p }

// Migrations returns the sale schema.
func (m *Module) Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return db.Migrations{Module: "sale", Schema: "sale", FS: sub}
}

// now is the module's clock at the databases' precision (microseconds), so that what an
// operation keeps in memory and answers is what a later read returns.
func (m *Module) now() time.Time { return m.Now().UTC().Truncate(time.Microsecond) }

// actor is the user acting, 0 for the system.
func actor(ctx context.Context) id.ID {
	if p := auth.From(ctx); p != nil {
		return p.UserID
	}
	return 0
}

// checkMerchant confirms the caller may act for the merchant and returns it.
func (m *Module) checkMerchant(ctx context.Context, merchantID id.ID) (Merchant, error) {
	mer, err := m.Catalog.Merchant(ctx, merchantID)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return Merchant{}, errs.Field("body.merchantId", "no such merchant", merchantID.String())
		}
		return Merchant{}, err
	}
	if !auth.ScopeOf(ctx).AllowsMerchant(mer.OrganizerID, mer.ID) {
		return Merchant{}, errs.Field("body.merchantId", "no such merchant", merchantID.String())
	}
	return mer, nil
}

// nextNumber returns the merchant's next number in a sequence ("order", "zreport"), in the
// caller's transaction: the upsert locks the counter row, so numbers never repeat or skip.
func (m *Module) nextNumber(ctx context.Context, merchantID id.ID, seq string) (int, error) {
	var n int
	err := m.DB.Raw(ctx, true).QueryRowContext(ctx, m.DB.Rebind(
		`INSERT INTO sale_counters (merchant_id, name, value) VALUES (?, ?, 1)
		 ON CONFLICT (merchant_id, name) DO UPDATE SET value = sale_counters.value + 1 RETURNING value`),
		int64(merchantID), seq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s number: %w", seq, db.Classify(err))
	}
	return n, nil
}

// topicOrders is the realtime topic of a merchant's order changes.
func topicOrders(merchantID id.ID) string { return "merchant." + merchantID.String() + ".orders" }

// topicKitchen is the realtime topic of one station's tickets.
func topicKitchen(merchantID id.ID, station string) string {
	return "merchant." + merchantID.String() + ".kitchen." + station
}

// OrderEvent is the realtime message of an order change.
type OrderEvent struct {
	Type    string `json:"type"` // order.created, order.updated, order.checked-out, order.paid, ...
	OrderID id.ID  `json:"orderId"`
	Number  int    `json:"number"`
	Status  Status `json:"status"`
	Total   int64  `json:"total"`
	Paid    int64  `json:"paidTotal"`
}

// announce fans an order change out after the transaction commits.
func (m *Module) announce(ctx context.Context, kind string, o *Order) {
	ev := OrderEvent{Type: kind, OrderID: o.ID, Number: o.Number, Status: o.Status, Total: o.Total, Paid: o.PaidTotal}
	topic := topicOrders(o.MerchantID)
	db.AfterCommit(ctx, func() { m.Live.Broadcast(context.WithoutCancel(ctx), topic, ev) })
}

// updateIn loads, changes and saves a row in one transaction, handing fn the transaction's
// context so everything fn does joins it. A row this transaction already holds (it inserted it,
// or an earlier updateIn locked it) is changed as remembered, without being read again.
func updateIn[T any](ctx context.Context, d *db.DB, t *query.Table[T], rowID id.ID, fn func(ctx context.Context, row *T) error) (*T, error) {
	var out *T
	err := d.InTx(ctx, func(ctx context.Context) error {
		var err error
		change := func(row *T) error { return fn(ctx, row) }
		if row, ok := inTx[*T](ctx, heldKey{rowID}); ok {
			out, err = t.UpdateHeld(ctx, row, change)
		} else {
			out, err = t.Update(ctx, rowID, change)
		}
		if err == nil {
			held := *out // the caller may change out
			keepInTx(ctx, heldKey{rowID}, &held)
		}
		return err
	})
	return out, err
}

// heldKey names a row (ids are unique across tables) that the operation's transaction holds
// locked as remembered.
type heldKey struct{ row id.ID }

// shiftKey names a shift the operation's transaction read.
type shiftKey struct{ shift id.ID }

// txValue is a value remembered (platform/memo) for the transaction it was read or written in.
type txValue struct {
	tx *sql.Tx
	v  any
}

// keepInTx remembers v under key for the rest of the transaction of ctx (nothing outside one).
func keepInTx(ctx context.Context, key, v any) {
	if tx, ok := db.Tx(ctx); ok {
		memo.Put(ctx, key, txValue{tx: tx, v: v})
	}
}

// inTx returns what keepInTx remembered under key in the transaction of ctx: never a value of
// another transaction of the same operation.
func inTx[V any](ctx context.Context, key any) (V, bool) {
	var zero V
	tv, ok := memo.Get[txValue](ctx, key)
	if !ok {
		return zero, false
	}
	if tx, in := db.Tx(ctx); !in || tx != tv.tx {
		return zero, false
	}
	v, ok := tv.v.(V)
	return v, ok
}
