package app_test

import (
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
)

// TestOtherTenantsIDsRefused: a row of one's own that names another organizer's merchant (or a
// merchant that does not exist) is refused with a 400 naming the field, on create and on
// update, and a query naming one is refused the same way (issue 12, item 6). auth.ActFor looks
// the merchant up; no module repeats the check.
func TestOtherTenantsIDsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ownerA := e.OwnerToken(100)
		mine, theirs := e.Merchant(100).String(), e.Merchant(200).String()
		refused := func(what string, r apptest.Request, field string) {
			t.Helper()
			r.Token = ownerA
			got := e.Must(400, r)
			if !strings.Contains(string(got.Body), `"location":"`+field+`"`) || !strings.Contains(string(got.Body), "is not a merchant you may act for") {
				t.Fatalf("%s: %s", what, got.Body)
			}
		}
		for _, other := range []string{theirs, "999999999"} {
			refused("a configuration at "+other, apptest.Request{Method: "POST", Path: "/configurations",
				Body: map[string]any{"code": "SHOP.NAME", "dataType": "TEXT", "value": "x", "merchantId": other}}, "body.merchantId")
			refused("a vendor at "+other, apptest.Request{Method: "POST", Path: "/vendors",
				Body: map[string]any{"code": "V-" + other, "name": "Nhà cung cấp", "merchantId": other}}, "body.merchantId")
			refused("a location at "+other, apptest.Request{Method: "POST", Path: "/inventory-locations",
				Body: map[string]any{"code": "Q1", "name": "Quận 1", "merchantId": other}}, "body.merchantId")
			refused("a product at "+other, apptest.Request{Method: "POST", Path: "/products",
				Body: map[string]any{"name": "Cà phê", "merchantId": other, "variants": []map[string]any{{"sku": "CF-" + other, "price": 20000}}}}, "body.merchantId")
			refused("reconciling "+other, apptest.Request{Method: "GET", Path: "/inventory/reconcile?merchantId=" + other}, "query.merchantId")
		}

		// One's own rows may not be moved to another organizer's merchant.
		cfg := e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA,
			Body: map[string]any{"code": "SHOP.NAME", "dataType": "TEXT", "value": "x", "merchantId": mine}}).Map(t)
		refused("moving a configuration", apptest.Request{Method: "PATCH", Path: "/configurations/" + cfg["id"].(string),
			Body: map[string]any{"merchantId": theirs}}, "body.merchantId")
		vendor := e.Must(201, apptest.Request{Method: "POST", Path: "/vendors", Token: ownerA,
			Body: map[string]any{"code": "V1", "name": "Nhà cung cấp", "merchantId": mine}}).Map(t)
		refused("moving a vendor", apptest.Request{Method: "PATCH", Path: "/vendors/" + vendor["id"].(string),
			Body: map[string]any{"merchantId": theirs}}, "body.merchantId")
		e.Must(200, apptest.Request{Method: "GET", Path: "/inventory/reconcile?merchantId=" + mine, Token: ownerA})

		// Nothing was written under the other organizer's merchant.
		var n struct{ Count int }
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations/count?where=" + q(`{"merchantId":"`+theirs+`"}`), Token: e.AdminToken()}).JSON(t, &n)
		if n.Count != 0 {
			t.Fatalf("%d configurations name the other organizer's merchant", n.Count)
		}
	})
}
