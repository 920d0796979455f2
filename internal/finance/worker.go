package finance

import (
	"context"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// The document's FinanceWorkerService: the handlers of the events finance records. The bus runs
// each as auth.System, in a transaction that also records that the subscriber handled the event,
// so a redelivered event does nothing. Each posting besides carries a source key unique per
// merchant (the payment, the refund, the receipt), so the same money reported twice, in two
// events or by two deliveries at once, is posted once. A handler that fails is retried by the
// bus with backoff; one that keeps failing is listed under /event-deliveries/discarded.

// onCommerceInitialized gives a new merchant its default Cash wallet and the categories the
// worker posts under.
func (m *Module) onCommerceInitialized(ctx context.Context, ev events.CommerceInitialized, _ events.Meta) error {
	if err := asSystem(ctx); err != nil {
		return err
	}
	return m.db.InTx(ctx, func(ctx context.Context) error {
		w, created, err := m.st.defaultWallet(ctx, ev.OrganizerID, ev.MerchantID, WalletCash)
		if err != nil {
			return err
		}
		for _, code := range []string{CategorySales, CategoryPurchases} {
			if _, err := m.st.category(ctx, ev.OrganizerID, ev.MerchantID, systemCategories[code]); err != nil {
				return err
			}
		}
		if created {
			m.log.InfoContext(ctx, "default cash wallet made", "merchant", ev.MerchantID, "wallet", w.ID)
		}
		return nil
	})
}

// onPaymentSuccess records a paid tender as an INCOME in the wallet of its method.
func (m *Module) onPaymentSuccess(ctx context.Context, ev events.PaymentSuccess, _ events.Meta) error {
	if err := asSystem(ctx); err != nil {
		return err
	}
	if err := CheckAmount("amount", ev.Amount); err != nil {
		return fmt.Errorf("PaymentSuccess of payment %s: %w", ev.PaymentID, err)
	}
	if err := checkCurrency(ev.Currency); err != nil {
		return fmt.Errorf("PaymentSuccess of payment %s: %w", ev.PaymentID, err)
	}
	return m.db.InTx(ctx, func(ctx context.Context) error {
		w, err := m.walletFor(ctx, ev.OrganizerID, ev.MerchantID, ev.Method)
		if err != nil {
			return err
		}
		cat, err := m.st.category(ctx, ev.OrganizerID, ev.MerchantID, systemCategories[CategorySales])
		if err != nil {
			return err
		}
		order := ev.OrderID
		t := &FinanceTransaction{OrganizerID: ev.OrganizerID, MerchantID: ev.MerchantID, WalletID: w.ID, CategoryID: &cat, Type: Income,
			Amount: ev.Amount, Currency: Currency, Source: SourcePayment, SourceKey: key(SourcePayment, ev.PaymentID), ReferenceID: &order,
			Description: db.OptText(fmt.Sprintf("Order %s: %s %s", ev.OrderID, ev.Provider, ev.Method)), OccurredAt: ev.PaidAt}
		return m.record(ctx, leg{tx: t, walletTyp: w.Type})
	})
}

// onOrderRefunded records a refund as the reversal of (part of) its payment's INCOME, in the
// income's wallet. When the income is not posted yet (its event is still on its way), the
// refund goes to the wallet the income will go to, and the income, when it comes, is posted
// whole: the two add up the same.
func (m *Module) onOrderRefunded(ctx context.Context, ev events.OrderRefunded, _ events.Meta) error {
	if err := asSystem(ctx); err != nil {
		return err
	}
	if err := CheckAmount("amount", ev.Amount); err != nil {
		return fmt.Errorf("OrderRefunded of refund %s: %w", ev.RefundID, err)
	}
	if err := checkCurrency(ev.Currency); err != nil {
		return fmt.Errorf("OrderRefunded of refund %s: %w", ev.RefundID, err)
	}
	return m.db.InTx(ctx, func(ctx context.Context) error {
		income, err := m.st.posting(ctx, ev.MerchantID, key(SourcePayment, ev.PaymentID))
		if err != nil {
			return err
		}
		order := ev.OrderID
		t := &FinanceTransaction{OrganizerID: ev.OrganizerID, MerchantID: ev.MerchantID, Type: Income, Amount: -ev.Amount, Currency: Currency,
			Source: SourceRefund, SourceKey: key(SourceRefund, ev.RefundID), ReferenceID: &order,
			Description: db.OptText(fmt.Sprintf("Refund %s of order %s: %s %s", ev.RefundID, ev.OrderID, ev.Provider, ev.Method)), OccurredAt: ev.RefundedAt}
		var w walletRef
		if income != nil {
			t.ReversesID, t.CategoryID = &income.ID, income.CategoryID
			w.ID = income.WalletID
		}
		live := false
		if w.ID != 0 {
			if live, err = m.live(ctx, w.ID); err != nil {
				return err
			}
		}
		if !live {
			if w, err = m.walletFor(ctx, ev.OrganizerID, ev.MerchantID, ev.Method); err != nil {
				return err
			}
		}
		if t.CategoryID == nil {
			cat, err := m.st.category(ctx, ev.OrganizerID, ev.MerchantID, systemCategories[CategorySales])
			if err != nil {
				return err
			}
			t.CategoryID = &cat
		}
		t.WalletID = w.ID
		// The money has left: the reversal is written whatever the balance.
		return m.record(ctx, leg{tx: t, overdraw: true})
	})
}

// onPurchaseOrderReceived records the cost of goods received as an EXPENSE in the wallet that
// PURCHASE goes to (by default the Cash wallet). Goods received at no cost post nothing.
func (m *Module) onPurchaseOrderReceived(ctx context.Context, ev events.PurchaseOrderReceived, _ events.Meta) error {
	if err := asSystem(ctx); err != nil {
		return err
	}
	if ev.Amount == 0 {
		return nil
	}
	if err := CheckAmount("amount", ev.Amount); err != nil {
		return fmt.Errorf("PurchaseOrderReceived of receipt %s: %w", ev.ReceiptID, err)
	}
	if err := checkCurrency(ev.Currency); err != nil {
		return fmt.Errorf("PurchaseOrderReceived of receipt %s: %w", ev.ReceiptID, err)
	}
	return m.db.InTx(ctx, func(ctx context.Context) error {
		w, err := m.walletFor(ctx, ev.OrganizerID, ev.MerchantID, MethodPurchase)
		if err != nil {
			return err
		}
		cat, err := m.st.category(ctx, ev.OrganizerID, ev.MerchantID, systemCategories[CategoryPurchases])
		if err != nil {
			return err
		}
		po := ev.PurchaseOrderID
		t := &FinanceTransaction{OrganizerID: ev.OrganizerID, MerchantID: ev.MerchantID, WalletID: w.ID, CategoryID: &cat, Type: Expense,
			Amount: -ev.Amount, Currency: Currency, Source: SourcePurchase, SourceKey: key(SourcePurchase, ev.ReceiptID), ReferenceID: &po,
			Description: db.OptText(fmt.Sprintf("Goods received on purchase order %s", ev.PurchaseOrder)), OccurredAt: ev.ReceivedAt}
		// The goods are in: the expense is written whatever the balance.
		return m.record(ctx, leg{tx: t, overdraw: true})
	})
}

// record posts what an event reports, once per source key. The same source reported again for
// another amount is not posted either (the first report stands), but it is a sign that a module
// reports money wrongly, so it is logged for a person to look at.
func (m *Module) record(ctx context.Context, l leg) error {
	inserted, err := m.st.post(ctx, l)
	if err != nil || inserted {
		return err
	}
	first, err := m.st.posting(ctx, l.tx.MerchantID, l.tx.SourceKey)
	if err != nil || first == nil {
		return err
	}
	if first.Amount != l.tx.Amount {
		m.log.WarnContext(ctx, "the same money reported again for another amount: the first report stands", "source", l.tx.SourceKey,
			"merchant", l.tx.MerchantID, "posted", first.Amount, "reported", l.tx.Amount, "posting", first.ID)
	}
	return nil
}

// walletFor is the wallet that receives method's money at the merchant: the one that names the
// method, else the merchant's default wallet of the method's type (made when there is none).
func (m *Module) walletFor(ctx context.Context, organizerID, merchantID id.ID, method string) (walletRef, error) {
	if w, ok, err := m.st.routed(ctx, merchantID, method); ok || err != nil {
		return w, err
	}
	w, created, err := m.st.defaultWallet(ctx, organizerID, merchantID, DefaultType(method))
	if created {
		m.log.InfoContext(ctx, "default wallet made", "merchant", merchantID, "wallet", w.ID, "type", w.Type, "method", method)
	}
	return w, err
}

// live reports whether the wallet is there and not deleted.
func (m *Module) live(ctx context.Context, walletID id.ID) (bool, error) {
	_, err := m.wallets.Get(ctx, walletID, query.ExcludeDeleted)
	if errs.KindOf(err) == errs.NotFound {
		return false, nil
	}
	return err == nil, err
}

// asSystem is the first check of every handler: it writes any tenant's rows, so it runs only as
// the system (the bus says auth.System), never for a caller, and without either not at all.
func asSystem(ctx context.Context) error {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return err
	}
	if !sc.All {
		return errs.New(errs.Forbidden, "finance's event handlers run as the system only")
	}
	return nil
}

// checkCurrency refuses money in another currency than BANA's (an empty one is VND).
func checkCurrency(c string) error {
	if c != "" && c != Currency {
		return fmt.Errorf("currency %s: finance keeps %s only", c, Currency)
	}
	return nil
}
