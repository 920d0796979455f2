package inventory_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/inventory/inventorytest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

func q(s string) string { return url.QueryEscape(s) }

// world is a running server with an organizer (100) whose merchant (mid) has two locations.
type world struct {
	e                *apptest.Env
	merchant         id.ID  // organizer 100's merchant, onboarded through commerce
	mid              string // the same, as the API writes it
	admin, owner     string
	other            string // owner of organizer 200
	store, warehouse string // location ids
	variants         map[int]string
}

// v returns the id, as the API writes it, of the merchant's variant that the test calls label,
// creating it the first time (a product of one variant, through commerce's API): the inventory
// keeps stock only of a merchant's own variants.
func (w *world) v(t *testing.T, label int) string {
	t.Helper()
	if v, ok := w.variants[label]; ok {
		return v
	}
	v := newVariant(t, w.e, w.merchant, fmt.Sprintf("Hàng %d", label))
	w.variants[label] = v
	return v
}

// vid is v as an id.
func (w *world) vid(t *testing.T, label int) id.ID {
	t.Helper()
	v, err := id.Parse(w.v(t, label))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newVariant creates a product of one variant at the merchant, as an admin over HTTP, and returns
// the variant's id.
func newVariant(t *testing.T, e *apptest.Env, merchant id.ID, name string) string {
	t.Helper()
	p := e.Must(201, apptest.Request{Method: "POST", Path: "/products", Token: e.AdminToken(), Body: map[string]any{
		"merchantId": merchant.String(), "name": name, "variants": []map[string]any{{"price": 10000}}}}).Map(t)
	return p["variants"].([]any)[0].(map[string]any)["id"].(string)
}

func newWorld(t *testing.T, e *apptest.Env) *world {
	t.Helper()
	w := &world{e: e, variants: map[int]string{},
		admin: e.Token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.SuperAdmin}}),
		owner: e.Token(&auth.Principal{UserID: 2, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 100, Permissions: []string{"inventory.*"}}),
		other: e.Token(&auth.Principal{UserID: 3, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 200, Permissions: []string{"inventory.*"}}),
	}
	w.merchant = e.Merchant(100)
	w.mid = w.merchant.String()
	st := w.post(t, 201, "/inventory-locations", map[string]any{"merchantId": w.mid, "code": "Q1", "name": "Quận 1 store"}, "")
	if st["isDefault"] != true || st["organizerId"] != "100" || st["type"] != "STORE" {
		t.Fatalf("first location: %v", st)
	}
	w.store = st["id"].(string)
	wh := w.post(t, 201, "/inventory-locations", map[string]any{"merchantId": w.mid, "code": "WH", "name": "Thủ Đức warehouse", "type": "WAREHOUSE"}, "")
	if wh["isDefault"] != false {
		t.Fatalf("second location became default: %v", wh)
	}
	w.warehouse = wh["id"].(string)
	return w
}

func (w *world) do(t *testing.T, want int, method, path string, body any, key string, token string) *apptest.Response {
	t.Helper()
	h := map[string]string{}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	if token == "" {
		token = w.owner
	}
	return w.e.Must(want, apptest.Request{Method: method, Path: path, Body: body, Token: token, Headers: h})
}

func (w *world) post(t *testing.T, want int, path string, body any, key string) map[string]any {
	t.Helper()
	return w.do(t, want, "POST", path, body, key, "").Map(t)
}

func (w *world) get(t *testing.T, path string) map[string]any {
	t.Helper()
	return w.do(t, 200, "GET", path, nil, "", "").Map(t)
}

func (w *world) list(t *testing.T, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	w.do(t, 200, "GET", path, nil, "", "").JSON(t, &out)
	return out
}

// item creates a stock item with an opening quantity at unit cost.
func (w *world) item(t *testing.T, loc string, variant int, onHand, unitCost int64) string {
	t.Helper()
	it := w.post(t, 201, "/inventories", map[string]any{"locationId": loc, "variantId": w.v(t, variant), "quantityOnHand": onHand, "unitCost": unitCost}, "")
	if it["merchantId"] != w.mid || num(it["quantityOnHand"]) != onHand || num(it["quantityAvailable"]) != onHand {
		t.Fatalf("created item: %v", it)
	}
	return it["id"].(string)
}

// stock returns on hand, reserved and available of an item.
func (w *world) stock(t *testing.T, itemID string) (int64, int64, int64) {
	t.Helper()
	it := w.get(t, "/inventories/"+itemID)
	return num(it["quantityOnHand"]), num(it["quantityReserved"]), num(it["quantityAvailable"])
}

func (w *world) reconciled(t *testing.T) {
	t.Helper()
	rep := w.get(t, "/inventory/reconcile")
	if rep["ok"] != true {
		t.Fatalf("reconcile: %v", rep)
	}
	inventorytest.RequireReconciled(t, w.e.App.Inventory.Service(), 0)
}

func num(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return -1 << 62
}

func types(rows []map[string]any) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r["type"].(string))
	}
	return out
}

func TestReserveReleaseCommit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		coffee := w.item(t, w.store, 501, 10, 20000)
		w.item(t, w.warehouse, 502, 5, 0) // tracked, but not at the store

		// Reserve at the default location; an untracked variant passes without a reservation.
		r := w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-1",
			"lines": []map[string]any{{"variantId": w.v(t, 501), "quantity": 3}, {"variantId": w.v(t, 999), "quantity": 1}}}, "")
		lines := r["lines"].([]any)
		l0, l1 := lines[0].(map[string]any), lines[1].(map[string]any)
		if l0["tracked"] != true || l0["reservationId"] == nil || l0["locationId"] != w.store || l1["tracked"] != false || l1["reservationId"] != nil {
			t.Fatalf("reserve: %v", r)
		}
		if oh, res, av := w.stock(t, coffee); oh != 10 || res != 3 || av != 7 {
			t.Fatalf("after reserve: %d %d %d", oh, res, av)
		}
		// Too much: 422 naming the line, the variant and what is available; nothing reserved.
		bad := w.do(t, 422, "POST", "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-2",
			"lines": []map[string]any{{"variantId": w.v(t, 501), "quantity": 1}, {"variantId": w.v(t, 501), "quantity": 7}}}, "", "")
		if s := string(bad.Body); !strings.Contains(s, "body.lines[1].quantity") || !strings.Contains(s, "variant "+w.v(t, 501)) || !strings.Contains(s, "only 6 available") {
			t.Fatalf("shortage error: %s", s)
		}
		// Tracked elsewhere but not here: nothing available here.
		bad = w.do(t, 422, "POST", "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-2",
			"lines": []map[string]any{{"variantId": w.v(t, 502), "quantity": 1}}}, "", "")
		if !strings.Contains(string(bad.Body), "only 0 available for variant "+w.v(t, 502)) {
			t.Fatalf("untracked-here error: %s", bad.Body)
		}
		if _, res, _ := w.stock(t, coffee); res != 3 {
			t.Fatalf("a refused reservation left %d reserved", res)
		}

		// Release by reference; a second release is a no-op.
		rel := w.post(t, 200, "/inventory-reservations/release", map[string]any{"reference": "order-1", "reason": "customer left"}, "")
		if num(rel["released"]) != 1 {
			t.Fatalf("release: %v", rel)
		}
		if rel = w.post(t, 200, "/inventory-reservations/release", map[string]any{"reference": "order-1"}, ""); num(rel["released"]) != 0 {
			t.Fatalf("second release: %v", rel)
		}
		// Commit of a released order: 409.
		w.post(t, 409, "/inventory-reservations/commit", map[string]any{"reference": "order-1"}, "")

		// Reserve and commit: on hand goes down, SALE and RESERVATION_COMMIT rows, FIFO cost.
		r3 := w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-3",
			"lines": []map[string]any{{"variantId": w.v(t, 501), "quantity": 4}}}, "")
		c := w.post(t, 200, "/inventory-reservations/commit", map[string]any{"reference": "order-3"}, "")
		if num(c["costOfGoods"]) != 80000 || len(c["lines"].([]any)) != 1 {
			t.Fatalf("commit: %v", c)
		}
		if again := w.post(t, 200, "/inventory-reservations/commit", map[string]any{"reference": "order-3"}, ""); num(again["costOfGoods"]) != 80000 {
			t.Fatalf("repeated commit: %v", again)
		}
		if oh, res, av := w.stock(t, coffee); oh != 6 || res != 0 || av != 6 {
			t.Fatalf("after commit: %d %d %d", oh, res, av)
		}
		trail := w.list(t, "/inventory-trackings?filter="+q(`{"where":{"itemId":"`+coffee+`"},"order":["createdAt ASC","id ASC"],"limit":100}`))
		want := []string{"STOCK_IN", "RESERVATION", "RESERVATION_RELEASE", "RESERVATION", "RESERVATION_COMMIT", "SALE"}
		if got := types(trail); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("trail %v, want %v", got, want)
		}
		sale := trail[5]
		if num(sale["quantityDelta"]) != -4 || num(sale["onHandBefore"]) != 10 || num(sale["onHandAfter"]) != 6 || sale["direction"] != "OUTBOUND" ||
			sale["reference"] != "order-3" || sale["actorId"] != "2" || num(sale["costAmount"]) != 80000 {
			t.Fatalf("SALE row: %v", sale)
		}
		// The RESERVATION row (written with the UPDATE in one statement on PostgreSQL).
		if res := trail[3]; res["direction"] != "NEUTRAL" || num(res["quantityDelta"]) != 0 || num(res["reservedDelta"]) != 4 ||
			num(res["onHandBefore"]) != 10 || num(res["onHandAfter"]) != 10 || num(res["reservedBefore"]) != 0 || num(res["reservedAfter"]) != 4 ||
			num(res["costAmount"]) != 0 || res["documentType"] != "RESERVATION" || res["reference"] != "order-3" || res["actorId"] != "2" ||
			res["actorKind"] != "user" || res["itemId"] != coffee || res["locationId"] != w.store || res["variantId"] != w.v(t, 501) ||
			res["organizerId"] != "100" || res["merchantId"] != w.mid ||
			res["documentId"] != r3["lines"].([]any)[0].(map[string]any)["reservationId"] {
			t.Fatalf("RESERVATION row: %v (reserved %v)", res, r3)
		}
		rid := r3["lines"].([]any)[0].(map[string]any)["reservationId"].(string)
		if rv := w.get(t, "/inventory-reservations/"+rid); rv["status"] != "COMMITTED" || num(rv["quantity"]) != 4 || rv["itemId"] != coffee ||
			rv["locationId"] != w.store || rv["variantId"] != w.v(t, 501) || rv["reference"] != "order-3" || num(rv["costAmount"]) != 80000 ||
			rv["organizerId"] != "100" || rv["merchantId"] != w.mid || rv["expiresAt"] == nil || rv["closedAt"] == nil {
			t.Fatalf("reservation row: %v (reserved %v)", rv, r3)
		}
		if rel := trail[2]; rel["note"] != "customer left" || num(rel["reservedDelta"]) != -3 || num(rel["quantityDelta"]) != 0 {
			t.Fatalf("release row: %v", rel)
		}

		// Tenants: another organizer sees nothing and cannot name this merchant (400 naming the field).
		w.do(t, 404, "GET", "/inventories/"+coffee, nil, "", w.other)
		w.do(t, 400, "POST", "/inventory-reservations", map[string]any{"merchantId": w.mid, "locationId": w.store, "reference": "x",
			"lines": []map[string]any{{"variantId": w.v(t, 501), "quantity": 1}}}, "", w.other)
		var n struct{ Count int }
		w.do(t, 200, "GET", "/inventory-trackings/count", nil, "", w.other).JSON(t, &n)
		if n.Count != 0 {
			t.Fatalf("other organizer sees %d tracking rows", n.Count)
		}
		// Quantities cannot be written through the CRUD routes.
		p := w.do(t, 200, "PATCH", "/inventories/"+coffee, map[string]any{"quantityOnHand": 1000, "reorderPoint": 2}, "", "").Map(t)
		if num(p["quantityOnHand"]) != 6 || num(p["reorderPoint"]) != 2 {
			t.Fatalf("patched item: %v", p)
		}
		w.do(t, 405, "DELETE", "/inventories/"+coffee, nil, "", "")
		w.reconciled(t)
		types := w.list(t, "/inventory-tracking-types?filter="+q(`{"limit":100}`))
		if len(types) != 20 {
			t.Fatalf("%d tracking types", len(types))
		}
		_ = time.Now
		_ = id.ID(0)
	})
}

// Stock is only kept of the merchant's own variants (issue 12, item 6): a stock item, an
// adjustment, a transfer, a count, a purchase order line or a reservation that names another
// organizer's variant (or one that does not exist) is a 400 naming the field, and no stock of it
// is created. The catalog (commerce) says whose a variant is.
func TestAnotherOrganizersVariantIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		theirs := newVariant(t, e, e.Merchant(200), "Cà phê của người khác")
		const unknown = "4242424242"
		vendor := w.post(t, 201, "/vendors", map[string]any{"code": "V", "name": "Vendor"}, "")
		po := w.post(t, 201, "/purchase-orders", map[string]any{"vendorId": vendor["id"], "locationId": w.store}, "")
		for _, variant := range []string{theirs, unknown} {
			cases := []struct {
				path string
				body map[string]any
				loc  string
			}{
				{"/inventories", map[string]any{"locationId": w.store, "variantId": variant, "quantityOnHand": 5}, "body.variantId"},
				{"/inventory-adjustments", map[string]any{"merchantId": w.mid, "lines": []map[string]any{
					{"variantId": w.v(t, 501), "type": "STOCK_IN", "quantity": 1}, {"variantId": variant, "type": "STOCK_IN", "quantity": 3}}}, "body.lines[1].variantId"},
				{"/inventory-transfers", map[string]any{"merchantId": w.mid, "fromLocationId": w.store, "toLocationId": w.warehouse,
					"lines": []map[string]any{{"variantId": variant, "quantity": 1}}}, "body.lines[0].variantId"},
				{"/inventory-counts", map[string]any{"merchantId": w.mid, "lines": []map[string]any{{"variantId": variant, "counted": 9}}}, "body.lines[0].variantId"},
				{"/purchase-order-items", map[string]any{"purchaseOrderId": po["id"], "variantId": variant, "quantityOrdered": 2, "unitCost": 1000}, "body.variantId"},
				{"/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-x", "lines": []map[string]any{{"variantId": variant, "quantity": 1}}}, "body.lines[0].variantId"},
			}
			for _, c := range cases {
				r := w.do(t, 400, "POST", c.path, c.body, "", "")
				var p struct {
					Errors []struct{ Location, Message string } `json:"errors"`
				}
				r.JSON(t, &p)
				if len(p.Errors) != 1 || p.Errors[0].Location != c.loc || !strings.Contains(p.Errors[0].Message, "is not a variant of the merchant") {
					t.Fatalf("POST %s naming variant %s: %s", c.path, variant, r.Body)
				}
			}
			if items := w.list(t, "/inventories?filter="+q(`{"where":{"variantId":"`+variant+`"}}`)); len(items) != 0 {
				t.Fatalf("stock items of variant %s: %v", variant, items)
			}
		}
		var n struct{ Count int }
		w.do(t, 200, "GET", "/inventory-adjustments/count", nil, "", "").JSON(t, &n)
		if n.Count != 0 {
			t.Fatalf("%d adjustments recorded", n.Count)
		}
		// The system (a job, the seed) may not either: the rule is the service's, not the route's.
		_, err := e.App.Inventory.Service().RequestAdjustment(auth.System(t.Context()), inventory.AdjustmentRequest{OrganizerID: 100, MerchantID: w.merchant,
			Lines: []inventory.StockAdjustmentLine{{VariantID: mustID(t, theirs), Type: inventory.TrackingStockIn, Quantity: 3}}})
		if !errors.Is(err, inventory.ErrNotYourVariant) {
			t.Fatalf("the system adjusting another organizer's variant: %v", err)
		}
	})
}

func mustID(t *testing.T, s string) id.ID {
	t.Helper()
	v, err := id.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
