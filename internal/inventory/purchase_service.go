package inventory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// PurchaseOrderReceived is published, in the receipt's transaction, each time goods are received
// against a purchase order: finance records the expense. It is the design document's
// PURCHASE_ORDER_RECEIVED queue job, delivered as a durable event (docs/decisions/0002).
type PurchaseOrderReceived struct {
	OrganizerID     id.ID                 `json:"organizerId"`
	MerchantID      id.ID                 `json:"merchantId"`
	PurchaseOrderID id.ID                 `json:"purchaseOrderId"`
	PurchaseOrder   string                `json:"purchaseOrderCode"`
	ReceiptID       id.ID                 `json:"receiptId"`
	VendorID        id.ID                 `json:"vendorId"`
	LocationID      id.ID                 `json:"locationId"`
	Amount          int64                 `json:"amount"` // whole VND: the cost of the goods received
	Currency        string                `json:"currency"`
	Lines           []PurchaseReceiptLine `json:"lines"`
	Completed       bool                  `json:"completed"` // the order is now fully received
	ReceivedAt      time.Time             `json:"receivedAt"`
}

// EventName implements events.Event.
func (PurchaseOrderReceived) EventName() string { return "PurchaseOrderReceived" }

// EventVersion implements events.Event.
func (PurchaseOrderReceived) EventVersion() int { return 1 }

// lockPO loads a live purchase order for a change (locked on PostgreSQL). organizerID 0 means any.
func (s *Service) lockPO(ctx context.Context, organizerID, poID id.ID) (*PurchaseOrder, error) {
	var po PurchaseOrder
	q := s.db.IDB(ctx).NewSelect().Model(&po).Where("id = ? AND deleted_at IS NULL", int64(poID))
	if organizerID != 0 {
		q = q.Where("organizer_id = ?", int64(organizerID))
	}
	if s.db.Dialect == db.Postgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "purchase order "+poID.String())
	}
	return &po, nil
}

func (s *Service) poItems(ctx context.Context, poID id.ID) ([]PurchaseOrderItem, error) {
	var items []PurchaseOrderItem
	err := s.db.IDB(ctx).NewSelect().Model(&items).Where("purchase_order_id = ?", int64(poID)).Order("id").Scan(ctx)
	return items, db.Classify(err)
}

// TransitionPurchaseOrder applies submit, confirm, complete or cancel. An action the order's state
// does not allow is a Conflict (409).
func (s *Service) TransitionPurchaseOrder(ctx context.Context, organizerID, poID id.ID, a POAction) (*PurchaseOrder, error) {
	if a == POReceive {
		return nil, errs.New(errs.Invalid, "receive through ReceivePurchaseOrder")
	}
	var po *PurchaseOrder
	err := s.st.inTx(ctx, func(ctx context.Context) error {
		var err error
		if po, err = s.lockPO(ctx, organizerID, poID); err != nil {
			return err
		}
		items, err := s.poItems(ctx, poID)
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
			return errs.RuleField("path.id", "purchase order "+po.Code+" has no lines to submit", nil)
		}
		now := time.Now().UTC()
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
		_, err = s.db.IDB(ctx).NewUpdate().Model(po).WherePK().Exec(ctx)
		return db.Classify(err)
	})
	return po, err
}

// PurchaseReceiveLine is goods received for one line of a purchase order.
type PurchaseReceiveLine struct {
	PurchaseOrderItemID id.ID  `json:"purchaseOrderItemId,omitempty" doc:"The line; or name the variant"`
	VariantID           id.ID  `json:"variantId,omitempty"`
	Quantity            int64  `json:"quantity" minimum:"1"`
	UnitCost            *int64 `json:"unitCost,omitempty" minimum:"0" doc:"Actual unit cost; the line's agreed cost when absent"`
}

// ReceiveRequest receives a delivery against a confirmed purchase order.
type ReceiveRequest struct {
	OrganizerID     id.ID // 0: any (admins)
	PurchaseOrderID id.ID
	Lines           []PurchaseReceiveLine
	Note            string
}

// ReceivePurchaseOrder adds the goods to the order's location (PURCHASE rows, FIFO layers at the
// unit costs), records the receipt, completes the order once every line is in, and publishes
// PurchaseOrderReceived, all in one transaction. Receiving more than is left on a line is a Rule
// error (422); an order that is not CONFIRMED is a Conflict (409).
func (s *Service) ReceivePurchaseOrder(ctx context.Context, r ReceiveRequest) (*PurchaseOrderReceipt, error) {
	if len(r.Lines) == 0 || len(r.Lines) > 1000 {
		return nil, errs.Field("body.lines", "must hold 1 to 1000 lines", len(r.Lines))
	}
	for i, l := range r.Lines {
		if l.Quantity <= 0 {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d].quantity", i), "must be positive", l.Quantity)
		}
		if l.PurchaseOrderItemID == 0 && l.VariantID == 0 {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d]", i), "name the purchaseOrderItemId or the variantId", nil)
		}
		if l.UnitCost != nil && *l.UnitCost < 0 {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d].unitCost", i), "must not be negative", *l.UnitCost)
		}
	}
	var rc *PurchaseOrderReceipt
	err := s.st.inTx(ctx, func(ctx context.Context) error {
		po, err := s.lockPO(ctx, r.OrganizerID, r.PurchaseOrderID)
		if err != nil {
			return err
		}
		if _, err := POStatus(po.Status).Next(POReceive, false, false); err != nil {
			return err
		}
		items, err := s.poItems(ctx, po.ID)
		if err != nil {
			return err
		}
		loc, err := s.st.location(ctx, po.OrganizerID, po.MerchantID, po.LocationID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		actorID, _ := actor(ctx)
		rc = &PurchaseOrderReceipt{ID: s.ids.Next(), OrganizerID: po.OrganizerID, MerchantID: po.MerchantID, PurchaseOrderID: po.ID,
			LocationID: loc.ID, Note: strings.TrimSpace(r.Note), ActorID: actorID, ReceivedAt: now, CreatedAt: now}
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
				return errs.RuleField(fmt.Sprintf("body.lines[%d]", i), "not a line of purchase order "+po.Code, nil)
			}
			line := &items[k]
			if left := line.QuantityOrdered - line.QuantityReceived; l.Quantity > left {
				return errs.RuleField(fmt.Sprintf("body.lines[%d].quantity", i), fmt.Sprintf("only %d left to receive of variant %s on %s (ordered %d, received %d), got %d",
					left, line.VariantID, po.Code, line.QuantityOrdered, line.QuantityReceived, l.Quantity), l.Quantity)
			}
			unit := line.UnitCost
			if l.UnitCost != nil {
				unit = *l.UnitCost
			}
			res, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE purchase_order_items SET quantity_received = quantity_received + ?, updated_at = ?
WHERE id = ? AND quantity_received + ? <= quantity_ordered`), l.Quantity, now, int64(line.ID), l.Quantity)
			if err != nil {
				return db.Classify(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.Newf(errs.Internal, "inventory: purchase order line %s changed under a lock", line.ID)
			}
			line.QuantityReceived += l.Quantity
			itemID, err := s.st.ensureItem(ctx, loc, line.VariantID)
			if err != nil {
				return err
			}
			if _, _, err := s.move(ctx, itemID, movement{typ: Purchase, onHand: l.Quantity, unitCost: &unit, doc: DocReceipt, docID: rc.ID,
				reference: po.Code}); err != nil {
				return err
			}
			amount := l.Quantity * unit
			rc.Lines = append(rc.Lines, PurchaseReceiptLine{PurchaseOrderItemID: line.ID, VariantID: line.VariantID, ItemID: itemID,
				Quantity: l.Quantity, UnitCost: unit, Amount: amount})
			rc.Amount += amount
		}
		complete := true
		for _, it := range items {
			complete = complete && it.QuantityReceived >= it.QuantityOrdered
		}
		next, err := POStatus(po.Status).Next(POReceive, true, complete)
		if err != nil {
			return err
		}
		if _, err := s.db.IDB(ctx).NewInsert().Model(rc).Exec(ctx); err != nil {
			return db.Classify(err)
		}
		po.Status, po.ReceivedAmount, po.UpdatedAt = string(next), po.ReceivedAmount+rc.Amount, now
		if next == POCompleted {
			po.CompletedAt = &now
		}
		if _, err := s.db.IDB(ctx).NewUpdate().Model(po).WherePK().Exec(ctx); err != nil {
			return db.Classify(err)
		}
		_, err = s.events.Publish(ctx, PurchaseOrderReceived{OrganizerID: po.OrganizerID, MerchantID: po.MerchantID, PurchaseOrderID: po.ID,
			PurchaseOrder: po.Code, ReceiptID: rc.ID, VendorID: po.VendorID, LocationID: loc.ID, Amount: rc.Amount, Currency: po.Currency,
			Lines: rc.Lines, Completed: next == POCompleted, ReceivedAt: now})
		return err
	})
	return rc, err
}

// refreshPOTotal recomputes an order's total from its lines.
func (s *Service) refreshPOTotal(ctx context.Context, poID id.ID) error {
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE purchase_orders SET total_amount =
(SELECT COALESCE(SUM(quantity_ordered * unit_cost), 0) FROM purchase_order_items WHERE purchase_order_id = ?), updated_at = ? WHERE id = ?`),
		int64(poID), time.Now().UTC(), int64(poID))
	return db.Classify(err)
}
