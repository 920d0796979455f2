package sale_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/sale"
)

// TestSaleWithoutCallerFailsClosed: the sale services reached with no caller (a worker or a
// handler that forgot auth.System) read and write nothing; the system may; another tenant's
// merchant is a bad body.merchantId as if it did not exist.
func TestSaleWithoutCallerFailsClosed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7108, 0, nil)
		mid, _ := id.Parse(s.mid)
		shift, _ := id.Parse(s.shift)
		o := s.order(nil, s.line("CF-TRUNG", 1))
		oid, _ := id.Parse(o["id"].(string))
		nobody := context.Background()

		if _, err := e.App.Sale.OpenShift(nobody, sale.OpenShiftRequest{MerchantID: mid, Register: "BAR"}); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("open a shift without a caller: %v", err)
		}
		if _, err := e.App.Sale.Create(nobody, sale.CreateOrder{MerchantID: mid, Type: sale.TakeAway}); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("create an order without a caller: %v", err)
		}
		if _, err := e.App.Sale.Cancel(nobody, oid, "nobody"); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("cancel an order without a caller: %v", err)
		}
		if _, _, err := e.App.Sale.CloseShift(nobody, shift, sale.CloseShiftRequest{}); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("close a shift without a caller: %v", err)
		}
		if v := s.view(oid.String()); v["status"] != "DRAFT" {
			t.Fatalf("the order changed without a caller: %v", v["status"])
		}
		// The system says so, and may.
		if _, err := e.App.Sale.OpenShift(auth.System(nobody), sale.OpenShiftRequest{MerchantID: mid, Register: "BAR"}); err != nil {
			t.Fatalf("open a shift as the system: %v", err)
		}

		// Another organizer's owner: the merchant does not exist for them, over HTTP and in Go.
		other := e.OwnerToken(7109)
		r := s.Must(400, apptest.Request{Method: "POST", Path: "/shifts/open", Token: other, Body: map[string]any{"merchantId": s.mid, "openingFloat": 0}})
		if !strings.Contains(string(r.Body), "body.merchantId") || !strings.Contains(string(r.Body), "no such merchant") {
			t.Fatalf("another tenant's merchant: %s", r.Body)
		}
		stranger := auth.WithPrincipal(nobody, &auth.Principal{UserID: 7110, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 7109,
			Permissions: []string{"*"}, Kind: auth.KindUser})
		if _, err := e.App.Sale.OpenShift(stranger, sale.OpenShiftRequest{MerchantID: mid}); !errors.Is(err, sale.ErrNoSuchMerchant) {
			t.Fatalf("another tenant's merchant in Go: %v", err)
		}
	})
}

// TestSaleRulesAreTyped: the refusals clients branch on are the typed errors of errors.go
// (errors.Is), with the status each rule answers with over HTTP.
func TestSaleRulesAreTyped(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7111, 0, map[string]int64{"BM-OPLA": 1})
		mid, _ := id.Parse(s.mid)
		ctx := auth.WithPrincipal(context.Background(), (&auth.Principal{UserID: 7111 + 100000, Roles: []auth.Role{auth.OrganizerOwner},
			OrganizerID: 7111, Permissions: []string{"*"}, Kind: auth.KindUser}).WithDirectory(e.App.Commerce))
		check := func(what string, err error, rule *errs.E, status int, r apptest.Request) {
			t.Helper()
			if !errors.Is(err, rule) {
				t.Fatalf("%s: %v, want %v", what, err, rule)
			}
			r.Token = s.owner
			s.Must(status, r)
		}

		_, err := e.App.Sale.OpenShift(ctx, sale.OpenShiftRequest{MerchantID: mid})
		check("a second open shift", err, sale.ErrShiftAlreadyOpen, 409,
			apptest.Request{Method: "POST", Path: "/shifts/open", Body: map[string]any{"merchantId": s.mid, "openingFloat": 0}})

		empty := s.order(nil)
		eid, _ := id.Parse(empty["id"].(string))
		_, _, err = e.App.Sale.Checkout(ctx, eid, nil)
		check("checkout without lines", err, sale.ErrOrderEmpty, 422, apptest.Request{Method: "POST", Path: "/sale-orders/" + eid.String() + "/checkout"})

		_, err = e.App.Sale.Create(ctx, sale.CreateOrder{MerchantID: mid, Type: sale.DineIn})
		check("dine-in without a table", err, sale.ErrTableRequired, 400,
			apptest.Request{Method: "POST", Path: "/sale-orders", Body: map[string]any{"merchantId": s.mid, "type": "DINE_IN"}})

		o := s.order(nil, s.line("BM-OPLA", 1))
		oid, _ := id.Parse(o["id"].(string))
		total := num(o["total"])
		_, _, err = e.App.Sale.Pay(ctx, oid, sale.Tender{Method: sale.MethodCash, Amount: total})
		check("a payment on a DRAFT order", err, sale.ErrOrderNotProcessing, 409,
			apptest.Request{Method: "POST", Path: "/sale-orders/" + oid.String() + "/payments", Body: map[string]any{"method": "CASH", "amount": total}})
		_, _, err = e.App.Sale.Pay(ctx, oid, sale.Tender{Provider: "NOPE", Method: sale.MethodCash, Amount: total})
		check("an unknown provider", err, sale.ErrProviderUnknown, 400,
			apptest.Request{Method: "POST", Path: "/sale-orders/" + oid.String() + "/payments", Body: map[string]any{"provider": "NOPE", "method": "CASH", "amount": total}})

		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid.String() + "/checkout", Token: s.owner})
		_, _, err = e.App.Sale.Pay(ctx, oid, sale.Tender{Method: sale.MethodCash, Amount: total + 1})
		check("more than is due", err, sale.ErrOverDue, 422,
			apptest.Request{Method: "POST", Path: "/sale-orders/" + oid.String() + "/payments", Body: map[string]any{"method": "CASH", "amount": total + 1}})
		_, _, err = e.App.Sale.Pay(ctx, oid, sale.Tender{Method: sale.MethodCash, Amount: total, Tendered: total - 1})
		check("too little cash", err, sale.ErrTenderShort, 422,
			apptest.Request{Method: "POST", Path: "/sale-orders/" + oid.String() + "/payments", Body: map[string]any{"method": "CASH", "amount": total, "tendered": total - 1}})
		_, _, err = e.App.Sale.Refund(ctx, oid, sale.RefundRequest{Reason: "not paid"})
		check("a refund of an unpaid order", err, sale.ErrNotRefundable, 409,
			apptest.Request{Method: "POST", Path: "/sale-orders/" + oid.String() + "/refunds", Body: map[string]any{"reason": "not paid"}})

		// The other order of the shift is still open: the shift does not close.
		shift, _ := id.Parse(s.shift)
		_, _, err = e.App.Sale.CloseShift(ctx, shift, sale.CloseShiftRequest{})
		check("a shift with open orders", err, sale.ErrShiftHasOpenOrders, 409,
			apptest.Request{Method: "POST", Path: "/shifts/" + s.shift + "/close", Body: map[string]any{"countedCash": 0}})
		if _, err := e.App.Sale.Cancel(ctx, eid, "empty"); err != nil {
			t.Fatal(err)
		}
		_, err = e.App.Sale.Cancel(ctx, eid, "again")
		check("a cancelled order cancelled again", err, sale.ErrOrderState, 409,
			apptest.Request{Method: "POST", Path: "/sale-orders/" + eid.String() + "/cancel"})
	})
}
