package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
)

// TestDemoCashierQuotes: the demo café's cashier, signed in with her PIN at the terminal, quotes
// the cart as she rings it up (the EMPLOYEE role holds pricing.read), and the quote holds a line
// to the modifier rules the order holds it to: a cart the order would refuse is refused with the
// order's own answer (status, detail and fields), and a cart the order takes is quoted at the
// order's figures. The server's clock stands still, so the quote and the order are priced at
// the same instant.
func TestDemoCashierQuotes(t *testing.T) {
	apptest.EachWithClock(t, time.Now(), func(t *testing.T, e *apptest.Env, _ *clock.Fake) {
		d, err := e.App.SeedDemo(context.Background(), app.DemoOptions{Password: "cafe-demo-2026"})
		if err != nil {
			t.Fatal(err)
		}
		owner := e.Must(200, apptest.Request{Method: "POST", Path: "/auth/sign-in",
			Body: map[string]any{"identifier": "duc@phoco.example", "password": "cafe-demo-2026"}}).Map(t)["token"].(string)
		mid, cashier := d.MerchantID.String(), d.Staff[0]
		tok := e.Must(200, apptest.Request{Method: "POST", Path: "/auth/pin-sign-in", Token: owner,
			Body: map[string]any{"merchantId": mid, "employeeId": cashier.EmployeeID.String(), "pin": cashier.PIN}}).Map(t)["token"].(string)

		banhmi, coffee := d.Catalog.Variants["BM-THIT"].String(), d.Catalog.Variants["CF-SUA"].String()
		opt := func(group, name string) string { return d.Catalog.Options[group][name].String() }
		line := func(variant string, qty int, options ...string) map[string]any {
			return map[string]any{"variantId": variant, "quantity": qty, "modifierIds": options}
		}
		// post answers with the status want, failing t (apptest's Must fails the parent test).
		post := func(t *testing.T, want int, path string, body map[string]any) *apptest.Response {
			t.Helper()
			r := e.Do(apptest.Request{Method: "POST", Path: path, Token: tok, Body: body})
			if r.Status != want {
				t.Fatalf("POST %s: status %d, want %d: %s", path, r.Status, want, r.Body)
			}
			return r
		}
		quote := func(t *testing.T, want int, lines ...map[string]any) *apptest.Response {
			t.Helper()
			return post(t, want, "/pricing/quote", map[string]any{"merchantId": mid, "channel": "TAKE_AWAY", "lines": lines})
		}
		order := func(t *testing.T, want int, lines ...map[string]any) *apptest.Response {
			t.Helper()
			return post(t, want, "/sale-orders", map[string]any{"merchantId": mid, "type": "TAKE_AWAY", "lines": lines})
		}

		// A line the order refuses is refused by the quote, in the same words.
		size, sugar := opt("SIZE", "Lớn (L)"), opt("SUGAR", "Ít đường")
		for _, c := range []struct {
			name   string
			line   map[string]any
			status int
			detail string // what the answer says
		}{
			{"required SUGAR left out", line(coffee, 1, size), 422, "choose at least 1, chose 0"},
			{"no option at all", line(coffee, 1), 422, "modifier group SIZE"},
			{"two sizes", line(coffee, 1, size, opt("SIZE", "Nhỏ (S)"), sugar), 422, "choose at most 1, chose 2"},
			{"an option chosen twice", line(coffee, 1, size, sugar, sugar), 400, "is chosen twice"},
			{"a topping the coffee is not offered with", line(coffee, 1, size, sugar, opt("TOPPING", "Kem cheese")), 400, "is not offered with"},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := problem(t, quote(t, c.status, line(banhmi, 1), c.line))
				o := problem(t, order(t, c.status, line(banhmi, 1), c.line))
				if q != o {
					t.Fatalf("the quote's refusal is not the order's:\nquote %s\norder %s", q, o)
				}
				if !strings.Contains(q, c.detail) || !strings.Contains(q, `"body.lines[1].modifierIds (modifiers`) {
					t.Fatalf("the refusal does not say %q of body.lines[1].modifierIds: %s", c.detail, q)
				}
			})
		}

		// A complete cart is quoted at what the order then charges, line by line.
		cart := []map[string]any{line(banhmi, 3), line(coffee, 1, size, sugar)}
		var q struct {
			Lines []struct {
				Total int64 `json:"total"`
			} `json:"lines"`
			TaxTotal   int64 `json:"taxTotal"`
			GrandTotal int64 `json:"grandTotal"`
		}
		quote(t, 200, cart...).JSON(t, &q)
		var o struct {
			Items []struct {
				Total int64 `json:"total"`
			} `json:"items"`
			TaxTotal int64 `json:"taxTotal"`
			Total    int64 `json:"total"`
		}
		order(t, 201, cart...).JSON(t, &o)
		if q.GrandTotal == 0 || q.GrandTotal != o.Total || q.TaxTotal != o.TaxTotal || len(q.Lines) != len(o.Items) {
			t.Fatalf("quote total %d tax %d, %d lines; order total %d tax %d, %d lines", q.GrandTotal, q.TaxTotal, len(q.Lines),
				o.Total, o.TaxTotal, len(o.Items))
		}
		for i := range q.Lines {
			if q.Lines[i].Total != o.Items[i].Total {
				t.Errorf("line %d: quoted %d, the order charges %d", i, q.Lines[i].Total, o.Items[i].Total)
			}
		}
	})
}

// problem renders what a problem says (status, title, detail, fields) without its request id.
func problem(t *testing.T, r *apptest.Response) string {
	t.Helper()
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []any  `json:"errors"`
	}
	r.JSON(t, &p)
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
