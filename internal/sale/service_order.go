package sale

import (
	"context"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/riverqueue/river"
)

// CreateOrder is the request to open an order.
type CreateOrder struct {
	ID             id.ID       `json:"id,omitempty" required:"false" doc:"Client-generated id (an offline terminal retries with the same id)"`
	MerchantID     id.ID       `json:"merchantId"`
	Register       string      `json:"register,omitempty" maxLength:"40" doc:"Register whose open shift takes the order (default MAIN)"`
	Type           Type        `json:"type" enum:"DINE_IN,TAKE_AWAY,DELIVERY"`
	TableCode      string      `json:"tableCode,omitempty" maxLength:"20"`
	Channel        string      `json:"channel,omitempty" maxLength:"40" doc:"Sale channel (default: the order type)"`
	CustomerID     *id.ID      `json:"customerId,omitempty"`
	PromotionCodes []string    `json:"promotionCodes,omitempty" maxItems:"5"`
	Note           string      `json:"note,omitempty" maxLength:"500"`
	Lines          []LineInput `json:"lines,omitempty" maxItems:"100"`
	// Tenders make it a counter sale: the order is checked out and the tenders taken in the
	// same transaction as its creation (one request, one commit), as with a checkout.
	Tenders []Tender `json:"tenders,omitempty" maxItems:"10" doc:"Pay at once: check the order out and take these tenders in the same transaction (a counter sale)"`
}

// Create opens an order in the register's open shift, with its first lines. A repeat with the
// same client id returns the existing order.
func (m *Module) Create(ctx context.Context, r CreateOrder) (*Order, error) {
	ctx = memo.With(ctx) // the menu and the merchant are read once per operation
	if r.Register == "" {
		r.Register = DefaultRegister
	}
	if r.Channel == "" {
		r.Channel = string(r.Type)
	}
	if r.Type == DineIn && r.TableCode == "" {
		return nil, fieldRefusal(ErrTableRequired, "body.tableCode", "a dine-in order needs a table", nil)
	}
	for i, c := range r.PromotionCodes {
		r.PromotionCodes[i] = strings.ToUpper(strings.TrimSpace(c))
	}
	mer, err := m.checkMerchant(ctx, r.MerchantID)
	if err != nil {
		return nil, err
	}
	var out *Order
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		if r.ID != 0 {
			if existing, err := m.orders.Get(ctx, r.ID, query.IncludeDeleted); err == nil {
				if existing.MerchantID != r.MerchantID {
					return refusalf(ErrOrderIDTaken, "order id %s is already used", r.ID)
				}
				out = existing
				return nil
			} else if errs.KindOf(err) != errs.NotFound {
				return err
			}
		}
		shift, err := m.openShift(ctx, r.MerchantID, r.Register)
		if err != nil {
			return err
		}
		keepInTx(ctx, shiftKey{shift.ID}, shift)
		o := &Order{ID: r.ID, OrganizerID: mer.OrganizerID, MerchantID: mer.ID, ShiftID: shift.ID, Type: r.Type,
			TableCode: db.OptText(r.TableCode), Channel: r.Channel, Status: Draft, CustomerID: r.CustomerID,
			PromotionCodes: db.OptText(strings.Join(r.PromotionCodes, ",")), Note: db.OptText(r.Note), Currency: mer.Currency, CreatedBy: actor(ctx)}
		if o.Currency == "" {
			o.Currency = DefaultCurrency
		}
		if o.ID == 0 {
			o.ID = m.ids.Next()
		}
		// The lines are priced before anything is written, so the order is inserted once with
		// its totals and its lines in one statement after it.
		var items []Item
		var dirty []int
		if len(r.Lines) > 0 {
			if items, dirty, err = m.addLines(ctx, o, nil, r.Lines); err != nil {
				return err
			}
		}
		// The merchant's order number last: its counter row is locked until the commit, and
		// every till of the merchant needs it.
		if o.Number, err = m.nextNumber(ctx, r.MerchantID, seqOrder); err != nil {
			return err
		}
		if err := m.orders.Create(ctx, o); err != nil {
			return err
		}
		held := *o // inserted: this transaction holds it
		keepInTx(ctx, heldKey{o.ID}, &held)
		if err := m.saveItems(ctx, o.ID, items, dirty); err != nil {
			return err
		}
		remember(ctx, paymentsKey{o.ID}, []Payment{}) // a new order has none
		out = o
		return m.announce(ctx, EventOrderCreated, o)
	})
	return out, err
}

// Sell is a counter sale: Create, then Checkout with the request's tenders, in one transaction
// (the caller's, or its own). A repeat with the client id of an order already past DRAFT
// returns that order as it is.
func (m *Module) Sell(ctx context.Context, r CreateOrder) (*Order, error) {
	ctx = memo.With(ctx) // the order's lines and the menu, read once for both steps
	var out *Order
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		o, err := m.Create(ctx, r)
		if err != nil || len(r.Tenders) == 0 || o.Status != Draft {
			out = o
			return err
		}
		out, _, err = m.Checkout(ctx, o.ID, r.Tenders)
		return err
	})
	return out, err
}

// DefaultRegister is the register of a merchant with one till.
const DefaultRegister = "MAIN"

// loadItems returns the order's lines in position order: as this operation last wrote them, or
// from the database.
func (m *Module) loadItems(ctx context.Context, orderID id.ID) ([]Item, error) {
	if items, ok := recall[[]Item](ctx, itemsKey{orderID}); ok {
		return slices.Clone(items), nil
	}
	return m.items.Find(ctx, &query.Filter{Where: map[string]any{"orderId": orderID.String()}, Order: []string{"position ASC"}, Limit: query.MaxLimit}, query.ExcludeDeleted)
}

// addLines merges lines into the order's existing items (nil for a new order; o is locked by
// the caller) and prices them in memory. It writes nothing: the caller saves the items at the
// returned indices with saveItems.
func (m *Module) addLines(ctx context.Context, o *Order, existing []Item, lines []LineInput) ([]Item, []int, error) {
	if !o.Status.Editable() {
		return nil, nil, refusalf(ErrOrderNotEditable, "order is %s: lines can change only while DRAFT", o.Status)
	}
	ids := make([]id.ID, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.VariantID)
	}
	variants, err := m.catalog.Variants(ctx, o.MerchantID, ids)
	if err != nil {
		return nil, nil, err
	}
	cur := make([]Line, len(existing))
	for i, it := range existing {
		cur[i] = Line{VariantID: it.VariantID, ModifierKey: it.ModifierKey, UnitPrice: it.UnitPrice, Note: string(it.Note), Quantity: it.Quantity, KitchenState: string(it.KitchenStatus)}
	}
	incoming := make([]Line, len(lines))
	built := make([]Item, len(lines))
	for i, l := range lines {
		v, ok := variants[l.VariantID]
		if !ok || !v.Active {
			return nil, nil, fieldRefusal(ErrNotSold, fmt.Sprintf("body.lines[%d].variantId", i), "no active variant with this id at this merchant", l.VariantID.String())
		}
		if err := m.catalog.CheckModifiers(ctx, o.MerchantID, v.ID, l.ModifierIDs); err != nil {
			return nil, nil, relocate(err, fmt.Sprintf("body.lines[%d].modifierIds", i))
		}
		mods := make([]Modifier, 0, len(l.ModifierIDs))
		unit := v.Price
		for _, oid := range l.ModifierIDs {
			opt := v.Options[oid]
			mods = append(mods, Modifier{OptionID: oid, GroupID: opt.GroupID, Name: opt.Name, Price: opt.Price})
			unit += opt.Price
		}
		incoming[i] = Line{VariantID: v.ID, ModifierKey: ModifierKey(mods), UnitPrice: unit, Note: l.Note, Quantity: l.Quantity}
		built[i] = Item{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID, VariantID: v.ID, SKU: db.OptText(v.SKU), Name: v.Name,
			CategoryCode: db.OptText(v.CategoryCode), StationCode: db.OptText(v.StationCode), TrackStock: v.TrackStock, Quantity: l.Quantity, UnitPrice: unit,
			Modifiers: mods, ModifierKey: ModifierKey(mods), TaxRate: db.OptText(v.TaxRate), Note: db.OptText(l.Note)}
	}
	merged, at, err := Merge(cur, incoming)
	if err != nil {
		return nil, nil, err
	}
	merges := map[int]bool{}
	for i, idx := range at {
		if idx == len(existing) {
			it := built[i]
			it.Position = len(existing)
			existing = append(existing, it) // no id yet: saveItems inserts it
			continue
		}
		existing[idx].Quantity = merged[idx].Quantity
		merges[idx] = true
	}
	dirty, err := m.price(ctx, o, existing)
	if err != nil {
		return nil, nil, err
	}
	for idx := range merges {
		if !slices.Contains(dirty, idx) {
			dirty = append(dirty, idx)
		}
	}
	return existing, dirty, nil
}

// relocate points a field error of another module at the request's field.
func relocate(err error, loc string) error {
	var e *errs.E
	if x, ok := err.(*errs.E); ok {
		e = x
	}
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = append([]errs.FieldError{}, e.Fields...)
	for i := range out.Fields {
		out.Fields[i].Location = loc + " (" + out.Fields[i].Location + ")"
	}
	return &out
}

// reprice quotes the order's lines, sets every line's figures and the order's totals (o is saved
// by the caller), and writes the lines whose figures changed.
func (m *Module) reprice(ctx context.Context, o *Order, items []Item) error {
	dirty, err := m.price(ctx, o, items)
	if err != nil {
		return err
	}
	return m.saveItems(ctx, o.ID, items, dirty)
}

// price quotes the order's lines and sets every line's figures and the order's totals in
// memory. It returns the indices of the lines to write: new ones (no id yet) and those whose
// figures changed.
func (m *Module) price(ctx context.Context, o *Order, items []Item) ([]int, error) {
	req := PriceRequest{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, Channel: o.Channel, At: m.now()}
	if o.CustomerID != nil {
		req.CustomerID = *o.CustomerID
	}
	if o.PromotionCodes != "" {
		req.PromotionCodes = strings.Split(string(o.PromotionCodes), ",")
	}
	for _, it := range items {
		ids := make([]id.ID, len(it.Modifiers))
		for i, md := range it.Modifiers {
			ids[i] = md.OptionID
		}
		req.Lines = append(req.Lines, PriceLine{VariantID: it.VariantID, Quantity: it.Quantity, ModifierIDs: ids})
	}
	o.Subtotal, o.DiscountTotal, o.TaxTotal, o.Total, o.Pricing, o.PromotionIDs = 0, 0, 0, 0, nil, nil
	if len(items) == 0 {
		return nil, nil
	}
	q, err := m.pricer.Quote(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(q.Lines) != len(items) {
		return nil, fmt.Errorf("pricing returned %d lines for %d", len(q.Lines), len(items))
	}
	var dirty []int
	for i := range items {
		pl := q.Lines[i]
		it := &items[i]
		if it.ID != 0 && it.UnitPrice == pl.UnitPrice && it.Subtotal == pl.Subtotal && it.Discount == pl.Discount &&
			it.TaxRate == db.OptText(pl.TaxRate) && it.Tax == pl.Tax && it.Total == pl.Total {
			continue
		}
		it.UnitPrice, it.Subtotal, it.Discount, it.TaxRate, it.Tax, it.Total = pl.UnitPrice, pl.Subtotal, pl.Discount, db.OptText(pl.TaxRate), pl.Tax, pl.Total
		dirty = append(dirty, i)
	}
	o.Subtotal, o.DiscountTotal, o.TaxTotal, o.Total, o.Pricing = q.Subtotal, q.Discount, q.Tax, q.Total, q.Explain
	o.PromotionIDs = q.RedeemedPromotions
	return dirty, nil
}

// saveItems writes the items at the indices: those without an id are inserted together in one
// statement (and get their ids), the others are updated. items is all the order's lines: the
// operation's later reads of them (loadItems) get them from its memo.
func (m *Module) saveItems(ctx context.Context, orderID id.ID, items []Item, at []int) error {
	defer func() { remember(ctx, itemsKey{orderID}, slices.Clone(items)) }() // with the ids given below
	now := m.now()
	var fresh []Item
	for _, i := range at {
		it := &items[i]
		it.UpdatedAt = now
		if it.ID == 0 {
			it.ID, it.CreatedAt = m.ids.Next(), now
			fresh = append(fresh, *it)
			continue
		}
		if err := m.updateItemFigures(ctx, it); err != nil {
			return err
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	return m.insertItems(ctx, fresh)
}

// AddItems merges lines into a DRAFT order (same variant, modifiers, price and note -> one line).
func (m *Module) AddItems(ctx context.Context, orderID id.ID, lines []LineInput) (*Order, error) {
	ctx = memo.With(ctx) // the menu and the merchant are read once per operation
	if len(lines) == 0 {
		return nil, errs.Field("body.lines", "needs at least one line", nil)
	}
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		existing, err := m.loadItems(ctx, o.ID)
		if err != nil {
			return err
		}
		items, dirty, err := m.addLines(ctx, o, existing, lines)
		if err != nil {
			return err
		}
		return m.saveItems(ctx, o.ID, items, dirty)
	})
	if err == nil {
		err = m.announce(ctx, EventOrderUpdated, o)
	}
	return o, err
}

// ItemChange changes one line: a quantity of 0 removes it.
type ItemChange struct {
	Quantity *int64  `json:"quantity,omitempty" minimum:"0" maximum:"9999"`
	Note     *string `json:"note,omitempty" maxLength:"500"`
}

// ChangeItem sets a line's quantity or note, or removes it (quantity 0), on a DRAFT order.
func (m *Module) ChangeItem(ctx context.Context, orderID, itemID id.ID, c ItemChange) (*Order, error) {
	ctx = memo.With(ctx) // the menu and the merchant are read once per operation
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		if !o.Status.Editable() {
			return refusalf(ErrOrderNotEditable, "order is %s: lines can change only while DRAFT", o.Status)
		}
		items, err := m.loadItems(ctx, o.ID)
		if err != nil {
			return err
		}
		kept := items[:0]
		found := false
		for _, it := range items {
			if it.ID != itemID {
				kept = append(kept, it)
				continue
			}
			found = true
			if it.KitchenStatus != "" && it.KitchenStatus != KitchenVoided {
				return ErrLineInKitchen
			}
			if c.Note != nil {
				it.Note = db.OptText(*c.Note)
			}
			if c.Quantity != nil && *c.Quantity == 0 {
				if err := m.items.Delete(ctx, it.ID, true); err != nil {
					return err
				}
				continue
			}
			if c.Quantity != nil {
				if *c.Quantity > MaxQuantity {
					return errs.RuleField("body.quantity", fmt.Sprintf("at most %d per line", MaxQuantity), *c.Quantity)
				}
				it.Quantity = *c.Quantity
			}
			if err := m.updateItemQuantityNote(ctx, &it); err != nil {
				return err
			}
			kept = append(kept, it)
		}
		if !found {
			return refusalf(ErrItemNotFound, "order item %s not found", itemID)
		}
		return m.reprice(ctx, o, kept)
	})
	if err == nil {
		err = m.announce(ctx, EventOrderUpdated, o)
	}
	return o, err
}

// Checkout moves a DRAFT order to PROCESSING: it re-prices, checks that the merchant is open,
// every item active and the shift open, holds the stock until the order expires, and schedules
// the expiry. Tenders given here are taken at once (a cash sale in one call), in the same
// transaction and under the same order lock. The stock is reserved (or, when the tenders pay
// the order, sold) last, so that a busy item's row is locked only for the end of the
// transaction, not for the payments and the kitchen tickets.
func (m *Module) Checkout(ctx context.Context, orderID id.ID, tenders []Tender) (*Order, []Payment, error) {
	ctx = memo.With(ctx) // the menu and the merchant are read once per operation
	provs := make([]Provider, len(tenders))
	for i, t := range tenders {
		p, err := m.provider(t)
		if err != nil {
			return nil, nil, relocate(err, fmt.Sprintf("body.tenders[%d]", i))
		}
		provs[i] = p
	}
	var pays []Payment
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		pays = nil // a retried transaction starts again
		if err := Move(o.Status, Processing); err != nil {
			return err
		}
		mer, err := m.catalog.Merchant(ctx, o.MerchantID)
		if err != nil {
			return err
		}
		if !mer.Open {
			return refusal(ErrMerchantClosed, "merchant "+mer.Name+" is closed")
		}
		shift, ok := recall[*Shift](ctx, shiftKey{o.ShiftID}) // read by create in this transaction
		if !ok {
			if shift, err = m.shifts.Get(ctx, o.ShiftID, query.ExcludeDeleted); err != nil {
				return err
			}
		}
		if shift.Status != ShiftOpen {
			return refusal(ErrNoOpenShift, "the order's shift is closed")
		}
		items, err := m.loadItems(ctx, o.ID)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return ErrOrderEmpty
		}
		ids := make([]id.ID, len(items))
		for i, it := range items {
			ids[i] = it.VariantID
		}
		variants, err := m.catalog.Variants(ctx, o.MerchantID, ids)
		if err != nil {
			return err
		}
		for i, it := range items {
			if v, ok := variants[it.VariantID]; !ok || !v.Active {
				return fieldRefusal(ErrNotSold, fmt.Sprintf("items[%d]", i), it.Name+" is no longer sold", it.VariantID.String())
			}
		}
		// The inventory says which lines take stock: every variant it has stock of, whatever
		// the catalog's trackStock flag says (a variant stocked by a STOCK_IN is never sold
		// past its stock).
		tracked, err := m.stock.Tracked(ctx, o.OrganizerID, o.MerchantID, ids)
		if err != nil {
			return err
		}
		var hold []StockLine
		for _, it := range items {
			if tracked[it.VariantID] {
				hold = append(hold, StockLine{VariantID: it.VariantID, Quantity: it.Quantity})
			}
		}
		if err := m.reprice(ctx, o, items); err != nil {
			return err
		}
		now := m.now()
		exp := now.Add(m.expiry)
		o.Status, o.CheckedOutAt, o.ExpiresAt = Processing, &now, &exp
		if o.PaidTotal == 0 {
			keepInTx(ctx, succeededKey{o.ID}, []Payment{})
		}
		var pending int64
		for i, t := range tenders {
			p, err := m.payLocked(ctx, o, provs[i], t, pending, false)
			if err != nil {
				return relocate(err, fmt.Sprintf("body.tenders[%d]", i))
			}
			if p.Status == PaymentPending {
				pending += p.Amount
			}
			pays = append(pays, *p)
		}
		if o.Total == 0 {
			if err := m.markPaid(ctx, o, false); err != nil {
				return err
			}
		}
		// Paid at once (a counter sale): the stock leaves the shelf now, with nothing held to
		// expire. Otherwise it is held until the order is paid or expires.
		if o.Status == Paid || o.Status == Completed {
			if len(hold) > 0 {
				return m.stock.Sell(ctx, o.OrganizerID, o.MerchantID, o.ID, hold)
			}
			return nil
		}
		if len(hold) > 0 {
			if err := m.stock.Reserve(ctx, o.OrganizerID, o.MerchantID, o.ID, hold, exp); err != nil {
				return err
			}
		}
		_, err = m.jobs.Insert(ctx, expireOrderArgs{OrderID: o.ID}, &river.InsertOpts{Queue: Queue, ScheduledAt: exp})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := m.announce(ctx, EventOrderCheckedOut, o); err != nil {
		return nil, nil, err
	}
	if len(tenders) > 0 {
		if err := m.afterPayment(ctx, o); err != nil {
			return nil, nil, err
		}
	}
	return o, pays, nil
}

// Reopen moves a PROCESSING order with no payment back to DRAFT, releasing its stock.
func (m *Module) Reopen(ctx context.Context, orderID id.ID) (*Order, error) {
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		if o.Status == Processing && o.PaidTotal > 0 {
			return ErrOrderHasPayments
		}
		if err := Move(o.Status, Draft); err != nil {
			return err
		}
		if err := m.voidPending(ctx, o.ID, PaymentCancelled, m.now()); err != nil {
			return err
		}
		if err := m.stock.Release(ctx, o.OrganizerID, o.MerchantID, o.ID, "reopened"); err != nil {
			return err
		}
		o.Status, o.ExpiresAt, o.CheckedOutAt = Draft, nil, nil
		return nil
	})
	if err == nil {
		err = m.announce(ctx, EventOrderReopened, o)
	}
	return o, err
}

// Cancel voids a DRAFT or PROCESSING order: stock is released, pending attempts cancelled, cash
// already taken goes back out of the drawer, kitchen lines are voided.
func (m *Module) Cancel(ctx context.Context, orderID id.ID, reason string) (*Order, error) {
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		if err := Move(o.Status, Cancelled); err != nil {
			return err
		}
		return m.end(ctx, o, Cancelled, reason)
	})
	if err == nil {
		err = m.announce(ctx, EventOrderCancelled, o)
		m.logInfo(ctx, "order cancelled", "order", o.ID, "number", o.Number, "merchant", o.MerchantID, "refunded", o.RefundedTotal, "reason", reason)
	}
	return o, err
}

// end closes an unpaid order as CANCELLED or EXPIRED (o is locked by the caller).
func (m *Module) end(ctx context.Context, o *Order, to Status, reason string) error {
	pstatus := PaymentCancelled
	if to == Expired {
		pstatus = PaymentExpired
	}
	now := m.now()
	if err := m.voidPending(ctx, o.ID, pstatus, now); err != nil {
		return err
	}
	if o.PaidTotal > 0 {
		// Tenders already taken are handed back: cash out of the drawer, the rest recorded.
		pays, err := m.payments.Find(ctx, &query.Filter{Where: map[string]any{"orderId": o.ID.String(), "status": PaymentSucceeded}, Limit: query.MaxLimit}, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		for _, p := range pays {
			if p.Method == MethodCash {
				if err := m.movements.Create(ctx, &CashMovement{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, ShiftID: o.ShiftID,
					Kind: MoveRefund, Amount: -p.Amount, Reason: db.OptText("order " + string(to)), ReferenceID: &p.ID, CreatedBy: actor(ctx)}); err != nil {
					return err
				}
			}
			p.Refunded = p.Amount
			if err := m.updatePaymentRefunded(ctx, &p); err != nil {
				return err
			}
		}
		o.RefundedTotal = o.PaidTotal
	}
	if err := m.stock.Release(ctx, o.OrganizerID, o.MerchantID, o.ID, strings.ToLower(string(to))); err != nil {
		return err
	}
	if err := m.voidKitchen(ctx, o.ID, now); err != nil {
		return err
	}
	o.Status, o.CancelledAt, o.CancelReason, o.ExpiresAt = to, &now, db.OptText(reason), nil
	return nil
}

// Complete closes a PAID order (for example when the table leaves before every line is marked
// served).
func (m *Module) Complete(ctx context.Context, orderID id.ID) (*Order, error) {
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		if err := Move(o.Status, Completed); err != nil {
			return err
		}
		now := m.now()
		o.Status, o.CompletedAt = Completed, &now
		return nil
	})
	if err == nil {
		err = m.announce(ctx, EventOrderCompleted, o)
	}
	return o, err
}

type expireOrderArgs struct {
	OrderID id.ID `json:"orderId"`
}

func (expireOrderArgs) Kind() string { return "sale.order-expiry" }

type expireOrderWorker struct {
	river.WorkerDefaults[expireOrderArgs]
	m *Module
}

// Work expires an order still unpaid at its expiry. A partly paid order is kept and checked
// again later: its customer is at the counter.
func (w *expireOrderWorker) Work(ctx context.Context, j *river.Job[expireOrderArgs]) error {
	m := w.m
	ctx = auth.System(ctx) // a job acts for no caller: it says it is the system
	return m.db.InTx(ctx, func(ctx context.Context) error {
		var again *time.Time
		o, err := updateIn(ctx, m.db, m.orders, j.Args.OrderID, func(ctx context.Context, o *Order) error {
			if o.Status != Processing || o.ExpiresAt == nil {
				return errNothing
			}
			if o.ExpiresAt.After(m.now()) {
				again = o.ExpiresAt
				return errNothing
			}
			if o.PaidTotal > 0 {
				t := m.now().Add(m.expiry)
				again = &t
				return errNothing
			}
			return m.end(ctx, o, Expired, "not paid in time")
		})
		if err == errNothing {
			if again != nil {
				_, err = m.jobs.Insert(ctx, expireOrderArgs{OrderID: j.Args.OrderID}, &river.InsertOpts{Queue: Queue, ScheduledAt: *again})
				return err
			}
			return nil
		}
		if errs.KindOf(err) == errs.NotFound {
			return nil
		}
		if err == nil {
			err = m.announce(ctx, EventOrderExpired, o)
			m.logInfo(ctx, "order expired", "order", o.ID, "number", o.Number, "merchant", o.MerchantID, "refunded", o.RefundedTotal)
		}
		return err
	})
}

// errNothing tells an update closure's caller that the row is to be left as it is: the caller,
// whose transaction the closure joined, goes on without a write.
var errNothing = errs.New(errs.Conflict, "nothing to do")
