package payment

import (
	"context"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"

	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/riverqueue/river"
)

// orderRefunded is sale's OrderRefunded event as payment reads it (the fields it needs; events
// are matched by name and version, so payment does not import sale).

// refundable says whether a provider gives money back through an API (else a refund is MANUAL).
func refundable(provider string) bool {
	return provider == ProviderVNPAY || provider == ProviderVNPAYQRMMS
}

func ours(provider string) bool {
	switch provider {
	case ProviderVNPAY, ProviderVNPAYQRMMS, ProviderVietQR, ProviderVNPAYPhonePOS:
		return true
	}
	return false
}

// onOrderRefunded follows one of sale's refunds of a provider's payment with the refund at the
// provider (in the event's transaction: the row and its job, or a MANUAL row for a provider
// without a refund API). The event bus runs it once per event.
func (m *Module) onOrderRefunded(ctx context.Context, ev events.OrderRefunded, _ events.Meta) error {
	if !ours(ev.Provider) {
		return nil
	}
	if r, err := m.refundOfSale(ctx, ev.RefundID); err != nil || r != nil {
		return err
	}
	a, err := m.attempt(ctx, ev.PaymentID)
	if errs.KindOf(err) == errs.NotFound {
		// A payment of the provider that payment never started (made before it was installed):
		// nothing to refund through it; the merchant refunds by hand.
		m.log.WarnContext(ctx, "refund of a provider payment payment did not start", "payment", ev.PaymentID, "provider", ev.Provider)
		return nil
	}
	if err != nil {
		return err
	}
	rid := ev.RefundID
	_, err = m.startRefund(ctx, a, ev.Amount, "refund "+ev.RefundID.String()+" of order "+ev.OrderID.String(), &rid, 0)
	return err
}

// startRefund writes a refund and, for a provider with a refund API, the job that asks it.
func (m *Module) startRefund(ctx context.Context, a *PaymentAttempt, amount int64, reason string, saleRefund *id.ID, by id.ID) (*PaymentRefund, error) {
	now := m.now()
	r := &PaymentRefund{ID: m.ids.Next(), OrganizerID: a.OrganizerID, MerchantID: a.MerchantID, PaymentID: a.ID, SaleRefundID: saleRefund,
		Provider: a.Provider, Reference: a.Reference, Amount: amount, Reason: db.OptText(clip(reason, 200)), Status: RefundPending, RequestedBy: by,
		CreatedAt: now, UpdatedAt: now}
	r.RequestID = r.ID.String()
	if !refundable(a.Provider) {
		r.Status, r.ProviderMessage = RefundManual, db.OptText(a.Provider+" has no refund API: give the money back by hand (a bank transfer, the card terminal)")
	}
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		if err := m.insertRefund(ctx, r); err != nil {
			return err
		}
		if r.Status != RefundPending {
			return nil
		}
		_, err := m.jobs.Insert(ctx, refundArgs{RefundID: r.ID}, &river.InsertOpts{Queue: QueueConfirmation})
		return err
	})
	return r, err
}

// LateRefundRequest refunds money a provider took for an attempt that sale did not count: a payment
// that arrived after its attempt expired or was cancelled (sale refused and recorded it). Money of
// a succeeded payment is refunded through sale (POST /sale-orders/{id}/refunds), which refunds
// at the provider too.
type LateRefundRequest struct {
	PaymentID id.ID  `json:"paymentId" doc:"Sale's payment id of the attempt"`
	Amount    int64  `json:"amount,omitempty" minimum:"0" doc:"Default: all that is left"`
	Reason    string `json:"reason" minLength:"1" maxLength:"200"`
}

// RefundLate refunds a late payment at its provider.
func (m *Module) RefundLate(ctx context.Context, in LateRefundRequest) (*PaymentRefund, error) {
	p := auth.From(ctx)
	if p == nil {
		return nil, auth.ErrNoPrincipal
	}
	a, err := m.attempt(ctx, in.PaymentID)
	if errs.KindOf(err) == errs.NotFound {
		return nil, errs.Field("body.paymentId", "no payment attempt at a provider has this id", in.PaymentID.String())
	}
	if err != nil {
		return nil, err
	}
	if err := auth.ActFor(ctx, a.OrganizerID, a.MerchantID); err != nil {
		return nil, errs.Field("body.paymentId", "no payment attempt at a provider has this id", in.PaymentID.String())
	}
	pay, err := m.sale.Payment(auth.System(ctx), a.Provider, a.Reference)
	if err != nil {
		return nil, err
	}
	if pay.Status == SaleSucceeded {
		return nil, errs.Wrap(errs.Conflict, "payment "+pay.ID.String()+" succeeded: refund it through POST /sale-orders/"+pay.OrderID.String()+"/refunds", ErrNotRefundable)
	}
	if a.ProviderStatus != ProviderPaid {
		return nil, errs.Wrap(errs.Conflict, "the provider has reported no money for payment "+pay.ID.String(), ErrNotRefundable)
	}
	var out *PaymentRefund
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		done, err := m.refunded(ctx, a.ID)
		if err != nil {
			return err
		}
		left := a.Amount - done
		amount := in.Amount
		if amount == 0 {
			amount = left
		}
		if amount <= 0 || amount > left {
			return errs.RuleField("body.amount", fmt.Sprintf("%d is left to refund of this payment", left), in.Amount)
		}
		out, err = m.startRefund(ctx, a, amount, in.Reason, nil, p.UserID)
		return err
	})
	return out, err
}

// runRefund asks the provider to refund (the confirmation queue's job). A network failure is
// retried with the same request id; an answer is final.
func (m *Module) runRefund(ctx context.Context, rid id.ID) error {
	r, err := m.refund(ctx, rid)
	if err != nil || r.Status != RefundPending {
		return err
	}
	a, err := m.attempt(ctx, r.PaymentID)
	if err != nil {
		return err
	}
	r.Attempts++
	switch a.Provider {
	case ProviderVNPAY:
		set, err := loadSettings[VNPAYSettings](ctx, m, a.OrganizerID, a.MerchantID, ProviderVNPAY, false)
		if err != nil {
			return m.failRefund(ctx, r, "settings", err.Error())
		}
		created, _ := vnpay.ParseDate(string(a.ProviderCreatedAt))
		done, err := m.refunded(ctx, a.ID)
		if err != nil {
			return err
		}
		typ := vnpay.RefundPartial
		if r.Amount == a.Amount && done == r.Amount {
			typ = vnpay.RefundFull
		}
		c := &vnpay.Client{APIURL: set.APIURL, TmnCode: set.TmnCode, Secret: set.HashSecret, HTTP: m.http}
		ans, err := c.Refund(ctx, vnpay.RefundRequest{RequestID: r.RequestID, TransactionType: typ, TxnRef: a.Reference, Amount: r.Amount,
			TransactionNo: string(a.ProviderRef), TransactionDate: created, CreateBy: "BANA", CreateDate: m.now(), IPAddr: set.IPAddr,
			OrderInfo: "Hoan tien giao dich " + a.Reference})
		if err != nil {
			return m.retryRefund(ctx, r, err)
		}
		r.ProviderCode, r.ProviderMessage = db.OptText(ans.ResponseCode), db.OptText(ans.Message)
		if ans.ResponseCode == "94" {
			r.ProviderMessage = "VNPAY already has this request (an earlier attempt's answer was lost): see its result on VNPAY's merchant portal"
		}
	case ProviderVNPAYQRMMS:
		set, err := loadSettings[QRMMSSettings](ctx, m, a.OrganizerID, a.MerchantID, ProviderVNPAYQRMMS, false)
		if err != nil {
			return m.failRefund(ctx, r, "settings", err.Error())
		}
		done, err := m.refunded(ctx, a.ID)
		if err != nil {
			return err
		}
		typ := vnpayqr.RefundPartial
		if r.Amount == a.Amount && done == r.Amount {
			typ = vnpayqr.RefundFull
		}
		ans, err := qrClient(m, set).Refund(ctx, vnpayqr.RefundRequest{MerchantCode: set.MerchantCode, TerminalID: set.TerminalID, TxnID: a.Reference,
			QRTrace: string(a.ProviderRef), PayDate: string(a.ProviderPaidAt), Amount: fmt.Sprint(r.Amount), TypeRefund: typ, RefundID: r.RequestID,
			RefundContent: "Hoan tien " + a.Reference})
		if err != nil {
			return m.retryRefund(ctx, r, err)
		}
		r.ProviderCode, r.ProviderMessage = db.OptText(ans.Code), db.OptText(vnpayqr.RefundText(ans.Code))
	default:
		return m.failRefund(ctx, r, "", a.Provider+" has no refund API")
	}
	r.Status = RefundFailed
	if r.ProviderCode == "00" {
		r.Status = RefundSucceeded
	}
	m.log.InfoContext(ctx, "provider refund answered", "refund", r.ID, "provider", r.Provider, "payment", r.PaymentID, "amount", r.Amount,
		"status", r.Status, "code", r.ProviderCode)
	return m.finishRefund(ctx, r)
}

func (m *Module) failRefund(ctx context.Context, r *PaymentRefund, code, msg string) error {
	r.Status, r.ProviderCode, r.ProviderMessage = RefundFailed, db.OptText(code), db.OptText(clip(msg, 500))
	return m.finishRefund(ctx, r)
}

// retryRefund counts a failed call and has River try again later (same request id).
func (m *Module) retryRefund(ctx context.Context, r *PaymentRefund, cause error) error {
	r.ProviderMessage = db.OptText(clip(cause.Error(), 500))
	if err := m.finishRefund(ctx, r); err != nil {
		return err
	}
	return fmt.Errorf("refund %s at %s: %w", r.ID, r.Provider, cause)
}
