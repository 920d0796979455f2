package sale_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/banapos/bana/internal/sale"
)

// refusedAt asserts a 400 whose errors name loc.
func refusedAt(t *testing.T, r *apptest.Response, loc string) {
	t.Helper()
	var p struct {
		Errors []struct{ Location string } `json:"errors"`
	}
	r.JSON(t, &p)
	for _, e := range p.Errors {
		if e.Location == loc {
			return
		}
	}
	t.Fatalf("status %d, errors %+v: want a 400 naming %s: %s", r.Status, p.Errors, loc, r.Body)
}

// TestMoneyBounds (issue 12, item 5): a shift's float, a cash movement, a counted drawer and a
// cash tender are amounts of at most 10^12 dong; 2^63-1 is a 400 naming the field and changes
// nothing. At the bound itself the Z-report adds up exactly (it once showed a negative expected
// cash after a float of 2^63-1 and one sale).
func TestMoneyBounds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7112, 0, nil)
		const max = math.MaxInt64

		// A float of 2^63-1: refused, and the register has no shift.
		refusedAt(t, s.Must(400, apptest.Request{Method: "POST", Path: "/shifts/open", Token: s.owner,
			Body: map[string]any{"merchantId": s.mid, "register": "BAR", "openingFloat": int64(max)}}), "body.openingFloat")
		if bar := s.list(s.owner, "/shifts", `{"where":{"register":"BAR"}}`); len(bar) != 0 {
			t.Fatalf("a refused float opened a shift: %v", bar)
		}
		// The service refuses it too, whoever calls.
		mid, _ := id.Parse(s.mid)
		if _, err := e.App.Sale.OpenShift(auth.System(context.Background()), sale.OpenShiftRequest{MerchantID: mid, Register: "BAR", OpeningFloat: max}); !errors.Is(err, money.ErrOutOfBounds) || errs.KindOf(err) != errs.Invalid {
			t.Fatalf("OpenShift with a float of 2^63-1: %v", err)
		}

		// The bound itself is a float, and a sale after it adds up.
		shift := s.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: s.owner,
			Body: map[string]any{"merchantId": s.mid, "register": "BAR", "openingFloat": money.MaxAmount}}).Map(t)["id"].(string)
		o := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Body: map[string]any{
			"merchantId": s.mid, "register": "BAR", "type": "TAKE_AWAY", "lines": []map[string]any{s.line("CF-TRUNG", 1)}}}).Map(t)
		total := num(o["total"])

		// A cash tender with 2^63-1 handed over: refused on both routes, the order not paid.
		checkout := "/sale-orders/" + o["id"].(string) + "/checkout"
		refusedAt(t, s.Must(400, apptest.Request{Method: "POST", Path: checkout, Token: s.owner,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": int64(max)}}}}), "body.tenders[0].tendered")
		s.Must(200, apptest.Request{Method: "POST", Path: checkout, Token: s.owner})
		payments := "/sale-orders/" + o["id"].(string) + "/payments"
		refusedAt(t, s.Must(400, apptest.Request{Method: "POST", Path: payments, Token: s.owner,
			Body: map[string]any{"method": "CASH", "amount": total, "tendered": int64(max)}}), "body.tendered")
		refusedAt(t, s.Must(400, apptest.Request{Method: "POST", Path: payments, Token: s.owner,
			Body: map[string]any{"method": "CASH", "amount": int64(max)}}), "body.amount")
		if v := s.view(o["id"].(string)); v["status"] != "PROCESSING" || num(v["paidTotal"]) != 0 {
			t.Fatalf("after refused tenders: %v paid %v", v["status"], v["paidTotal"])
		}
		paid := s.Must(200, apptest.Request{Method: "POST", Path: payments, Token: s.owner,
			Body: map[string]any{"method": "CASH", "amount": total, "tendered": total + 50000}}).Map(t)
		if paid["status"] != "PAID" && paid["status"] != "COMPLETED" {
			t.Fatalf("paid: %v", paid["status"])
		}

		// Cash in and a counted drawer of 2^63-1: refused.
		refusedAt(t, s.Must(400, apptest.Request{Method: "POST", Path: "/shifts/" + shift + "/cash-movements", Token: s.owner,
			Body: map[string]any{"kind": "CASH_IN", "amount": int64(max), "reason": "x"}}), "body.amount")
		refusedAt(t, s.Must(400, apptest.Request{Method: "POST", Path: "/shifts/" + shift + "/close", Token: s.owner,
			Body: map[string]any{"countedCash": int64(max)}}), "body.countedCash")

		// Closed with the drawer counted at the bound: expected cash is the float and the sale.
		z := s.Must(200, apptest.Request{Method: "POST", Path: "/shifts/" + shift + "/close", Token: s.owner,
			Body: map[string]any{"countedCash": money.MaxAmount}}).Map(t)["zReport"].(map[string]any)["data"].(map[string]any)
		want := money.MaxAmount + total
		if num(z["expectedCash"]) != want || num(z["openingFloat"]) != money.MaxAmount || num(z["cashSales"]) != total || num(z["difference"]) != -total {
			t.Fatalf("z-report: expected cash %v (want %d), float %v, cash sales %v, difference %v", z["expectedCash"], want, z["openingFloat"], z["cashSales"], z["difference"])
		}
		t.Logf("%s: a float of 2^63-1 and a tender of 2^63-1 are refused; at the bound, expected cash %s", e.Target, fmt.Sprint(want))
	})
}
