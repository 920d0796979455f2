package inventory

import (
	"cmp"
	"context"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
)

// lockPO loads a live purchase order for a change (locked on PostgreSQL), for a caller who may
// act for its merchant: another tenant's order is not found.
func (s *Service) lockPO(ctx context.Context, poID id.ID) (*PurchaseOrder, error) {
	po, err := s.st.lockPO(ctx, poID)
	if err != nil {
		return nil, err
	}
	return po, actFor(ctx, po.OrganizerID, po.MerchantID, "purchase order "+poID.String())
}

// TransitionPurchaseOrder applies submit, confirm, complete or cancel, for a caller who may act
// for the order's merchant. An action the order's state does not allow is
// ErrPurchaseOrderTransition (409); submitting an order without lines, ErrPurchaseOrderEmpty.
func (s *Service) TransitionPurchaseOrder(ctx context.Context, poID id.ID, a POAction) (*PurchaseOrder, error) {
	if a == POReceive {
		return nil, errs.New(errs.Invalid, "receive through ReceivePurchaseOrder")
	}
	var po *PurchaseOrder
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if po, err = s.lockPO(ctx, poID); err != nil {
			return err
		}
		items, err := s.st.poItems(ctx, poID)
		if err != nil {
			return err
		}
		var received int64
		for _, it := range items {
			received += it.QuantityReceived
		}
		next, err := POStatus(po.Status).Next(a, received > 0, false)
		if err != nil {
			return err
		}
		if a == POSubmit && len(items) == 0 {
			return refuse(ErrPurchaseOrderEmpty, "path.id", "purchase order "+po.Code+" has no lines to submit", nil)
		}
		now := s.clock.Now()
		switch next {
		case POProcessing:
			po.SubmittedAt = &now
		case POConfirmed:
			po.ConfirmedAt = &now
		case POCompleted:
			po.CompletedAt = &now
		case POCancelled:
			po.CancelledAt = &now
		}
		po.Status, po.UpdatedAt = string(next), now
		return s.st.save(ctx, po)
	})
	return po, err
}

// PurchaseReceiveLine is goods received for one line of a purchase order.
type PurchaseReceiveLine struct {
	PurchaseOrderItemID id.ID  `json:"purchaseOrderItemId,omitempty" doc:"The line; or name the variant"`
	VariantID           id.ID  `json:"variantId,omitempty"`
	Quantity            int64  `json:"quantity" minimum:"1" maximum:"1000000"`
	UnitCost            *int64 `json:"unitCost,omitempty" minimum:"0" doc:"Actual unit cost; the line's agreed cost when absent"`
}

// ReceiveRequest receives a delivery against a confirmed purchase order.
type ReceiveRequest struct {
	PurchaseOrderID id.ID
	Lines           []PurchaseReceiveLine
	Note            string
}

// ReceivePurchaseOrder adds the goods to the order's location (PURCHASE rows, FIFO layers at the
// unit costs), records the receipt, completes the order once every line is in, and publishes
// PurchaseOrderReceived, all in one transaction, for a caller who may act for the order's
// merchant. Receiving more than is left on a line is ErrOverReceipt (422), goods the order does
// not order ErrNotPurchaseOrderLine (422); an order that is not CONFIRMED is
// ErrPurchaseOrderTransition (409).
func (s *Service) ReceivePurchaseOrder(ctx context.Context, r ReceiveRequest) (*PurchaseOrderReceipt, error) {
	if len(r.Lines) == 0 || len(r.Lines) > 1000 {
		return nil, errs.Field("body.lines", "must hold 1 to 1000 lines", len(r.Lines))
	}
	for i, l := range r.Lines {
		if l.Quantity <= 0 {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d].quantity", i), "must be positive", l.Quantity)
		}
		if err := money.Quantity(fmt.Sprintf("body.lines[%d].quantity", i), l.Quantity); err != nil {
			return nil, err
		}
		if l.PurchaseOrderItemID == 0 && l.VariantID == 0 {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d]", i), "name the purchaseOrderItemId or the variantId", nil)
		}
		if l.UnitCost != nil {
			if err := money.Amount(fmt.Sprintf("body.lines[%d].unitCost", i), *l.UnitCost); err != nil {
				return nil, err
			}
		}
	}
	var rc *PurchaseOrderReceipt
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		po, err := s.lockPO(ctx, r.PurchaseOrderID)
		if err != nil {
			return err
		}
		if _, err := POStatus(po.Status).Next(POReceive, false, false); err != nil {
			return err
		}
		items, err := s.st.poItems(ctx, po.ID)
		if err != nil {
			return err
		}
		loc, err := s.st.location(ctx, po.OrganizerID, po.MerchantID, po.LocationID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		actorID, _ := actor(ctx)
		rc = &PurchaseOrderReceipt{ID: s.ids.Next(), OrganizerID: po.OrganizerID, MerchantID: po.MerchantID, PurchaseOrderID: po.ID,
			LocationID: loc.ID, Note: db.OptText(strings.TrimSpace(r.Note)), ActorID: actorID, ReceivedAt: now, CreatedAt: now}
		order := make([]int, len(r.Lines))
		for i := range order {
			order[i] = i
		}
		variantOf := func(l PurchaseReceiveLine) id.ID {
			for _, it := range items {
				if it.ID == l.PurchaseOrderItemID {
					return it.VariantID
				}
			}
			return l.VariantID
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(variantOf(r.Lines[a]), variantOf(r.Lines[b])) })
		for _, i := range order {
			l := r.Lines[i]
			k := -1
			for j := range items {
				if (l.PurchaseOrderItemID != 0 && items[j].ID == l.PurchaseOrderItemID) || (l.PurchaseOrderItemID == 0 && items[j].VariantID == l.VariantID) {
					k = j
				}
			}
			if k < 0 {
				return refuse(ErrNotPurchaseOrderLine, fmt.Sprintf("body.lines[%d]", i), "not a line of purchase order "+po.Code, nil)
			}
			line := &items[k]
			if left := line.QuantityOrdered - line.QuantityReceived; l.Quantity > left {
				return refuse(ErrOverReceipt, fmt.Sprintf("body.lines[%d].quantity", i), fmt.Sprintf("only %d left to receive of variant %s on %s (ordered %d, received %d), got %d",
					left, line.VariantID, po.Code, line.QuantityOrdered, line.QuantityReceived, l.Quantity), l.Quantity)
			}
			unit := line.UnitCost
			if l.UnitCost != nil {
				unit = *l.UnitCost
			}
			if err := s.st.receiveLine(ctx, line.ID, l.Quantity); err != nil {
				return err
			}
			line.QuantityReceived += l.Quantity
			itemID, err := s.st.ensureItem(ctx, loc, line.VariantID)
			if err != nil {
				return err
			}
			if _, _, err := s.move(ctx, itemID, movement{typ: TrackingPurchase, onHand: l.Quantity, unitCost: &unit, doc: DocReceipt, docID: rc.ID,
				reference: po.Code}); err != nil {
				return err
			}
			amount, err := money.Mul(l.Quantity, unit)
			if err != nil {
				return err
			}
			rc.Lines = append(rc.Lines, PurchaseReceiptLine{PurchaseOrderItemID: line.ID, VariantID: line.VariantID, ItemID: itemID,
				Quantity: l.Quantity, UnitCost: unit, Amount: amount})
			if rc.Amount, err = money.Add(rc.Amount, amount); err != nil {
				return err
			}
		}
		complete := true
		for _, it := range items {
			complete = complete && it.QuantityReceived >= it.QuantityOrdered
		}
		next, err := POStatus(po.Status).Next(POReceive, true, complete)
		if err != nil {
			return err
		}
		if err := s.st.insert(ctx, rc); err != nil {
			return err
		}
		received, err := money.Add(po.ReceivedAmount, rc.Amount)
		if err != nil {
			return err
		}
		po.Status, po.ReceivedAmount, po.UpdatedAt = string(next), received, now
		if next == POCompleted {
			po.CompletedAt = &now
		}
		if err := s.st.save(ctx, po); err != nil {
			return err
		}
		_, err = s.events.Publish(ctx, events.PurchaseOrderReceived{OrganizerID: po.OrganizerID, MerchantID: po.MerchantID, PurchaseOrderID: po.ID,
			PurchaseOrder: po.Code, ReceiptID: rc.ID, VendorID: po.VendorID, LocationID: loc.ID, Amount: rc.Amount, Currency: po.Currency,
			Lines: rc.Lines, Completed: next == POCompleted, ReceivedAt: now})
		return err
	})
	return rc, err
}

// changePOLine is every write of a purchase order line (a create, a change, a delete), inside
// its transaction: the order must still be DRAFT or PROCESSING (ErrPurchaseOrderLocked), a new
// line takes the order's tenant and nothing received, and the order's total follows the line.
func (s *Service) changePOLine(ctx context.Context, before, after *PurchaseOrderItem) error {
	line := after
	if line == nil {
		line = before
	}
	po, err := s.lockPO(ctx, line.PurchaseOrderID)
	if err != nil {
		return err
	}
	if !POStatus(po.Status).Editable() {
		return refuse(ErrPurchaseOrderLocked, "", "lines of a "+po.Status+" purchase order cannot change", nil)
	}
	var amount, was int64
	if after != nil {
		if before == nil {
			after.OrganizerID, after.MerchantID, after.QuantityReceived = po.OrganizerID, po.MerchantID, 0
		}
		if err := money.Quantity("body.quantityOrdered", after.QuantityOrdered); err != nil {
			return err
		}
		if err := money.Amount("body.unitCost", after.UnitCost); err != nil {
			return err
		}
		amount = after.QuantityOrdered * after.UnitCost // at most 10^6 x 10^12: no overflow
	}
	if before != nil {
		was = before.QuantityOrdered * before.UnitCost
	}
	// The order's total stays within the money bound, so that its sum (in SQL) cannot overflow.
	if total := po.TotalAmount - was + amount; amount > was && total > money.MaxAmount {
		return errs.Field("body.unitCost", fmt.Sprintf("the line's amount (quantityOrdered x unitCost = %d) would take the order's total past %d dong", amount, money.MaxAmount), amount)
	}
	return s.st.refreshPOTotal(ctx, po.ID, line.ID, amount)
}
