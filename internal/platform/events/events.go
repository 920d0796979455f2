// Package events carries BANA's domain events durably. Publish writes the event and one delivery
// job per subscriber in the caller's transaction, so a rolled-back change publishes nothing and a
// committed one is delivered even if the process dies right after. Delivery is at least once;
// handling is effectively once: each handler runs in a transaction that also records
// (subscriber, event id), and a repeat finds the record and is skipped.
//
// The design document sent these events over Redis Pub/Sub, which drops a message whenever a
// subscriber is down; these events carry money, so they ride River instead (see
// docs/decisions/0002-events-and-jobs.md). Redis Pub/Sub only carries realtime fan-out.
package events

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/riverqueue/river"
)

// Event is a typed event payload. EventName is the channel name of the document
// ("PaymentSuccess"); EventVersion is bumped when the payload changes incompatibly.
type Event interface {
	EventName() string
	EventVersion() int
}

// Meta describes one delivery.
type Meta struct {
	ID         id.ID
	Name       string
	Version    int
	OccurredAt time.Time
	Attempt    int
}

// handler decodes a payload and runs a subscriber.
type handler struct {
	subscriber string
	event      string
	queue      string
	run        func(ctx context.Context, payload json.RawMessage, m Meta) error
}

// Bus publishes events and delivers them to subscribers.
type Bus struct {
	db   *db.DB
	jobs *jobs.Client
	ids  *id.Generator
	log  *slog.Logger
	subs map[string][]handler // by event name
	by   map[string]handler   // by subscriber name
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// New builds a bus and registers its delivery worker on the jobs client.
func New(d *db.DB, j *jobs.Client, ids *id.Generator, log *slog.Logger) *Bus {
	b := &Bus{db: d, jobs: j, ids: ids, log: log, subs: map[string][]handler{}, by: map[string]handler{}}
	jobs.Register(j, &deliveryWorker{bus: b})
	return b
}

// Migrations returns the event log and receipt tables.
func (b *Bus) Migrations() db.Migrations {
	return db.Migrations{Module: "events", Schema: "public", FS: db.MigrationFiles(migrationFS)}
}

// Subscribe registers h for events of type E under a unique subscriber name such as
// "finance.record-income". The part before the first dot names the queue it runs on when the jobs
// client knows that queue ("events" otherwise). Register every subscriber before the server
// starts, after the modules' queues are added.
func Subscribe[E Event](b *Bus, subscriber string, h func(ctx context.Context, ev E, m Meta) error) {
	var zero E
	name := zero.EventName()
	if _, dup := b.by[subscriber]; dup {
		panic("events: subscriber " + subscriber + " registered twice")
	}
	queue := jobs.QueueEvents
	if mod, _, ok := strings.Cut(subscriber, "."); ok && b.jobs.HasQueue(mod) {
		queue = mod
	}
	hd := handler{subscriber: subscriber, event: name, queue: queue, run: func(ctx context.Context, payload json.RawMessage, m Meta) error {
		var ev E
		if reflect.TypeOf(ev) != nil && reflect.TypeOf(ev).Kind() == reflect.Pointer {
			ev = reflect.New(reflect.TypeOf(ev).Elem()).Interface().(E)
		}
		if err := json.Unmarshal(payload, &ev); err != nil {
			return fmt.Errorf("decode %s v%d: %w", name, m.Version, err)
		}
		return h(ctx, ev, m)
	}}
	b.subs[name] = append(b.subs[name], hd)
	b.by[subscriber] = hd
}

// Subscribers lists who receives an event (for documentation and tests).
func (b *Bus) Subscribers(name string) []string {
	var out []string
	for _, h := range b.subs[name] {
		out = append(out, h.subscriber)
	}
	sort.Strings(out)
	return out
}

// Publish records ev and enqueues one delivery per subscriber, in the transaction carried by ctx
// (or a transaction of its own). It returns the event id.
func (b *Bus) Publish(ctx context.Context, ev Event) (id.ID, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("events: encode %s: %w", ev.EventName(), err)
	}
	eid := b.ids.Next()
	now := time.Now().UTC()
	subs := b.subs[ev.EventName()]
	err = b.db.InTx(ctx, func(ctx context.Context) error {
		_, err := b.db.Raw(ctx, true).ExecContext(ctx, b.db.Rebind(
			"INSERT INTO event_log (id, name, version, payload, subscribers, occurred_at) VALUES (?, ?, ?, ?, ?, ?)"),
			int64(eid), ev.EventName(), ev.EventVersion(), string(payload), len(subs), now)
		if err != nil {
			return db.Classify(err)
		}
		for _, s := range subs {
			args := Delivery{EventID: eid, Name: ev.EventName(), Version: ev.EventVersion(), Subscriber: s.subscriber,
				Payload: payload, OccurredAt: now}
			if _, err := b.jobs.Insert(ctx, args, &river.InsertOpts{Queue: s.queue, Tags: []string{ev.EventName(), strings.ReplaceAll(s.subscriber, ".", "-")}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return eid, nil
}

// Delivery is the job that carries one event to one subscriber.
type Delivery struct {
	EventID    id.ID           `json:"eventId"`
	Name       string          `json:"name"`
	Version    int             `json:"version"`
	Subscriber string          `json:"subscriber"`
	Payload    json.RawMessage `json:"payload"`
	OccurredAt time.Time       `json:"occurredAt"`
}

// Kind is the River job kind.
func (Delivery) Kind() string { return "event.delivery" }

type deliveryWorker struct {
	river.WorkerDefaults[Delivery]
	bus *Bus
}

// Work runs the subscriber once per event: the receipt and the handler's writes commit together.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[Delivery]) error {
	a := job.Args
	h, ok := w.bus.by[a.Subscriber]
	if !ok {
		// A subscriber that no longer exists: keep the job for inspection instead of retrying.
		return river.JobCancel(fmt.Errorf("no subscriber %q in this process", a.Subscriber))
	}
	ctx = auth.System(ctx)
	m := Meta{ID: a.EventID, Name: a.Name, Version: a.Version, OccurredAt: a.OccurredAt, Attempt: job.Attempt}
	d := w.bus.db
	return d.InTx(ctx, func(ctx context.Context) error {
		res, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(
			"INSERT INTO event_receipts (subscriber, event_id, handled_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
			a.Subscriber, int64(a.EventID), time.Now().UTC())
		if err != nil {
			return db.Classify(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			w.bus.log.Debug("event already handled", "event", a.Name, "id", a.EventID, "subscriber", a.Subscriber)
			return nil
		}
		if err := h.run(ctx, a.Payload, m); err != nil {
			w.bus.log.Warn("event handler failed", "event", a.Name, "id", a.EventID, "subscriber", a.Subscriber,
				"attempt", job.Attempt, "error", err)
			return err
		}
		return nil
	})
}

// Handled reports whether subscriber has handled the event (for tests and the admin API).
func (b *Bus) Handled(ctx context.Context, subscriber string, eventID id.ID) (bool, error) {
	var n int
	err := b.db.Raw(ctx, false).QueryRowContext(ctx, b.db.Rebind("SELECT count(*) FROM event_receipts WHERE subscriber = ? AND event_id = ?"),
		subscriber, int64(eventID)).Scan(&n)
	return n > 0, db.Classify(err)
}

// ErrUnknownEvent is returned for an event id that was never published.
var ErrUnknownEvent = errs.New(errs.NotFound, "event not found")
