package webhook

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// store holds the module's SQL beyond the CRUD tables: the dispatcher's reads and its
// conditional writes (a write names the ticket it expects, so a stale job changes nothing).
type store struct {
	db *db.DB
}

// activeConfigs returns the organizer's enabled, not deleted endpoints.
func (s store) activeConfigs(ctx context.Context, organizerID id.ID) ([]Config, error) {
	var out []Config
	err := s.db.IDB(ctx).NewSelect().Model(&out).
		Where("organizer_id = ?", int64(organizerID)).Where("enabled = ?", true).Where("deleted_at IS NULL").
		Order("id").Scan(ctx)
	return out, db.Classify(err)
}

// config returns an endpoint, deleted or not, or nil when it is gone. lock takes its row for
// the rest of ctx's transaction (PostgreSQL; SQLite's one writer serializes anyway).
func (s store) config(ctx context.Context, configID id.ID, lock bool) (*Config, error) {
	var c Config
	q := s.db.IDB(ctx).NewSelect().Model(&c).Where("id = ?", int64(configID))
	if lock && s.db.Dialect == db.Postgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, db.Classify(err)
	}
	return &c, nil
}

// delivery returns a delivery, or nil.
func (s store) delivery(ctx context.Context, deliveryID id.ID) (*Delivery, error) {
	var d Delivery
	if err := s.db.IDB(ctx).NewSelect().Model(&d).Where("id = ?", int64(deliveryID)).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, db.Classify(err)
	}
	return &d, nil
}

// insertDelivery adds a delivery; false when the endpoint already has the event (a repeat of
// the bus's at-least-once delivery).
func (s store) insertDelivery(ctx context.Context, d *Delivery) (bool, error) {
	res, err := s.db.IDB(ctx).NewInsert().Model(d).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, db.Classify(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// earlierOpen reports whether an earlier event of the order is still on its way to the endpoint.
func (s store) earlierOpen(ctx context.Context, configID, orderID, eventID id.ID) (bool, error) {
	n, err := s.db.IDB(ctx).NewSelect().Table("webhook_deliveries").
		Where("config_id = ? AND order_id = ? AND event_id < ?", int64(configID), int64(orderID), int64(eventID)).
		Where("state IN (?, ?)", StatePending, StateWaiting).Limit(1).Count(ctx)
	return n > 0, db.Classify(err)
}

// laneHead returns the earliest event of the order still on its way to the endpoint, or nil.
func (s store) laneHead(ctx context.Context, configID, orderID id.ID) (*Delivery, error) {
	var d Delivery
	err := s.db.IDB(ctx).NewSelect().Model(&d).
		Where("config_id = ? AND order_id = ?", int64(configID), int64(orderID)).
		Where("state IN (?, ?)", StatePending, StateWaiting).OrderExpr("event_id").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &d, db.Classify(err)
}

// waitingLanes returns up to limit (endpoint, order) pairs with a WAITING delivery, for the
// sweeper.
func (s store) waitingLanes(ctx context.Context, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.db.IDB(ctx).NewSelect().Model(&out).Column("config_id", "order_id").Distinct().
		Where("state = ?", StateWaiting).Limit(limit).Scan(ctx)
	return out, db.Classify(err)
}

// move changes a delivery that is in one of the states from and still has the ticket: state,
// next attempt and a new ticket. It reports whether it did.
func (s store) move(ctx context.Context, d *Delivery, from []string, state string, next *time.Time, now time.Time) (bool, error) {
	res, err := s.db.IDB(ctx).NewUpdate().Table("webhook_deliveries").
		Set("state = ?", state).Set("next_attempt_at = ?", next).Set("ticket = ticket + 1").Set("updated_at = ?", now).
		Where("id = ? AND ticket = ?", int64(d.ID), d.Ticket).Where("state IN (?)", bun.List(from)).Exec(ctx)
	if err != nil {
		return false, db.Classify(err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		d.State, d.NextAttemptAt, d.Ticket = state, next, d.Ticket+1
	}
	return n == 1, nil
}

// recordAttempt writes an attempt's result on its delivery, if the delivery still has the
// ticket, and reports whether it did.
func (s store) recordAttempt(ctx context.Context, d *Delivery, now time.Time) (bool, error) {
	res, err := s.db.IDB(ctx).NewUpdate().Table("webhook_deliveries").
		Set("state = ?", d.State).Set("attempts = attempts + 1").Set("round_attempts = round_attempts + 1").
		Set("ticket = ticket + 1").Set("next_attempt_at = ?", d.NextAttemptAt).Set("last_status_code = ?", d.LastStatusCode).
		Set("last_error = ?", d.LastError).Set("delivered_at = ?", d.DeliveredAt).Set("updated_at = ?", now).
		Where("id = ? AND ticket = ? AND state = ?", int64(d.ID), d.Ticket, StatePending).Exec(ctx)
	if err != nil {
		return false, db.Classify(err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		d.Attempts, d.RoundAttempts, d.Ticket = d.Attempts+1, d.RoundAttempts+1, d.Ticket+1
	}
	return n == 1, nil
}

// requeue puts a finished delivery back at the start of the schedule (a manual redelivery).
func (s store) requeue(ctx context.Context, d *Delivery, now time.Time) (bool, error) {
	res, err := s.db.IDB(ctx).NewUpdate().Table("webhook_deliveries").
		Set("state = ?", StatePending).Set("round_attempts = 0").Set("ticket = ticket + 1").Set("next_attempt_at = ?", now).
		Set("last_error = NULL").Set("updated_at = ?", now).
		Where("id = ? AND ticket = ?", int64(d.ID), d.Ticket).Where("state IN (?, ?)", StateSucceeded, StateFailed).Exec(ctx)
	if err != nil {
		return false, db.Classify(err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		d.State, d.RoundAttempts, d.Ticket, d.NextAttemptAt, d.LastError = StatePending, 0, d.Ticket+1, &now, ""
	}
	return n == 1, nil
}

// insertAttempt adds a row to the delivery log.
func (s store) insertAttempt(ctx context.Context, a *Attempt) error {
	_, err := s.db.IDB(ctx).NewInsert().Model(a).Exec(ctx)
	return db.Classify(err)
}

// insertNotification adds a row the merchant reads.
func (s store) insertNotification(ctx context.Context, n *Notice) error {
	_, err := s.db.IDB(ctx).NewInsert().Model(n).Exec(ctx)
	return db.Classify(err)
}

// saveHealth writes the dispatcher's fields of an endpoint (breaker, failure streak, disable).
func (s store) saveHealth(ctx context.Context, c *Config, now time.Time) error {
	_, err := s.db.IDB(ctx).NewUpdate().Model(c).
		Column("breaker_state", "consecutive_failures", "breaker_until", "breaker_trips", "failing_since",
			"last_success_at", "last_failure_at", "enabled", "disabled_reason", "disabled_at").
		WherePK().Exec(ctx)
	return db.Classify(err)
}

// claimProbe makes this attempt the endpoint's one probe: it moves the breaker from the state
// and failure count it was read with to HALF_OPEN until the probe's deadline, and reports
// whether it won.
func (s store) claimProbe(ctx context.Context, c *Config, deadline time.Time) (bool, error) {
	res, err := s.db.IDB(ctx).NewUpdate().Table("webhook_configs").
		Set("breaker_state = ?", BreakerHalfOpen).Set("breaker_until = ?", deadline).
		Where("id = ? AND breaker_state = ? AND consecutive_failures = ?", int64(c.ID), c.BreakerState, c.ConsecutiveFailures).Exec(ctx)
	if err != nil {
		return false, db.Classify(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// rotate stores a new sealed secret and keeps the old one until the grace period ends.
func (s store) rotate(ctx context.Context, configID id.ID, sealed, previous string, until, now time.Time) error {
	_, err := s.db.IDB(ctx).NewUpdate().Table("webhook_configs").
		Set("secret_sealed = ?", sealed).Set("previous_secret_sealed = ?", previous).Set("previous_secret_until = ?", until).
		Set("updated_at = ?", now).Where("id = ?", int64(configID)).Exec(ctx)
	return db.Classify(err)
}
