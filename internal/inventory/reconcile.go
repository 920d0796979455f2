package inventory

import (
	"context"
	"fmt"

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
// snapshot (one statement), so it may run while stock moves. The caller must be allowed to act
// for the organizer and merchant (auth.ActFor): organizer 0 is for admins and auth.System.
func (s *Service) Reconcile(ctx context.Context, organizerID, merchantID id.ID) (StockReconciliation, error) {
	if err := actFor(ctx, organizerID, merchantID, "merchant "+merchantID.String()); err != nil {
		return StockReconciliation{}, err
	}
	out := StockReconciliation{OK: true, Discrepancies: []StockDiscrepancy{}}
	err := s.st.balances(ctx, organizerID, merchantID, func(d *StockDiscrepancy) {
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
			out.Discrepancies = append(out.Discrepancies, *d)
		}
	})
	if err != nil {
		return StockReconciliation{}, err
	}
	return out, nil
}
