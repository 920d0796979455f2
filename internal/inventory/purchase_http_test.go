package inventory_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/events"
)

func TestPurchaseOrderReceivingAndFIFO(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		v := w.post(t, 201, "/vendors", map[string]any{"code": "TN", "name": "Trung Nguyên", "taxCode": "0300000001"}, "")
		po := w.post(t, 201, "/purchase-orders", map[string]any{"vendorId": v["id"], "locationId": w.store, "status": "COMPLETED"}, "")
		poID := po["id"].(string)
		if po["status"] != "DRAFT" || po["merchantId"] != w.mid || !strings.HasPrefix(po["code"].(string), "PO-") {
			t.Fatalf("created PO: %v", po)
		}
		// Submitting an empty order is refused.
		w.post(t, 422, "/purchase-orders/"+poID+"/submit", nil, "")
		a := w.post(t, 201, "/purchase-order-items", map[string]any{"purchaseOrderId": poID, "variantId": w.v(t, 601), "quantityOrdered": 10, "unitCost": 10000}, "")
		b := w.post(t, 201, "/purchase-order-items", map[string]any{"purchaseOrderId": poID, "variantId": w.v(t, 602), "quantityOrdered": 2, "unitCost": 5000}, "")
		w.do(t, 200, "PATCH", "/purchase-order-items/"+b["id"].(string), map[string]any{"quantityOrdered": 4}, "", "")
		if got := w.get(t, "/purchase-orders/"+poID); int(num(got["totalAmount"])) != 10*10000+4*5000 {
			t.Fatalf("total: %v", got)
		}
		// A line removed while the order is a DRAFT leaves the total.
		third := w.post(t, 201, "/purchase-order-items", map[string]any{"purchaseOrderId": poID, "variantId": w.v(t, 604), "quantityOrdered": 3, "unitCost": 700}, "")
		if got := w.get(t, "/purchase-orders/"+poID); int(num(got["totalAmount"])) != 10*10000+4*5000+3*700 {
			t.Fatalf("total with a third line: %v", got)
		}
		w.do(t, 200, "DELETE", "/purchase-order-items/"+third["id"].(string), nil, "", "")
		w.do(t, 404, "DELETE", "/purchase-order-items/"+third["id"].(string), nil, "", "")
		if got := w.get(t, "/purchase-orders/"+poID); int(num(got["totalAmount"])) != 10*10000+4*5000 {
			t.Fatalf("total after the third line went: %v", got)
		}
		// Transitions out of order are 409s.
		for _, act := range []string{"confirm", "complete", "receive"} {
			body := map[string]any{"lines": []map[string]any{{"variantId": w.v(t, 601), "quantity": 1}}}
			w.post(t, 409, "/purchase-orders/"+poID+"/"+act, body, "")
		}
		w.post(t, 200, "/purchase-orders/"+poID+"/submit", nil, "")
		w.post(t, 409, "/purchase-orders/"+poID+"/submit", nil, "")
		w.post(t, 200, "/purchase-orders/"+poID+"/confirm", nil, "")
		// Lines and terms are frozen once confirmed; status cannot be patched.
		w.do(t, 409, "PATCH", "/purchase-order-items/"+a["id"].(string), map[string]any{"quantityOrdered": 1}, "", "")
		w.do(t, 409, "DELETE", "/purchase-order-items/"+b["id"].(string), nil, "", "")
		w.post(t, 409, "/purchase-order-items", map[string]any{"purchaseOrderId": poID, "variantId": w.v(t, 603), "quantityOrdered": 1, "unitCost": 1}, "")
		w.do(t, 409, "PATCH", "/purchase-orders/"+poID, map[string]any{"note": "late"}, "", "")

		// Partial receipt at the agreed cost, then at a higher actual cost.
		r1 := w.post(t, 201, "/purchase-orders/"+poID+"/receive", map[string]any{"lines": []map[string]any{{"variantId": w.v(t, 601), "quantity": 4}}}, "")
		if num(r1["amount"]) != 40000 {
			t.Fatalf("receipt 1: %v", r1)
		}
		// More than is left: 422 naming the line and what is left.
		bad := w.do(t, 422, "POST", "/purchase-orders/"+poID+"/receive", map[string]any{"lines": []map[string]any{{"variantId": w.v(t, 601), "quantity": 7}}}, "", "")
		if !strings.Contains(string(bad.Body), "only 6 left to receive of variant "+w.v(t, 601)) || !strings.Contains(string(bad.Body), "body.lines[0].quantity") {
			t.Fatalf("over-receipt error: %s", bad.Body)
		}
		w.post(t, 422, "/purchase-orders/"+poID+"/receive", map[string]any{"lines": []map[string]any{{"variantId": w.v(t, 999), "quantity": 1}}}, "")
		// Goods received cannot be cancelled away.
		w.post(t, 409, "/purchase-orders/"+poID+"/cancel", nil, "")
		r2 := w.post(t, 201, "/purchase-orders/"+poID+"/receive", map[string]any{"lines": []map[string]any{
			{"variantId": w.v(t, 601), "quantity": 6, "unitCost": 12000}, {"purchaseOrderItemId": b["id"], "quantity": 4}}}, "")
		if num(r2["amount"]) != 6*12000+4*5000 {
			t.Fatalf("receipt 2: %v", r2)
		}
		done := w.get(t, "/purchase-orders/"+poID)
		if done["status"] != "COMPLETED" || num(done["receivedAmount"]) != 40000+72000+20000 || done["completedAt"] == nil {
			t.Fatalf("completed PO: %v", done)
		}
		w.post(t, 409, "/purchase-orders/"+poID+"/receive", map[string]any{"lines": []map[string]any{{"variantId": w.v(t, 601), "quantity": 1}}}, "")
		w.post(t, 409, "/purchase-orders/"+poID+"/cancel", nil, "")

		// Finance gets one PurchaseOrderReceived per receipt, in the receipts' transactions.
		rows, err := e.App.DB.Raw(context.Background(), false).QueryContext(context.Background(),
			`SELECT CAST(payload AS TEXT) FROM event_log WHERE name = 'PurchaseOrderReceived' ORDER BY occurred_at, id`)
		if err != nil {
			t.Fatal(err)
		}
		var evs []events.PurchaseOrderReceived
		for rows.Next() {
			var raw string
			var ev events.PurchaseOrderReceived
			if err := rows.Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(raw), &ev); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev)
		}
		rows.Close()
		if len(evs) != 2 || evs[0].Amount != 40000 || evs[1].Amount != 92000 || evs[0].Completed || !evs[1].Completed ||
			evs[1].PurchaseOrderID.String() != poID || evs[1].VendorID.String() != v["id"] || evs[1].Currency != "VND" || len(evs[1].Lines) != 2 {
			t.Fatalf("PurchaseOrderReceived events: %+v", evs)
		}

		// FIFO: the first 4 units cost 10000, the next 6 cost 12000. Selling 6 costs 4x10000 + 2x12000.
		items := w.list(t, "/inventories?filter="+q(`{"where":{"variantId":"`+w.v(t, 601)+`"}}`))
		if len(items) != 1 || num(items[0]["quantityOnHand"]) != 10 || num(items[0]["unitCost"]) != 12000 {
			t.Fatalf("received item: %v", items)
		}
		w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-fifo",
			"lines": []map[string]any{{"variantId": w.v(t, 601), "quantity": 6}}}, "")
		c := w.post(t, 200, "/inventory-reservations/commit", map[string]any{"reference": "order-fifo"}, "")
		if num(c["costOfGoods"]) != 4*10000+2*12000 {
			t.Fatalf("FIFO cost of goods: %v", c)
		}
		w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-fifo-2",
			"lines": []map[string]any{{"variantId": w.v(t, 601), "quantity": 4}}}, "")
		if c := w.post(t, 200, "/inventory-reservations/commit", map[string]any{"reference": "order-fifo-2"}, ""); num(c["costOfGoods"]) != 4*12000 {
			t.Fatalf("FIFO cost of the rest: %v", c)
		}
		layers := w.list(t, "/inventory-cost-layers?filter="+q(`{"where":{"variantId":"`+w.v(t, 601)+`"},"order":["receivedAt ASC"]}`))
		if len(layers) != 2 || num(layers[0]["quantityRemaining"]) != 0 || num(layers[1]["quantityRemaining"]) != 0 {
			t.Fatalf("layers: %v", layers)
		}

		// A second order cancelled while PROCESSING.
		po2 := w.post(t, 201, "/purchase-orders", map[string]any{"vendorId": v["id"], "locationId": w.store, "code": "PO-2"}, "")
		w.post(t, 201, "/purchase-order-items", map[string]any{"purchaseOrderId": po2["id"], "variantId": w.v(t, 601), "quantityOrdered": 1, "unitCost": 1}, "")
		w.post(t, 200, "/purchase-orders/"+po2["id"].(string)+"/submit", nil, "")
		if c := w.post(t, 200, "/purchase-orders/"+po2["id"].(string)+"/cancel", nil, ""); c["status"] != "CANCELLED" || c["cancelledAt"] == nil {
			t.Fatalf("cancelled: %v", c)
		}
		w.post(t, 409, "/purchase-orders/"+po2["id"].(string)+"/confirm", nil, "")
		// Another organizer cannot see or act on it.
		w.do(t, 404, "POST", "/purchase-orders/"+poID+"/complete", nil, "", w.other)
		w.reconciled(t)
	})
}
