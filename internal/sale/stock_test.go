package sale_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
)

// TestStockedVariantIsNeverOversold (issue 12, item 4): a variant created without trackStock
// and then given 3 units by a STOCK_IN is tracked by the inventory (docs/inventory.md, "Tracked
// variants"), so a counter sale or a checkout of 5 is refused with the shortage and leaves the
// stock alone; a sale of 3 takes it all with a SALE row. A variant never stocked is still sold
// freely.
func TestStockedVariantIsNeverOversold(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7111, 100000, nil)
		p := s.Must(201, apptest.Request{Method: "POST", Path: "/products", Token: s.owner, Body: map[string]any{
			"merchantId": s.mid, "name": "Bánh bao", "variants": []map[string]any{{"price": 20000}}}}).Map(t)
		v := p["variants"].([]any)[0].(map[string]any)
		if v["trackStock"] == true {
			t.Fatalf("the variant was created tracked: %v", v)
		}
		vid := v["id"].(string)
		line := func(n int) []map[string]any { return []map[string]any{{"variantId": vid, "quantity": n}} }

		adj := s.Must(202, apptest.Request{Method: "POST", Path: "/inventory-adjustments", Token: s.owner, Body: map[string]any{
			"merchantId": s.mid, "lines": []map[string]any{{"variantId": vid, "type": "STOCK_IN", "quantity": 3, "unitCost": 9000}}}}).Map(t)
		apptest.Eventually(t, "the STOCK_IN applied", func() bool {
			a := s.Must(200, apptest.Request{Method: "GET", Path: "/inventory-adjustments/" + adj["id"].(string), Token: s.owner}).Map(t)
			return a["status"] == "APPLIED"
		})
		onHand := func() int64 {
			inv := s.list(s.owner, "/inventories", fmt.Sprintf(`{"where":{"variantId":%q}}`, vid))
			if len(inv) != 1 {
				t.Fatalf("inventory of the variant: %v", inv)
			}
			return num(inv[0]["quantityOnHand"])
		}
		sales := func() int {
			return len(s.list(s.owner, "/inventory-trackings", fmt.Sprintf(`{"where":{"variantId":%q,"type":"SALE"}}`, vid)))
		}

		// The till's total for 5, from a draft of the same line.
		draft := s.order(nil, line(5)...)
		total := num(draft["total"])
		short := func(r *apptest.Response) {
			t.Helper()
			if b := string(r.Body); !strings.Contains(b, "only 3 available for variant "+vid) || !strings.Contains(b, "quantity") {
				t.Fatalf("refusal does not name the shortage: %s", b)
			}
		}
		// Checking the draft out with cash: refused, nothing taken.
		short(s.Must(422, apptest.Request{Method: "POST", Path: "/sale-orders/" + draft["id"].(string) + "/checkout", Token: s.owner,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": total}}}}))
		// A counter sale of 5: refused, no order left, nothing taken.
		count := func() int64 {
			c := s.Must(200, apptest.Request{Method: "GET", Path: "/sale-orders/count?where=" + url.QueryEscape(fmt.Sprintf(`{"merchantId":%q}`, s.mid)), Token: s.owner}).Map(t)
			return num(c["count"])
		}
		before := count()
		short(s.Must(422, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("oversell-5"), Body: map[string]any{
			"merchantId": s.mid, "type": "TAKE_AWAY", "lines": line(5),
			"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": total}}}}))
		if n := count(); n != before {
			t.Fatalf("a refused counter sale left %d orders", n-before)
		}
		if h, n := onHand(), sales(); h != 3 || n != 0 {
			t.Fatalf("after the refusals: %d on hand, %d SALE rows; want 3 and 0", h, n)
		}

		// A counter sale of 3 takes all of it, with its SALE row at the FIFO cost.
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + draft["id"].(string) + "/cancel", Token: s.owner, Body: map[string]any{"reason": "too many"}})
		three := s.order(nil, line(3)...)
		total3 := num(three["total"])
		s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + three["id"].(string) + "/cancel", Token: s.owner, Body: map[string]any{"reason": "priced"}})
		o := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Headers: key("sell-3"), Body: map[string]any{
			"merchantId": s.mid, "type": "TAKE_AWAY", "lines": line(3),
			"tenders": []map[string]any{{"method": "CASH", "amount": total3, "tendered": total3}}}}).Map(t)
		if o["status"] != "PAID" {
			t.Fatalf("sale of 3: %v", o["status"])
		}
		rows := s.list(s.owner, "/inventory-trackings", fmt.Sprintf(`{"where":{"variantId":%q,"type":"SALE"}}`, vid))
		if h := onHand(); h != 0 || len(rows) != 1 || num(rows[0]["quantityDelta"]) != -3 || num(rows[0]["costAmount"]) != 27000 {
			t.Fatalf("after the sale of 3: %d on hand, SALE rows %v", h, rows)
		}

		// A variant the inventory has never stocked (the demo's egg coffee) is sold freely.
		free := s.order(nil, s.line("CF-TRUNG", 2))
		paid := s.Must(200, apptest.Request{Method: "POST", Path: "/sale-orders/" + free["id"].(string) + "/checkout", Token: s.owner,
			Body: map[string]any{"tenders": []map[string]any{{"method": "CASH", "amount": num(free["total"])}}}}).Map(t)
		if paid["status"] != "PAID" {
			t.Fatalf("an untracked variant: %v", paid["status"])
		}
	})
}
