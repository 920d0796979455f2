// Package payment is the document's @nx/payment: the payment providers behind sale's Provider
// interface, their credentials and the notifications they send. It registers four providers
// with sale (SYSTEM, cash, stays in sale):
//
//   - VNPAY: VNPAY's payment gateway 2.1.0 (a signed payment URL; the IPN and the return URL;
//     querydr and refund), package vnpay;
//   - VNPAY_QR_MMS: VNPAY-QR merchant codes (createQr, payment notification, checkTrans, refund),
//     package vnpayqr;
//   - VIETQR: NAPAS VietQR bank transfers (a dynamic EMVCo payload with the payment's reference in
//     62/08; bank-transfer notifications matched to their payment by that reference and the
//     amount), package vietqr;
//   - VNPAY_PHONE_POS: card payments on a VNPAY phone POS through a signed bridge (VNPAY publishes
//     no API for it; disabled until a merchant configures one), package phonepos.
//
// Each merchant's settings and secrets are one sealed SECRET row of the Configuration table per
// provider (PAYMENT.<provider>, a JSON object), read through Credentials (deps.go); migrations seed
// disabled templates of them. Every notification is verified (signature, then the attempt and
// its amount through sale), recorded in payment_notifications with its answer, and applied through
// sale's ApplyCallback, once however often it comes. The document's MQ-Pay queues run on River:
// QueueScheduler asks the provider about an attempt before it expires, QueueConfirmation applies
// notifications that could not be applied at once and runs provider refunds.
//
// Files: module.go (this), deps.go (what payment needs of sale, configuration and commerce),
// model.go (rows, settings, states), errors.go, provider.go (the four providers' Start),
// service.go (notifications, queries, refunds), jobs.go (River workers), store.go (SQL),
// http.go (routes).
package payment

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
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
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// The document's MQ-Pay queues.
const (
	// QueueScheduler runs the check of each attempt before it expires.
	QueueScheduler = "mq-pay-scheduler"
	// QueueConfirmation applies verified notifications that could not be applied at once, and
	// runs refunds at the providers.
	QueueConfirmation = "mq-pay-confirmation"
)

// Permissions of the payment routes.
const (
	PermRead   = "payment.read"
	PermWrite  = "payment.write"
	PermRefund = "payment.refund"
)

// Deps are what the module is built from.
type Deps struct {
	module.Platform
	Sale        Sale
	Credentials Credentials
	Merchants   Merchants
	// HTTP calls the providers (default: a client with a 15 s timeout).
	HTTP *http.Client
	// CheckBefore is how long before an attempt expires the scheduler asks its provider about it
	// (default one minute).
	CheckBefore time.Duration
}

// Module is the payment module.
type Module struct {
	db          *db.DB
	ids         *id.Generator
	clock       clock.Clock
	log         *slog.Logger
	jobs        *jobs.Client
	events      *events.Bus
	idem        *idempotency.Store
	sale        Sale
	creds       Credentials
	merchants   Merchants
	http        *http.Client
	checkBefore time.Duration

	attempts      *query.Table[PaymentAttempt]
	notifications *query.Table[PaymentNotification]
	refunds       *query.Table[PaymentRefund]
}

// New builds the module.
func New(d Deps) *Module {
	d.Platform = d.Platform.OrDefaults()
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if d.CheckBefore == 0 {
		d.CheckBefore = time.Minute
	}
	m := &Module{db: d.DB, ids: d.IDs, clock: d.Clock, log: d.Log, jobs: d.Jobs, events: d.Events, idem: d.Idem,
		sale: d.Sale, creds: d.Credentials, merchants: d.Merchants, http: d.HTTP, checkBefore: d.CheckBefore}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	m.attempts = query.NewTable[PaymentAttempt]("payment attempt", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"createdAt DESC"}})
	m.notifications = query.NewTable[PaymentNotification]("payment notification", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"receivedAt DESC"}})
	m.refunds = query.NewTable[PaymentRefund]("payment refund", d.DB, d.IDs, query.Options{Tenant: tenant, Order: []string{"createdAt DESC"}})
	return m
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "payment" }

// Migrations returns the payment schema and the seeded provider templates.
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "payment", Schema: "payment", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// Routes registers the notification endpoints of each provider (public: verified by signature),
// the return-URL check, status queries, refunds and the read-only records.
func (m *Module) Routes(s *api.Server) {
	noWrites := []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}
	read := auth.Requirement{Permission: PermRead}
	reads := map[api.Route]auth.Requirement{api.RouteFind: read, api.RouteCount: read, api.RouteFindOne: read, api.RouteGet: read}
	api.RegisterCRUD(s, api.CRUD[PaymentAttempt]{Table: m.attempts, Path: "/payment-attempts", Tag: "Payments", Singular: "payment-attempt", Disable: noWrites, Auth: reads})
	api.RegisterCRUD(s, api.CRUD[PaymentNotification]{Table: m.notifications, Path: "/payment-notifications", Tag: "Payments", Singular: "payment-notification", Disable: noWrites, Auth: reads})
	api.RegisterCRUD(s, api.CRUD[PaymentRefund]{Table: m.refunds, Path: "/payment-refunds", Tag: "Payments", Singular: "payment-refund", Disable: noWrites, Auth: reads})
	m.notificationRoutes(s)
	m.operationRoutes(s)
}

// Workers registers the scheduler's attempt check, the confirmation of queued notifications and
// provider refunds.
func (m *Module) Workers(j *jobs.Client) {
	jobs.Handle(j, func(ctx context.Context, a checkArgs) error { return m.checkAttempt(ctx, a.PaymentID) })
	jobs.Handle(j, func(ctx context.Context, a confirmArgs) error { return m.confirm(ctx, a.NotificationID) })
	jobs.Handle(j, func(ctx context.Context, a refundArgs) error { return m.runRefund(ctx, a.RefundID) })
}

// Subscribe has a provider refund follow each of sale's refunds of a provider's payment.
func (m *Module) Subscribe(b *events.Bus) {
	events.Subscribe(b, "payment.provider-refund", m.onOrderRefunded)
}

// Queues names the MQ-Pay queues.
func (m *Module) Queues() []string { return []string{QueueScheduler, QueueConfirmation} }

func (m *Module) now() time.Time { return m.clock.Now().UTC() }

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(5, "optional_text",
		db.TextColumns{Table: "payment_attempts", Columns: []string{"provider_ref", "provider_created_at", "provider_paid_at"}},
		db.TextColumns{Table: "payment_notifications", Columns: []string{"reply", "provider_ref", "paid_at", "detail"}},
		db.TextColumns{Table: "payment_refunds", Columns: []string{"reason", "provider_code", "provider_message"}},
	)
}
