package app_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

// TestSaleSlice walks the first vertical slice over HTTP on the real server, as a new seller
// would: sign up and sign in, create the café with a modifier group, products, prices, a price
// rule and stock, open a shift, order, merge a line, checkout, pay cash with change, move the
// kitchen ticket to SERVED, close the shift, and read a Z-report that equals the orders.
func TestSaleSlice(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Must(201, apptest.Request{Method: "POST", Path: "/auth/sign-up", Body: map[string]any{
			"email": "chu.quan@phoco.example", "password": "Cà phê trứng Hàng Gai", "displayName": "Nguyễn Văn Đức",
			"organizerName": "Công ty TNHH Cà Phê Phố Cổ", "merchantType": "FNB"}})
		owner := e.Must(200, apptest.Request{Method: "POST", Path: "/auth/sign-in",
			Body: map[string]any{"identifier": "chu.quan@phoco.example", "password": "Cà phê trứng Hàng Gai"}}).Map(t)["token"].(string)

		// The café: FNB, prices include VAT 8%. Onboarding gives it the FNB categories, routed to
		// its MAIN station, and the sale channels.
		mer := e.Must(201, apptest.Request{Method: "POST", Path: "/merchants", Token: owner, Headers: map[string]string{"Idempotency-Key": "cafe-1"},
			Body: map[string]any{"name": "Phố Cổ Coffee", "type": "FNB", "vatRate": "VAT8", "priceIncludesTax": true}}).Map(t)
		mid := mer["id"].(string)
		cats := map[string]map[string]any{}
		for _, c := range mer["categories"].([]any) {
			c := c.(map[string]any)
			cats[c["name"].(string)] = c
		}
		coffeeCat, foodCat := cats["Cà phê"], cats["Đồ ăn"]
		if coffeeCat == nil || foodCat == nil {
			t.Fatalf("onboarding categories: %v", mer["categories"])
		}
		group := e.Must(201, apptest.Request{Method: "POST", Path: "/modifier-groups", Token: owner, Body: map[string]any{
			"merchantId": mid, "code": "SIZE", "name": "Cỡ", "min": 1, "max": 1, "options": []map[string]any{
				{"name": "Nhỏ (S)", "price": 0}, {"name": "Lớn (L)", "price": 10000}}}}).Map(t)
		size := ""
		for _, o := range group["options"].([]any) {
			if o := o.(map[string]any); o["name"] == "Lớn (L)" {
				size = o["id"].(string)
			}
		}
		variantOf := func(p map[string]any) string { return p["variants"].([]any)[0].(map[string]any)["id"].(string) }
		banhmi := variantOf(e.Must(201, apptest.Request{Method: "POST", Path: "/products", Token: owner, Body: map[string]any{
			"merchantId": mid, "categoryId": foodCat["id"], "name": "Bánh mì thịt nướng",
			"variants": []map[string]any{{"price": 35000, "sku": "BM-THIT", "trackStock": true}}}}).Map(t))
		coffee := variantOf(e.Must(201, apptest.Request{Method: "POST", Path: "/products", Token: owner, Body: map[string]any{
			"merchantId": mid, "categoryId": coffeeCat["id"], "name": "Cà phê sữa đá",
			"variants": []map[string]any{{"price": 35000, "sku": "CF-SUA", "modifierGroupIds": []string{group["id"].(string)}}}}}).Map(t))
		// Take-away coffee is 5,000 cheaper.
		e.Must(201, apptest.Request{Method: "POST", Path: "/pricing-fare-rules", Token: owner, Body: map[string]any{
			"merchantId": mid, "name": "Mang đi: giảm 5.000đ cà phê", "type": "DISCOUNT", "mode": "AMOUNT", "value": 5000,
			"conditions": []map[string]any{{"key": "channel", "op": "IN", "value": []string{"TAKE_AWAY"}},
				{"key": "category", "op": "EQ", "value": coffeeCat["code"]}}}})

		// Stock: 10 bánh mì at the café's counter.
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-locations", Token: owner,
			Body: map[string]any{"merchantId": mid, "code": "STORE", "name": "Quầy"}})
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-counts", Token: owner,
			Body: map[string]any{"merchantId": mid, "lines": []map[string]any{{"variantId": banhmi, "counted": 10}}}})

		shift := e.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner,
			Body: map[string]any{"merchantId": mid, "openingFloat": 500000}}).Map(t)
		e.Must(409, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner, Body: map[string]any{"merchantId": mid, "openingFloat": 0}})

		// Order: 2 bánh mì and a cà phê sữa đá, size L, take-away.
		lines := []map[string]any{{"variantId": banhmi, "quantity": 2}, {"variantId": coffee, "quantity": 1, "modifierIds": []string{size}}}
		o := e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner, Headers: map[string]string{"Idempotency-Key": "order-1"},
			Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": lines}}).Map(t)
		oid := o["id"].(string)
		again := e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner, Headers: map[string]string{"Idempotency-Key": "order-1"},
			Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": lines}}).Map(t)
		if again["id"] != oid {
			t.Fatalf("idempotent create made a second order: %v", again)
		}
		// Adding one more bánh mì merges into its line.
		o = e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/items", Token: owner,
			Body: map[string]any{"lines": []map[string]any{{"variantId": banhmi, "quantity": 1}}}}).Map(t)
		items := o["items"].([]any)
		if len(items) != 2 || items[0].(map[string]any)["quantity"].(float64) != 3 {
			t.Fatalf("merge: %v", items)
		}
		total := int64(o["total"].(float64))
		// 3 x 35,000 + (35,000 + 10,000 size L - 5,000 take away) = 145,000, VAT 8% included.
		if total != 145000 || int64(o["taxTotal"].(float64)) != 10741 {
			t.Fatalf("total %d tax %v", total, o["taxTotal"])
		}

		// Checkout with cash: tendered 200 000, change returned.
		o = e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + oid + "/checkout", Token: owner,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": 200000}}}}).Map(t)
		if o["status"] != "PAID" && o["status"] != "COMPLETED" {
			t.Fatalf("after cash: %v", o["status"])
		}
		pay := o["payments"].([]any)[0].(map[string]any)
		if int64(pay["changeDue"].(float64)) != 200000-total {
			t.Fatalf("change %v", pay["changeDue"])
		}
		// Stock left the shelf: 10 - 3.
		var inv []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/inventories?filter=" + url.QueryEscape(fmt.Sprintf(`{"where":{"variantId":"%s"}}`, banhmi)), Token: owner}).JSON(t, &inv)
		if len(inv) != 1 || inv[0]["quantityOnHand"].(float64) != 7 {
			t.Fatalf("stock after sale: %v", inv)
		}

		// The kitchen ticket for the bánh mì progresses to SERVED; then the order completes.
		var tickets []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/kitchen-tickets?filter=" + url.QueryEscape(fmt.Sprintf(`{"where":{"orderId":"%s"},"include":["items"]}`, oid)), Token: owner}).JSON(t, &tickets)
		if len(tickets) == 0 {
			t.Fatal("no kitchen ticket")
		}
		for _, tk := range tickets {
			for _, it := range tk["items"].([]any) {
				kid := it.(map[string]any)["id"].(string)
				for _, st := range []string{"PREPARING", "READY", "SERVED"} {
					e.Must(200, apptest.Request{Method: "POST", Path: "/kitchen-items/" + kid + "/status", Token: owner, Body: map[string]any{"status": st}})
				}
				e.Must(409, apptest.Request{Method: "POST", Path: "/kitchen-items/" + kid + "/status", Token: owner, Body: map[string]any{"status": "PREPARING"}})
			}
		}
		o = e.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders/" + oid + "/view", Token: owner}).Map(t)
		if o["status"] != "COMPLETED" {
			t.Fatalf("after serving: %v", o["status"])
		}

		// A second order left open blocks closing; cancelling it releases its stock.
		o2 := e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner,
			Body: map[string]any{"merchantId": mid, "type": "DINE_IN", "tableCode": "T3", "lines": []map[string]any{{"variantId": banhmi, "quantity": 2}}}}).Map(t)
		o2id := o2["id"].(string)
		e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o2id + "/checkout", Token: owner})
		sid := shift["id"].(string)
		e.Must(409, apptest.Request{Method: "POST", Path: "/shifts/" + sid + "/close", Token: owner, Body: map[string]any{"countedCash": 0}})
		e.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + o2id + "/cancel", Token: owner, Body: map[string]any{"reason": "khách đi"}})
		e.Must(409, apptest.Request{Method: "POST", Path: "/sale-orders/" + o2id + "/checkout", Token: owner})

		closed := e.Must(200, apptest.Request{Method: "POST", Path: "/shifts/" + sid + "/close", Token: owner,
			Body: map[string]any{"countedCash": 500000 + total}}).Map(t)
		z := closed["zReport"].(map[string]any)
		data := z["data"].(map[string]any)
		if int64(data["gross"].(float64)) != total || int64(data["expectedCash"].(float64)) != 500000+total ||
			int64(data["difference"].(float64)) != 0 || data["voids"].(float64) != 1 || z["number"].(float64) != 1 {
			t.Fatalf("z-report: %v", z)
		}
		if int64(data["byTender"].(map[string]any)["SYSTEM:CASH"].(float64)) != total {
			t.Fatalf("by tender: %v", data["byTender"])
		}
		var byCat int64
		for _, v := range data["byCategory"].(map[string]any) {
			byCat += int64(v.(float64))
		}
		if byCat != total {
			t.Fatalf("by category adds to %d, want %d", byCat, total)
		}
	})
}

// TestCheckoutNeverOversells: 100 concurrent checkouts of orders that each need 1 of 10 units,
// twice: checked out to be paid later (stock reserved) and paid in cash in the checkout (stock
// sold at once). Exactly 10 win each time and the shelf ends at 0, never below.
func TestCheckoutNeverOversells(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		const org = id.ID(7002)
		cafe, err := e.App.Commerce.SeedDemo(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		owner := e.Token(&auth.Principal{UserID: 9002, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}})
		mid := cafe.MerchantID.String()
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-locations", Token: owner, Body: map[string]any{"merchantId": mid, "code": "STORE", "name": "Quầy"}})
		e.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner, Body: map[string]any{"merchantId": mid, "openingFloat": 0}})
		for _, mode := range []struct {
			name, sku string
			cash      bool
		}{{"reserved", "BK-TIRA", false}, {"sold for cash", "BM-OPLA", true}} {
			variant := cafe.Variants[mode.sku].String()
			e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-counts", Token: owner,
				Body: map[string]any{"merchantId": mid, "lines": []map[string]any{{"variantId": variant, "counted": 10}}}})
			n := 100
			if raceDetector {
				// Under -race a hundred SQLite checkouts in a row outlast their requests (a
				// known issue: some answer 499); the property is checked at 100 without it.
				n = 30
			}
			ids := make([]string, n)
			totals := make([]any, n)
			for i := range ids {
				o := e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner,
					Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{{"variantId": variant, "quantity": 1}}}}).Map(t)
				ids[i], totals[i] = o["id"].(string), o["total"]
			}
			var wg sync.WaitGroup
			replies := make([]*apptest.Response, n)
			for i := range ids {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					r := apptest.Request{Method: "POST", Path: "/sale-orders/" + ids[i] + "/checkout", Token: owner}
					if mode.cash {
						r.Body = map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": totals[i]}}}
					}
					replies[i] = e.Do(r)
				}(i)
			}
			wg.Wait()
			won := 0
			for _, r := range replies {
				switch r.Status {
				case 200:
					won++
				case 422:
				default:
					t.Fatalf("%s: checkout status %d: %s", mode.name, r.Status, r.Body)
				}
			}
			if won != 10 {
				t.Fatalf("%s: %d checkouts won 10 units", mode.name, won)
			}
			var inv []map[string]any
			e.Must(200, apptest.Request{Method: "GET", Token: owner,
				Path: "/inventories?filter=" + url.QueryEscape(fmt.Sprintf(`{"where":{"variantId":"%s"}}`, variant))}).JSON(t, &inv)
			onHand, reserved := inv[0]["quantityOnHand"].(float64), inv[0]["quantityReserved"].(float64)
			if mode.cash && (onHand != 0 || reserved != 0) || !mode.cash && (onHand != 10 || reserved != 10) {
				t.Fatalf("%s: on hand %v, reserved %v", mode.name, onHand, reserved)
			}
		}
	})
}
