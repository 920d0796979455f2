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

// TestSaleSlice walks the first vertical slice over HTTP on the real server: a café with
// products, prices and stock, a shift, an order, checkout, cash with change, the kitchen ticket,
// closing the shift, and a Z-report that equals the orders.
func TestSaleSlice(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		const org = id.ID(7001)
		cafe, err := e.App.Commerce.SeedDemo(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		owner := e.Token(&auth.Principal{UserID: 9001, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: org, Permissions: []string{"*"}})
		mid := cafe.MerchantID.String()
		// Stock: 10 bánh mì at the café's store.
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-locations", Token: owner,
			Body: map[string]any{"merchantId": mid, "code": "STORE", "name": "Quầy"}})
		banhmi := cafe.Variants["BM-THIT"].String()
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-counts", Token: owner,
			Body: map[string]any{"merchantId": mid, "lines": []map[string]any{{"variantId": banhmi, "counted": 10}}}})

		shift := e.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner,
			Body: map[string]any{"merchantId": mid, "openingFloat": 500000}}).Map(t)
		e.Must(409, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner, Body: map[string]any{"merchantId": mid, "openingFloat": 0}})

		// Order: 2 bánh mì and a cà phê sữa đá, size L, take-away.
		size := cafe.Options["SIZE"]["Lớn (L)"].String()
		sugar := cafe.Options["SUGAR"]["Ít đường"].String()
		o := e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner, Headers: map[string]string{"Idempotency-Key": "order-1"},
			Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{
				{"variantId": banhmi, "quantity": 2},
				{"variantId": cafe.Variants["CF-SUA"].String(), "quantity": 1, "modifierIds": []string{size, sugar}},
			}}}).Map(t)
		oid := o["id"].(string)
		again := e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner, Headers: map[string]string{"Idempotency-Key": "order-1"},
			Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{
				{"variantId": banhmi, "quantity": 2},
				{"variantId": cafe.Variants["CF-SUA"].String(), "quantity": 1, "modifierIds": []string{size, sugar}},
			}}}).Map(t)
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
		// 3 x 35 000 + (35 000 + 10 000 size L) = 150 000 before rules; take-away coffee -5 000.
		if total <= 0 || total > 150000 {
			t.Fatalf("total %d", total)
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

// TestCheckoutNeverOversells: 100 concurrent checkouts of orders that each need 1 of 10 units.
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
		tira := cafe.Variants["BK-TIRA"].String()
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-locations", Token: owner, Body: map[string]any{"merchantId": mid, "code": "STORE", "name": "Quầy"}})
		e.Must(201, apptest.Request{Method: "POST", Path: "/inventory-counts", Token: owner,
			Body: map[string]any{"merchantId": mid, "lines": []map[string]any{{"variantId": tira, "counted": 10}}}})
		e.Must(201, apptest.Request{Method: "POST", Path: "/shifts/open", Token: owner, Body: map[string]any{"merchantId": mid, "openingFloat": 0}})
		const n = 100
		ids := make([]string, n)
		for i := range ids {
			ids[i] = e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: owner,
				Body: map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{{"variantId": tira, "quantity": 1}}}}).Map(t)["id"].(string)
		}
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				codes[i] = e.Do(apptest.Request{Method: "POST", Path: "/sale-orders/" + ids[i] + "/checkout", Token: owner}).Status
			}(i)
		}
		wg.Wait()
		won := 0
		for _, c := range codes {
			switch c {
			case 200:
				won++
			case 422:
			default:
				t.Fatalf("checkout status %d: %s", c, e.Do(apptest.Request{Method: "POST", Path: "/sale-orders/" + ids[0] + "/checkout", Token: owner}).Body)
			}
		}
		if won != 10 {
			t.Fatalf("%d checkouts won 10 units", won)
		}
	})
}
