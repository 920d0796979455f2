package inventory_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
)

// await polls the resource at path until cond holds (the job queue works asynchronously), and
// returns it.
func (w *world) await(t *testing.T, path string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	var row map[string]any
	apptest.Eventually(t, path+" to reach the expected state", func() bool {
		row = w.get(t, path)
		return cond(row)
	})
	return row
}

func TestAdjustmentsGoThroughTheQueue(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		milk := w.item(t, w.store, 701, 10, 3000)
		adj := w.post(t, 202, "/inventory-adjustments", map[string]any{"merchantId": w.mid, "reason": "weekly check", "lines": []map[string]any{
			{"variantId": w.v(t, 701), "type": "DAMAGED", "quantity": 2},
			{"variantId": w.v(t, 701), "type": "ADJUSTMENT_IN", "quantity": 5, "unitCost": 3500},
			{"variantId": w.v(t, 702), "type": "STOCK_IN", "quantity": 3, "unitCost": 1000}, // a new variant becomes tracked here
			{"variantId": w.v(t, 701), "type": "ADJUSTMENT_NEUTRAL", "quantity": -1}}}, "")
		if adj["status"] != "PENDING" {
			t.Fatalf("queued adjustment: %v", adj)
		}
		done := w.await(t, "/inventory-adjustments/"+adj["id"].(string), func(r map[string]any) bool { return r["status"] != "PENDING" })
		if done["status"] != "APPLIED" || done["processedAt"] == nil {
			t.Fatalf("adjustment: %v", done)
		}
		if oh, _, _ := w.stock(t, milk); oh != 10-2+5-1 {
			t.Fatalf("on hand after adjustment: %d", oh)
		}
		trail := w.list(t, "/inventory-trackings?filter="+q(`{"where":{"documentId":"`+adj["id"].(string)+`"},"order":["id ASC"],"limit":50}`))
		if got := strings.Join(types(trail), ","); got != "ADJUSTMENT_NEUTRAL,DAMAGED,ADJUSTMENT_IN,STOCK_IN" && got != "DAMAGED,ADJUSTMENT_IN,ADJUSTMENT_NEUTRAL,STOCK_IN" {
			t.Fatalf("adjustment rows: %s", got)
		}
		// Taking more than is available rejects the whole adjustment; nothing of it applies.
		reserve := w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "o", "lines": []map[string]any{{"variantId": w.v(t, 701), "quantity": 10}}}, "")
		_ = reserve
		bad := w.post(t, 202, "/inventory-adjustments", map[string]any{"merchantId": w.mid, "lines": []map[string]any{
			{"variantId": w.v(t, 701), "type": "STOCK_IN", "quantity": 1},
			{"variantId": w.v(t, 701), "type": "LOST", "quantity": 4}}}, "")
		rej := w.await(t, "/inventory-adjustments/"+bad["id"].(string), func(r map[string]any) bool { return r["status"] != "PENDING" })
		if rej["status"] != "REJECTED" || !strings.Contains(rej["error"].(string), "only 3 available for variant "+w.v(t, 701)) {
			t.Fatalf("rejected adjustment: %v", rej)
		}
		if oh, res, _ := w.stock(t, milk); oh != 12 || res != 10 {
			t.Fatalf("a rejected adjustment changed stock: %d %d", oh, res)
		}
		// Bad input is refused before it is queued.
		// (a type outside the schema enum is a 400, naming the field.)
		if r := w.do(t, 400, "POST", "/inventory-adjustments", map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": w.v(t, 701), "type": "SALE", "quantity": 1}}}, "", ""); !strings.Contains(string(r.Body), "body.lines[0].type") {
			t.Fatalf("bad type: %s", r.Body)
		}
		w.post(t, 400, "/inventory-adjustments", map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": w.v(t, 701), "type": "LOST", "quantity": -1}}}, "")
		w.reconciled(t)
	})
}

func TestTransfersAndCounts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		beans := w.item(t, w.warehouse, 801, 20, 50000)
		// Received at once: one move, TRANSFER_OUT at the source and TRANSFER_IN at the destination, cost carried.
		tr := w.post(t, 201, "/inventory-transfers", map[string]any{"merchantId": w.mid, "fromLocationId": w.warehouse, "toLocationId": w.store,
			"lines": []map[string]any{{"variantId": w.v(t, 801), "quantity": 8}}}, "")
		if tr["status"] != "RECEIVED" || num(tr["lines"].([]any)[0].(map[string]any)["costAmount"]) != 8*50000 {
			t.Fatalf("transfer: %v", tr)
		}
		rows := w.list(t, "/inventory-trackings?filter="+q(`{"where":{"documentId":"`+tr["id"].(string)+`"},"order":["id ASC"]}`))
		if strings.Join(types(rows), ",") != "TRANSFER_OUT,TRANSFER_IN" || rows[1]["locationId"] != w.store || num(rows[1]["costAmount"]) != 400000 {
			t.Fatalf("transfer rows: %v", rows)
		}
		at := w.list(t, "/inventories?filter="+q(`{"where":{"variantId":"`+w.v(t, 801)+`","locationId":"`+w.store+`"}}`))
		if len(at) != 1 || num(at[0]["quantityOnHand"]) != 8 {
			t.Fatalf("destination: %v", at)
		}
		storeBeans := at[0]["id"].(string)
		// More than is available: 422 naming the variant.
		bad := w.do(t, 422, "POST", "/inventory-transfers", map[string]any{"merchantId": w.mid, "fromLocationId": w.warehouse, "toLocationId": w.store,
			"lines": []map[string]any{{"variantId": w.v(t, 801), "quantity": 13}}}, "", "")
		if !strings.Contains(string(bad.Body), "only 12 available for variant "+w.v(t, 801)) {
			t.Fatalf("transfer shortage: %s", bad.Body)
		}
		w.post(t, 400, "/inventory-transfers", map[string]any{"merchantId": w.mid, "fromLocationId": w.store, "toLocationId": w.store,
			"lines": []map[string]any{{"variantId": w.v(t, 801), "quantity": 1}}}, "")
		// In transit: gone from the source, not yet at the destination; received later, once.
		tt := w.post(t, 201, "/inventory-transfers", map[string]any{"merchantId": w.mid, "fromLocationId": w.warehouse, "toLocationId": w.store,
			"inTransit": true, "lines": []map[string]any{{"variantId": w.v(t, 801), "quantity": 2}}}, "")
		if oh, _, _ := w.stock(t, storeBeans); tt["status"] != "IN_TRANSIT" || oh != 8 {
			t.Fatalf("in transit: %v, store %d", tt, oh)
		}
		// An employee placed at another merchant of the organizer cannot act on it.
		emp := e.EmployeeToken(100, []id.ID{12}, "inventory.*")
		w.do(t, 404, "POST", "/inventory-transfers/"+tt["id"].(string)+"/receive", nil, "", emp)
		w.post(t, 200, "/inventory-transfers/"+tt["id"].(string)+"/receive", nil, "")
		w.post(t, 409, "/inventory-transfers/"+tt["id"].(string)+"/receive", nil, "")
		w.post(t, 409, "/inventory-transfers/"+tt["id"].(string)+"/cancel", nil, "")
		// Cancelled in transit: back at the source (TRANSFER_RETURN).
		tc := w.post(t, 201, "/inventory-transfers", map[string]any{"merchantId": w.mid, "fromLocationId": w.warehouse, "toLocationId": w.store,
			"inTransit": true, "lines": []map[string]any{{"variantId": w.v(t, 801), "quantity": 3}}}, "")
		if c := w.post(t, 200, "/inventory-transfers/"+tc["id"].(string)+"/cancel", nil, ""); c["status"] != "CANCELLED" {
			t.Fatalf("cancel: %v", c)
		}
		if oh, _, _ := w.stock(t, beans); oh != 10 {
			t.Fatalf("source after transfers: %d", oh)
		}
		if oh, _, _ := w.stock(t, storeBeans); oh != 10 {
			t.Fatalf("destination after transfers: %d", oh)
		}

		// A count sets on hand and records the variance, of either sign, also zero.
		w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "o", "lines": []map[string]any{{"variantId": w.v(t, 801), "quantity": 4}}}, "")
		c := w.post(t, 201, "/inventory-counts", map[string]any{"merchantId": w.mid, "note": "month end", "lines": []map[string]any{
			{"variantId": w.v(t, 801), "counted": 7}, {"variantId": w.v(t, 802), "counted": 5}}}, "")
		cl := c["lines"].([]any)
		if num(c["variance"]) != -3+5 || num(cl[0].(map[string]any)["expected"]) != 10 || num(cl[0].(map[string]any)["variance"]) != -3 {
			t.Fatalf("count: %v", c)
		}
		if oh, res, av := w.stock(t, storeBeans); oh != 7 || res != 4 || av != 3 {
			t.Fatalf("after count: %d %d %d", oh, res, av)
		}
		// Counting fewer than are reserved is refused.
		bad = w.do(t, 422, "POST", "/inventory-counts", map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": w.v(t, 801), "counted": 3}}}, "", "")
		if !strings.Contains(string(bad.Body), "4 are reserved") {
			t.Fatalf("count below reserved: %s", bad.Body)
		}
		w.post(t, 201, "/inventory-counts", map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": w.v(t, 801), "counted": 7}}}, "")
		rows = w.list(t, "/inventory-trackings?filter="+q(`{"where":{"itemId":"`+storeBeans+`","type":"INVENTORY_COUNT"},"order":["id ASC"]}`))
		if len(rows) != 2 || num(rows[0]["quantityDelta"]) != -3 || num(rows[1]["quantityDelta"]) != 0 || rows[0]["direction"] != "NEUTRAL" {
			t.Fatalf("count rows: %v", rows)
		}
		w.reconciled(t)
	})
}

func TestIdempotencyKey(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		tea := w.item(t, w.store, 901, 100, 1000)
		body := map[string]any{"merchantId": w.mid, "reference": "order-9", "lines": []map[string]any{{"variantId": w.v(t, 901), "quantity": 2}}}
		first := w.do(t, 201, "POST", "/inventory-reservations", body, "key-1", "")
		again := w.do(t, 201, "POST", "/inventory-reservations", body, "key-1", "")
		if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		if _, res, _ := w.stock(t, tea); res != 2 {
			t.Fatalf("a replay reserved again: %d reserved", res)
		}
		// The same key with another body: 409. Another organizer's same key is its own.
		other := map[string]any{"merchantId": w.mid, "reference": "order-9", "lines": []map[string]any{{"variantId": w.v(t, 901), "quantity": 3}}}
		w.do(t, 409, "POST", "/inventory-reservations", other, "key-1", "")
		// A failed request stores nothing: after the failure the key still works.
		w.do(t, 422, "POST", "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "x", "lines": []map[string]any{{"variantId": w.v(t, 901), "quantity": 1000}}}, "key-2", "")
		w.do(t, 201, "POST", "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "x", "lines": []map[string]any{{"variantId": w.v(t, 901), "quantity": 1}}}, "key-2", "")
		// Twenty concurrent requests with one key: one effect, twenty identical answers.
		var wg sync.WaitGroup
		bodies := make([]string, 20)
		statuses := make([]int, 20)
		adj := map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": w.v(t, 901), "type": "STOCK_IN", "quantity": 1}}}
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := post(e, w.owner, "/inventory-adjustments", adj, "key-3")
				statuses[i], bodies[i] = r.status, r.body
			}()
		}
		wg.Wait()
		for i := range 20 {
			if statuses[i] != 202 || bodies[i] != bodies[0] {
				t.Fatalf("request %d: %d %s (first %s)", i, statuses[i], bodies[i], bodies[0])
			}
		}
		var n struct{ Count int }
		w.do(t, 200, "GET", "/inventory-adjustments/count", nil, "", "").JSON(t, &n)
		if n.Count != 1 {
			t.Fatalf("%d adjustments from one key", n.Count)
		}
		var applied map[string]any
		if err := json.Unmarshal([]byte(bodies[0]), &applied); err != nil {
			t.Fatal(err)
		}
		w.await(t, "/inventory-adjustments/"+applied["id"].(string), func(r map[string]any) bool { return r["status"] == "APPLIED" })
		// Transfers and receipts honour the key too.
		tb := map[string]any{"merchantId": w.mid, "fromLocationId": w.store, "toLocationId": w.warehouse, "lines": []map[string]any{{"variantId": w.v(t, 901), "quantity": 5}}}
		t1 := w.do(t, 201, "POST", "/inventory-transfers", tb, "key-4", "")
		t2 := w.do(t, 201, "POST", "/inventory-transfers", tb, "key-4", "")
		if string(t1.Body) != string(t2.Body) {
			t.Fatal("transfer replay differs")
		}
		if oh, _, _ := w.stock(t, tea); oh != 100+1-5 {
			t.Fatalf("a replayed transfer moved stock again: %d", oh)
		}
		w.reconciled(t)
	})
}

// A reservation expires by the module's clock: its expiry job, made due once the clock has
// passed the expiry, releases it (RESERVATION_EXPIRED, by the system) and leaves a reservation
// committed meanwhile alone.
func TestReservationsExpire(t *testing.T) {
	// Far ahead of the wall clock, so that River, which schedules jobs on the wall clock, holds
	// the expiry jobs until the test makes them due.
	start := time.Date(2100, 1, 1, 8, 0, 0, 0, time.UTC)
	apptest.EachWithClock(t, start, func(t *testing.T, e *apptest.Env, clk *clock.Fake) {
		w := newWorld(t, e)
		cake := w.item(t, w.store, 1001, 3, 0)
		r := w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-e",
			"expiresAt": clk.Now().Add(time.Second).Format(time.RFC3339Nano), "lines": []map[string]any{{"variantId": w.v(t, 1001), "quantity": 3}}}, "")
		rid := r["lines"].([]any)[0].(map[string]any)["reservationId"].(string)
		// A reservation committed before its expiry is left alone by its expiry job.
		w.item(t, w.store, 1002, 1, 0)
		w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-f",
			"expiresAt": clk.Now().Add(time.Second).Format(time.RFC3339Nano), "lines": []map[string]any{{"variantId": w.v(t, 1002), "quantity": 1}}}, "")
		w.post(t, 200, "/inventory-reservations/commit", map[string]any{"reference": "order-f"}, "")
		if _, _, av := w.stock(t, cake); av != 0 {
			t.Fatalf("available while reserved: %d", av)
		}
		clk.Advance(2 * time.Second)
		// Due now: the module's clock has passed their expiry.
		if n := e.RunScheduledJobs(inventory.Queue, inventory.ExpireReservations{}.Kind()); n != 2 {
			t.Fatalf("%d expiry jobs scheduled", n)
		}
		res := w.await(t, "/inventory-reservations/"+rid, func(m map[string]any) bool { return m["status"] != "ACTIVE" })
		if res["status"] != "EXPIRED" || res["reason"] != "expired" {
			t.Fatalf("reservation: %v", res)
		}
		if oh, rs, av := w.stock(t, cake); oh != 3 || rs != 0 || av != 3 {
			t.Fatalf("after expiry: %d %d %d", oh, rs, av)
		}
		w.post(t, 409, "/inventory-reservations/commit", map[string]any{"reference": "order-e"}, "")
		// RunScheduledJobs waited for both expiry jobs, the committed one's included.
		sold := w.list(t, "/inventory-reservations?filter="+q(`{"where":{"reference":"order-f"}}`))
		if len(sold) != 1 || sold[0]["status"] != "COMMITTED" {
			t.Fatalf("committed reservation after its expiry job: %v", sold)
		}
		rows := w.list(t, "/inventory-trackings?filter="+q(`{"where":{"itemId":"`+cake+`"},"order":["id ASC"]}`))
		if strings.Join(types(rows), ",") != "STOCK_IN,RESERVATION,RESERVATION_EXPIRED" || rows[2]["actorKind"] != "system" {
			t.Fatalf("rows: %v", rows)
		}
		w.reconciled(t)
	})
}

// TestStockMoneyBounds (issue 12, item 5): a STOCK_IN with a unit cost of 2^63-1 once wrote a
// costAmount of -10; it is a 400 naming the field now, and nothing is recorded. At the bounds
// (10^6 units at 10^12 dong) the cost is exact. Quantities past 10^6 are refused the same way,
// and the service refuses what the route would (a job or sale calling it directly).
func TestStockMoneyBounds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		bean := w.v(t, 951)
		refused := func(r *apptest.Response, loc string) {
			t.Helper()
			var p struct {
				Errors []struct{ Location string } `json:"errors"`
			}
			r.JSON(t, &p)
			for _, x := range p.Errors {
				if x.Location == loc {
					return
				}
			}
			t.Fatalf("want a 400 naming %s: %d %s", loc, r.Status, r.Body)
		}
		stockIn := func(qty, unitCost int64) map[string]any {
			return map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": bean, "type": "STOCK_IN", "quantity": qty, "unitCost": unitCost}}}
		}
		refused(w.do(t, 400, "POST", "/inventory-adjustments", stockIn(10, math.MaxInt64), "", ""), "body.lines[0].unitCost")
		refused(w.do(t, 400, "POST", "/inventory-adjustments", stockIn(money.MaxQuantity+1, 1), "", ""), "body.lines[0].quantity")
		refused(w.do(t, 400, "POST", "/inventories", map[string]any{"locationId": w.store, "variantId": bean, "quantityOnHand": 1, "unitCost": int64(math.MaxInt64)}, "", ""), "body.unitCost")
		refused(w.do(t, 400, "POST", "/inventory-counts", map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": bean, "counted": int64(math.MaxInt64)}}}, "", ""), "body.lines[0].counted")
		var n struct{ Count int }
		w.do(t, 200, "GET", "/inventory-adjustments/count", nil, "", "").JSON(t, &n)
		if n.Count != 0 {
			t.Fatalf("%d adjustments recorded", n.Count)
		}
		cost := int64(math.MaxInt64)
		_, err := e.App.Inventory.Service().RequestAdjustment(auth.System(t.Context()), inventory.AdjustmentRequest{OrganizerID: 100, MerchantID: w.merchant,
			Lines: []inventory.StockAdjustmentLine{{VariantID: w.vid(t, 951), Type: inventory.TrackingStockIn, Quantity: 10, UnitCost: &cost}}})
		if !errors.Is(err, money.ErrOutOfBounds) {
			t.Fatalf("the service took a unit cost of 2^63-1: %v", err)
		}

		// At the bounds: 10^6 units at 10^12 dong cost 10^18, exactly.
		adj := w.post(t, 202, "/inventory-adjustments", stockIn(money.MaxQuantity, money.MaxAmount), "")
		w.await(t, "/inventory-adjustments/"+adj["id"].(string), func(a map[string]any) bool { return a["status"] == "APPLIED" })
		var raw []struct {
			CostAmount int64 `json:"costAmount"`
		}
		w.do(t, 200, "GET", "/inventory-trackings?filter="+q(`{"where":{"variantId":"`+bean+`","type":"STOCK_IN"}}`), nil, "", "").JSON(t, &raw)
		if len(raw) != 1 || raw[0].CostAmount != money.MaxQuantity*money.MaxAmount {
			t.Fatalf("cost at the bounds: %+v, want %d", raw, money.MaxQuantity*money.MaxAmount)
		}
		w.reconciled(t)
	})
}
