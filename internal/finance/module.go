// Package finance owns a merchant's money records (the document's @nx/finance, PostgreSQL schema
// finance): wallets (CASH, BANK, EWALLET, CREDIT_CARD), income and expense categories, and the
// transactions posted to wallets (INCOME, EXPENSE, and TRANSFER as two legs in one database
// transaction). Its worker, the document's FinanceWorkerService, records what other modules
// report as durable events: a new merchant gets its default Cash wallet (CommerceInitialized),
// each paid tender an INCOME in the wallet of its method (PaymentSuccess), each refund the
// reversal of that income (OrderRefunded), goods received on a purchase order an EXPENSE
// (PurchaseOrderReceived).
//
// Postings are append-only: a correction is a reversing posting, never an edit (the database
// refuses an UPDATE or DELETE of one, whatever the code does). Every posting carries a source key
// unique per merchant, so a handler that runs twice, or two deliveries of one payment at once,
// post once. A wallet's balance is the sum of its postings at every commit: it changes only in
// the transaction that inserts a posting, by one conditional UPDATE, and the reconciliation
// proves it for a merchant and a period, and a shift's cash postings against its Z-report.
//
// Files: module.go (this), deps.go (what finance reads of sale, and the other modules' events as
// it reads them), model.go (rows and pure rules), errors.go, store.go (the only SQL), service.go
// (postings, reversals, reconciliation), worker.go (the event handlers), http.go (routes).
package finance

import (
	"embed"
	"log/slog"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Queue is the finance module's job queue: its event handlers run there.
const Queue = "finance"

// Permissions: reads need finance.read; wallets, categories, postings and reversals
// finance.write; deletes of wallets and categories finance.delete.
const (
	Perm       = "finance"
	PermRead   = Perm + ".read"
	PermWrite  = Perm + ".write"
	PermDelete = Perm + ".delete"
)

// Subscribers: the FinanceWorkerService's handlers, by the bus's subscriber names.
const (
	SubCommerceInitialized   = Queue + ".commerce-initialized"
	SubPaymentSuccess        = Queue + ".payment-success"
	SubOrderRefunded         = Queue + ".order-refunded"
	SubPurchaseOrderReceived = Queue + ".purchase-order-received"
)

// Deps are what finance takes of the platform, and sale's shifts (for the check of a shift's
// cash against its Z-report). When Idem is nil, New makes a store on DB without a purge job.
type Deps struct {
	module.Platform
	Shifts Shifts
}

// Module is the finance module.
type Module struct {
	db     *db.DB
	ids    *id.Generator
	clock  clock.Clock
	log    *slog.Logger
	idem   *idempotency.Store
	shifts Shifts
	st     *store

	wallets    *query.Table[FinanceWallet]
	categories *query.Table[FinanceCategory]
	postings   *query.Table[FinanceTransaction]
}

// New builds the module: its tables and the hooks that keep a wallet's routes and money right
// on every write, whoever makes it.
func New(d Deps) *Module {
	d.Platform = d.Platform.OrDefaults()
	clk := d.Clock
	m := &Module{db: d.DB, ids: d.IDs, clock: clk, log: d.Log, idem: d.Idem, shifts: d.Shifts,
		st: &store{db: d.DB, ids: d.IDs, clock: clk}}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	m.wallets = query.NewTable[FinanceWallet]("wallet", d.DB, d.IDs, query.Options{Tenant: tenant,
		ReadOnly: []string{"merchantId", "type", "currency"}, Computed: []string{"balance", "isDefault"}, Order: []string{"createdAt ASC"}}).
		SetHooks(query.Hooks[FinanceWallet]{Create: m.createWallet, Update: m.updateWallet, Delete: m.deleteWallet, Restore: m.restoreWallet})
	m.categories = query.NewTable[FinanceCategory]("category", d.DB, d.IDs, query.Options{Tenant: tenant,
		ReadOnly: []string{"merchantId", "type"}, Order: []string{"code ASC"}})
	m.postings = query.NewTable[FinanceTransaction]("transaction", d.DB, d.IDs, query.Options{Tenant: tenant,
		Order: []string{"occurredAt DESC", "id DESC"}})

	m.wallets.HasMany("transactions", m.postings, "id", "walletId")
	m.categories.HasMany("transactions", m.postings, "id", "categoryId")
	m.postings.BelongsTo("wallet", m.wallets, "walletId", "id")
	m.postings.BelongsTo("category", m.categories, "categoryId", "id")
	m.postings.BelongsTo("reverses", m.postings, "reversesId", "id")
	return m
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "finance" }

// Migrations returns the finance schema.
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "finance", Schema: "finance", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// Routes registers the wallets, categories and transactions and the reconciliation (http.go).
func (m *Module) Routes(s *api.Server) { m.routes(s) }

// Workers registers nothing: finance's background work is its event handlers.
func (m *Module) Workers(*jobs.Client) {}

// Subscribe registers the FinanceWorkerService's handlers (worker.go); the bus runs each as
// auth.System, once per event, on the finance queue.
func (m *Module) Subscribe(b *events.Bus) {
	events.Subscribe(b, SubCommerceInitialized, m.onCommerceInitialized)
	events.Subscribe(b, SubPaymentSuccess, m.onPaymentSuccess)
	events.Subscribe(b, SubOrderRefunded, m.onOrderRefunded)
	events.Subscribe(b, SubPurchaseOrderReceived, m.onPurchaseOrderReceived)
}

// Queues names the module's job queue.
func (m *Module) Queues() []string { return []string{Queue} }

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(2, "optional_text",
		db.TextColumns{Table: "finance_wallets", Columns: []string{"account_number", "description"}},
		db.TextColumns{Table: "finance_categories", Columns: []string{"description"}},
		db.TextColumns{Table: "finance_transactions", Columns: []string{"description"}},
	)
}
