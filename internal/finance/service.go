package finance

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
	"github.com/banapos/bana/internal/platform/query"
)

// actor is the user of ctx (0 for the system).
func actor(ctx context.Context) id.ID {
	if p := auth.From(ctx); p != nil {
		return p.UserID
	}
	return 0
}

// refer turns the 404 of a row a request names into a 422 naming the field.
func refer(err error, loc, what string) error {
	if errs.KindOf(err) == errs.NotFound {
		return errs.RuleField(loc, what+" not found", nil)
	}
	return err
}

// ---- wallet and category rules (the CRUD routes' Validate and the tables' hooks) ----

func (m *Module) validateWallet(_ context.Context, w *FinanceWallet, isNew bool) error {
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" {
		return errs.Field("body.name", "is required", nil)
	}
	if isNew {
		if w.MerchantID <= 0 {
			return errs.Field("body.merchantId", "is required", nil)
		}
		if !slices.Contains(WalletTypes, w.Type) {
			return errs.Field("body.type", "must be one of "+strings.Join(WalletTypes, ", "), w.Type)
		}
		if w.Currency == "" {
			w.Currency = Currency
		}
		if w.Currency != Currency {
			return errs.Field("body.currency", "must be "+Currency, w.Currency)
		}
	}
	methods, err := CheckMethods(w.Type, w.Methods)
	if err != nil {
		return err
	}
	w.Methods = methods
	return nil
}

// createWallet is the create of a wallet, in its transaction: it starts empty, is not a default
// (the server makes those), and receives its methods.
func (m *Module) createWallet(ctx context.Context, _, w *FinanceWallet) error {
	w.Balance, w.IsDefault = 0, false
	if w.Methods == nil {
		w.Methods = []string{}
	}
	return m.st.setRoutes(ctx, w.MerchantID, w.ID, w.Methods)
}

// updateWallet moves the wallet's routes with its methods; the balance is only a posting's.
func (m *Module) updateWallet(ctx context.Context, before, after *FinanceWallet) error {
	methods, err := CheckMethods(after.Type, after.Methods) // the stored type: a PUT cannot change it
	if err != nil {
		return err
	}
	after.Methods = methods
	if slices.Equal(before.Methods, after.Methods) {
		return nil
	}
	return m.st.setRoutes(ctx, after.MerchantID, after.ID, after.Methods)
}

// deleteWallet refuses to delete a wallet that holds money (or, for good, one with postings) and
// takes its routes away: its methods go to the default wallets.
func (m *Module) deleteWallet(ctx context.Context, before, after *FinanceWallet) error {
	if before.Balance != 0 {
		return refuse(ErrWalletNotEmpty, "", fmt.Sprintf("wallet %s holds %d đồng: transfer it to another wallet first", before.ID, before.Balance), nil)
	}
	if after == nil {
		has, err := m.st.hasPostings(ctx, before.ID)
		if err != nil {
			return err
		}
		if has {
			return refuse(ErrWalletHasPostings, "query.hard", "wallet "+before.ID.String()+" has postings, which are kept: delete it without hard", true)
		}
	}
	return m.st.setRoutes(ctx, before.MerchantID, before.ID, nil)
}

// restoreWallet gives a restored wallet its methods back, unless another wallet took them.
func (m *Module) restoreWallet(ctx context.Context, before, _ *FinanceWallet) error {
	return m.st.setRoutes(ctx, before.MerchantID, before.ID, before.Methods)
}

func (m *Module) validateCategory(_ context.Context, c *FinanceCategory, isNew bool) error {
	c.Code = strings.TrimSpace(c.Code)
	c.Name = strings.TrimSpace(c.Name)
	if c.Code == "" {
		return errs.Field("body.code", "is required", nil)
	}
	if !methodRe.MatchString(c.Code) {
		return errs.Field("body.code", "must be A-Z, 0-9 and _, starting with a letter, at most 40", c.Code)
	}
	if c.Name == "" {
		return errs.Field("body.name", "is required", nil)
	}
	if isNew {
		if c.MerchantID <= 0 {
			return errs.Field("body.merchantId", "is required", nil)
		}
		if c.Type != Income && c.Type != Expense {
			return errs.Field("body.type", "must be INCOME or EXPENSE", c.Type)
		}
	}
	return nil
}

// ---- postings a person makes ----

// PostRequest is an INCOME, an EXPENSE or a TRANSFER a person records.
type PostRequest struct {
	WalletID    id.ID      `json:"walletId" doc:"The wallet the money comes into (INCOME) or goes out of (EXPENSE, TRANSFER)"`
	Type        string     `json:"type" enum:"INCOME,EXPENSE,TRANSFER"`
	Amount      int64      `json:"amount" minimum:"1" maximum:"1000000000000" doc:"Whole VND, positive: the type says which way it goes"`
	ToWalletID  *id.ID     `json:"toWalletId,omitempty" doc:"TRANSFER only: the wallet that receives the money, of the same merchant"`
	CategoryID  *id.ID     `json:"categoryId,omitempty" doc:"A category of the same merchant whose type is the posting's (an income category for an income)"`
	Description string     `json:"description,omitempty" maxLength:"500"`
	OccurredAt  *time.Time `json:"occurredAt,omitempty" doc:"When the money moved (default now); not in the future"`
}

// Post records an INCOME or EXPENSE, or a TRANSFER as two legs (out of WalletID, into
// ToWalletID), in one transaction with the balances, for a caller who may act for the wallet's
// merchant. A posting that would take a CASH, BANK or EWALLET wallet below zero is
// ErrInsufficientFunds. It returns the posting (a transfer: its outgoing leg).
func (m *Module) Post(ctx context.Context, r PostRequest) (*FinanceTransaction, error) {
	if err := CheckAmount("body.amount", r.Amount); err != nil {
		return nil, err
	}
	now := m.clock.Now().UTC()
	at := now
	if r.OccurredAt != nil {
		at = r.OccurredAt.UTC()
		if at.After(now.Add(time.Hour)) {
			return nil, errs.Field("body.occurredAt", "is in the future", r.OccurredAt)
		}
		if at.Year() < 2000 {
			return nil, errs.Field("body.occurredAt", "is before 2000", r.OccurredAt)
		}
	}
	var out *FinanceTransaction
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		w, err := m.wallets.Get(ctx, r.WalletID, query.ExcludeDeleted)
		if err != nil {
			return refer(err, "body.walletId", "wallet "+r.WalletID.String())
		}
		base := FinanceTransaction{OrganizerID: w.OrganizerID, MerchantID: w.MerchantID, WalletID: w.ID, Type: r.Type, Currency: w.Currency,
			Source: SourceManual, Description: db.OptText(strings.TrimSpace(r.Description)), OccurredAt: at, CreatedBy: actor(ctx)}
		switch r.Type {
		case Income, Expense:
			if r.ToWalletID != nil {
				return errs.Field("body.toWalletId", "is only for a TRANSFER", r.ToWalletID.String())
			}
			if r.CategoryID != nil {
				c, err := m.categories.Get(ctx, *r.CategoryID, query.ExcludeDeleted)
				if err != nil {
					return refer(err, "body.categoryId", "category "+r.CategoryID.String())
				}
				if c.MerchantID != w.MerchantID || c.Type != r.Type {
					return errs.RuleField("body.categoryId", fmt.Sprintf("category %s is an %s category of merchant %s", c.Code, c.Type, c.MerchantID), r.CategoryID.String())
				}
				base.CategoryID = &c.ID
			}
			base.ID = m.ids.Next()
			base.Amount = Signed(r.Type, r.Amount)
			base.SourceKey = key(SourceManual, base.ID)
			out = &base
			_, err := m.st.post(ctx, leg{tx: out, overdraw: MayOverdraw(w.Type), walletTyp: w.Type})
			return err
		case Transfer:
			if r.ToWalletID == nil {
				return errs.Field("body.toWalletId", "is required for a TRANSFER", nil)
			}
			if r.CategoryID != nil {
				return errs.Field("body.categoryId", "a TRANSFER has no category", r.CategoryID.String())
			}
			if *r.ToWalletID == w.ID {
				return errs.Field("body.toWalletId", "must be another wallet", r.ToWalletID.String())
			}
			to, err := m.wallets.Get(ctx, *r.ToWalletID, query.ExcludeDeleted)
			if err != nil {
				return refer(err, "body.toWalletId", "wallet "+r.ToWalletID.String())
			}
			if to.MerchantID != w.MerchantID {
				return errs.RuleField("body.toWalletId", "a transfer stays within one merchant", r.ToWalletID.String())
			}
			if to.Currency != w.Currency {
				return errs.RuleField("body.toWalletId", "wallet holds "+to.Currency+", not "+w.Currency, r.ToWalletID.String())
			}
			tid := m.ids.Next()
			outLeg, inLeg := base, base
			outLeg.Source, inLeg.Source = SourceTransfer, SourceTransfer
			outLeg.Amount, inLeg.Amount = -r.Amount, r.Amount
			inLeg.WalletID = to.ID
			outLeg.TransferID, inLeg.TransferID = &tid, &tid
			outLeg.CounterWalletID, inLeg.CounterWalletID = &to.ID, &w.ID
			outLeg.SourceKey, inLeg.SourceKey = key(SourceTransfer, tid, "OUT"), key(SourceTransfer, tid, "IN")
			out = &outLeg
			_, err = m.st.post(ctx, leg{tx: &outLeg, overdraw: MayOverdraw(w.Type), walletTyp: w.Type}, leg{tx: &inLeg, walletTyp: to.Type})
			return err
		}
		return errs.Field("body.type", "must be INCOME, EXPENSE or TRANSFER", r.Type)
	})
	if err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "posted", "posting", out.ID, "merchant", out.MerchantID, "wallet", out.WalletID, "type", out.Type, "amount", out.Amount)
	return out, nil
}

// Reverse posts the reversal of a posting, for a caller who may act for its merchant: the
// opposite of what is left of it (an INCOME partly refunded is reversed for the rest), into the
// same wallet; both legs of a transfer at once. A posting is reversed once: again, or a reversal
// or a refund, is ErrAlreadyReversed. It returns the reversal (a transfer's: its first leg).
func (m *Module) Reverse(ctx context.Context, postingID id.ID, reason string) (*FinanceTransaction, error) {
	reason = strings.TrimSpace(reason)
	var out *FinanceTransaction
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		p, err := m.postings.Get(ctx, postingID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if p.ReversesID != nil || p.Source == SourceReversal || p.Source == SourceRefund {
			return refuse(ErrAlreadyReversed, "path.id", "posting "+p.ID.String()+" is itself a "+strings.ToLower(p.Source)+": post a new transaction instead", p.ID.String())
		}
		legs := []FinanceTransaction{*p}
		if p.TransferID != nil {
			if legs, err = m.st.transferLegs(ctx, *p.TransferID); err != nil {
				return err
			}
		}
		var tid *id.ID
		if p.TransferID != nil {
			v := m.ids.Next()
			tid = &v
		}
		var todo []leg
		for i := range legs {
			orig := &legs[i]
			done, err := m.st.reversed(ctx, orig.ID)
			if err != nil {
				return err
			}
			left := orig.Amount + done
			if left == 0 {
				return refuse(ErrAlreadyReversed, "path.id", "posting "+orig.ID.String()+" is reversed already", orig.ID.String())
			}
			desc := "Reversal of " + orig.ID.String()
			if reason != "" {
				desc += ": " + reason
			}
			r := FinanceTransaction{ID: m.ids.Next(), OrganizerID: orig.OrganizerID, MerchantID: orig.MerchantID, WalletID: orig.WalletID,
				CategoryID: orig.CategoryID, Type: orig.Type, Amount: -left, Currency: orig.Currency, Source: SourceReversal,
				SourceKey: key(SourceReversal, orig.ID), ReferenceID: orig.ReferenceID, ReversesID: &orig.ID, TransferID: tid,
				CounterWalletID: orig.CounterWalletID, Description: db.OptText(desc), OccurredAt: m.clock.Now(), CreatedBy: actor(ctx)}
			// A reversal corrects a record: it is written whatever the balance, as the money it
			// takes back was recorded in the first place.
			todo = append(todo, leg{tx: &r, overdraw: true})
		}
		inserted, err := m.st.post(ctx, todo...)
		if err != nil {
			return err
		}
		if !inserted {
			return refuse(ErrAlreadyReversed, "path.id", "posting "+p.ID.String()+" is reversed already", p.ID.String())
		}
		out = todo[0].tx
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "reversed", "posting", postingID, "reversal", out.ID, "merchant", out.MerchantID, "amount", out.Amount)
	return out, nil
}

// ---- reconciliation ----

// WalletReconciliation is one wallet's stored balance next to the sum of its postings, and its
// postings over the period.
type WalletReconciliation struct {
	WalletID     id.ID    `json:"walletId"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Deleted      bool     `json:"deleted,omitempty"`
	Balance      int64    `json:"balance" doc:"As stored"`
	Postings     int64    `json:"postings" doc:"The sum of every posting of the wallet: equal to balance"`
	Count        int64    `json:"count" doc:"How many postings"`
	Opening      int64    `json:"opening" doc:"Postings before from"`
	Income       int64    `json:"income" doc:"INCOME postings in the period, net of refunds and reversals"`
	Expense      int64    `json:"expense" doc:"EXPENSE postings in the period (negative)"`
	TransfersIn  int64    `json:"transfersIn"`
	TransfersOut int64    `json:"transfersOut" doc:"Negative"`
	Closing      int64    `json:"closing" doc:"Postings before to: opening + income + expense + transfers"`
	OK           bool     `json:"ok"`
	Problems     []string `json:"problems,omitempty"`
}

// Reconciliation proves, for a merchant and a period [from, to), that each wallet's balance is
// the sum of its postings, and what the period added.
type Reconciliation struct {
	OK         bool                   `json:"ok"`
	MerchantID id.ID                  `json:"merchantId"`
	From       *time.Time             `json:"from,omitempty"`
	To         time.Time              `json:"to"`
	Balance    int64                  `json:"balance" doc:"The merchant's wallets together"`
	Postings   int64                  `json:"postings"`
	Wallets    []WalletReconciliation `json:"wallets"`
}

// Reconcile checks every wallet of the merchant (0: every merchant, for the system and admins)
// in one snapshot, so it may run while money moves: balance against the sum of the postings,
// and the period's totals against its opening and closing. from nil: since the first posting;
// to nil: now.
func (m *Module) Reconcile(ctx context.Context, organizerID, merchantID id.ID, from, to *time.Time) (*Reconciliation, error) {
	if merchantID != 0 {
		if err := auth.ActFor(ctx, organizerID, merchantID); err != nil {
			return nil, err
		}
	} else if sc, err := auth.Tenancy(ctx); err != nil {
		return nil, err
	} else if !sc.All {
		return nil, errs.Field("query.merchantId", "is required", nil)
	}
	out := &Reconciliation{OK: true, MerchantID: merchantID, From: from, To: m.clock.Now().UTC(), Wallets: []WalletReconciliation{}}
	start := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	if from != nil {
		start = from.UTC()
	}
	if to != nil {
		out.To = to.UTC()
	}
	if out.To.Before(start) {
		return nil, errs.Field("query.to", "is before from", out.To)
	}
	list, err := m.st.totals(ctx, merchantID, start, out.To)
	if err != nil {
		return nil, err
	}
	for _, w := range list {
		r := WalletReconciliation{WalletID: w.ID, Name: w.Name, Type: w.Type, Deleted: w.Deleted, Balance: w.Balance, Postings: w.Postings,
			Count: w.Count, Opening: w.Opening, Income: w.Income, Expense: w.Expense, TransfersIn: w.TransfersIn, TransfersOut: w.TransfersOut,
			Closing: w.Closing}
		if w.Balance != w.Postings {
			r.Problems = append(r.Problems, fmt.Sprintf("balance %d but the postings add up to %d", w.Balance, w.Postings))
		}
		if w.Opening+w.PeriodPostings != w.Closing || w.Income+w.Expense+w.TransfersIn+w.TransfersOut != w.PeriodPostings {
			r.Problems = append(r.Problems, fmt.Sprintf("opening %d and the period's %d (income %d, expense %d, transfers %d and %d) do not make the closing %d",
				w.Opening, w.PeriodPostings, w.Income, w.Expense, w.TransfersIn, w.TransfersOut, w.Closing))
		}
		if w.Foreign != 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d postings of another merchant", w.Foreign))
		}
		if w.Deleted && w.Balance != 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("deleted, yet holds %d", w.Balance))
		}
		r.OK = len(r.Problems) == 0
		out.OK = out.OK && r.OK
		out.Balance += w.Balance
		out.Postings += w.Postings
		out.Wallets = append(out.Wallets, r)
	}
	return out, nil
}

// PostingCheck is one cash tender or refund of a shift whose posting is missing or differs.
type PostingCheck struct {
	SourceKey  string `json:"sourceKey"`
	Want       int64  `json:"want" doc:"What sale recorded, signed as the posting"`
	Got        int64  `json:"got" doc:"What the posting holds (0: none yet)"`
	WalletType string `json:"walletType,omitempty"`
}

// ShiftReconciliation checks a closed shift's cash postings against its Z-report.
type ShiftReconciliation struct {
	OK            bool   `json:"ok"`
	ShiftID       id.ID  `json:"shiftId"`
	MerchantID    id.ID  `json:"merchantId"`
	Register      string `json:"register"`
	ZReportNumber int    `json:"zReportNumber"`
	// The Z-report's.
	ZCashSales   int64 `json:"zCashSales"`
	ZCashRefunds int64 `json:"zCashRefunds"`
	ZCashNet     int64 `json:"zCashNet" doc:"Cash sales less cash refunds: what the shift's sales moved through the drawer (tenders handed back when an order was cancelled count on both sides)"`
	// Sale's tenders and refunds behind it.
	Tenders int `json:"tenders" doc:"Cash tenders of the shift's paid orders"`
	Refunds int `json:"refunds" doc:"Cash refunds paid out of the shift"`
	// Finance's postings of those tenders and refunds in CASH wallets.
	CashIncome  int64          `json:"cashIncome"`
	CashRefunds int64          `json:"cashRefunds" doc:"Negative"`
	CashNet     int64          `json:"cashNet" doc:"Equal to zCashNet"`
	Missing     []PostingCheck `json:"missing" doc:"Tenders and refunds with no posting yet (a handler still to run shows here for a moment)"`
	Mismatched  []PostingCheck `json:"mismatched" doc:"Postings of another amount, or in a wallet that is not CASH"`
	Problems    []string       `json:"problems,omitempty"`
}

// ReconcileShift checks a closed shift of sale against finance: each cash tender of its paid
// orders has its INCOME and each cash refund its reversal, in a CASH wallet, for the amount sale
// recorded, and together they equal the Z-report's cash sales less its cash refunds. An open
// shift has no Z-report yet (ErrShiftOpen).
func (m *Module) ReconcileShift(ctx context.Context, shiftID id.ID) (*ShiftReconciliation, error) {
	sc, err := m.shifts.ShiftCash(ctx, shiftID)
	if err != nil {
		return nil, err
	}
	if !sc.Closed {
		return nil, refuse(ErrShiftOpen, "path.id", "shift "+shiftID.String()+" is open: close it for its Z-report first", shiftID.String())
	}
	out := &ShiftReconciliation{ShiftID: sc.ShiftID, MerchantID: sc.MerchantID, Register: sc.Register, ZReportNumber: sc.ZReportNumber,
		ZCashSales: sc.CashSales, ZCashRefunds: sc.CashRefunds, ZCashNet: sc.CashSales - sc.CashRefunds,
		Tenders: len(sc.Payments), Refunds: len(sc.Refunds), Missing: []PostingCheck{}, Mismatched: []PostingCheck{}}
	want := map[string]int64{}
	var keys []string
	for _, p := range sc.Payments {
		k := key(SourcePayment, p.ID)
		want[k] = p.Amount
		keys = append(keys, k)
	}
	for _, r := range sc.Refunds {
		k := key(SourceRefund, r.ID)
		want[k] = -r.Amount
		keys = append(keys, k)
	}
	got, err := m.st.byKeys(ctx, sc.MerchantID, keys)
	if err != nil {
		return nil, err
	}
	var saleNet int64
	for _, k := range keys {
		w := want[k]
		saleNet += w
		g, ok := got[k]
		switch {
		case !ok:
			out.Missing = append(out.Missing, PostingCheck{SourceKey: k, Want: w})
			continue
		case g.Amount != w || g.WalletType != WalletCash:
			out.Mismatched = append(out.Mismatched, PostingCheck{SourceKey: k, Want: w, Got: g.Amount, WalletType: g.WalletType})
		}
		if g.WalletType == WalletCash {
			if g.Amount > 0 {
				out.CashIncome += g.Amount
			} else {
				out.CashRefunds += g.Amount
			}
		}
	}
	out.CashNet = out.CashIncome + out.CashRefunds
	if saleNet != out.ZCashNet {
		out.Problems = append(out.Problems, fmt.Sprintf("sale's cash tenders less refunds are %d, its Z-report's cash sales less refunds %d", saleNet, out.ZCashNet))
	}
	if out.CashNet != out.ZCashNet {
		out.Problems = append(out.Problems, fmt.Sprintf("the cash postings add up to %d, the Z-report's cash sales less refunds to %d", out.CashNet, out.ZCashNet))
	}
	if len(out.Missing) > 0 {
		out.Problems = append(out.Problems, fmt.Sprintf("%d tenders or refunds have no posting yet", len(out.Missing)))
	}
	if len(out.Mismatched) > 0 {
		out.Problems = append(out.Problems, fmt.Sprintf("%d postings differ from what sale recorded", len(out.Mismatched)))
	}
	out.OK = len(out.Problems) == 0
	return out, nil
}
