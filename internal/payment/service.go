package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"

	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/riverqueue/river"
)

// verdict is what BANA makes of a provider's verified message about a payment, in VIETNAM.md's
// order of checks (the signature is checked before: a message that fails it has no verdict).
type verdict int

const (
	verdictConfirmed verdict = iota // recorded: the attempt is paid, or declined
	verdictUnknown                  // no attempt of this merchant has the reference
	verdictAmount                   // the amount is not the attempt's
	verdictDone                     // the attempt no longer waits: already confirmed
	verdictLate                     // the money came after the attempt ended: refused and recorded (sale's LATE_REFUSED)
	verdictQueued                   // not applied now: kept, and the confirmation queue applies it
)

func verdictOf(outcome string) verdict {
	switch outcome {
	case OutcomeApplied, OutcomeFailedRecorded, OutcomeIgnored:
		return verdictConfirmed
	case OutcomeUnknownReference:
		return verdictUnknown
	case OutcomeAmountMismatch:
		return verdictAmount
	case OutcomeLateRefused:
		return verdictLate
	case OutcomeQueued:
		return verdictQueued
	default:
		return verdictDone
	}
}

// receive decides and records a verified message n about a payment: the attempt is looked up
// through sale (unknown: 01), its amount compared (exact is false when the provider's amount is
// not whole dong; wrong: 04), then the report is applied through sale's idempotent
// ApplyCallback in the transaction that records n. When that fails, n is kept as QUEUED with a
// confirmation job in one transaction: a verified payment is never lost, even if the provider
// stops retrying.
//
// reply is the code the provider is answered with for a verdict, stored with n (nil: none).
func (m *Module) receive(ctx context.Context, n *PaymentNotification, exact bool, reply func(verdict) string) verdict {
	ctx = auth.System(ctx)
	n.ID, n.ReceivedAt = m.ids.Next(), m.now()
	if reply == nil {
		reply = func(verdict) string { return "" }
	}
	pay, decided, err := m.judge(ctx, n, exact)
	if err == nil && decided != "" {
		n.Outcome, n.Reply = decided, db.OptText(reply(verdictOf(decided)))
		if err = m.insertNotification(ctx, n); err == nil {
			return verdictOf(decided)
		}
	}
	if err == nil {
		var outcome string
		if outcome, err = m.apply(ctx, n, pay, true, reply); err == nil {
			return verdictOf(outcome)
		}
	}
	if !exact {
		// Never queue what cannot be judged later: the provider retries.
		m.log.ErrorContext(ctx, "payment notification not recorded", "provider", n.Provider, "reference", n.Reference, "error", err)
		return verdictQueued
	}
	n.Outcome, n.Detail, n.AppliedAt, n.Reply = OutcomeQueued, db.OptText(clip("not applied at once: "+err.Error(), 500)), nil, db.OptText(reply(verdictQueued))
	m.log.WarnContext(ctx, "payment notification queued for confirmation", "provider", n.Provider, "reference", n.Reference, "error", err)
	qerr := m.db.InTx(ctx, func(ctx context.Context) error {
		if err := m.insertNotification(ctx, n); err != nil {
			return err
		}
		_, err := m.jobs.Insert(ctx, confirmArgs{NotificationID: n.ID}, &river.InsertOpts{Queue: QueueConfirmation})
		return err
	})
	if qerr != nil {
		m.log.ErrorContext(ctx, "payment notification not recorded: the provider must send it again", "provider", n.Provider,
			"reference", n.Reference, "error", qerr)
	}
	return verdictQueued
}

// judge looks up n's attempt and checks its amount. decided is the outcome when sale need not
// be asked (UNKNOWN_REFERENCE, AMOUNT_MISMATCH), else "" and the attempt.
func (m *Module) judge(ctx context.Context, n *PaymentNotification, exact bool) (SalePayment, string, error) {
	pay, err := m.sale.Payment(ctx, n.Provider, n.Reference)
	if errors.Is(err, ErrNoAttempt) || (err == nil && pay.MerchantID != n.MerchantID) {
		n.Detail = "no payment attempt of this merchant has this reference"
		return pay, OutcomeUnknownReference, nil
	}
	if err != nil {
		return pay, "", err
	}
	n.PaymentID = &pay.ID
	if !exact || n.Amount != pay.Amount {
		n.Detail = db.OptText(fmt.Sprintf("the provider reports %d, the attempt is for %d", n.Amount, pay.Amount))
		if !exact {
			n.Detail = "the provider's amount is not a whole number of dong"
		}
		return pay, OutcomeAmountMismatch, nil
	}
	return pay, "", nil
}

// apply has sale apply n and records n (fresh: inserted, with reply's code; else the queued row
// is settled) in one transaction, with what the provider said about the attempt.
func (m *Module) apply(ctx context.Context, n *PaymentNotification, pay SalePayment, fresh bool, reply func(verdict) string) (string, error) {
	var outcome string
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		outcome, err = m.sale.Apply(ctx, Report{Provider: n.Provider, Reference: n.Reference, Succeeded: n.Succeeded, Amount: n.Amount,
			Detail: string(n.Detail), Payload: n.Payload})
		if err != nil {
			return err
		}
		now := m.now()
		switch {
		case n.Succeeded && outcome != OutcomeAmountMismatch && outcome != OutcomeUnknownReference:
			if err := m.noteProvider(ctx, pay.ID, ProviderPaid, string(n.ProviderRef), string(n.PaidAt)); err != nil {
				return err
			}
		case outcome == OutcomeFailedRecorded:
			if err := m.noteProvider(ctx, pay.ID, ProviderDeclined, string(n.ProviderRef), ""); err != nil {
				return err
			}
		}
		if outcome == OutcomeDuplicate && n.Succeeded && n.Source == SourceTransfer && n.ProviderRef != "" {
			// Another bank transaction for an attempt that is no longer waiting is more money,
			// not a repeat: say so for the merchant to refund it.
			if a, err := m.attempt(ctx, pay.ID); err == nil && a.ProviderRef != "" && a.ProviderRef != n.ProviderRef {
				n.Detail = "a second transfer (" + n.ProviderRef + ") for an attempt already paid by " + a.ProviderRef + ": refund it"
				m.log.WarnContext(ctx, "second bank transfer for one payment", "reference", n.Reference, "transaction", n.ProviderRef)
			}
		}
		if !fresh {
			_, err := m.settleNotification(ctx, n.ID, outcome, now)
			return err
		}
		n.Outcome, n.AppliedAt, n.Reply = outcome, &now, db.OptText(reply(verdictOf(outcome)))
		return m.insertNotification(ctx, n)
	})
	return outcome, err
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// PaymentQueryResult is what a provider says of an attempt when asked.
type PaymentQueryResult struct {
	PaymentID id.ID  `json:"paymentId"`
	Provider  string `json:"provider"`
	Reference string `json:"reference"`
	Paid      bool   `json:"paid" doc:"The provider reports the money taken"`
	Code      string `json:"code" doc:"The provider's answer code"`
	Message   string `json:"message,omitempty"`
	Outcome   string `json:"outcome,omitempty" doc:"What BANA did with a payment it had not seen: sale's callback outcome"`
}

// Query asks the provider about an attempt of the caller's merchant; a payment the provider
// reports that BANA has not applied is applied like its notification (source QUERY).
func (m *Module) Query(ctx context.Context, paymentID id.ID) (PaymentQueryResult, error) {
	a, err := m.attempt(ctx, paymentID)
	if err != nil {
		return PaymentQueryResult{}, err
	}
	if err := auth.ActFor(ctx, a.OrganizerID, a.MerchantID); err != nil {
		return PaymentQueryResult{}, errs.Wrap(errs.NotFound, "payment attempt "+paymentID.String()+" not found", errs.ErrNotFound)
	}
	return m.query(ctx, a)
}

func (m *Module) query(ctx context.Context, a *PaymentAttempt) (PaymentQueryResult, error) {
	sys := auth.System(ctx)
	res := PaymentQueryResult{PaymentID: a.ID, Provider: a.Provider, Reference: a.Reference}
	n := &PaymentNotification{OrganizerID: a.OrganizerID, MerchantID: a.MerchantID, Provider: a.Provider, Source: SourceQuery, Reference: a.Reference}
	switch a.Provider {
	case ProviderVNPAY:
		set, err := loadSettings[VNPAYSettings](sys, m, a.OrganizerID, a.MerchantID, ProviderVNPAY, false)
		if err != nil {
			return res, err
		}
		created, err := vnpay.ParseDate(string(a.ProviderCreatedAt))
		if err != nil {
			return res, errs.Wrap(errs.Internal, "attempt "+a.ID.String()+" has no VNPAY creation date", err)
		}
		c := &vnpay.Client{APIURL: set.APIURL, TmnCode: set.TmnCode, Secret: set.HashSecret, HTTP: m.http}
		ans, err := c.QueryDR(ctx, vnpay.QueryRequest{RequestID: m.ids.Next().String(), TxnRef: a.Reference, OrderInfo: "Truy van giao dich " + a.Reference,
			TransactionDate: created, CreateDate: m.now(), IPAddr: set.IPAddr})
		if err != nil {
			return res, unavailable(ProviderVNPAY, err)
		}
		res.Code, res.Message, res.Paid = ans.ResponseCode, ans.Message, ans.Paid()
		n.Amount, n.Succeeded, n.ProviderRef, n.PaidAt = ans.Amount, true, db.OptText(ans.TransactionNo), db.OptText(ans.PayDate)
		n.Payload = mustJSON(ans.Raw)
	case ProviderVNPAYQRMMS:
		set, err := loadSettings[QRMMSSettings](sys, m, a.OrganizerID, a.MerchantID, ProviderVNPAYQRMMS, false)
		if err != nil {
			return res, err
		}
		if set.CheckURL == "" {
			return res, errs.Wrap(errs.Rule, "VNPAY_QR_MMS settings have no checkUrl", ErrNoQueryAPI)
		}
		ans, err := qrClient(m, set).Check(ctx, vnpayqr.CheckRequest{MerchantCode: set.MerchantCode, TerminalID: set.TerminalID, TxnID: a.Reference,
			PayDate: a.CreatedAt.In(vnpayqr.ICT).Format(vnpayqr.PayDateLayout)})
		if err != nil {
			return res, unavailable(ProviderVNPAYQRMMS, err)
		}
		res.Code, res.Message, res.Paid = ans.Code, ans.Message, ans.Code == "00"
		amount, _ := parseAmount(ans.RealAmount)
		n.Amount, n.Succeeded, n.ProviderRef, n.PaidAt = amount, true, db.OptText(ans.QRTrace), db.OptText(ans.PayDate)
		n.Payload = mustJSON(ans)
	default:
		return res, errs.Wrap(errs.Rule, a.Provider+" cannot be asked about an attempt", ErrNoQueryAPI)
	}
	if !res.Paid {
		return res, nil
	}
	pay, err := m.sale.Payment(sys, a.Provider, a.Reference)
	if err != nil {
		return res, err
	}
	if pay.Status != SalePending {
		return res, nil // nothing BANA has not seen
	}
	n.Detail = "paid, as the provider answered a status query"
	if v := m.receive(ctx, n, true, nil); v == verdictQueued {
		res.Outcome = OutcomeQueued
	} else {
		res.Outcome = n.Outcome
	}
	return res, nil
}

// checkAttempt is the scheduler's look at an attempt shortly before it expires: if it still waits
// and its provider can be asked, ask.
func (m *Module) checkAttempt(ctx context.Context, paymentID id.ID) error {
	a, err := m.attempt(ctx, paymentID)
	if errs.KindOf(err) == errs.NotFound {
		return nil // the attempt's transaction rolled back after the job was... never: they commit together
	}
	if err != nil {
		return err
	}
	pay, err := m.sale.Payment(ctx, a.Provider, a.Reference)
	if err != nil || pay.Status != SalePending {
		return err
	}
	res, err := m.query(ctx, a)
	if errors.Is(err, ErrNoQueryAPI) || errors.Is(err, ErrNotConfigured) || errors.Is(err, ErrSettings) {
		return nil
	}
	if err != nil {
		return err
	}
	m.log.InfoContext(ctx, "payment attempt checked before its expiry", "payment", a.ID, "provider", a.Provider, "paid", res.Paid,
		"code", res.Code, "outcome", res.Outcome)
	return nil
}

// confirm applies a queued notification (the confirmation queue's job).
func (m *Module) confirm(ctx context.Context, nid id.ID) error {
	n, err := m.notification(ctx, nid)
	if err != nil || n.Outcome != OutcomeQueued {
		return err
	}
	pay, decided, err := m.judge(ctx, n, true)
	if err != nil {
		return err
	}
	if decided != "" {
		_, err := m.settleNotification(ctx, n.ID, decided, m.now())
		return err
	}
	outcome, err := m.apply(ctx, n, pay, false, nil)
	if err == nil {
		m.log.InfoContext(ctx, "queued payment notification applied", "notification", n.ID, "provider", n.Provider, "reference", n.Reference, "outcome", outcome)
	}
	return err
}

func parseAmount(s string) (int64, bool) {
	var n int64
	if s == "" || len(s) > 15 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func mustJSON(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return raw
}
