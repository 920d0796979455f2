package commerce_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

func TestProductLookup(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		mid := onboard(e, owner, "Siêu thị mini Hoa Sen", "DEFAULT")
		tea := product(e, owner, mid, teaBody(""))
		tv := variants(tea)
		water := product(e, owner, mid, map[string]any{"name": "Nước suối 500ml", "variants": []any{map[string]any{"price": 15000, "sku": "NS-500",
			"identifiers": []any{map[string]any{"type": "EAN8", "code": "96385074"}}}}})
		pork := product(e, owner, mid, map[string]any{"name": "Thịt heo ba chỉ", "info": map[string]any{"unit": "kg"}, "variants": []any{map[string]any{"price": 180000,
			"identifiers": []any{map[string]any{"type": "PLU", "code": "00123"}}}}})
		cheese := product(e, owner, mid, map[string]any{"name": "Phô mai cắt lát", "variants": []any{map[string]any{"price": 0,
			"identifiers": []any{map[string]any{"type": "PLU", "code": "4567"}}}}})
		// A custom code whose digits would fail a GS1 check still finds its product.
		custom := product(e, owner, mid, map[string]any{"name": "Thẻ thành viên", "variants": []any{map[string]any{"price": 50000,
			"identifiers": []any{map[string]any{"type": "CUSTOM", "code": "8934588012113"}}}}})

		look := func(code string) map[string]any {
			t.Helper()
			return get(e, 200, owner, "/products/lookup?merchantId="+mid.String()+"&code="+q(code)).Map(t)
		}
		variantOf := func(r map[string]any) string { return r["variant"].(map[string]any)["id"].(string) }
		cases := []struct {
			code, variant, typ, kind string
		}{
			{"TS-TC-M", tv[1]["id"].(string), "SKU", "TEXT"},
			{"ts-tc-m", tv[1]["id"].(string), "SKU", "TEXT"},                // SKUs in any case
			{" TS-TC-L \n", tv[2]["id"].(string), "SKU", "TEXT"},            // scanner suffix
			{"8934588012112", tv[0]["id"].(string), "EAN13", "EAN13"},       // product-level: its first variant
			{"036000291452", tv[2]["id"].(string), "UPCA", "UPCA"},          // UPC-A as scanned
			{"0036000291452", tv[2]["id"].(string), "UPCA", "EAN13"},        // the same as its EAN-13
			{"00036000291452", tv[2]["id"].(string), "UPCA", "EAN13"},       // and as a GTIN-14
			{"96385074", variants(water)[0]["id"].(string), "EAN8", "EAN8"}, // EAN-8
			{"123", variants(pork)[0]["id"].(string), "PLU", "TEXT"},        // a PLU typed in
			{"000123", variants(pork)[0]["id"].(string), "PLU", "TEXT"},     // with the scale's zeros
			{"8934588012113", variants(custom)[0]["id"].(string), "CUSTOM", "TEXT"},
		}
		for _, c := range cases {
			r := look(c.code)
			if variantOf(r) != c.variant || r["type"] != c.typ || r["kind"] != c.kind || r["weighted"] != nil {
				t.Fatalf("lookup %q: %v", c.code, r)
			}
		}
		if r := look("TS-TC-S"); r["product"].(map[string]any)["name"] != "Trà sữa trân châu" || r["variant"].(map[string]any)["price"].(float64) != 40000 {
			t.Fatalf("lookup result %v", r)
		}

		// A bad check digit is a 400; an unknown code a 404; no code a 400.
		for _, bad := range []string{"8934588012114", "036000291453", "96385075"} {
			r := get(e, 400, owner, "/products/lookup?merchantId="+mid.String()+"&code="+bad)
			if !strings.Contains(string(r.Body), "check digit") || !strings.Contains(string(r.Body), "query.code") {
				t.Fatalf("%s: %s", bad, r.Body)
			}
		}
		get(e, 404, owner, "/products/lookup?merchantId="+mid.String()+"&code=4006381333931")
		get(e, 404, owner, "/products/lookup?merchantId="+mid.String()+"&code=NOPE")
		get(e, 400, owner, "/products/lookup?merchantId="+mid.String()+"&code=%20")
		get(e, 400, owner, "/products/lookup?code=TS-TC-M") // an owner names the merchant

		// Weighed items: the merchant's scales print 20 + PLU + price and 21 + PLU + grams.
		price := mustEAN(t, "200012345000")
		get(e, 404, owner, "/products/lookup?merchantId="+mid.String()+"&code="+price) // no formats yet
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/merchants/" + mid.String(), Token: owner, Body: map[string]any{"barcodeConfig": map[string]any{
			"weighted": []any{
				map[string]any{"prefixes": []any{"20"}, "value": "PRICE"},
				map[string]any{"prefixes": []any{"21"}, "value": "WEIGHT"},
				map[string]any{"prefixes": []any{"23"}, "itemCodeLength": 4, "value": "PRICE", "priceMultiplier": 100},
			}}}})
		r := look(price)
		w, _ := r["weighted"].(map[string]any)
		if variantOf(r) != variants(pork)[0]["id"] || r["kind"] != "WEIGHTED" || r["type"] != "PLU" || w == nil ||
			w["itemCode"] != "00123" || w["priceVnd"].(float64) != 45000 || w["amount"].(float64) != 45000 || w["value"] != "PRICE" {
			t.Fatalf("price label: %v", r)
		}
		r = look(mustEAN(t, "210012301250"))
		w = r["weighted"].(map[string]any)
		// 1.25 kg at 180,000 VND/kg.
		if variantOf(r) != variants(pork)[0]["id"] || w["grams"].(float64) != 1250 || w["amount"].(float64) != 225000 || w["value"] != "WEIGHT" {
			t.Fatalf("weight label: %v", r)
		}
		r = look(mustEAN(t, "234567012345"))
		w = r["weighted"].(map[string]any)
		if variantOf(r) != variants(cheese)[0]["id"] || w["itemCode"] != "4567" || w["priceVnd"].(float64) != 1234500 {
			t.Fatalf("4-digit item, price in hundreds: %v", r)
		}
		get(e, 404, owner, "/products/lookup?merchantId="+mid.String()+"&code="+mustEAN(t, "200099945000")) // no such PLU
		// A new barcodeConfig replaces the old one whole: its third format keeps no field of the old third.
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/merchants/" + mid.String(), Token: owner, Body: map[string]any{"barcodeConfig": map[string]any{
			"weighted": []any{
				map[string]any{"prefixes": []any{"24"}, "value": "WEIGHT"},
				map[string]any{"prefixes": []any{"25"}, "value": "PRICE"},
				map[string]any{"prefixes": []any{"26"}, "value": "PRICE"},
			}}}})
		third := get(e, 200, owner, "/merchants/"+mid.String()).Map(t)["barcodeConfig"].(map[string]any)["weighted"].([]any)[2].(map[string]any)
		if third["itemCodeLength"] != nil || third["priceMultiplier"] != nil || fmt.Sprint(third["prefixes"]) != "[26]" {
			t.Fatalf("third format after the PATCH: %v", third)
		}
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/merchants/" + mid.String(), Token: owner, Body: map[string]any{"barcodeConfig": map[string]any{
			"weighted": []any{
				map[string]any{"prefixes": []any{"20"}, "value": "PRICE"},
				map[string]any{"prefixes": []any{"21"}, "value": "WEIGHT"},
				map[string]any{"prefixes": []any{"23"}, "itemCodeLength": 4, "value": "PRICE", "priceMultiplier": 100},
			}}}})
		get(e, 400, owner, "/products/lookup?merchantId="+mid.String()+"&code="+price[:12]+string('0'+(price[12]-'0'+1)%10))

		// Another organizer cannot look into this merchant; an employee of another merchant neither.
		get(e, 404, e.OwnerToken(200), "/products/lookup?merchantId="+mid.String()+"&code=TS-TC-M")
		other := onboard(e, owner, "Chi nhánh 2", "DEFAULT")
		get(e, 404, e.EmployeeToken(100, []id.ID{other}, "catalog.read"), "/products/lookup?merchantId="+mid.String()+"&code=TS-TC-M")
		// A caller of exactly one merchant needs no merchantId.
		r = get(e, 200, e.EmployeeToken(100, []id.ID{mid}, "catalog.read"), "/products/lookup?code=TS-TC-M").Map(t)
		if variantOf(r) != tv[1]["id"] {
			t.Fatalf("employee lookup %v", r)
		}
		// The Go API answers the same.
		res, err := e.App.Commerce.Lookup(auth.System(t.Context()), mid, "036000291452")
		if err != nil || res.Variant.ID.String() != tv[2]["id"] || res.Kind != commerce.UPCA {
			t.Fatalf("Lookup: %+v %v", res, err)
		}
	})
}

func mustEAN(t testing.TB, payload string) string {
	t.Helper()
	c, ok := commerce.WithCheckDigit(payload)
	if !ok {
		t.Fatalf("bad payload %s", payload)
	}
	return c
}
