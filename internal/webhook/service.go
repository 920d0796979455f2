package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/riverqueue/river"
)

// The sources: the bus's events, taken as they were published (their JSON becomes the message's
// data untouched). OrderRefunded is sale's event; its name is all this module needs of it.

type rawEvent struct{ json.RawMessage }

type orderChanged struct{ rawEvent }

func (orderChanged) EventName() string { return events.OrderChanged{}.EventName() }
func (orderChanged) EventVersion() int { return 1 }

type paymentSuccess struct{ rawEvent }

func (paymentSuccess) EventName() string { return events.PaymentSuccess{}.EventName() }
func (paymentSuccess) EventVersion() int { return 1 }

type orderRefunded struct{ rawEvent }

func (orderRefunded) EventName() string { return "OrderRefunded" }
func (orderRefunded) EventVersion() int { return 1 }

// head is what every source event says of where it belongs.
type head struct {
	OrganizerID id.ID  `json:"organizerId"`
	MerchantID  id.ID  `json:"merchantId"`
	OrderID     id.ID  `json:"orderId"`
	Type        string `json:"type"`
}

func (m *Module) onOrderChanged(ctx context.Context, ev orderChanged, meta events.Meta) error {
	return m.ingest(ctx, ev.RawMessage, meta, func(h head) string { return orderType(h.Type) })
}

func (m *Module) onPaymentSuccess(ctx context.Context, ev paymentSuccess, meta events.Meta) error {
	return m.ingest(ctx, ev.RawMessage, meta, func(head) string { return TypePaymentSucceeded })
}

func (m *Module) onOrderRefunded(ctx context.Context, ev orderRefunded, meta events.Meta) error {
	return m.ingest(ctx, ev.RawMessage, meta, func(head) string { return TypeRefundCreated })
}

// ingest makes one delivery per endpoint of the event's organizer that wants it, each with its
// first attempt due now, in the bus's transaction (a repeat of the event adds nothing).
func (m *Module) ingest(ctx context.Context, raw json.RawMessage, meta events.Meta, typeOf func(head) string) error {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("webhook: decode %s: %w", meta.Name, err)
	}
	typ := typeOf(h)
	if h.OrganizerID == 0 || typ == "" {
		return nil
	}
	cfgs, err := m.store.activeConfigs(ctx, h.OrganizerID)
	if err != nil || len(cfgs) == 0 {
		return err
	}
	body, err := json.Marshal(envelope{Type: typ, Timestamp: meta.OccurredAt.UTC(), Data: raw})
	if err != nil {
		return err
	}
	now := m.clock.Now()
	for i := range cfgs {
		c := &cfgs[i]
		if !c.wants(h.MerchantID, typ) {
			continue
		}
		d := &Delivery{ID: m.ids.Next(), OrganizerID: h.OrganizerID, MerchantID: h.MerchantID, ConfigID: c.ID, EventID: meta.ID,
			EventType: typ, Payload: string(body), State: StatePending, Ticket: 1, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now}
		if h.OrderID != 0 {
			oid := h.OrderID
			d.OrderID = &oid
		}
		added, err := m.store.insertDelivery(ctx, d)
		if err != nil {
			return err
		}
		if added {
			if err := m.schedule(ctx, d, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// dispatchArgs is the job of one attempt of a delivery: it acts only while the delivery still
// has the ticket (every move of a delivery takes a new ticket, so an older job is a no-op).
type dispatchArgs struct {
	DeliveryID id.ID `json:"deliveryId"`
	Ticket     int64 `json:"ticket"`
}

// Kind is the River job kind.
func (dispatchArgs) Kind() string { return "webhook.dispatch" }

type dispatchWorker struct {
	river.WorkerDefaults[dispatchArgs]
	m *Module
}

// Work runs the delivery's attempt if it is due.
func (w *dispatchWorker) Work(ctx context.Context, job *river.Job[dispatchArgs]) error {
	return w.m.dispatch(auth.System(ctx), job.Args.DeliveryID, job.Args.Ticket)
}

// Timeout bounds a job by the attempt's own timeout and the time to record it.
func (w *dispatchWorker) Timeout(*river.Job[dispatchArgs]) time.Duration {
	return w.m.opts.Timeout + time.Minute
}

// schedule inserts the job of the delivery's current ticket, to run after wait (on the module's
// clock), in ctx's transaction.
func (m *Module) schedule(ctx context.Context, d *Delivery, wait time.Duration) error {
	opts := &river.InsertOpts{Queue: QueueDispatch}
	if wait > 0 {
		opts.ScheduledAt = jobs.After(wait)
	}
	_, err := m.jobs.Insert(ctx, dispatchArgs{DeliveryID: d.ID, Ticket: d.Ticket}, opts)
	return err
}

// dispatch is one run of a delivery's job: it waits for the due time, for earlier events of
// the same order and for the endpoint's breaker, then sends once and records the outcome.
func (m *Module) dispatch(ctx context.Context, deliveryID id.ID, ticket int64) error {
	d, err := m.store.delivery(ctx, deliveryID)
	if err != nil || d == nil || d.Ticket != ticket || d.State != StatePending {
		return err
	}
	now := m.clock.Now()
	if d.NextAttemptAt != nil && now.Before(*d.NextAttemptAt) {
		// Not due on the module's clock (River ran the job early, or a test ran it): the same
		// ticket again, later.
		return m.schedule(ctx, d, d.NextAttemptAt.Sub(now))
	}
	c, err := m.store.config(ctx, d.ConfigID, false)
	if err != nil {
		return err
	}
	switch {
	case c == nil || c.DeletedAt != nil:
		return m.finish(ctx, d, "endpoint deleted")
	case !c.Enabled:
		return m.finish(ctx, d, "endpoint disabled")
	}
	if d.OrderID != nil {
		// An earlier event of the order may not have reached this module yet (the bus hands
		// events over in parallel): wait until every event published before this one is in.
		behind, err := m.awaitIngest(ctx, d.EventID)
		if err != nil {
			return err
		}
		if behind {
			return m.postpone(ctx, d, now, ingestWait)
		}
		earlier, err := m.store.earlierOpen(ctx, c.ID, *d.OrderID, d.EventID)
		if err != nil {
			return err
		}
		if earlier {
			if _, err := m.store.move(ctx, d, []string{StatePending}, StateWaiting, nil, now); err != nil {
				return err
			}
			// The earlier one may have finished meanwhile, before it could see this one wait.
			return m.wakeLane(ctx, c.ID, *d.OrderID)
		}
	}
	probe := false
	switch c.BreakerState {
	case BreakerOpen, BreakerHalfOpen:
		if c.BreakerUntil != nil && now.Before(*c.BreakerUntil) {
			wait := c.BreakerUntil.Sub(now)
			if c.BreakerState == BreakerHalfOpen {
				wait = probeWait
			}
			return m.postpone(ctx, d, now, wait+m.random(func(r *rand.Rand) time.Duration { return jitter(wait, r) - wait }))
		}
		won, err := m.store.claimProbe(ctx, c, now.Add(m.opts.Timeout+time.Minute))
		if err != nil {
			return err
		}
		if !won {
			return m.postpone(ctx, d, now, probeWait)
		}
		probe = true
	}
	out := m.send(ctx, c, d, now)
	return m.record(ctx, c.ID, d, out, probe)
}

// ingestWait is how long a delivery waits for the events published before it to come in.
const ingestWait = time.Second

// awaitIngest waits a little (up to ingestPoll x ingestPolls of the wall clock, holding this
// worker) for the events published before eventID to come in, and reports whether they are still
// behind. Waiting here is cheaper than a postponed attempt when the bus is only a moment behind.
func (m *Module) awaitIngest(ctx context.Context, eventID id.ID) (bool, error) {
	for i := 0; ; i++ {
		behind, err := m.ingestBehind(ctx, eventID)
		if err != nil || !behind || i == ingestPolls {
			return behind, err
		}
		select {
		case <-ctx.Done():
			return true, nil
		case <-time.After(ingestPoll):
		}
	}
}

// ingestPoll and ingestPolls bound awaitIngest.
const (
	ingestPoll  = 20 * time.Millisecond
	ingestPolls = 25
)

// ingestBehind reports whether an event published before eventID is still on its way from the
// bus to this module (its delivery job available or running on Queue). A delivery job that
// failed and waits for River's retry does not hold deliveries back: that event may arrive after
// later ones of its order.
func (m *Module) ingestBehind(ctx context.Context, eventID id.ID) (bool, error) {
	j, err := m.jobs.Oldest(ctx, Queue, events.Delivery{}.Kind())
	if err != nil || j == nil {
		return false, err
	}
	var args events.Delivery
	if err := json.Unmarshal(j.Args, &args); err != nil {
		return false, nil
	}
	return args.EventID < eventID, nil
}

// postpone moves a pending delivery's attempt later without spending it.
func (m *Module) postpone(ctx context.Context, d *Delivery, now time.Time, wait time.Duration) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		at := now.Add(wait)
		moved, err := m.store.move(ctx, d, []string{StatePending}, StatePending, &at, now)
		if err != nil || !moved {
			return err
		}
		return m.schedule(ctx, d, wait)
	})
}

// finish fails a delivery that can no longer go (its endpoint is gone or disabled), and lets the
// next event of its order go.
func (m *Module) finish(ctx context.Context, d *Delivery, why string) error {
	now := m.clock.Now()
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		d.State, d.NextAttemptAt, d.LastError = StateFailed, nil, db.OptText(why)
		_, err := m.db.IDB(ctx).NewUpdate().Table("webhook_deliveries").Set("state = ?", StateFailed).Set("next_attempt_at = NULL").
			Set("last_error = ?", why).Set("ticket = ticket + 1").Set("updated_at = ?", now).
			Where("id = ? AND ticket = ? AND state = ?", int64(d.ID), d.Ticket, StatePending).Exec(ctx)
		return db.Classify(err)
	})
	if err != nil || d.OrderID == nil {
		return err
	}
	return m.wakeLane(ctx, d.ConfigID, *d.OrderID)
}

// wakeLane lets the earliest event of an order that waits for its turn go, when nothing before
// it is still on its way.
func (m *Module) wakeLane(ctx context.Context, configID, orderID id.ID) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		h, err := m.store.laneHead(ctx, configID, orderID)
		if err != nil || h == nil || h.State != StateWaiting {
			return err
		}
		now := m.clock.Now()
		woke, err := m.store.move(ctx, h, []string{StateWaiting}, StatePending, &now, now)
		if err != nil || !woke {
			return err
		}
		return m.schedule(ctx, h, 0)
	})
}

// send makes one attempt: the message signed with the endpoint's secret (and the previous one
// during a rotation's grace period), through the client that refuses private addresses.
func (m *Module) send(ctx context.Context, c *Config, d *Delivery, now time.Time) outcome {
	keys, err := m.signingKeys(c, now)
	if err != nil {
		return outcome{err: "cannot open the endpoint's secret: " + err.Error()}
	}
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "BANA-Webhooks/1")
	req.Header.Set(HeaderID, d.MessageID())
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, SignatureHeader(keys, d.MessageID(), now, body))
	// Latency is a measurement of the wall clock, not a decision on the module's time.
	start := time.Now()
	resp, err := m.client.Do(req)
	lat := time.Since(start)
	if err != nil {
		return outcome{latency: lat, err: trimError(err)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	o := outcome{status: resp.StatusCode, latency: lat, body: validText(raw), ok: resp.StatusCode >= 200 && resp.StatusCode < 300,
		gone: resp.StatusCode == http.StatusGone}
	if !o.ok {
		o.err = "HTTP " + strconv.Itoa(resp.StatusCode)
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			o.retryAfter = time.Duration(s) * time.Second
		}
	}
	return o
}

// trimError is an attempt's error as the log keeps it.
func trimError(err error) string {
	s := err.Error()
	if errors.Is(err, ErrBlockedAddress) {
		s = "refused: the endpoint resolves to an address webhooks may not reach (" + s + ")"
	}
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// validText keeps a response body storable as text.
func validText(b []byte) string {
	if utf8.Valid(b) && !bytes.ContainsRune(b, 0) {
		return string(b)
	}
	return strings.ToValidUTF8(strings.ReplaceAll(string(b), "\x00", ""), "?")
}

// signingKeys opens the endpoint's current secret, and its previous one while it is in grace.
func (m *Module) signingKeys(c *Config, now time.Time) ([][]byte, error) {
	cur, err := m.openSecret(c, c.SecretSealed)
	if err != nil {
		return nil, err
	}
	keys := [][]byte{cur}
	if c.PreviousSecretSealed != "" && c.PreviousSecretUntil != nil && now.Before(*c.PreviousSecretUntil) {
		if prev, err := m.openSecret(c, string(c.PreviousSecretSealed)); err == nil {
			keys = append(keys, prev)
		}
	}
	return keys, nil
}

func (m *Module) openSecret(c *Config, sealed string) ([]byte, error) {
	plain, err := m.keys.Open(sealed, secretAAD(c.ID))
	if err != nil {
		return nil, err
	}
	return SecretKey(string(plain))
}

// secretAAD binds a sealed secret to its endpoint.
func secretAAD(configID id.ID) []byte { return []byte("webhook-config:" + configID.String()) }

// record writes the attempt to the log, moves the delivery (done, next attempt, or failed for
// good), and moves the endpoint's breaker and failure streak, disabling it after sustained
// failure; all in one transaction. Then the next event of the order may go.
func (m *Module) record(ctx context.Context, configID id.ID, d *Delivery, o outcome, probe bool) error {
	now := m.clock.Now()
	terminal := false
	orig := *d
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		*d, terminal = orig, false // a retried transaction starts again from the delivery as it was read
		a := &Attempt{ID: m.ids.Next(), OrganizerID: d.OrganizerID, MerchantID: d.MerchantID, ConfigID: configID, DeliveryID: d.ID,
			Attempt: d.Attempts + 1, Outcome: StateFailed, LatencyMS: o.latency.Milliseconds(), ResponseBody: db.OptText(o.body), Error: db.OptText(o.err), CreatedAt: now}
		if o.status != 0 {
			s := o.status
			a.StatusCode, d.LastStatusCode = &s, &s
		}
		c, err := m.store.config(ctx, configID, !o.ok || probe)
		if err != nil {
			return err
		}
		switch {
		case c == nil:
			d.State, d.NextAttemptAt, d.LastError = StateFailed, nil, "endpoint deleted"
			terminal = true
		case o.ok:
			a.URL = c.URL
			a.Outcome = StateSucceeded
			d.State, d.NextAttemptAt, d.LastError, d.DeliveredAt = StateSucceeded, nil, "", &now
			terminal = true
			if c.BreakerState != BreakerClosed || c.ConsecutiveFailures != 0 || c.FailingSince != nil ||
				c.LastSuccessAt == nil || now.Sub(*c.LastSuccessAt) > time.Minute {
				c.BreakerState, c.ConsecutiveFailures, c.BreakerUntil, c.BreakerTrips, c.FailingSince = BreakerClosed, 0, nil, 0, nil
				c.LastSuccessAt = &now
				if err := m.store.saveHealth(ctx, c, now); err != nil {
					return err
				}
			}
		default:
			a.URL = c.URL
			m.fail(ctx, c, o, probe, now)
			if err := m.store.saveHealth(ctx, c, now); err != nil {
				return err
			}
			if !c.Enabled && c.DisabledAt != nil && c.DisabledAt.Equal(now) {
				if err := m.store.insertNotification(ctx, &Notice{ID: m.ids.Next(), OrganizerID: c.OrganizerID,
					MerchantID: c.MerchantID, ConfigID: c.ID, Kind: NotificationDisabled, Message: string(c.DisabledReason), CreatedAt: now}); err != nil {
					return err
				}
			}
			d.LastError = db.OptText(o.err)
			m.mu.Lock()
			wait, again := NextWait(d.RoundAttempts+1, o.retryAfter, m.rnd)
			m.mu.Unlock()
			switch {
			case !c.Enabled:
				d.State, d.NextAttemptAt, d.LastError = StateFailed, nil, db.OptText(o.err+"; endpoint disabled")
				terminal = true
			case again:
				at := now.Add(wait)
				d.State, d.NextAttemptAt = StatePending, &at
			default:
				d.State, d.NextAttemptAt = StateFailed, nil
				terminal = true
			}
		}
		if err := m.store.insertAttempt(ctx, a); err != nil {
			return err
		}
		moved, err := m.store.recordAttempt(ctx, d, now)
		if err != nil || !moved {
			terminal = false
			return err
		}
		if d.State == StatePending {
			return m.schedule(ctx, d, d.NextAttemptAt.Sub(now))
		}
		return nil
	})
	if err != nil || !terminal || d.OrderID == nil {
		return err
	}
	return m.wakeLane(ctx, configID, *d.OrderID)
}

// fail moves an endpoint's breaker and failure streak after a failed attempt, and disables it
// when the endpoint said 410 Gone or has failed with no success for DisableAfter.
func (m *Module) fail(_ context.Context, c *Config, o outcome, probe bool, now time.Time) {
	c.ConsecutiveFailures++
	c.LastFailureAt = &now
	if c.FailingSince == nil {
		c.FailingSince = &now
	}
	if probe || (c.BreakerState == BreakerClosed && c.ConsecutiveFailures >= BreakerThreshold) {
		c.BreakerTrips++
		until := now.Add(cooldown(c.BreakerTrips))
		c.BreakerState, c.BreakerUntil = BreakerOpen, &until
	}
	why := ""
	switch {
	case o.gone:
		why = "the endpoint answered 410 Gone"
	case now.Sub(*c.FailingSince) >= m.opts.DisableAfter:
		why = fmt.Sprintf("every attempt since %s failed (last: %s)", c.FailingSince.Format(time.RFC3339), o.err)
	}
	if why != "" && c.Enabled {
		c.Enabled, c.DisabledReason, c.DisabledAt = false, db.OptText("disabled: "+why), &now
	}
}

// reenable is the Update hook of endpoints: enabling a disabled endpoint clears why it was
// disabled and closes its breaker with a clean streak.
func (m *Module) reenable(_ context.Context, before, after *Config) error {
	if !before.Enabled && after.Enabled {
		after.DisabledReason, after.DisabledAt = "", nil
		after.BreakerState, after.ConsecutiveFailures, after.BreakerUntil, after.BreakerTrips, after.FailingSince = BreakerClosed, 0, nil, 0, nil
	}
	return nil
}

// Redeliver sends a finished delivery again from the start of the schedule (same webhook-id, a
// new signature), for a caller who may write the delivery's merchant's endpoints.
func (m *Module) Redeliver(ctx context.Context, deliveryID id.ID) (*Delivery, error) {
	var out *Delivery
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		d, err := m.deliveries.Get(ctx, deliveryID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if d.State == StatePending || d.State == StateWaiting {
			return errs.Wrap(errs.Conflict, "delivery "+d.ID.String()+" is "+d.State+": it is still on its way", ErrDeliveryOpen)
		}
		c, err := m.configs.Get(ctx, d.ConfigID, query.ExcludeDeleted)
		if errs.KindOf(err) == errs.NotFound {
			return errs.Wrap(errs.Conflict, "the delivery's endpoint is deleted", ErrEndpointDisabled)
		} else if err != nil {
			return err
		}
		if !c.Enabled {
			return errs.Wrap(errs.Conflict, "endpoint "+c.ID.String()+" is disabled: enable it first", ErrEndpointDisabled)
		}
		ok, err := m.store.requeue(ctx, d, m.clock.Now())
		if err != nil {
			return err
		}
		if !ok {
			return errs.Wrap(errs.Conflict, "delivery "+d.ID.String()+" changed meanwhile; retry", ErrDeliveryOpen)
		}
		out = d
		return m.schedule(ctx, d, 0)
	})
	return out, err
}

// RotateSecret gives an endpoint a new secret, returned once; messages are signed with both
// the new and the old one for RotationGrace, so the receiver can switch without losing any.
func (m *Module) RotateSecret(ctx context.Context, configID id.ID) (*Config, error) {
	var out *Config
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		c, err := m.configs.Get(ctx, configID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if err := auth.ActFor(ctx, c.OrganizerID, idOr0(c.MerchantID)); err != nil {
			return err
		}
		now := m.clock.Now()
		plain := NewSecret()
		until := now.Add(m.opts.RotationGrace)
		sealed := m.keys.Seal([]byte(plain), secretAAD(c.ID))
		if err := m.store.rotate(ctx, c.ID, sealed, c.SecretSealed, until, now); err != nil {
			return err
		}
		c.Secret, c.SecretSealed, c.PreviousSecretUntil, c.UpdatedAt = plain, sealed, &until, now
		out = c
		return nil
	})
	return out, err
}

func idOr0(p *id.ID) id.ID {
	if p == nil {
		return 0
	}
	return *p
}

// sweepArgs is the periodic job that lets go an order's event left WAITING when the one before
// it finished while the process stopped.
type sweepArgs struct{}

// Kind is the River job kind.
func (sweepArgs) Kind() string { return "webhook.sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	m *Module
}

// Work wakes every waiting lane whose head has nothing before it.
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	ctx = auth.System(ctx)
	lanes, err := w.m.store.waitingLanes(ctx, 500)
	if err != nil {
		return err
	}
	for _, l := range lanes {
		if l.OrderID == nil {
			continue
		}
		if err := w.m.wakeLane(ctx, l.ConfigID, *l.OrderID); err != nil {
			return err
		}
	}
	return nil
}
