package sale

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
)

// ProviderSystem is the document's SYSTEM provider: money the merchant takes itself (cash).
const ProviderSystem = "SYSTEM"

// Attempt is what a provider is asked to collect.
type Attempt struct {
	PaymentID   id.ID
	OrganizerID id.ID
	MerchantID  id.ID
	OrderID     id.ID
	OrderNumber int
	Method      string
	Amount      int64
	Reference   string // unique per provider: the provider's transaction reference
	ExpiresAt   time.Time
}

// Instruction is what the provider answers: immediate success (cash), or something to show the
// customer (a QR payload, a redirect URL) while the attempt stays PENDING.
type Instruction struct {
	Succeeded bool            `json:"-"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// Provider collects payments. The payment module implements VNPAY behind this interface.
type Provider interface {
	Name() string
	// Methods lists the tender methods it takes (CASH, QR, CARD, ...).
	Methods() []string
	Start(ctx context.Context, a Attempt) (Instruction, error)
}

type cashProvider struct{}

func (cashProvider) Name() string { return ProviderSystem }
func (cashProvider) Methods() []string {
	return []string{MethodCash, MethodCardExternal, MethodTransferExternal}
}

// Start succeeds at once: the cashier holds the money.
func (cashProvider) Start(context.Context, Attempt) (Instruction, error) {
	return Instruction{Succeeded: true}, nil
}

// PaymentCallback records every provider callback with what became of it, so that a payment that
// arrives too late is refused and kept, never lost.
type PaymentCallback struct {
	bun.BaseModel `bun:"table:sale_payment_callbacks" json:"-"`
	ID            id.ID           `bun:"id,pk" json:"id"`
	Provider      string          `bun:"provider" json:"provider"`
	Reference     string          `bun:"reference" json:"reference"`
	PaymentID     *id.ID          `bun:"payment_id" json:"paymentId,omitempty"`
	Outcome       string          `bun:"outcome" json:"outcome" enum:"APPLIED,FAILED_RECORDED,DUPLICATE,LATE_REFUSED,AMOUNT_MISMATCH,UNKNOWN_REFERENCE"`
	Detail        db.OptText      `bun:"detail" json:"detail,omitempty"`
	Payload       json.RawMessage `bun:"payload" json:"payload"`
	ReceivedAt    time.Time       `bun:"received_at" json:"receivedAt"`
}

// Callback outcomes.
const (
	OutcomeApplied          = "APPLIED"
	OutcomeFailedRecorded   = "FAILED_RECORDED"
	OutcomeDuplicate        = "DUPLICATE"
	OutcomeLateRefused      = "LATE_REFUSED"
	OutcomeAmountMismatch   = "AMOUNT_MISMATCH"
	OutcomeUnknownReference = "UNKNOWN_REFERENCE"
)

// Tender is one requested payment.
type Tender struct {
	Provider string `json:"provider,omitempty" doc:"SYSTEM (default) or a configured provider such as VNPAY_QR_MMS"`
	Method   string `json:"method" openapi:"enum=CASH,QR,CARD_EXTERNAL,TRANSFER_EXTERNAL" doc:"CASH, CARD_EXTERNAL and TRANSFER_EXTERNAL (provider SYSTEM); QR (a QR provider such as VNPAY_QR_MMS)"`
	Amount   int64  `json:"amount" minimum:"1" doc:"Amount to collect, whole VND"`
	Tendered int64  `json:"tendered,omitempty" doc:"Cash handed over; the change is tendered - amount. Absent: the exact amount"`
}

// Pay adds a tender to a checked-out order. Cash succeeds at once (with change); other
// providers create a PENDING attempt that their callback settles. When the succeeded tenders
// cover the total, the order is paid.
func (m *Module) Pay(ctx context.Context, orderID id.ID, t Tender) (*Order, *Payment, error) {
	ctx = memo.With(ctx) // the menu and the merchant are read once per operation
	p, err := m.provider(t)
	if err != nil {
		return nil, nil, err
	}
	var order *Order
	var pay *Payment
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		order, err = updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
			if o.Status != Processing {
				return refusalf(ErrOrderNotProcessing, "order is %s: only a checked-out (PROCESSING) order takes payments", o.Status)
			}
			pending, err := m.pendingAmount(ctx, o.ID)
			if err != nil {
				return err
			}
			pay, err = m.payLocked(ctx, o, p, t, pending, true)
			return err
		})
		if err != nil {
			return err
		}
		return m.afterPayment(ctx, order)
	})
	if err != nil {
		return nil, nil, err
	}
	return order, pay, nil
}

// provider checks a tender's provider, method and amount.
func (m *Module) provider(t Tender) (Provider, error) {
	name := t.Provider
	if name == "" {
		name = ProviderSystem
	}
	p, ok := m.providers[name]
	if !ok {
		return nil, fieldRefusal(ErrProviderUnknown, "body.provider", "unknown payment provider", t.Provider)
	}
	if !slices.Contains(p.Methods(), t.Method) {
		return nil, fieldRefusal(ErrMethodNotTaken, "body.method", fmt.Sprintf("provider %s takes %v", p.Name(), p.Methods()), t.Method)
	}
	if t.Amount <= 0 {
		return nil, errs.Field("body.amount", "must be positive", t.Amount)
	}
	if err := money.Amount("body.amount", t.Amount); err != nil {
		return nil, err
	}
	if err := money.Amount("body.tendered", t.Tendered); err != nil {
		return nil, err
	}
	return p, nil
}

// payLocked takes a tender on a PROCESSING order the caller holds locked, with pending the sum
// of its attempts still PENDING. An attempt that succeeds at once is written succeeded; when the
// order is covered it is paid, committing its stock when commitStock (Checkout passes false: it
// reserves and commits the stock itself, last, to hold the stock rows as briefly as it can).
func (m *Module) payLocked(ctx context.Context, o *Order, p Provider, t Tender, pending int64, commitStock bool) (*Payment, error) {
	due := o.Total - o.PaidTotal - pending
	if t.Amount > due {
		return nil, fieldRefusal(ErrOverDue, "body.amount", fmt.Sprintf("amount %d exceeds the %d still due", t.Amount, due), t.Amount)
	}
	now := m.now()
	pay := &Payment{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID, ShiftID: o.ShiftID,
		Provider: p.Name(), Method: t.Method, Status: PaymentPending, Amount: t.Amount, CreatedBy: actor(ctx),
		CreatedAt: now, UpdatedAt: now}
	pay.ID = m.ids.Next()
	pay.Reference = pay.ID.String()
	if t.Method == MethodCash {
		if t.Tendered == 0 {
			t.Tendered = t.Amount // exact cash: no change
		}
		change, err := Change(t.Tendered, t.Amount)
		if err != nil {
			return nil, err
		}
		pay.Tendered, pay.ChangeDue = t.Tendered, change
	}
	exp := now.Add(m.expiry)
	inst, err := p.Start(ctx, Attempt{PaymentID: pay.ID, OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID,
		OrderNumber: o.Number, Method: t.Method, Amount: t.Amount, Reference: pay.Reference, ExpiresAt: exp})
	if err != nil {
		return nil, err
	}
	pay.Instruction = inst.Data
	if inst.Succeeded {
		// Written once, already succeeded.
		pay.Status, pay.PaidAt = PaymentSucceeded, &now
		if err := m.payments.Create(ctx, pay); err != nil {
			return nil, err
		}
		m.notePayment(ctx, *pay)
		return pay, m.settle(ctx, o, pay, commitStock)
	}
	pay.ExpiresAt = &exp
	if err := m.payments.Create(ctx, pay); err != nil {
		return nil, err
	}
	m.notePayment(ctx, *pay)
	_, err = m.jobs.Insert(ctx, expirePaymentArgs{PaymentID: pay.ID}, &river.InsertOpts{Queue: Queue, ScheduledAt: exp})
	return pay, err
}

// notePayment adds a payment the operation wrote to the order's payments it remembers, when it
// knows them all (an order it created): its answer lists it without reading it back.
func (m *Module) notePayment(ctx context.Context, p Payment) {
	if known, ok := recall[[]Payment](ctx, paymentsKey{p.OrderID}); ok {
		remember(ctx, paymentsKey{p.OrderID}, append(slices.Clip(known), p))
	}
}

// settle adds a succeeded payment to the order (o is being updated by the caller), marking it
// succeeded first unless it already is. Cash goes into the shift's drawer. When the order is
// covered, it becomes PAID (see markPaid for commitStock).
func (m *Module) settle(ctx context.Context, o *Order, pay *Payment, commitStock bool) error {
	if pay.Status != PaymentSucceeded {
		now := m.now()
		pay.Status, pay.PaidAt, pay.UpdatedAt = PaymentSucceeded, &now, now
		if err := m.updatePaymentStatus(ctx, pay); err != nil {
			return err
		}
	}
	o.PaidTotal += pay.Amount
	if known, ok := recall[[]Payment](ctx, succeededKey{o.ID}); ok {
		keepInTx(ctx, succeededKey{o.ID}, append(slices.Clip(known), *pay))
	}
	if pay.Method == MethodCash {
		if err := m.movements.Create(ctx, &CashMovement{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, ShiftID: o.ShiftID,
			Kind: MoveSale, Amount: pay.Amount, ReferenceID: &pay.ID, CreatedBy: actor(ctx)}); err != nil {
			return err
		}
	}
	if o.PaidTotal < o.Total {
		return nil
	}
	return m.markPaid(ctx, o, commitStock)
}

// markPaid commits the stock (unless the caller does it itself: commitStock false), redeems
// the promotions of the order's final quote, publishes PaymentSuccess for each tender, sends unsent lines to the kitchen, and completes the order
// when nothing waits in the kitchen. All of it joins the caller's transaction: a promotion is
// used exactly when its order is paid.
func (m *Module) markPaid(ctx context.Context, o *Order, commitStock bool) error {
	if err := Move(o.Status, Paid); err != nil {
		return err
	}
	now := m.now()
	o.Status, o.PaidAt, o.ExpiresAt = Paid, &now, nil
	if commitStock {
		if err := m.stock.Commit(ctx, o.OrganizerID, o.MerchantID, o.ID); err != nil {
			return err
		}
	}
	if len(o.PromotionIDs) > 0 {
		var customer id.ID
		if o.CustomerID != nil {
			customer = *o.CustomerID
		}
		if err := m.pricer.Redeem(ctx, o.MerchantID, o.ID, customer, o.PromotionIDs); err != nil {
			return fmt.Errorf("redeem the promotions of order %s: %w", o.ID, err)
		}
	}
	pays, known := recall[[]Payment](ctx, succeededKey{o.ID})
	if !known {
		var err error
		if pays, err = m.payments.Find(ctx, &query.Filter{Where: map[string]any{"orderId": o.ID.String(), "status": PaymentSucceeded}, Limit: query.MaxLimit}, query.ExcludeDeleted); err != nil {
			return err
		}
	}
	for _, p := range pays {
		if _, err := m.events.Publish(ctx, events.PaymentSuccess{OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID,
			PaymentID: p.ID, Provider: p.Provider, Method: p.Method, Amount: p.Amount, Currency: o.Currency,
			Reference: p.Reference, PaidAt: *p.PaidAt}); err != nil {
			return err
		}
	}
	mer, err := m.catalog.Merchant(ctx, o.MerchantID)
	if err != nil {
		return err
	}
	// Only a food and drink merchant has a kitchen (SendToKitchen refuses the others).
	waiting := false
	if mer.Type == MerchantFNB {
		if waiting, err = m.sendToKitchen(ctx, o); err != nil {
			return err
		}
	}
	if !waiting {
		o.Status, o.CompletedAt = Completed, &now
	}
	m.logInfo(ctx, "order paid", "order", o.ID, "number", o.Number, "merchant", o.MerchantID, "total", o.Total,
		"currency", o.Currency, "tenders", len(pays), "status", o.Status)
	return nil
}

// afterPayment announces a payment on the order: paid, or one more tender towards it.
func (m *Module) afterPayment(ctx context.Context, o *Order) error {
	switch o.Status {
	case Paid, Completed:
		return m.announce(ctx, EventOrderPaid, o)
	default:
		return m.announce(ctx, EventOrderPaymentAdded, o)
	}
}

// Callback is a provider's verified report on an attempt.
type Callback struct {
	Provider  string
	Reference string
	Succeeded bool
	Amount    int64
	Detail    string
	Payload   json.RawMessage
}

// CallbackResult says what became of a callback.
type CallbackResult struct {
	Outcome string
	Payment *Payment
}

// ApplyCallback is the document's PaymentWebhookService: it applies a verified provider
// callback idempotently. Every callback is recorded with its outcome; a repeat changes nothing
// (DUPLICATE); a success that arrives after its order expired or was cancelled is refused and
// kept (LATE_REFUSED, once per attempt) for a refund.
//
// The attempt is read again under its order's row lock, the lock every change of an attempt's
// status is made under, so concurrent deliveries of one callback apply it once. A callback comes
// from a provider, not from a caller of the merchant: once verified it acts as the system.
func (m *Module) ApplyCallback(ctx context.Context, cb Callback) (CallbackResult, error) {
	ctx = memo.With(auth.System(ctx)) // the menu and the merchant are read once per operation
	var res CallbackResult
	if len(cb.Payload) == 0 {
		cb.Payload = json.RawMessage(`{}`)
	}
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		res = CallbackResult{} // a retried transaction starts again
		record := func(outcome, detail string, pid *id.ID) error {
			res.Outcome = outcome
			return m.callbacks.Create(ctx, &PaymentCallback{Provider: cb.Provider, Reference: cb.Reference, PaymentID: pid,
				Outcome: outcome, Detail: db.OptText(detail), Payload: cb.Payload, ReceivedAt: m.now()})
		}
		pays, err := m.payments.Find(ctx, &query.Filter{Where: map[string]any{"provider": cb.Provider, "reference": cb.Reference}, Limit: 1}, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if len(pays) == 0 {
			return record(OutcomeUnknownReference, "no payment with this reference", nil)
		}
		var outcome, detail string
		order, err := updateIn(ctx, m.db, m.orders, pays[0].OrderID, func(ctx context.Context, o *Order) error {
			pay, err := m.payments.Get(ctx, pays[0].ID, query.ExcludeDeleted)
			if err != nil {
				return err
			}
			res.Payment = pay
			if outcome, detail, err = m.callbackOutcome(ctx, o, pay, cb); err != nil {
				return err
			}
			if outcome != OutcomeApplied {
				return errNothing // the order is left as it is
			}
			return m.settle(ctx, o, pay, true)
		})
		if err != nil && err != errNothing {
			return err
		}
		switch outcome {
		case OutcomeApplied:
			if err := m.afterPayment(ctx, order); err != nil {
				return err
			}
		case OutcomeLateRefused, OutcomeAmountMismatch:
			m.logWarn(ctx, "payment callback refused: the money it reports needs a refund or a look", "outcome", outcome, "provider", cb.Provider, "reference", cb.Reference,
				"payment", res.Payment.ID, "order", res.Payment.OrderID, "amount", cb.Amount, "detail", detail)
		}
		return record(outcome, detail, &res.Payment.ID)
	})
	return res, err
}

// callbackOutcome decides what a callback does to its attempt, read under the order's lock. A
// declined attempt is marked FAILED here; OutcomeApplied means the caller settles it.
func (m *Module) callbackOutcome(ctx context.Context, o *Order, pay *Payment, cb Callback) (outcome, detail string, err error) {
	late := func(why string) (string, string, error) {
		seen, err := m.lateRefused(ctx, pay)
		if err != nil || seen {
			return OutcomeDuplicate, "late payment already refused and recorded", err
		}
		return OutcomeLateRefused, why, nil
	}
	if pay.Status != PaymentPending {
		if cb.Succeeded && (pay.Status == PaymentExpired || pay.Status == PaymentCancelled) {
			return late("payment arrived after the attempt was " + pay.Status + "; refund it")
		}
		return OutcomeDuplicate, "attempt already " + pay.Status, nil
	}
	if cb.Amount != pay.Amount {
		return OutcomeAmountMismatch, fmt.Sprintf("callback amount %d, attempt amount %d", cb.Amount, pay.Amount), nil
	}
	if !cb.Succeeded {
		now := m.now()
		pay.Status, pay.UpdatedAt = PaymentFailed, now
		if err := m.updatePaymentStatus(ctx, pay); err != nil {
			return "", "", err
		}
		return OutcomeFailedRecorded, cb.Detail, nil
	}
	if o.Status != Processing {
		return late("order is " + string(o.Status) + " and no longer awaits payment; refund it")
	}
	return OutcomeApplied, "", nil
}

type expirePaymentArgs struct {
	PaymentID id.ID `json:"paymentId"`
}

func (expirePaymentArgs) Kind() string { return "sale.payment-expiry" }

// expirePaymentJob expires a payment attempt still pending at its expiry.
func (m *Module) expirePaymentJob(ctx context.Context, a expirePaymentArgs) error {
	expired, err := m.expirePayment(ctx, a.PaymentID, m.now())
	if expired {
		m.log.InfoContext(ctx, "payment attempt expired", "payment", a.PaymentID)
	}
	return err
}

// PaymentByReference finds the attempt a provider knows by its reference, as the caller of ctx
// may see it (the payment module reads it as the system, to check a notification's attempt and
// amount before applying it).
func (m *Module) PaymentByReference(ctx context.Context, provider, reference string) (*Payment, error) {
	pays, err := m.payments.Find(ctx, &query.Filter{Where: map[string]any{"provider": provider, "reference": reference}, Limit: 1}, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	if len(pays) == 0 {
		return nil, errs.Wrap(errs.NotFound, "no "+provider+" payment with reference "+reference, errs.ErrNotFound)
	}
	return &pays[0], nil
}
