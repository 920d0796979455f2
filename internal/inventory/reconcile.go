package inventory

import (
	"context"
	"fmt"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// StockDiscrepancy is a stock item whose stored quantities disagree with its history.
type StockDiscrepancy struct {
	ItemID           id.ID    `json:"itemId"`
	LocationID       id.ID    `json:"locationId"`
	VariantID        id.ID    `json:"variantId"`
	QuantityOnHand   int64    `json:"quantityOnHand"`
	TrackedOnHand    int64    `json:"trackedOnHand" doc:"Sum of the tracking rows' quantityDelta"`
	QuantityReserved int64    `json:"quantityReserved"`
	TrackedReserved  int64    `json:"trackedReserved" doc:"Sum of the tracking rows' reservedDelta"`
	OpenReserved     int64    `json:"openReserved" doc:"Sum of the ACTIVE reservations"`
	LayersRemaining  int64    `json:"layersRemaining" doc:"Sum of the FIFO layers' remaining quantity"`
	Problems         []string `json:"problems"`
}

// StockReconciliation is the outcome of a check of every stock item in scope.
type StockReconciliation struct {
	OK            bool               `json:"ok"`
	Items         int                `json:"items"`
	Discrepancies []StockDiscrepancy `json:"discrepancies"`
}

// Reconcile checks, for every stock item of the organizer (0: all) and merchant (0: all), that
// on hand equals the sum of its tracking deltas and of its FIFO layers' remaining stock, and that
// reserved equals the sum of its reserved deltas and of its open reservations. It reads one
// snapshot (one statement), so it may run while stock moves.
func (s *Service) Reconcile(ctx context.Context, organizerID, merchantID id.ID) (StockReconciliation, error) {
	q := `SELECT i.id, i.location_id, i.variant_id, i.quantity_on_hand, i.quantity_reserved,
 COALESCE((SELECT SUM(t.quantity_delta) FROM inventory_trackings t WHERE t.item_id = i.id), 0),
 COALESCE((SELECT SUM(t.reserved_delta) FROM inventory_trackings t WHERE t.item_id = i.id), 0),
 COALESCE((SELECT SUM(r.quantity) FROM inventory_reservations r WHERE r.item_id = i.id AND r.status = 'ACTIVE'), 0),
 COALESCE((SELECT SUM(l.quantity_remaining) FROM inventory_cost_layers l WHERE l.item_id = i.id), 0)
FROM inventory_items i WHERE 1=1`
	var args []any
	if organizerID != 0 {
		q += ` AND i.organizer_id = ?`
		args = append(args, int64(organizerID))
	}
	if merchantID != 0 {
		q += ` AND i.merchant_id = ?`
		args = append(args, int64(merchantID))
	}
	rows, err := s.db.Raw(ctx, false).QueryContext(ctx, s.db.Rebind(q+` ORDER BY i.id`), args...)
	if err != nil {
		return StockReconciliation{}, db.Classify(err)
	}
	defer rows.Close()
	out := StockReconciliation{OK: true, Discrepancies: []StockDiscrepancy{}}
	for rows.Next() {
		var d StockDiscrepancy
		if err := rows.Scan(&d.ItemID, &d.LocationID, &d.VariantID, &d.QuantityOnHand, &d.QuantityReserved,
			&d.TrackedOnHand, &d.TrackedReserved, &d.OpenReserved, &d.LayersRemaining); err != nil {
			return StockReconciliation{}, db.Classify(err)
		}
		out.Items++
		check := func(ok bool, format string, a ...any) {
			if !ok {
				d.Problems = append(d.Problems, fmt.Sprintf(format, a...))
			}
		}
		check(d.QuantityOnHand == d.TrackedOnHand, "on hand %d but tracking rows add up to %d", d.QuantityOnHand, d.TrackedOnHand)
		check(d.QuantityReserved == d.TrackedReserved, "reserved %d but tracking rows add up to %d", d.QuantityReserved, d.TrackedReserved)
		check(d.QuantityReserved == d.OpenReserved, "reserved %d but open reservations hold %d", d.QuantityReserved, d.OpenReserved)
		check(d.QuantityOnHand == d.LayersRemaining, "on hand %d but cost layers hold %d", d.QuantityOnHand, d.LayersRemaining)
		check(d.QuantityOnHand >= 0 && d.QuantityReserved >= 0 && d.QuantityReserved <= d.QuantityOnHand,
			"quantities out of range: on hand %d, reserved %d", d.QuantityOnHand, d.QuantityReserved)
		if len(d.Problems) > 0 {
			out.OK = false
			out.Discrepancies = append(out.Discrepancies, d)
		}
	}
	return out, db.Classify(rows.Err())
}
