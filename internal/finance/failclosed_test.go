package finance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
)

// TestFailsClosedWithoutACaller: every use case and handler of finance, called with a context
// that carries neither a caller nor the system, writes and reads nothing and says why
// (auth.ErrNoPrincipal); a handler called for a person, not the system, is refused too. Under
// auth.System the same handler posts.
func TestFailsClosedWithoutACaller(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ids, err := id.NewGenerator(9, id.DefaultEpoch)
		if err != nil {
			t.Fatal(err)
		}
		m := New(Deps{Platform: module.Platform{DB: d, IDs: ids, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}})
		bare := context.Background()
		owner := auth.WithPrincipal(bare, &auth.Principal{UserID: 5, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1, Permissions: []string{"*"}})
		pay := events.PaymentSuccess{OrganizerID: 1, MerchantID: 2, OrderID: 3, PaymentID: 4, Provider: "SYSTEM", Method: "CASH", Amount: 1000,
			Currency: "VND", PaidAt: time.Now()}
		calls := map[string]func(ctx context.Context) error{
			"Post": func(ctx context.Context) error {
				_, err := m.Post(ctx, PostRequest{WalletID: 1, Type: Income, Amount: 1})
				return err
			},
			"Reverse": func(ctx context.Context) error { _, err := m.Reverse(ctx, 1, ""); return err },
			"Reconcile": func(ctx context.Context) error {
				_, err := m.Reconcile(ctx, 1, 2, nil, nil)
				return err
			},
			"onCommerceInitialized": func(ctx context.Context) error {
				return m.onCommerceInitialized(ctx, events.CommerceInitialized{OrganizerID: 1, MerchantID: 2}, events.Meta{})
			},
			"onPaymentSuccess": func(ctx context.Context) error { return m.onPaymentSuccess(ctx, pay, events.Meta{}) },
			"onOrderRefunded": func(ctx context.Context) error {
				return m.onOrderRefunded(ctx, events.OrderRefunded{OrganizerID: 1, MerchantID: 2, RefundID: 5, PaymentID: 4, Method: "CASH", Amount: 1}, events.Meta{})
			},
			"onPurchaseOrderReceived": func(ctx context.Context) error {
				return m.onPurchaseOrderReceived(ctx, events.PurchaseOrderReceived{OrganizerID: 1, MerchantID: 2, ReceiptID: 6, Amount: 1}, events.Meta{})
			},
		}
		for name, call := range calls {
			if err := call(bare); !errors.Is(err, auth.ErrNoPrincipal) {
				t.Errorf("%s without a caller: %v", name, err)
			}
		}
		for _, name := range []string{"onCommerceInitialized", "onPaymentSuccess", "onOrderRefunded", "onPurchaseOrderReceived"} {
			if err := calls[name](owner); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("%s for a person: %v", name, err)
			}
		}
		if n := postings(t, &store{db: d}); n != 0 {
			t.Fatalf("%d postings written without the system", n)
		}
		if err := calls["onPaymentSuccess"](auth.System(bare)); err != nil {
			t.Fatalf("as the system: %v", err)
		}
		if n := postings(t, &store{db: d}); n != 1 {
			t.Fatalf("%d postings as the system", n)
		}
	}, (&Module{}).Migrations())
}
