// Package webhook delivers BANA's domain events to merchants' own HTTP endpoints (the design
// document's WebhookConfigController and WebhookDispatcherService). A merchant registers an
// endpoint at /webhook-configs; every durable event of an order or a payment (sale's
// OrderChanged, PaymentSuccess and OrderRefunded) becomes one delivery per endpoint that wants
// it, sent as a Standard Webhooks message: signed with the endpoint's own secret (sealed at
// rest), retried on a schedule with jitter, held back by a circuit breaker per endpoint, in
// order per order, logged per attempt, and redelivered on request. An endpoint that keeps
// failing is disabled and its merchant told. Endpoints must be https in production and must
// not resolve to private addresses (checked at every dial).
//
// module.go is the entry; model.go the rows, event types, retry schedule and breaker rules;
// sign.go the signature scheme; ssrf.go the address policy and HTTP client; store.go the SQL;
// service.go ingest, dispatch, redelivery and rotation; http.go the routes. See docs/webhook.md.
package webhook

import (
	"embed"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/banapos/bana/internal/platform/secret"
	"github.com/riverqueue/river"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Queues: Queue takes the events from the bus (and runs the sweeper); QueueDispatch sends.
const (
	Queue         = "webhook"
	QueueDispatch = "webhook-dispatch"
)

// permission is the prefix of the module's permissions: webhook.read, webhook.write,
// webhook.delete.
const permission = "webhook"

// Options are the dispatcher's settings (APP_ENV_WEBHOOK_*).
type Options struct {
	Policy       Policy
	Timeout      time.Duration // one attempt
	DisableAfter time.Duration // failing with no success this long disables an endpoint
	// RotationGrace is how long messages are also signed with the secret before a rotation.
	RotationGrace time.Duration
	// Client sends the messages (default Policy.Client(Timeout)).
	Client *http.Client
}

// Deps are what the module needs: the platform and its options.
type Deps struct {
	module.Platform
	Options Options
}

// Module serves endpoints and dispatches deliveries.
type Module struct {
	db         *db.DB
	ids        *id.Generator
	clock      clock.Clock
	log        *slog.Logger
	jobs       *jobs.Client
	keys       *secret.Keyring
	idem       *idempotency.Store
	store      store
	opts       Options
	client     *http.Client
	configs    *query.Table[Config]
	deliveries *query.Table[Delivery]
	attempts   *query.Table[Attempt]
	notes      *query.Table[Notice]

	mu  sync.Mutex
	rnd *rand.Rand
}

// New builds the module.
func New(d Deps) *Module {
	d.Platform = d.Platform.OrDefaults()
	o := d.Options
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 24 * time.Hour
	}
	if o.RotationGrace <= 0 {
		o.RotationGrace = 24 * time.Hour
	}
	if o.Client == nil {
		o.Client = o.Policy.Client(o.Timeout)
	}
	tenant := query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}
	m := &Module{db: d.DB, ids: d.IDs, clock: d.Clock, log: d.Log, jobs: d.Jobs, keys: d.Keys, idem: d.Idem,
		store: store{db: d.DB}, opts: o, client: o.Client,
		configs: query.NewTable[Config]("webhook config", d.DB, d.IDs, query.Options{Tenant: tenant,
			Computed: configComputed, ReadOnly: configSealed, Order: []string{"createdAt DESC"}}),
		deliveries: query.NewTable[Delivery]("webhook delivery", d.DB, d.IDs, query.Options{Tenant: tenant}),
		attempts:   query.NewTable[Attempt]("webhook attempt", d.DB, d.IDs, query.Options{Tenant: tenant}),
		notes:      query.NewTable[Notice]("webhook notification", d.DB, d.IDs, query.Options{Tenant: tenant}),
		rnd:        rand.New(rand.NewPCG(uint64(d.IDs.Next()), 0x9e3779b97f4a7c15)),
	}
	m.configs.SetHooks(query.Hooks[Config]{Update: m.reenable})
	return m
}

// Name is the module's name in APP_ENV_SERVICES.
func (m *Module) Name() string { return "webhook" }

// Migrations returns the module's tables, in the PostgreSQL schema payment, where the design
// document keeps WebhookConfig (docs/decisions/0010-webhooks.md).
func (m *Module) Migrations() db.Migrations {
	return db.Migrations{Module: "webhook", Schema: "payment", FS: db.MigrationFiles(migrationFS), Steps: []db.Step{optionalText()}}
}

// Queues names the ingest and dispatch queues.
func (m *Module) Queues() []string { return []string{Queue, QueueDispatch} }

// Workers registers the dispatcher and the sweeper.
func (m *Module) Workers(j *jobs.Client) {
	jobs.Register(j, &dispatchWorker{m: m})
	jobs.Register(j, &sweepWorker{m: m})
	j.Periodic(time.Minute, func() river.JobArgs { return sweepArgs{} }, &river.InsertOpts{Queue: Queue}, false)
}

// Subscribe takes the events merchants receive. The subscribers run on Queue (their prefix).
func (m *Module) Subscribe(b *events.Bus) {
	events.Subscribe(b, "webhook.order-changed", m.onOrderChanged)
	events.Subscribe(b, "webhook.payment-success", m.onPaymentSuccess)
	events.Subscribe(b, "webhook.order-refunded", m.onOrderRefunded)
}

// Routes registers the endpoints, deliveries, attempts, notifications and event types.
func (m *Module) Routes(s *api.Server) { m.routes(s) }

// random returns a number generator's next draw under the module's lock.
func (m *Module) random(f func(r *rand.Rand) time.Duration) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return f(m.rnd)
}

// optionalText is the step that stores absent optional text as NULL
// (docs/decisions/0016-null-for-absent-text.md).
func optionalText() db.Step {
	return db.OptionalText(2, "optional_text",
		db.TextColumns{Table: "webhook_configs", Columns: []string{"name", "previous_secret_sealed", "disabled_reason"}},
		db.TextColumns{Table: "webhook_deliveries", Columns: []string{"last_error"}},
		db.TextColumns{Table: "webhook_attempts", Columns: []string{"response_body", "error"}},
	)
}
