package inventory

import (
	"context"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// reservations lists reservations by reference or ids, in the lock order (variant, location).
func (s *store) reservations(ctx context.Context, organizerID, merchantID id.ID, reference string, ids []id.ID, activeOnly bool) ([]StockReservation, error) {
	q := `SELECT ` + reservationColumns + ` FROM inventory_reservations WHERE organizer_id = ?`
	args := []any{int64(organizerID)}
	if merchantID != 0 {
		q += ` AND merchant_id = ?`
		args = append(args, int64(merchantID))
	}
	if reference != "" {
		q += ` AND reference = ?`
		args = append(args, reference)
	}
	if len(ids) > 0 {
		q += ` AND id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
		for _, v := range ids {
			args = append(args, int64(v))
		}
	}
	if activeOnly {
		q += ` AND status = 'ACTIVE'`
	}
	var list []StockReservation
	err := s.query(ctx, true, &list, q+` ORDER BY variant_id, location_id, id`, args...)
	return list, err
}

// activeReservations lists the listed reservations that are still active, in the lock order.
func (s *store) activeReservations(ctx context.Context, ids []id.ID) ([]StockReservation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, v := range ids {
		args[i] = int64(v)
	}
	var list []StockReservation
	err := s.query(ctx, true, &list, `SELECT `+reservationColumns+` FROM inventory_reservations WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+
		`) AND status = 'ACTIVE' ORDER BY variant_id, location_id, id`, args...)
	return list, err
}

// closeReservation ends an active reservation with status, and reports whether it was still
// active. dueBy, when set, closes it only if it expires by then.
func (s *store) closeReservation(ctx context.Context, reservationID id.ID, status ReservationStatus, reason string, dueBy *time.Time) (bool, error) {
	now := s.clock.Now()
	q := `UPDATE inventory_reservations SET status = ?, reason = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status = 'ACTIVE'`
	args := []any{string(status), db.OptText(reason), now, now, int64(reservationID)}
	if dueBy != nil {
		q += ` AND expires_at <= ?`
		args = append(args, *dueBy)
	}
	r, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return false, db.Classify(err)
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

// setReservationCost records the cost of goods of a committed reservation.
func (s *store) setReservationCost(ctx context.Context, reservationID id.ID, cost int64) error {
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE inventory_reservations SET cost_amount = ? WHERE id = ?`),
		cost, int64(reservationID))
	return db.Classify(err)
}

// sell takes qty off the item of the variant at the location (locationID 0: the merchant's
// default one) if what is left still covers its reservations. The location is looked up within
// the statement, confined to the organizer and merchant.
func (s *store) sell(ctx context.Context, organizerID, merchantID, locationID, variantID id.ID, qty int64) (itemRef, bool, error) {
	cond, largs := locationMatch(organizerID, merchantID, locationID)
	args := append(append([]any{qty, s.clock.Now()}, largs...), int64(variantID), qty)
	q := s.db.Rebind(`UPDATE inventory_items SET quantity_on_hand = quantity_on_hand - ?, updated_at = ?
WHERE location_id = (SELECT id FROM inventory_locations WHERE ` + cond + ` LIMIT 1)
AND variant_id = ? AND quantity_on_hand - quantity_reserved >= ?` + itemReturning)
	it, ok, err := s.scanItem(s.db.Raw(ctx, true).QueryRowContext(ctx, q, args...))
	return it, ok, db.Classify(err)
}
