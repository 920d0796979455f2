package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
)

// ignisExample is one example of IGNIS's filter documentation (its repository, folder
// packages/docs/wiki/references/base/), written for the demo café's rows, with the rows its
// documented meaning selects.
type ignisExample struct {
	doc    string   // the page and the example
	path   string   // the list route
	filter string   // ?filter=, with {NAME} placeholders for ids
	key    string   // the field that names a row in want
	want   []string // the rows selected: in order when ordered, else as a set
	// ordered: want is in order; keys: the exact fields of every row, when the example selects
	// fields; only: the dialect the example is for, when it is one dialect's syntax.
	ordered bool
	keys    []string
	only    string
}

var (
	trà    = []string{"Trà đào cam sả", "Trà vải", "Trà sữa trân châu", "Trà xanh matcha latte", "Trà chanh"}
	caphe  = []string{"Cà phê đen đá", "Cà phê sữa đá", "Cà phê trứng", "Cà phê muối"}
	bánh   = []string{"Bánh mì thịt nướng", "Bánh mì ốp la", "Bánh croissant bơ", "Bánh tiramisu"}
	allCat = []string{"CAFE", "TRA", "NUOC", "BANH"}
)

// ignisExamples: each documented example, in the documentation's order. A documented example
// needs a row with its shape: the arrays are the fare sets' sale channels, the JSON documents
// are configuration values, both made by the test.
var ignisExamples = []ignisExample{
	// comparison-operators.md
	{doc: "eq: implicit equality", path: "/product-variants", filter: `{"where":{"price":45000}}`, key: "sku",
		want: []string{"CF-MUOI", "TR-DAO", "TR-VAI", "NE-CAM"}},
	{doc: "eq: explicit form", path: "/product-variants", filter: `{"where":{"price":{"eq":45000}}}`, key: "sku",
		want: []string{"CF-MUOI", "TR-DAO", "TR-VAI", "NE-CAM"}},
	{doc: "eq: null equality", path: "/categories", filter: `{"where":{"parentId":null}}`, key: "code", want: allCat},
	{doc: "eq: null equality, explicit", path: "/categories", filter: `{"where":{"parentId":{"eq":null}}}`, key: "code", want: allCat},
	{doc: "eq: array shorthand (becomes IN)", path: "/product-variants", filter: `{"where":{"sku":["CF-DEN","CF-SUA","CF-BX"]}}`, key: "sku",
		want: []string{"CF-DEN", "CF-SUA", "CF-BX"}},
	{doc: "ne", path: "/categories", filter: `{"where":{"code":{"ne":"TRA"}}}`, key: "code", want: []string{"CAFE", "NUOC", "BANH"}},
	{doc: "neq (alias)", path: "/categories", filter: `{"where":{"code":{"neq":"TRA"}}}`, key: "code", want: []string{"CAFE", "NUOC", "BANH"}},
	{doc: "ne: null handling", path: "/categories", filter: `{"where":{"stationId":{"ne":null}}}`, key: "code", want: allCat},
	{doc: "gt: numbers", path: "/product-variants", filter: `{"where":{"price":{"gt":50000}}}`, key: "sku",
		want: []string{"CF-CAP", "TS-MATCHA", "ST-BO", "PHO-TAI"}},
	{doc: "gt: dates", path: "/categories", filter: `{"where":{"createdAt":{"gt":"2024-01-01"}}}`, key: "code", want: allCat},
	{doc: "gt: strings (lexicographic)", path: "/categories", filter: `{"where":{"code":{"gt":"M"}}}`, key: "code", want: []string{"NUOC", "TRA"}},
	{doc: "gte: combined with other operators", path: "/product-variants", filter: `{"where":{"price":{"gte":42000,"lt":46000}}}`, key: "sku",
		want: []string{"CF-MUOI", "TR-DAO", "TR-VAI", "TS-TC", "NE-CAM"}},
	{doc: "lt", path: "/product-variants", filter: `{"where":{"price":{"lt":25000}}}`, key: "sku", want: []string{"NS-500", "HD-01"}},
	{doc: "lte", path: "/product-variants", filter: `{"where":{"price":{"lte":25000}}}`, key: "sku", want: []string{"NS-500", "HD-01", "TR-CHANH"}},
	// range-operators.md
	{doc: "between: numeric range", path: "/product-variants", filter: `{"where":{"price":{"between":[30000,35000]}}}`, key: "sku",
		want: []string{"CF-SUA", "ND-DUA", "BM-THIT", "BM-OPLA", "XX-01"}},
	{doc: "between: string range", path: "/categories", filter: `{"where":{"code":{"between":["A","M"]}}}`, key: "code", want: []string{"CAFE", "BANH"}},
	{doc: "notBetween", path: "/product-variants", filter: `{"where":{"price":{"notBetween":[20000,60000]}}}`, key: "sku", want: []string{"NS-500", "PHO-TAI"}},
	{doc: "gte/lte for a range", path: "/product-variants", filter: `{"where":{"price":{"gte":15000,"lte":20000}}}`, key: "sku", want: []string{"NS-500", "HD-01"}},
	// list-operators.md
	{doc: "in", path: "/categories", filter: `{"where":{"code":{"in":["CAFE","TRA"]}}}`, key: "code", want: []string{"CAFE", "TRA"}},
	{doc: "inq (alias)", path: "/categories", filter: `{"where":{"code":{"inq":["CAFE","TRA"]}}}`, key: "code", want: []string{"CAFE", "TRA"}},
	{doc: "in: numeric ids", path: "/products", filter: `{"where":{"categoryId":{"in":["{TRA}"]}},"limit":20}`, key: "name", want: trà},
	{doc: "nin", path: "/categories", filter: `{"where":{"code":{"nin":["CAFE","TRA"]}}}`, key: "code", want: []string{"NUOC", "BANH"}},
	{doc: "in: empty array returns no rows", path: "/categories", filter: `{"where":{"code":{"in":[]}}}`, key: "code", want: nil},
	{doc: "nin: empty array returns all rows", path: "/categories", filter: `{"where":{"code":{"nin":[]}}}`, key: "code", want: allCat},
	{doc: "in: a non-array is eq", path: "/categories", filter: `{"where":{"code":{"in":"TRA"}}}`, key: "code", want: []string{"TRA"}},
	// null-operators.md
	{doc: "is: NULL check", path: "/categories", filter: `{"where":{"parentId":{"is":null}}}`, key: "code", want: allCat},
	{doc: "is: value check (same as eq)", path: "/categories", filter: `{"where":{"code":{"is":"TRA"}}}`, key: "code", want: []string{"TRA"}},
	{doc: "isn: NOT NULL check", path: "/categories", filter: `{"where":{"parentId":{"isn":null}}}`, key: "code", want: nil},
	{doc: "isn: value check (same as ne)", path: "/categories", filter: `{"where":{"code":{"isn":"TRA"}}}`, key: "code", want: []string{"CAFE", "NUOC", "BANH"}},
	{doc: "soft delete pattern: active records", path: "/categories", filter: `{"where":{"deletedAt":{"is":null}}}`, key: "code", want: allCat},
	// pattern-matching.md
	{doc: "like: contains", path: "/products", filter: `{"where":{"name":{"like":"%phê%"}}}`, key: "name", want: caphe},
	{doc: "like: case-sensitive", path: "/products", filter: `{"where":{"name":{"like":"%trà%"}}}`, key: "name", want: nil},
	{doc: "like: single character wildcard", path: "/product-variants", filter: `{"where":{"sku":{"like":"CF-___"}}}`, key: "sku",
		want: []string{"CF-DEN", "CF-SUA", "CF-ESP", "CF-CAP"}},
	{doc: "nlike", path: "/categories", filter: `{"where":{"name":{"nlike":"%&%"}}}`, key: "code", want: []string{"CAFE"}},
	{doc: "ilike: case-insensitive, Vietnamese letters folded", path: "/products", filter: `{"where":{"name":{"ilike":"%TRÀ%"}}}`, key: "name", want: trà},
	{doc: "ilike: lower case pattern", path: "/products", filter: `{"where":{"name":{"ilike":"%CÀ PHÊ%"}}}`, key: "name", want: caphe},
	{doc: "ilike: Đ and đ", path: "/categories", filter: `{"where":{"name":{"ilike":"%ĐỒ ĂN"}}}`, key: "code", want: []string{"BANH"}},
	{doc: "nilike", path: "/categories", filter: `{"where":{"name":{"nilike":"%TRÀ%"}}}`, key: "code", want: []string{"CAFE", "NUOC", "BANH"}},
	{doc: "regexp", path: "/products", filter: `{"where":{"name":{"regexp":"^B"}}}`, key: "name", want: append([]string{"Bạc xỉu"}, bánh...)},
	{doc: "iregexp", path: "/products", filter: `{"where":{"name":{"iregexp":"^bánh"}}}`, key: "name", want: bánh},
	{doc: "regexp: PostgreSQL syntax (word boundaries)", path: "/products", filter: `{"where":{"name":{"regexp":"\\mmì\\M"}}}`, key: "name",
		want: []string{"Bánh mì thịt nướng", "Bánh mì ốp la"}, only: "postgres"},
	// logical-operators.md
	{doc: "implicit AND", path: "/product-variants", filter: `{"where":{"price":45000,"sku":{"like":"TR-%"}}}`, key: "sku", want: []string{"TR-DAO", "TR-VAI"}},
	{doc: "explicit AND", path: "/product-variants", filter: `{"where":{"and":[{"status":"ACTIVE"},{"sku":{"in":["TR-DAO","CF-SUA"]}},{"createdAt":{"gte":"2024-01-01"}}]}}`,
		key: "sku", want: []string{"TR-DAO", "CF-SUA"}},
	{doc: "OR", path: "/categories", filter: `{"where":{"or":[{"code":"CAFE"},{"code":"TRA"}]}}`, key: "code", want: []string{"CAFE", "TRA"}},
	{doc: "nested AND/OR", path: "/product-variants", filter: `{"where":{"or":[{"and":[{"price":{"gte":50000}},{"sku":{"like":"CF-%"}}]},{"sku":"HD-01"}]}}`,
		key: "sku", want: []string{"CF-CAP", "HD-01"}},
	{doc: "AND with an OR", path: "/categories", filter: `{"where":{"status":"ACTIVE","or":[{"code":"CAFE"},{"code":"BANH"}]}}`, key: "code", want: []string{"CAFE", "BANH"}},
	{doc: "complex example", path: "/product-variants", key: "sku", want: []string{"CF-CAP", "TS-MATCHA", "NS-500"},
		filter: `{"where":{"status":"ACTIVE","deletedAt":{"is":null},"or":[{"and":[{"trackStock":false},{"price":{"gte":50000}}]},{"and":[{"trackStock":true},{"price":{"lte":15000}}]}]}}`},
	{doc: "empty OR group is dropped", path: "/categories", filter: `{"where":{"or":[]}}`, key: "code", want: allCat},
	{doc: "empty AND group is dropped", path: "/categories", filter: `{"where":{"and":[],"code":"TRA"}}`, key: "code", want: []string{"TRA"}},
	// array-operators.md, on the fare sets' sale channels (its visual comparison's products A to E).
	{doc: "contains", path: "/pricing-fare-sets", filter: `{"where":{"channels":{"contains":["DINE_IN"]}}}`, key: "code", want: []string{"A", "B"}},
	{doc: "contains: every element", path: "/pricing-fare-sets", filter: `{"where":{"channels":{"contains":["DINE_IN","TAKE_AWAY"]}}}`, key: "code", want: []string{"A"}},
	{doc: "containedBy", path: "/pricing-fare-sets", filter: `{"where":{"channels":{"containedBy":["DINE_IN","TAKE_AWAY"]}}}`, key: "code", want: []string{"A", "B", "E"}},
	{doc: "overlaps", path: "/pricing-fare-sets", filter: `{"where":{"channels":{"overlaps":["TAKE_AWAY","DELIVERY"]}}}`, key: "code", want: []string{"A", "C", "D"}},
	{doc: "contains: [] returns all rows", path: "/pricing-fare-sets", filter: `{"where":{"channels":{"contains":[]}}}`, key: "code", want: []string{"A", "B", "C", "D", "E"}},
	{doc: "containedBy: [] returns empty arrays", path: "/pricing-fare-sets", filter: `{"where":{"channels":{"containedBy":[]}}}`, key: "code", want: []string{"E"}},
	{doc: "overlaps: [] returns no rows", path: "/pricing-fare-sets", filter: `{"where":{"channels":{"overlaps":[]}}}`, key: "code", want: nil},
	// json-filtering.md, on configuration values.
	{doc: "JSON: simple nested field", path: "/configurations", filter: `{"where":{"value.user.id":123}}`, key: "code", want: []string{"UI.THEME"}},
	{doc: "JSON: deep nesting", path: "/configurations", filter: `{"where":{"value.user.role":"admin"}}`, key: "code", want: []string{"UI.THEME"}},
	{doc: "JSON: array index", path: "/configurations", filter: `{"where":{"value.tags[0]":"urgent"}}`, key: "code", want: []string{"UI.THEME"}},
	{doc: "JSON: kebab-case keys", path: "/configurations", filter: `{"where":{"value.user-id":"abc123"}}`, key: "code", want: []string{"UI.LAYOUT"}},
	{doc: "JSON: nested with array", path: "/configurations", filter: `{"where":{"value.items[1].name":"Cà"}}`, key: "code", want: []string{"UI.FONT"}},
	{doc: "JSON: numeric comparison (safe casting)", path: "/configurations", filter: `{"where":{"value.score":{"gt":80}}}`, key: "code", want: []string{"UI.THEME"}},
	{doc: "JSON: range", path: "/configurations", filter: `{"where":{"value.priority":{"gte":1,"lte":2}}}`, key: "code", want: []string{"UI.LAYOUT", "UI.FONT"}},
	{doc: "JSON: between", path: "/configurations", filter: `{"where":{"value.score":{"between":[70,90]}}}`, key: "code", want: []string{"UI.THEME"}},
	{doc: "JSON: pattern matching", path: "/configurations", filter: `{"where":{"value.level":{"ilike":"%high%"}}}`, key: "code", want: []string{"UI.THEME"}},
	{doc: "JSON: IN", path: "/configurations", filter: `{"where":{"value.status":{"in":["pending","review"]}}}`, key: "code", want: []string{"UI.LAYOUT"}},
	{doc: "JSON: booleans compared as text", path: "/configurations", filter: `{"where":{"value.enabled":true}}`, key: "code", want: []string{"UI.THEME"}},
	{doc: "JSON: null-safe paths", path: "/configurations", filter: `{"where":{"value.nonexistent.field":"value"}}`, key: "code", want: nil},
	{doc: "JSON path ordering", path: "/configurations", filter: `{"where":{"value.priority":{"isNotNull":true}},"order":["value.priority DESC"]}`, key: "code",
		want: []string{"UI.THEME", "UI.FONT", "UI.LAYOUT"}, ordered: true},
	// fields-order-pagination.md
	{doc: "fields: array format", path: "/categories", filter: `{"where":{"code":"TRA"},"fields":["id","code","name"]}`, key: "code",
		want: []string{"TRA"}, keys: []string{"code", "id", "name"}},
	{doc: "fields: object format, include", path: "/categories", filter: `{"where":{"code":"TRA"},"fields":{"id":true,"code":true,"name":true}}`, key: "code",
		want: []string{"TRA"}, keys: []string{"code", "id", "name"}},
	{doc: "fields: object format, exclude", path: "/sale-channels", filter: `{"where":{"code":"DINE_IN"},"fields":{"createdAt":false,"updatedAt":false,"organizerId":false}}`,
		key: "code", want: []string{"DINE_IN"}, keys: []string{"code", "id", "merchantId", "name", "position", "status"}},
	{doc: "order: single column, descending", path: "/categories", filter: `{"order":["code DESC"]}`, key: "code", want: []string{"TRA", "NUOC", "CAFE", "BANH"}, ordered: true},
	{doc: "order: multiple columns", path: "/product-variants", filter: `{"order":["price DESC","sku ASC"],"limit":3}`, key: "sku",
		want: []string{"PHO-TAI", "CF-CAP", "ST-BO"}, ordered: true},
	{doc: "order: default direction is ASC", path: "/product-variants", filter: `{"order":["sku"],"limit":2}`, key: "sku", want: []string{"BK-CROI", "BK-TIRA"}, ordered: true},
	{doc: "limit and skip", path: "/product-variants", filter: `{"order":["sku"],"limit":3,"skip":2}`, key: "sku", want: []string{"BM-OPLA", "BM-THIT", "CF-BX"}, ordered: true},
	{doc: "offset (alias of skip)", path: "/product-variants", filter: `{"order":["sku"],"limit":2,"offset":4}`, key: "sku", want: []string{"CF-BX", "CF-CAP"}, ordered: true},
	{doc: "skip wins over offset", path: "/product-variants", filter: `{"order":["sku"],"limit":3,"offset":10,"skip":2}`, key: "sku",
		want: []string{"BM-OPLA", "BM-THIT", "CF-BX"}, ordered: true},
	{doc: "combined example", path: "/product-variants", filter: `{"where":{"status":"ACTIVE"},"fields":["id","sku","price","createdAt"],"order":["price ASC","sku DESC"],"limit":3,"skip":0}`,
		key: "sku", want: []string{"NS-500", "HD-01", "TR-CHANH"}, ordered: true, keys: []string{"createdAt", "id", "price", "sku"}},
	// The sale orders the test makes.
	{doc: "ne on an enum", path: "/sale-orders", filter: `{"where":{"type":{"ne":"TAKE_AWAY"}}}`, key: "tableCode", want: []string{"T1", "T2"}},
	{doc: "between on money", path: "/sale-orders", filter: `{"where":{"total":{"between":[32000,40000]},"type":"DINE_IN"}}`, key: "tableCode", want: []string{"T1"}},
}

// TestIgnisFilterCompatibility runs each documented IGNIS filter example over HTTP on the demo
// café and asserts the rows its documented meaning selects, on both databases; then IGNIS's
// include forms (scope limit and skip per parent, nesting, shouldSkipDefaultFilter) and the
// empty-where guard of updateBy and deleteBy.
func TestIgnisFilterCompatibility(t *testing.T) {
	monday9 := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) // before the happy hour
	apptest.EachWithClock(t, monday9, func(t *testing.T, e *apptest.Env, _ *clock.Fake) {
		d, err := e.App.SeedDemo(context.Background(), app.DemoOptions{Password: "cafe-demo-2026"})
		if err != nil {
			t.Fatal(err)
		}
		tok := e.OwnerToken(d.OrganizerID)
		mid := d.MerchantID.String()
		ids := map[string]string{}
		for _, c := range ignisList(t, e, tok, "/categories", `{"limit":100}`) {
			ids[c["code"].(string)] = c["id"].(string)
		}
		// The fare sets of array-operators.md's products A to E, the configuration values of
		// json-filtering.md, and three sale orders.
		for code, channels := range map[string][]string{"A": {"DINE_IN", "TAKE_AWAY"}, "B": {"DINE_IN"}, "C": {"TAKE_AWAY", "DELIVERY"},
			"D": {"DELIVERY"}, "E": {}} {
			e.Must(201, apptest.Request{Method: "POST", Path: "/pricing-fare-sets", Token: tok,
				Body: map[string]any{"merchantId": mid, "code": code, "name": "Bảng giá " + code, "channels": channels}})
		}
		for code, value := range map[string]string{
			"UI.THEME":  `{"user":{"id":123,"role":"admin"},"score":85,"tags":["urgent"],"level":"HIGH","priority":3,"enabled":true}`,
			"UI.LAYOUT": `{"score":"high","priority":1,"user-id":"abc123","status":"review","enabled":false}`,
			"UI.FONT":   `{"score":null,"priority":2,"items":[{"name":"x"},{"name":"Cà"}],"status":"done"}`,
		} {
			e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: tok,
				Body: map[string]any{"code": code, "group": "UI", "dataType": "JSON", "value": json.RawMessage(value)}})
		}
		banhmi, opla := d.Catalog.Variants["BM-THIT"].String(), d.Catalog.Variants["BM-OPLA"].String()
		for _, o := range []map[string]any{
			{"type": "TAKE_AWAY", "lines": []map[string]any{{"variantId": banhmi, "quantity": 2}}},
			{"type": "DINE_IN", "tableCode": "T1", "lines": []map[string]any{{"variantId": banhmi, "quantity": 1}}},
			{"type": "DINE_IN", "tableCode": "T2", "lines": []map[string]any{{"variantId": opla, "quantity": 1}}},
		} {
			o["merchantId"] = mid
			e.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: tok, Body: o})
		}

		for _, x := range ignisExamples {
			if x.only != "" && x.only != e.Target {
				continue
			}
			filter := x.filter
			for code, v := range ids {
				filter = strings.ReplaceAll(filter, "{"+code+"}", v)
			}
			rows := ignisList(t, e, tok, x.path, filter)
			var got []string
			for _, r := range rows {
				s, _ := r[x.key].(string)
				got = append(got, s)
				if x.keys != nil {
					var keys []string
					for k := range r {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					if !slices.Equal(keys, x.keys) {
						t.Errorf("%s (%s): fields %v, want %v", x.doc, filter, keys, x.keys)
					}
				}
			}
			want := slices.Clone(x.want)
			if !x.ordered {
				sort.Strings(got)
				sort.Strings(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: GET %s?filter=%s: %q, want %q", x.doc, x.path, filter, got, want)
			}
		}

		// relations.md: a scope's limit and skip apply to each category's products.
		cats := ignisList(t, e, tok, "/categories", `{"order":["position ASC"],"include":[{"relation":"products","scope":{"order":["position ASC"],"limit":2,"fields":["name"]}}]}`)
		for _, c := range cats {
			if n := len(c["products"].([]any)); n != 2 {
				t.Errorf("limit 2 per category: %s has %d products", c["code"], n)
			}
		}
		cats = ignisList(t, e, tok, "/categories", `{"where":{"code":"BANH"},"include":[{"relation":"products","scope":{"order":["position ASC"],"skip":5}}]}`)
		if p := cats[0]["products"].([]any); len(p) != 2 {
			t.Errorf("skip 5 of BANH's 7 products: %v", p)
		}
		// Nested include: categories, their products, the products' variants.
		cats = ignisList(t, e, tok, "/categories", `{"where":{"code":"TRA"},"include":[{"relation":"products","scope":{"where":{"name":{"ilike":"%VẢI%"}},`+
			`"include":[{"relation":"variants","scope":{"fields":["sku","price"]}}]}}]}`)
		if p := cats[0]["products"].([]any); len(p) != 1 || p[0].(map[string]any)["variants"].([]any)[0].(map[string]any)["sku"] != "TR-VAI" {
			t.Errorf("nested include: %v", cats)
		}
		deep := `{"include":[{"relation":"products","scope":{"include":[{"relation":"category","scope":{"include":[{"relation":"products","scope":{"include":["variants"]}}]}}]}}]}`
		if r := e.Do(apptest.Request{Method: "GET", Path: "/categories?filter=" + url.QueryEscape(deep), Token: tok}); r.Status != 400 ||
			!strings.Contains(string(r.Body), "deeper than 3") {
			t.Errorf("a fourth level of include: %d %s", r.Status, r.Body)
		}
		// default-filter.md: shouldSkipDefaultFilter shows a soft-deleted product to an admin.
		var cafe map[string]any
		for _, p := range ignisList(t, e, tok, "/products", `{"where":{"name":"Espresso"}}`) {
			cafe = p
		}
		e.Must(200, apptest.Request{Method: "DELETE", Path: "/products/" + cafe["id"].(string), Token: tok})
		skip := fmt.Sprintf(`{"where":{"code":"CAFE"},"include":[{"relation":"products","shouldSkipDefaultFilter":%s,"scope":{"where":{"name":"Espresso"}}}]}`, "true")
		if r := e.Do(apptest.Request{Method: "GET", Path: "/categories?filter=" + url.QueryEscape(skip), Token: tok}); r.Status != 403 {
			t.Errorf("an owner skips the soft delete: %d %s", r.Status, r.Body)
		}
		if c := ignisList(t, e, e.AdminToken(), "/categories", skip); len(c) != 1 || len(c[0]["products"].([]any)) != 1 {
			t.Errorf("an admin sees the deleted Espresso: %v", c)
		}
		if c := ignisList(t, e, tok, "/categories", strings.Replace(skip, "true", "false", 1)); len(c) != 1 || len(c[0]["products"].([]any)) != 0 {
			t.Errorf("the deleted Espresso without shouldSkipDefaultFilter: %v", c)
		}

		// updateBy and deleteBy refuse a where that has no condition once empty groups are
		// dropped: {"and":[]} once updated every row.
		for _, w := range []string{`{"and":[]}`, `{"or":[]}`, `{"and":[{"or":[]}]}`, `{"code":{"nin":[]}}`} {
			e.Must(400, apptest.Request{Method: "PATCH", Path: "/configurations?where=" + url.QueryEscape(w), Token: tok,
				Body: map[string]any{"description": "every row"}})
			e.Must(400, apptest.Request{Method: "DELETE", Path: "/configurations?where=" + url.QueryEscape(w), Token: tok})
		}
		for _, c := range ignisList(t, e, tok, "/configurations", `{}`) {
			if c["description"] != nil && c["description"] != "" {
				t.Errorf("a refused updateBy changed %v", c)
			}
		}
		e.Must(200, apptest.Request{Method: "PATCH", Path: "/configurations?where=" + url.QueryEscape(`{"or":[],"value.priority":{"gt":2}}`), Token: tok,
			Body: map[string]any{"description": "the first"}})
		if c := ignisList(t, e, tok, "/configurations", `{"where":{"description":"the first"}}`); len(c) != 1 || c[0]["code"] != "UI.THEME" {
			t.Errorf("updateBy beside an empty group: %v", c)
		}
		// An invalid regular expression is a 400 naming the field, on both databases.
		r := e.Do(apptest.Request{Method: "GET", Path: "/products?filter=" + url.QueryEscape(`{"where":{"name":{"regexp":"(("}}}`), Token: tok})
		if r.Status != 400 || !strings.Contains(string(r.Body), "query.filter.where.name.regexp") {
			t.Errorf("an invalid regexp: %d %s", r.Status, r.Body)
		}
	})
}

// ignisList GETs path with ?filter= and returns its rows: a JSON array, or the data of IGNIS's
// {count, data} envelope.
func ignisList(t *testing.T, e *apptest.Env, tok, path, filter string) []map[string]any {
	t.Helper()
	r := e.Must(200, apptest.Request{Method: "GET", Path: path + "?filter=" + url.QueryEscape(filter), Token: tok})
	var rows []map[string]any
	if strings.HasPrefix(strings.TrimSpace(string(r.Body)), "{") {
		var env struct {
			Data []map[string]any `json:"data"`
		}
		r.JSON(t, &env)
		return env.Data
	}
	r.JSON(t, &rows)
	return rows
}
