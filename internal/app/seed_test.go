package app_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
)

// TestSeedDemo makes the demo café twice (the second run changes nothing) and then walks the
// README's curl walk over HTTP: the owner signs in with the seeded password, the cashier signs in
// with her PIN at the terminal, and sells 3 bánh mì (the third free) and a large iced milk coffee
// to take away (5,000 off), paid in cash with change, out of the seeded stock, in the seeded shift.
//
// The clock stands at 09:00 on a Monday in Hà Nội: the demo's happy hour (14:00-16:00 on
// weekdays, 20% off coffee) would change the total.
func TestSeedDemo(t *testing.T) {
	monday9 := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	apptest.EachWithClock(t, monday9, func(t *testing.T, e *apptest.Env, _ *clock.Fake) {
		ctx := context.Background()
		d, err := e.App.SeedDemo(ctx, app.DemoOptions{Password: "cafe-demo-2026"})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Created || d.OwnerPassword != "cafe-demo-2026" || len(d.Staff) != 3 || d.ShiftID == 0 || d.PriceRules != 5 {
			t.Fatalf("first seed: %+v", d)
		}
		again, err := e.App.SeedDemo(ctx, app.DemoOptions{Password: "another-password"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Created || again.OwnerPassword != "" || again.MerchantID != d.MerchantID || again.OrganizerID != d.OrganizerID ||
			again.Staff[0].EmployeeID != d.Staff[0].EmployeeID || again.PriceRules != 0 || again.LocationID != d.LocationID ||
			again.ShiftID != d.ShiftID || again.OpeningFloat != d.OpeningFloat {
			t.Fatalf("second seed changed something: %+v", again)
		}

		owner := e.Must(200, apptest.Request{Method: "POST", Path: "/auth/sign-in",
			Body: map[string]any{"identifier": "duc@phoco.example", "password": "cafe-demo-2026"}}).Map(t)["token"].(string)
		e.Must(401, apptest.Request{Method: "POST", Path: "/auth/sign-in",
			Body: map[string]any{"identifier": "duc@phoco.example", "password": "another-password"}})
		mid := d.MerchantID.String()
		cashier := d.Staff[0]
		e.Must(401, apptest.Request{Method: "POST", Path: "/auth/pin-sign-in", Token: owner,
			Body: map[string]any{"merchantId": mid, "employeeId": cashier.EmployeeID.String(), "pin": "0000"}})
		pin := e.Must(200, apptest.Request{Method: "POST", Path: "/auth/pin-sign-in", Token: owner,
			Body: map[string]any{"merchantId": mid, "employeeId": cashier.EmployeeID.String(), "pin": cashier.PIN}}).Map(t)
		tok := pin["token"].(string)

		banhmi, coffee := d.Catalog.Variants["BM-THIT"].String(), d.Catalog.Variants["CF-SUA"].String()
		o := e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: tok, Headers: map[string]string{"Idempotency-Key": "walk-1"},
			Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{
				{"variantId": banhmi, "quantity": 3},
				{"variantId": coffee, "quantity": 1, "modifierIds": []string{
					d.Catalog.Options["SIZE"]["Lớn (L)"].String(), d.Catalog.Options["SUGAR"]["Ít đường"].String()}},
			}}}).Map(t)
		// 3 x 35,000 with one free = 70,000; coffee 35,000 + 10,000 (L) - 5,000 (take away) = 40,000.
		if o["total"].(float64) != 110000 || o["shiftId"] != d.ShiftID.String() {
			t.Fatalf("order: total %v shift %v", o["total"], o["shiftId"])
		}
		for _, it := range o["items"].([]any) {
			if id := it.(map[string]any)["id"]; id == "0" || id == nil || it.(map[string]any)["orderId"] != o["id"] {
				t.Fatalf("a line of the new order's answer: %v", it)
			}
		}
		o = e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o["id"].(string) + "/checkout", Token: tok,
			Headers: map[string]string{"Idempotency-Key": "walk-1-pay"},
			Body:    map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": 110000, "tendered": 200000}}}}).Map(t)
		pay := o["payments"].([]any)[0].(map[string]any)
		if o["status"] != "PAID" || pay["changeDue"].(float64) != 90000 {
			t.Fatalf("paid: %v change %v", o["status"], pay["changeDue"])
		}
		// The answer shows the order as it now is: every line in the kitchen, as a later read shows it.
		later := e.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders/" + o["id"].(string) + "/view", Token: tok}).Map(t)
		for i, it := range o["items"].([]any) {
			it := it.(map[string]any)
			if it["kitchenStatus"] != "QUEUED" || it["id"] == "0" || it["id"] != later["items"].([]any)[i].(map[string]any)["id"] ||
				it["kitchenStatus"] != later["items"].([]any)[i].(map[string]any)["kitchenStatus"] {
				t.Fatalf("line %d in the checkout's answer: %v, later %v", i, it, later["items"].([]any)[i])
			}
		}
		// A second order paid with the exact cash: no tendered amount, no change.
		o = e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: tok,
			Body: map[string]any{"merchantId": mid, "type": "DINE_IN", "tableCode": "T1", "lines": []map[string]any{{"variantId": banhmi, "quantity": 1}}}}).Map(t)
		o = e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o["id"].(string) + "/checkout", Token: tok,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": 35000}}}}).Map(t)
		if pay := o["payments"].([]any)[0].(map[string]any); o["status"] != "PAID" || pay["changeDue"].(float64) != 0 || pay["tendered"].(float64) != 35000 {
			t.Fatalf("exact cash: %v %v", o["status"], pay)
		}
		var inv []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Token: tok,
			Path: "/inventories?filter=" + url.QueryEscape(fmt.Sprintf(`{"where":{"variantId":"%s"}}`, banhmi))}).JSON(t, &inv)
		if len(inv) != 1 || inv[0]["quantityOnHand"].(float64) != 46 {
			t.Fatalf("bánh mì stock after the sale: %v", inv)
		}
	})
}
