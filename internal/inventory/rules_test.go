package inventory

import (
	"errors"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
)

func TestTrackingTypeGroups(t *testing.T) {
	want := map[Direction][]TrackingType{
		Inbound:  {TrackingStockIn, TrackingPurchase, TrackingTransferIn, TrackingReturnFromCustomer, TrackingAdjustmentIn, TrackingTransferReturn},
		Outbound: {TrackingStockOut, TrackingSale, TrackingTransferOut, TrackingReturnToVendor, TrackingExpired, TrackingLost, TrackingDamaged, TrackingAdjustmentOut},
		Neutral:  {TrackingInventoryCount, TrackingAdjustmentNeutral, TrackingReservation, TrackingReservationRelease, TrackingReservationExpired, TrackingReservationCommit},
	}
	if len(TrackingTypes) != 20 {
		t.Fatalf("%d tracking types, want 20", len(TrackingTypes))
	}
	seen := map[TrackingType]bool{}
	for dir, list := range want {
		for _, tt := range list {
			if got := tt.Direction(); got != dir {
				t.Errorf("%s is %s, want %s", tt, got, dir)
			}
			seen[tt] = true
		}
	}
	for _, info := range TrackingTypes {
		if !seen[info.Code] {
			t.Errorf("%s is in no group", info.Code)
		}
		if info.Name == "" || info.Description == "" {
			t.Errorf("%s is undocumented", info.Code)
		}
	}
	// The document's fourteen are all there, under their names.
	for _, code := range []string{"STOCK_IN", "PURCHASE", "TRANSFER_IN", "RETURN_FROM_CUSTOMER", "ADJUSTMENT_IN", "STOCK_OUT", "SALE",
		"TRANSFER_OUT", "RETURN_TO_VENDOR", "EXPIRED", "LOST", "DAMAGED", "INVENTORY_COUNT", "ADJUSTMENT_NEUTRAL"} {
		if _, ok := TrackingType(code).Info(); !ok {
			t.Errorf("document type %s missing", code)
		}
	}
	if TrackingType("NOPE").Direction() != "" {
		t.Error("unknown type has a direction")
	}
}

func TestTrackingTypeAllows(t *testing.T) {
	cases := []struct {
		typ              TrackingType
		onHand, reserved int64
		ok               bool
	}{
		{TrackingPurchase, 5, 0, true},
		{TrackingPurchase, -5, 0, false},
		{TrackingPurchase, 0, 0, false},
		{TrackingSale, -1, 0, true},
		{TrackingSale, 1, 0, false},
		{TrackingSale, -1, -1, false}, // a row changes one quantity only
		{TrackingLost, -3, 0, true},
		{TrackingTransferReturn, 2, 0, true},
		{TrackingInventoryCount, -4, 0, true},
		{TrackingInventoryCount, 4, 0, true},
		{TrackingInventoryCount, 0, 0, true},
		{TrackingAdjustmentNeutral, -1, 0, true},
		{TrackingReservation, 0, 2, true},
		{TrackingReservation, 0, -2, false},
		{TrackingReservation, 1, 1, false},
		{TrackingReservationRelease, 0, -2, true},
		{TrackingReservationExpired, 0, 2, false},
		{TrackingReservationCommit, 0, -1, true},
		{TrackingReservationCommit, -1, 0, false},
		{"NOPE", 1, 0, false},
	}
	for _, c := range cases {
		if got := c.typ.Allows(c.onHand, c.reserved); got != c.ok {
			t.Errorf("%s.Allows(%d, %d) = %v, want %v", c.typ, c.onHand, c.reserved, got, c.ok)
		}
	}
}

func TestPurchaseOrderStateMachine(t *testing.T) {
	all := []POStatus{PODraft, POProcessing, POConfirmed, POCompleted, POCancelled}
	type key struct {
		from     POStatus
		a        POAction
		received bool
		complete bool
	}
	allowed := map[key]POStatus{
		{PODraft, POSubmit, false, false}:       POProcessing,
		{POProcessing, POConfirm, false, false}: POConfirmed,
		{POConfirmed, POReceive, false, false}:  POConfirmed,
		{POConfirmed, POReceive, true, false}:   POConfirmed,
		{POConfirmed, POReceive, true, true}:    POCompleted,
		{POConfirmed, POReceive, false, true}:   POCompleted,
		{POConfirmed, POComplete, false, false}: POCompleted,
		{POConfirmed, POComplete, true, false}:  POCompleted,
		{POConfirmed, POComplete, true, true}:   POCompleted,
		{POConfirmed, POComplete, false, true}:  POCompleted,
		{PODraft, POCancel, false, false}:       POCancelled,
		{PODraft, POCancel, true, false}:        POCancelled,
		{PODraft, POCancel, false, true}:        POCancelled,
		{PODraft, POCancel, true, true}:         POCancelled,
		{POProcessing, POCancel, false, false}:  POCancelled,
		{POProcessing, POCancel, true, false}:   POCancelled,
		{POProcessing, POCancel, false, true}:   POCancelled,
		{POProcessing, POCancel, true, true}:    POCancelled,
		{POConfirmed, POCancel, false, false}:   POCancelled,
		{POConfirmed, POCancel, false, true}:    POCancelled,
		{PODraft, POSubmit, true, false}:        POProcessing,
		{PODraft, POSubmit, false, true}:        POProcessing,
		{PODraft, POSubmit, true, true}:         POProcessing,
		{POProcessing, POConfirm, true, false}:  POConfirmed,
		{POProcessing, POConfirm, false, true}:  POConfirmed,
		{POProcessing, POConfirm, true, true}:   POConfirmed,
	}
	// Every (state, action) pair: allowed ones move as the table says; the rest are 409s that
	// leave the state as it was.
	for _, from := range all {
		for _, a := range []POAction{POSubmit, POConfirm, POReceive, POComplete, POCancel} {
			for _, received := range []bool{false, true} {
				for _, complete := range []bool{false, true} {
					got, err := from.Next(a, received, complete)
					want, ok := allowed[key{from, a, received, complete}]
					if ok {
						if err != nil || got != want {
							t.Errorf("%s %s (received %v, complete %v) = %s, %v; want %s", from, a, received, complete, got, err, want)
						}
						continue
					}
					if errs.KindOf(err) != errs.Conflict || !errors.Is(err, ErrPurchaseOrderTransition) || got != from {
						t.Errorf("%s %s (received %v, complete %v) = %s, %v; want a conflict", from, a, received, complete, got, err)
					}
				}
			}
		}
	}
	if _, err := PODraft.Next("explode", false, false); errs.KindOf(err) != errs.Invalid {
		t.Errorf("unknown action: %v", err)
	}
	for s, want := range map[POStatus]bool{PODraft: true, POProcessing: true, POConfirmed: false, POCompleted: false, POCancelled: false} {
		if s.Editable() != want {
			t.Errorf("%s editable = %v", s, !want)
		}
	}
}

func TestConsumeFIFO(t *testing.T) {
	layers := []Layer{{ID: 1, UnitCost: 100, Remaining: 2}, {ID: 2, UnitCost: 150, Remaining: 0}, {ID: 3, UnitCost: 200, Remaining: 5}}
	cases := []struct {
		qty       int64
		cost      int64
		takes     []Take
		uncovered int64
	}{
		{0, 0, nil, 0},
		{1, 100, []Take{{1, 1, 100}}, 0},
		{2, 200, []Take{{1, 2, 100}}, 0},
		{3, 400, []Take{{1, 2, 100}, {3, 1, 200}}, 0},
		{7, 1200, []Take{{1, 2, 100}, {3, 5, 200}}, 0},
		{9, 1200, []Take{{1, 2, 100}, {3, 5, 200}}, 2},
	}
	for _, c := range cases {
		takes, cost, unc, err := Consume(layers, c.qty)
		if err != nil {
			t.Fatal(err)
		}
		if cost != c.cost || unc != c.uncovered || len(takes) != len(c.takes) {
			t.Errorf("Consume(%d) = %v, %d, %d; want %v, %d, %d", c.qty, takes, cost, unc, c.takes, c.cost, c.uncovered)
			continue
		}
		for i := range takes {
			if takes[i] != c.takes[i] {
				t.Errorf("Consume(%d) take %d = %v, want %v", c.qty, i, takes[i], c.takes[i])
			}
		}
	}
	if _, _, unc, _ := Consume(nil, 3); unc != 3 {
		t.Errorf("no layers: uncovered %d", unc)
	}
	// Layers whose cost adds up past 64 bits (ten million units at the money bound, counted
	// away at once) are refused, never wrapped into a negative cost.
	huge := []Layer{{ID: 1, UnitCost: money.MaxAmount, Remaining: 5_000_000}, {ID: 2, UnitCost: money.MaxAmount, Remaining: 5_000_000}}
	if _, cost, _, err := Consume(huge, 10_000_000); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("a cost past int64: %d, %v", cost, err)
	}
	_ = id.ID(0)
	_ = errors.New
}
