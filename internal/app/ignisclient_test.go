package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
)

// ignisClient is written as a client of the design document's services is: it sends IGNIS's
// x-request-count header, reads every CRUD answer as {count, data}, takes a missing row as
// count 0, and pages with Content-Range. It knows nothing of BANA's own shape.
type ignisClient struct {
	t     *testing.T
	base  string
	token string
}

// call sends a request and decodes the answer into out; it fails on a status outside 2xx (a
// CRUD route answers 200 in IGNIS's shape; a module's own operation, such as creating an order,
// keeps its documented 201).
func (c *ignisClient) call(method, path string, body, out any) http.Header {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-request-count", "true")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	return resp.Header
}

// envelopeOf is IGNIS's answer of a CRUD route.
type envelopeOf[T any] struct {
	Count int `json:"count"`
	Data  T   `json:"data"`
}

func filterQ(f any) string {
	raw, _ := json.Marshal(f)
	return "?filter=" + url.QueryEscape(string(raw))
}

// TestIgnisClientWalksDemoSale: a till written for the design document's services walks the demo
// sale against BANA (a default server; the client sends x-request-count as IGNIS clients do):
// it finds the café and the menu through the CRUD routes in IGNIS's shape, sells through sale's
// operations, reads the paid order back as {count: 1, data}, a missing order as {count: 0, data:
// null}, and pages the orders by Content-Range.
func TestIgnisClientWalksDemoSale(t *testing.T) {
	// Monday 09:00 in Hà Nội: no happy hour, so the walk's total is the README's.
	monday := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	apptest.EachWithClock(t, monday, func(t *testing.T, e *apptest.Env, _ *clock.Fake) {
		d, err := e.App.SeedDemo(context.Background(), app.DemoOptions{Password: "cafe-demo-2026"})
		if err != nil {
			t.Fatal(err)
		}
		c := &ignisClient{t: t, base: e.URL}
		var session map[string]any
		c.call("POST", "/auth/sign-in", map[string]any{"identifier": "duc@phoco.example", "password": "cafe-demo-2026"}, &session)
		c.token = session["token"].(string)

		// The café, by name, as IGNIS's find answers it.
		var merchants envelopeOf[[]map[string]any]
		h := c.call("GET", "/merchants"+filterQ(map[string]any{"where": map[string]any{"name": "Phố Cổ Coffee"}}), nil, &merchants)
		if merchants.Count != 1 || merchants.Data[0]["id"] != d.MerchantID.String() {
			t.Fatalf("merchants: %+v", merchants)
		}
		if h.Get("Content-Range") != "records 0-0/1" {
			t.Fatalf("Content-Range %q", h.Get("Content-Range"))
		}
		mid := merchants.Data[0]["id"].(string)

		// The menu: the bánh mì and the iced milk coffee by SKU, with IGNIS's inq.
		var variants envelopeOf[[]map[string]any]
		c.call("GET", "/product-variants"+filterQ(map[string]any{"where": map[string]any{"sku": map[string]any{"inq": []string{"BM-THIT", "CF-SUA"}}},
			"order": []string{"sku ASC"}}), nil, &variants)
		if variants.Count != 2 {
			t.Fatalf("variants: %+v", variants)
		}
		banhmi, coffee := variants.Data[0]["id"].(string), variants.Data[1]["id"].(string)

		// A sale through sale's operations (their answers are the same in both shapes).
		opt := func(group, name string) string { return d.Catalog.Options[group][name].String() }
		var order map[string]any
		c.call("POST", "/sale-orders", map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": []map[string]any{
			{"variantId": banhmi, "quantity": 3},
			{"variantId": coffee, "quantity": 1, "modifierIds": []string{opt("SIZE", "Lớn (L)"), opt("SUGAR", "Ít đường")}},
		}}, &order)
		total := order["total"].(float64)
		if total != 110000 {
			t.Fatalf("order total %v, want 110000", total)
		}
		var paid map[string]any
		c.call("POST", fmt.Sprintf("/sale-orders/%s/checkout", order["id"]), map[string]any{
			"tenders": []map[string]any{{"method": "CASH", "amount": total, "tendered": 200000}}}, &paid)

		// The order read back as IGNIS reads a row, and a missing one.
		var got envelopeOf[map[string]any]
		c.call("GET", fmt.Sprintf("/sale-orders/%s", order["id"]), nil, &got)
		if got.Count != 1 || got.Data["status"] != "PAID" || got.Data["paidTotal"] != total {
			t.Fatalf("paid order: %+v", got)
		}
		var none envelopeOf[map[string]any]
		c.call("GET", "/sale-orders/12345", nil, &none)
		if none.Count != 0 || none.Data != nil {
			t.Fatalf("missing order: %+v", none)
		}

		// The kitchen tickets of the order, with their items (include), one per station.
		var tickets envelopeOf[[]map[string]any]
		c.call("GET", "/kitchen-tickets"+filterQ(map[string]any{"where": map[string]any{"orderId": order["id"]},
			"include": []any{"items"}, "order": []string{"stationCode ASC"}}), nil, &tickets)
		if tickets.Count != 2 || tickets.Data[0]["stationCode"] != "BAR" || tickets.Data[1]["stationCode"] != "KITCHEN" {
			t.Fatalf("tickets: %+v", tickets)
		}
	})
}
