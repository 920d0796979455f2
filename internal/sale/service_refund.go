package sale

import (
	"context"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// RefundRequest returns money on a paid order: whole (no lines) or by line and quantity.
type RefundRequest struct {
	Lines     []RefundLineRequest `json:"lines,omitempty" maxItems:"100" doc:"Lines and quantities to refund; empty refunds everything still refundable"`
	PaymentID *id.ID              `json:"paymentId,omitempty" doc:"Payment to refund against (default: the largest with room)"`
	Restock   bool                `json:"restock,omitempty" doc:"Put the returned units back in stock"`
	Reason    string              `json:"reason" minLength:"1" maxLength:"200"`
	Register  string              `json:"register,omitempty" doc:"Register whose open shift pays a cash refund (default MAIN)"`
}

// RefundLineRequest is one line's quantity to refund.
type RefundLineRequest struct {
	ItemID   id.ID `json:"itemId"`
	Quantity int64 `json:"quantity" minimum:"1" maximum:"9999"`
}

// RefundAmount prorates a line's total and tax for q of its n units, exactly: the last unit
// refunded takes what the earlier partial refunds left, so a line refunded in parts adds up to
// its total.
func RefundAmount(lineTotal, lineTax, n, alreadyRefunded, q int64) (amount, tax int64) {
	if alreadyRefunded+q >= n {
		doneAmount := lineTotal * alreadyRefunded / n
		doneTax := lineTax * alreadyRefunded / n
		return lineTotal - doneAmount, lineTax - doneTax
	}
	return lineTotal*(alreadyRefunded+q)/n - lineTotal*alreadyRefunded/n, lineTax*(alreadyRefunded+q)/n - lineTax*alreadyRefunded/n
}

// Refund gives money back against one payment, optionally restocking, and publishes
// OrderRefunded. Cash comes out of the register's open shift.
func (m *Module) Refund(ctx context.Context, orderID id.ID, r RefundRequest) (*Order, *Refund, error) {
	if r.Register == "" {
		r.Register = DefaultRegister
	}
	var ref *Refund
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		if !CanMove(o.Status, PartiallyRefunded) {
			return refusalf(ErrNotRefundable, "order is %s: only paid orders are refunded", o.Status)
		}
		items, err := m.loadItems(ctx, o.ID)
		if err != nil {
			return err
		}
		want := map[id.ID]int64{}
		if len(r.Lines) == 0 {
			for _, it := range items {
				if left := it.Quantity - it.RefundedQuantity; left > 0 {
					want[it.ID] = left
				}
			}
		}
		for i, l := range r.Lines {
			if l.Quantity < 1 || l.Quantity > MaxQuantity {
				return errs.Field(fmt.Sprintf("body.lines[%d].quantity", i), fmt.Sprintf("must be 1 to %d", MaxQuantity), l.Quantity)
			}
			want[l.ItemID] += l.Quantity
		}
		var lines []RefundLine
		var amount, tax int64
		var restock []StockLine
		for i := range items {
			it := &items[i]
			q, ok := want[it.ID]
			if !ok {
				continue
			}
			delete(want, it.ID)
			if left := it.Quantity - it.RefundedQuantity; q > left {
				return fieldRefusal(ErrRefundOverLine, "body.lines", fmt.Sprintf("line %s has %d left to refund, asked %d", it.Name, left, q), it.ID.String())
			}
			a, t := RefundAmount(it.Total, it.Tax, it.Quantity, it.RefundedQuantity, q)
			lines = append(lines, RefundLine{ItemID: it.ID, Quantity: q, Amount: a, Tax: t})
			amount += a
			tax += t
			it.RefundedQuantity += q
			if err := m.updateItemRefunded(ctx, it); err != nil {
				return err
			}
			if r.Restock {
				restock = append(restock, StockLine{VariantID: it.VariantID, Quantity: q})
			}
		}
		for itemID := range want {
			return errs.Field("body.lines", "no such line on this order", itemID.String())
		}
		if amount <= 0 {
			return ErrNothingToRefund
		}
		pay, err := m.refundPayment(ctx, o, r.PaymentID, amount)
		if err != nil {
			return err
		}
		shift, err := m.openShift(ctx, o.MerchantID, r.Register)
		if err != nil {
			return err
		}
		ref = &Refund{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID, PaymentID: pay.ID, ShiftID: shift.ID,
			Amount: amount, Tax: tax, Lines: lines, Restock: r.Restock, Reason: db.OptText(r.Reason), CreatedBy: actor(ctx)}
		if err := m.refunds.Create(ctx, ref); err != nil {
			return err
		}
		pay.Refunded += amount
		if err := m.updatePaymentRefunded(ctx, pay); err != nil {
			return err
		}
		if pay.Method == MethodCash {
			if err := m.movements.Create(ctx, &CashMovement{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, ShiftID: shift.ID,
				Kind: MoveRefund, Amount: -amount, Reason: db.OptText(r.Reason), ReferenceID: &ref.ID, CreatedBy: actor(ctx)}); err != nil {
				return err
			}
		}
		if len(restock) > 0 {
			// Only what the inventory tracks goes back on the shelf: returning an untracked
			// variant would start tracking it with the refunded units alone.
			ids := make([]id.ID, len(restock))
			for i, l := range restock {
				ids[i] = l.VariantID
			}
			tracked, err := m.stock.Tracked(ctx, o.OrganizerID, o.MerchantID, ids)
			if err != nil {
				return err
			}
			restock = slices.DeleteFunc(restock, func(l StockLine) bool { return !tracked[l.VariantID] })
		}
		if len(restock) > 0 {
			if err := m.stock.Return(ctx, o.OrganizerID, o.MerchantID, o.ID, restock); err != nil {
				return err
			}
		}
		o.RefundedTotal += amount
		o.Status = PartiallyRefunded
		if o.RefundedTotal >= o.PaidTotal {
			o.Status = Refunded
		}
		_, err = m.events.Publish(ctx, events.OrderRefunded{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID, RefundID: ref.ID,
			PaymentID: pay.ID, Provider: pay.Provider, Method: pay.Method, Amount: amount, Tax: tax, Currency: o.Currency, RefundedAt: ref.CreatedAt})
		if err != nil {
			return err
		}
		m.logInfo(ctx, "order refunded", "order", o.ID, "number", o.Number, "merchant", o.MerchantID, "refund", ref.ID, "amount", amount,
			"currency", o.Currency, "payment", pay.ID, "method", pay.Method, "restock", r.Restock, "status", o.Status)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := m.announce(ctx, EventOrderRefunded, o); err != nil {
		return nil, nil, err
	}
	return o, ref, nil
}

// refundPayment picks the payment to refund against: the one named, or the largest with room.
func (m *Module) refundPayment(ctx context.Context, o *Order, want *id.ID, amount int64) (*Payment, error) {
	pays, err := m.payments.Find(ctx, &query.Filter{Where: map[string]any{"orderId": o.ID.String(), "status": PaymentSucceeded},
		Order: []string{"amount DESC"}, Limit: query.MaxLimit}, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	for i := range pays {
		p := &pays[i]
		if want != nil && p.ID != *want {
			continue
		}
		if p.Amount-p.Refunded >= amount {
			return p, nil
		}
		if want != nil {
			return nil, fieldRefusal(ErrRefundOverPaid, "body.paymentId", fmt.Sprintf("payment has %d left to refund, the refund is %d", p.Amount-p.Refunded, amount), p.ID.String())
		}
	}
	if want != nil {
		return nil, errs.Field("body.paymentId", "no succeeded payment with this id on the order", want.String())
	}
	return nil, refusalf(ErrRefundOverPaid, "no single payment has %d left to refund; refund in parts with paymentId", amount)
}
