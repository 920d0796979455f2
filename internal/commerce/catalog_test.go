package commerce_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

// teaBody is a product with three sized variants, a product-level EAN-13 and per-variant codes.
func teaBody(category string, groups ...string) map[string]any {
	vs := []any{}
	for i, size := range []string{"S", "M", "L"} {
		v := map[string]any{"options": map[string]any{"size": size}, "price": 40000 + int64(i)*5000, "sku": "ts-tc-" + size}
		if len(groups) > 0 {
			v["modifierGroupIds"] = groups
		}
		vs = append(vs, v)
	}
	vs[2].(map[string]any)["identifiers"] = []any{map[string]any{"type": "UPCA", "code": "036000291452"}}
	b := map[string]any{"name": "Trà sữa trân châu", "description": "Trà sữa nấu mỗi sáng", "identifiers": []any{map[string]any{"type": "EAN13", "code": "8934588012112"}},
		"info": map[string]any{"unit": "ly", "attributes": map[string]any{"caffeine": "có"}}, "variants": vs}
	if category != "" {
		b["categoryId"] = category
	}
	return b
}

func TestProductAggregate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		mid := onboard(e, owner, "Trà Sữa Nhà Làm", "")
		cats := list(e, owner, "/categories?filter="+q(`{"where":{"code":"TRA"}}`))
		if len(cats) != 1 {
			t.Fatalf("categories %v", cats)
		}
		cat := cats[0]["id"].(string)
		g := post(e, 201, owner, "/modifier-groups", map[string]any{"merchantId": mid.String(), "name": "Topping", "max": 3,
			"options": []any{map[string]any{"name": "Trân châu đen", "price": 8000}, map[string]any{"name": "Thạch đào", "price": 8000}}})
		if g["code"] != "TOPPING" || len(g["options"].([]any)) != 2 || g["options"].([]any)[0].(map[string]any)["code"] != "TRAN_CHAU_DEN" {
			t.Fatalf("modifier group %v", g)
		}

		p := product(e, owner, mid, teaBody(cat, g["id"].(string)))
		pid := p["id"].(string)
		vs := variants(p)
		if len(vs) != 3 || vs[0]["name"] != "S" || vs[2]["sku"] != "TS-TC-L" || vs[1]["price"].(float64) != 45000 || vs[0]["currency"] != "VND" {
			t.Fatalf("variants %v", vs)
		}
		if info := p["info"].(map[string]any); info["unit"] != "ly" {
			t.Fatalf("info %v", p["info"])
		}
		// 3 SKUs + the product's EAN-13 + the large size's UPC-A stored as its EAN-13.
		idents := p["identifiers"].([]any)
		codes := map[string]string{}
		for _, x := range idents {
			x := x.(map[string]any)
			codes[x["code"].(string)] = x["type"].(string)
		}
		if len(idents) != 5 || codes["0036000291452"] != "UPCA" || codes["8934588012112"] != "EAN13" || codes["TS-TC-M"] != "SKU" {
			t.Fatalf("identifiers %v", codes)
		}
		if n := eventCount(t, e, "ProductChanged", map[string]string{"productId": pid, "action": "CREATED"}); n != 1 {
			t.Fatalf("ProductChanged CREATED: %d", n)
		}

		// Read back with includes; the modifier links come with the variants.
		full := get(e, 200, owner, "/products/"+pid+"?filter="+q(`{"include":[{"relation":"variants","scope":{"order":["position DESC"]}},{"relation":"identifiers"},{"relation":"info"},{"relation":"category"}]}`)).Map(t)
		if variants(full)[0]["name"] != "L" || full["category"].(map[string]any)["code"] != "TRA" || len(full["identifiers"].([]any)) != 5 {
			t.Fatalf("included product %v", full)
		}
		l := list(e, owner, "/product-variants?filter="+q(`{"where":{"productId":"`+pid+`","price":{"gte":45000}},"include":[{"relation":"modifierGroups"}]}`))
		if len(l) != 2 || len(l[0]["modifierGroups"].([]any)) != 1 {
			t.Fatalf("variants with links %v", l)
		}

		// Bad input: each names its field; a bad check digit is a 400.
		bad := []struct {
			mutate func(b map[string]any)
			status int
			loc    string
		}{
			{func(b map[string]any) {
				b["identifiers"] = []any{map[string]any{"type": "EAN13", "code": "8934588012113"}}
			}, 400, "body.identifiers[0].code"},
			{func(b map[string]any) {
				b["variants"].([]any)[1].(map[string]any)["identifiers"] = []any{map[string]any{"type": "UPCA", "code": "036000291453"}}
			}, 400, "body.variants[1].identifiers[0].code"},
			{func(b map[string]any) { b["variants"] = []any{} }, 400, "body.variants"},
			{func(b map[string]any) { b["variants"].([]any)[0].(map[string]any)["price"] = -1 }, 400, "body.variants[0].price"},
			{func(b map[string]any) { b["variants"].([]any)[0].(map[string]any)["sku"] = "cà phê" }, 400, "body.variants[0].sku"},
			{func(b map[string]any) {
				b["variants"].([]any)[1].(map[string]any)["options"] = map[string]any{"size": "S"}
			}, 400, "body.variants[1].options"},
			{func(b map[string]any) { b["variants"].([]any)[1].(map[string]any)["sku"] = "new-a" }, 400, "body.variants[1].sku"},
			{func(b map[string]any) { b["variants"].([]any)[0].(map[string]any)["currency"] = "USD" }, 400, "body.variants[0].currency"},
			{func(b map[string]any) { b["variants"].([]any)[0].(map[string]any)["modifierGroupIds"] = []any{"12345"} }, 400, "modifierGroupIds"},
			{func(b map[string]any) { b["categoryId"] = "12345" }, 400, "body.categoryId"},
			{func(b map[string]any) { b["name"] = " " }, 400, "body.name"},
			// Codes another product already has: a 409 naming the field.
			{func(b map[string]any) {}, 409, "body.identifiers[0].code"},
			{func(b map[string]any) {
				b["identifiers"] = nil
				b["variants"].([]any)[2].(map[string]any)["identifiers"] = []any{map[string]any{"type": "EAN13", "code": "0036000291452"}}
			}, 409, "body.variants[2].identifiers[0].code"},
		}
		for i, c := range bad {
			b := teaBody(cat)
			for j := range b["variants"].([]any) {
				b["variants"].([]any)[j].(map[string]any)["sku"] = "NEW-" + string(rune('A'+j))
			}
			c.mutate(b)
			b["merchantId"] = mid.String()
			r := e.Must(c.status, apptest.Request{Method: "POST", Path: "/products", Token: owner, Body: b})
			if !strings.Contains(string(r.Body), c.loc) {
				t.Fatalf("case %d: error does not name %s: %s", i, c.loc, r.Body)
			}
		}
		if n := count(t, e, `SELECT count(*) FROM products`); n != 1 {
			t.Fatalf("failed creates left %d products", n)
		}

		// PATCH the product and its info; a variant's price and SKU (its identifier follows).
		pp := e.Must(200, apptest.Request{Method: "PATCH", Path: "/products/" + pid, Token: owner,
			Body: map[string]any{"name": "Trà sữa trân châu đường đen", "info": map[string]any{"unit": "cốc"}, "merchantId": "1"}}).Map(t)
		if pp["name"] != "Trà sữa trân châu đường đen" || pp["merchantId"] != mid.String() {
			t.Fatalf("patched product %v", pp)
		}
		full = get(e, 200, owner, "/products/"+pid+"?filter="+q(`{"include":[{"relation":"info"}]}`)).Map(t)
		if full["info"].(map[string]any)["unit"] != "cốc" {
			t.Fatalf("info after patch %v", full["info"])
		}
		vid := vs[0]["id"].(string)
		pv := e.Must(200, apptest.Request{Method: "PATCH", Path: "/product-variants/" + vid, Token: owner,
			Body: map[string]any{"price": 39000, "sku": "ts-tc-nho", "productId": "1"}}).Map(t)
		if pv["price"].(float64) != 39000 || pv["sku"] != "TS-TC-NHO" || pv["productId"] != pid {
			t.Fatalf("patched variant %v", pv)
		}
		if n := count(t, e, `SELECT count(*) FROM product_identifiers WHERE code IN ('TS-TC-S', 'TS-TC-NHO') AND deleted_at IS NULL`); n != 1 {
			t.Fatalf("SKU identifiers after the change: %d", n)
		}
		e.Must(409, apptest.Request{Method: "PATCH", Path: "/product-variants/" + vid, Token: owner, Body: map[string]any{"sku": "TS-TC-M"}})
		// Options sent replace the variant's: they are not merged into the ones it had.
		pv = e.Must(200, apptest.Request{Method: "PATCH", Path: "/product-variants/" + vid, Token: owner,
			Body: map[string]any{"options": map[string]any{"đường": "ít"}}}).Map(t)
		if fmt.Sprint(pv["options"]) != "map[đường:ít]" {
			t.Fatalf("options after a PATCH: %v", pv["options"])
		}
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/product-variants/" + vid, Token: owner, Body: map[string]any{"taxRate": "VAT7"}})
		// Identifiers have their own routes; a bad check digit is a 400 there too.
		x := post(e, 201, owner, "/product-identifiers", map[string]any{"productId": pid, "variantId": vid, "type": "EAN8", "code": "96385074"})
		e.Must(400, apptest.Request{Method: "POST", Path: "/product-identifiers", Token: owner, Body: map[string]any{"productId": pid, "type": "EAN8", "code": "96385075"}})
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/product-identifiers/" + x["id"].(string), Token: owner, Body: map[string]any{"code": "96385075"}})
		e.Must(409, apptest.Request{Method: "POST", Path: "/product-identifiers", Token: owner, Body: map[string]any{"productId": pid, "type": "EAN13", "code": "8934588012112"}})
		// A new variant, then delete it; the last variant cannot go.
		nv := post(e, 201, owner, "/product-variants", map[string]any{"productId": pid, "options": map[string]any{"size": "XL"}, "price": 60000, "sku": "TS-TC-XL"})
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/product-variants/" + nv["id"].(string), Token: owner})
		if n := count(t, e, `SELECT count(*) FROM product_identifiers WHERE code = 'TS-TC-XL' AND deleted_at IS NULL`); n != 0 {
			t.Fatal("the deleted variant's SKU is still live")
		}
		// Each of these writes published ProductChanged UPDATED.
		if n := eventCount(t, e, "ProductChanged", map[string]string{"productId": pid}); n < 6 {
			t.Fatalf("ProductChanged events: %d", n)
		}

		// DELETE the product: it, its variants and its codes go; the codes are free again.
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/products/" + pid, Token: owner})
		get(e, 404, owner, "/products/"+pid)
		get(e, 404, owner, "/product-variants/"+vid)
		get(e, 404, owner, "/products/lookup?merchantId="+mid.String()+"&code=8934588012112")
		if n := eventCount(t, e, "ProductChanged", map[string]string{"productId": pid, "action": "DELETED"}); n != 1 {
			t.Fatalf("ProductChanged DELETED: %d", n)
		}
		// Restore brings back the variants and codes deleted with it, not the one deleted before.
		e.Must(200, apptest.Request{Method: "POST", Path: "/products/" + pid + "/restore", Token: owner})
		if l := list(e, owner, "/product-variants?filter="+q(`{"where":{"productId":"`+pid+`"}}`)); len(l) != 3 {
			t.Fatalf("restored variants: %d", len(l))
		}
		get(e, 200, owner, "/products/lookup?merchantId="+mid.String()+"&code=8934588012112")
		// deleteBy deletes through the same hook.
		var cnt struct{ Count int }
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/products?where=" + q(`{"id":"`+pid+`"}`), Token: owner}).JSON(t, &cnt)
		if cnt.Count != 1 || count(t, e, `SELECT count(*) FROM product_identifiers WHERE product_id = ? AND deleted_at IS NULL`, mustID(t, pid)) != 0 {
			t.Fatalf("deleteBy: %d", cnt.Count)
		}
		// The codes can be used by a new product now.
		product(e, owner, mid, teaBody(cat))
	})
}

// Owner A cannot see or change B's catalog: every route answers 404 for B's rows, and B's
// merchant, categories or groups cannot be used in A's writes.
func TestCatalogTenantIsolation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ownerA, ownerB := e.OwnerToken(100), e.OwnerToken(200)
		ma := onboard(e, ownerA, "Quán A", "")
		ma2 := onboard(e, ownerA, "Quán A2", "")
		mb := onboard(e, ownerB, "Quán B", "")
		pa := product(e, ownerA, ma, teaBody(""))
		pid := pa["id"].(string)
		vid := variants(pa)[0]["id"].(string)
		ga := post(e, 201, ownerA, "/modifier-groups", map[string]any{"merchantId": ma.String(), "name": "Size", "min": 1})
		catA := list(e, ownerA, "/categories?filter="+q(`{"where":{"merchantId":"`+ma.String()+`"},"limit":1}`))[0]["id"].(string)

		for _, path := range []string{"/products/" + pid, "/product-variants/" + vid, "/modifier-groups/" + ga["id"].(string), "/categories/" + catA,
			"/products/lookup?merchantId=" + ma.String() + "&code=TS-TC-S"} {
			get(e, 404, ownerB, path)
		}
		e.Must(404, apptest.Request{Method: "PATCH", Path: "/products/" + pid, Token: ownerB, Body: map[string]any{"name": "x"}})
		e.Must(404, apptest.Request{Method: "PUT", Path: "/products/" + pid, Token: ownerB, Body: map[string]any{"merchantId": mb.String(), "name": "x"}})
		e.Must(404, apptest.Request{Method: "PATCH", Path: "/product-variants/" + vid, Token: ownerB, Body: map[string]any{"price": 1}})
		e.Must(404, apptest.Request{Method: "DELETE", Path: "/products/" + pid, Token: ownerB})
		e.Must(404, apptest.Request{Method: "DELETE", Path: "/product-variants/" + vid, Token: ownerB})
		e.Must(404, apptest.Request{Method: "POST", Path: "/products/" + pid + "/restore", Token: ownerB})
		var cnt struct{ Count int }
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/products?where=" + q(`{"id":"`+pid+`"}`), Token: ownerB, Body: map[string]any{"name": "x"}}).JSON(t, &cnt)
		if cnt.Count != 0 {
			t.Fatal("B's updateBy reached A's product")
		}
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/products?where=" + q(`{"name":{"like":"%"}}`), Token: ownerB}).JSON(t, &cnt)
		if cnt.Count != 0 {
			t.Fatal("B's deleteBy reached A's product")
		}
		if l := list(e, ownerB, "/products"); len(l) != 0 {
			t.Fatalf("B lists %v", l)
		}
		if l := list(e, ownerB, "/product-identifiers"); len(l) != 0 {
			t.Fatalf("B lists identifiers %v", l)
		}
		// B cannot write into A's merchant, nor use A's category, group, product or variant.
		b := teaBody("")
		b["merchantId"] = ma.String()
		e.Must(400, apptest.Request{Method: "POST", Path: "/products", Token: ownerB, Body: b})
		b = teaBody(catA)
		b["merchantId"] = mb.String()
		e.Must(400, apptest.Request{Method: "POST", Path: "/products", Token: ownerB, Body: b})
		b = teaBody("", ga["id"].(string))
		b["merchantId"] = mb.String()
		e.Must(400, apptest.Request{Method: "POST", Path: "/products", Token: ownerB, Body: b})
		e.Must(400, apptest.Request{Method: "POST", Path: "/product-variants", Token: ownerB, Body: map[string]any{"productId": pid, "price": 1}})
		e.Must(400, apptest.Request{Method: "POST", Path: "/product-identifiers", Token: ownerB, Body: map[string]any{"productId": pid, "type": "PLU", "code": "1"}})
		e.Must(400, apptest.Request{Method: "POST", Path: "/variant-modifier-groups", Token: ownerB, Body: map[string]any{"variantId": vid, "groupId": ga["id"]}})
		e.Must(400, apptest.Request{Method: "POST", Path: "/categories", Token: ownerB, Body: map[string]any{"merchantId": ma.String(), "name": "X"}})
		e.Must(400, apptest.Request{Method: "POST", Path: "/categories", Token: ownerB, Body: map[string]any{"merchantId": mb.String(), "name": "X", "parentId": catA}})
		e.Must(400, apptest.Request{Method: "POST", Path: "/modifier-options", Token: ownerB, Body: map[string]any{"groupId": ga["id"], "name": "X"}})
		// A's own second merchant cannot use the first one's category or group either.
		b = teaBody(catA)
		b["merchantId"] = ma2.String()
		e.Must(400, apptest.Request{Method: "POST", Path: "/products", Token: ownerA, Body: b})
		e.Must(400, apptest.Request{Method: "POST", Path: "/products", Token: ownerB, Body: map[string]any{"merchantId": mb.String(), "name": "x",
			"variants": []any{map[string]any{"price": 1, "modifierGroupIds": []any{ga["id"]}}}}})

		// An employee of A2 does not see A's first merchant's products; one of A sees them but cannot write.
		e.Must(404, apptest.Request{Method: "GET", Path: "/products/" + pid, Token: e.EmployeeToken(100, []id.ID{ma2}, "catalog.read")})
		reader := e.EmployeeToken(100, []id.ID{ma}, "catalog.read")
		get(e, 200, reader, "/products/"+pid)
		e.Must(403, apptest.Request{Method: "PATCH", Path: "/products/" + pid, Token: reader, Body: map[string]any{"name": "x"}})
		// The same codes are free in another merchant.
		product(e, ownerB, mb, teaBody(""))
		get(e, 200, ownerA, "/products/"+pid)
	})
}

func TestCategoryTreeAndStations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		mid := onboard(e, owner, "Nhà hàng Sen", "DEFAULT")
		bar := post(e, 201, owner, "/stations", map[string]any{"merchantId": mid.String(), "code": "bar", "name": "Quầy bar"})
		if bar["code"] != "BAR" {
			t.Fatalf("station %v", bar)
		}
		root := post(e, 201, owner, "/categories", map[string]any{"merchantId": mid.String(), "name": "Đồ uống có cồn", "stationId": bar["id"]})
		if root["code"] != "DO_UONG_CO_CON" || root["stationCode"] != "BAR" {
			t.Fatalf("category %v", root)
		}
		child := post(e, 201, owner, "/categories", map[string]any{"merchantId": mid.String(), "name": "Bia", "parentId": root["id"], "stationId": bar["id"]})
		grand := post(e, 201, owner, "/categories", map[string]any{"merchantId": mid.String(), "name": "Bia thủ công", "code": "BIA_TC", "parentId": child["id"]})
		// A cycle is refused; so is a duplicate code.
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/categories/" + root["id"].(string), Token: owner, Body: map[string]any{"parentId": grand["id"]}})
		e.Must(400, apptest.Request{Method: "PATCH", Path: "/categories/" + root["id"].(string), Token: owner, Body: map[string]any{"parentId": root["id"]}})
		e.Must(409, apptest.Request{Method: "POST", Path: "/categories", Token: owner, Body: map[string]any{"merchantId": mid.String(), "name": "Bia"}})
		tree := get(e, 200, owner, "/categories/"+root["id"].(string)+"?filter="+q(`{"include":[{"relation":"children"},{"relation":"station"}]}`)).Map(t)
		if len(tree["children"].([]any)) != 1 || tree["station"].(map[string]any)["code"] != "BAR" {
			t.Fatalf("tree %v", tree)
		}
		// Renaming the station's code follows into its categories; a used station cannot go.
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/stations/" + bar["id"].(string), Token: owner, Body: map[string]any{"code": "QUAY_BAR"}})
		if c := get(e, 200, owner, "/categories/"+child["id"].(string)).Map(t); c["stationCode"] != "QUAY_BAR" {
			t.Fatalf("category after the station's rename %v", c)
		}
		e.Must(409, apptest.Request{Method: "DELETE", Path: "/stations/" + bar["id"].(string), Token: owner})

		// The variant's quote info carries the category chain and the station.
		p := product(e, owner, mid, map[string]any{"name": "IPA Pasteur", "categoryId": grand["id"], "variants": []any{map[string]any{"price": 95000, "taxRate": "VAT10"}}})
		vid := mustID(t, variants(p)[0]["id"])
		vi, err := e.App.Commerce.VariantsForQuote(auth.System(t.Context()), mid, []id.ID{vid, 12345})
		if err != nil || len(vi) != 1 {
			t.Fatalf("VariantsForQuote: %v %v", vi, err)
		}
		v := vi[vid]
		if strings.Join(v.CategoryCodes, ",") != "BIA_TC,BIA,DO_UONG_CO_CON" || v.StationCode != "" || v.TaxRate != "VAT10" || !v.Active || v.Name != "IPA Pasteur" {
			t.Fatalf("variant info %+v", v)
		}
		// Sale channels and terminals.
		post(e, 201, owner, "/sale-channels", map[string]any{"merchantId": mid.String(), "code": "GRAB", "name": "GrabFood"})
		if l := list(e, owner, "/sale-channels?filter="+q(`{"where":{"merchantId":"`+mid.String()+`"}}`)); len(l) != 3 {
			t.Fatalf("sale channels %v", l)
		}
		post(e, 201, owner, "/terminals", map[string]any{"merchantId": mid.String(), "name": "Quầy 1", "saleChannelCode": "POS"})
		e.Must(409, apptest.Request{Method: "POST", Path: "/terminals", Token: owner, Body: map[string]any{"merchantId": mid.String(), "name": "Quầy 1"}})
	})
}
