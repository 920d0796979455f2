package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/search"
)

// result is GET /search/{collection}'s answer.
type result struct {
	Found int `json:"found"`
	Hits  []struct {
		ID       string         `json:"id"`
		Document map[string]any `json:"document"`
	} `json:"hits"`
	Facets map[string][]search.FacetCount `json:"facets"`
}

// find searches and fails the test unless the status is 200.
func find(e *apptest.Env, token, collection string, params url.Values) result {
	e.T.Helper()
	r := e.Must(200, apptest.Request{Method: "GET", Path: "/search/" + collection + "?" + params.Encode(), Token: token})
	var out result
	if err := json.Unmarshal(r.Body, &out); err != nil {
		e.T.Fatal(err)
	}
	return out
}

// names are the names of the hits, in order.
func (r result) names() []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, fmt.Sprint(h.Document["name"]))
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// catalog makes two merchants of an organizer with products, and waits until they are indexed.
type catalog struct {
	org        id.ID
	m1, m2     id.ID
	owner      string
	productIDs map[string]string
}

func makeCatalog(t *testing.T, e *apptest.Env, org id.ID) *catalog {
	t.Helper()
	c := &catalog{org: org, owner: e.OwnerToken(org), productIDs: map[string]string{}}
	c.m1, c.m2 = e.Merchant(org), e.Merchant(org)
	type p struct {
		merchant id.ID
		name     string
		price    int64
		status   string
		sku      string
		barcode  string
	}
	products := []p{
		{c.m1, "Cà phê sữa đá", 25000, "ACTIVE", "cf-sua-da", "8934588012112"},
		{c.m1, "Ca phe den", 20000, "ACTIVE", "CF-DEN", ""},
		{c.m1, "Trà đào cam sả", 35000, "ACTIVE", "TRA-DAO", ""},
		{c.m1, "Bánh mì thịt", 30000, "INACTIVE", "BM-THIT", ""},
		{c.m2, "Nước cam ép", 28000, "ACTIVE", "NUOC-CAM", "036000291452"},
	}
	for _, x := range products {
		v := map[string]any{"price": x.price, "sku": x.sku}
		if x.barcode != "" {
			typ := "EAN13"
			if len(x.barcode) == 12 {
				typ = "UPCA"
			}
			v["identifiers"] = []any{map[string]any{"type": typ, "code": x.barcode}}
		}
		body := map[string]any{"merchantId": x.merchant.String(), "name": x.name, "status": x.status, "variants": []any{v}}
		r := e.Must(201, apptest.Request{Method: "POST", Path: "/products", Token: c.owner, Body: body}).Map(t)
		c.productIDs[x.name] = fmt.Sprint(r["id"])
	}
	apptest.Eventually(t, "the products to be searchable", func() bool {
		return find(e, c.owner, "products", url.Values{"limit": {"50"}}).Found == len(products)
	})
	return c
}

// textCases are the free-text searches of makeCatalog's products, the same on every backend.
var textCases = []struct {
	name string
	q    string
	want []string
}{
	{"folded query finds accented names", "ca phe", []string{"Ca phe den", "Cà phê sữa đá"}},
	{"accented query finds plain names", "cà phê", []string{"Ca phe den", "Cà phê sữa đá"}},
	{"upper case", "CÀ PHÊ", []string{"Ca phe den", "Cà phê sữa đá"}},
	{"đ folds to d", "tra dao", []string{"Trà đào cam sả"}},
	{"d finds đ", "đào", []string{"Trà đào cam sả"}},
	{"one word", "sữa", []string{"Cà phê sữa đá"}},
	{"prefix as a cashier types", "tr", []string{"Trà đào cam sả"}},
	{"prefix of a later word", "ca phe s", []string{"Cà phê sữa đá"}},
	{"prefix folded", "bán", []string{"Bánh mì thịt"}},
	{"typo in a 4-letter word", "thjt", []string{"Bánh mì thịt"}},
	{"typo in a 4-letter word, accents", "nuóc", []string{"Nước cam ép"}},
	{"no typo under 4 letters", "cem", []string{}},
	{"barcode exact", "8934588012112", []string{"Cà phê sữa đá"}},
	{"UPC-A found as stored (its EAN-13)", "0036000291452", []string{"Nước cam ép"}},
	{"barcode prefix is not a match", "893458801211", []string{}},
	{"SKU exact, any case", "CF-SUA-DA", []string{"Cà phê sữa đá"}},
	{"SKU lower case", "tra-dao", []string{"Trà đào cam sả"}},
	{"nothing", "pizza", []string{}},
}

func TestSearchProductsOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := makeCatalog(t, e, 7100)
		makeCatalog(t, e, 7200) // another tenant's same names: never seen by the first

		t.Run("free text", func(t *testing.T) {
			cases := textCases
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					got := find(e, c.owner, "products", url.Values{"q": {tc.q}})
					if !slices.Equal(sorted(got.names()), sorted(tc.want)) {
						t.Fatalf("q=%q: got %v, want %v", tc.q, got.names(), tc.want)
					}
				})
			}
		})

		t.Run("filters", func(t *testing.T) {
			cases := []struct {
				name, filter string
				want         []string
			}{
				{"between", `{"price":{"between":[20000,26000]}}`, []string{"Ca phe den", "Cà phê sữa đá"}},
				{"eq", `{"status":"INACTIVE"}`, []string{"Bánh mì thịt"}},
				{"neq", `{"status":{"neq":"ACTIVE"}}`, []string{"Bánh mì thịt"}},
				{"gt and lt", `{"price":{"gt":25000,"lt":35000}}`, []string{"Bánh mì thịt", "Nước cam ép"}},
				{"gte lte", `{"price":{"gte":30000,"lte":35000}}`, []string{"Bánh mì thịt", "Trà đào cam sả"}},
				{"or", `{"or":[{"price":{"lt":21000}},{"price":{"gt":34000}}]}`, []string{"Ca phe den", "Trà đào cam sả"}},
				{"and", `{"and":[{"status":"ACTIVE"},{"merchantId":"` + c.m2.String() + `"}]}`, []string{"Nước cam ép"}},
				{"inq", `{"merchantId":{"inq":["` + c.m2.String() + `"]}}`, []string{"Nước cam ép"}},
				{"nin", `{"merchantId":{"nin":["` + c.m1.String() + `"]}}`, []string{"Nước cam ép"}},
				{"where wrapper", `{"where":{"status":"INACTIVE"}}`, []string{"Bánh mì thịt"}},
				{"another organizer in the filter finds nothing", `{"organizerId":"7200"}`, []string{}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					got := find(e, c.owner, "products", url.Values{"filter": {tc.filter}, "limit": {"50"}})
					if !slices.Equal(sorted(got.names()), sorted(tc.want)) {
						t.Fatalf("filter %s: got %v, want %v", tc.filter, got.names(), tc.want)
					}
				})
			}
			got := find(e, c.owner, "products", url.Values{"q": {"ca phe"}, "filter": {`{"price":{"lt":22000}}`}})
			if !slices.Equal(got.names(), []string{"Ca phe den"}) {
				t.Fatalf("q and filter: %v", got.names())
			}
		})

		t.Run("bad input is a 400", func(t *testing.T) {
			cases := []struct{ name, param, value, loc string }{
				{"not JSON", "filter", `{"price":`, "query.filter"},
				{"not an object", "filter", `[1]`, "query.filter"},
				{"unknown field", "filter", `{"secret":1}`, "query.filter.secret"},
				{"text field", "filter", `{"name":"x"}`, "query.filter.name"},
				{"unknown operator", "filter", `{"price":{"like":"1"}}`, "query.filter.price.like"},
				{"range on a keyword", "filter", `{"status":{"gt":"A"}}`, "query.filter.status.gt"},
				{"number as text", "filter", `{"price":"abc"}`, "query.filter.price"},
				{"fraction", "filter", `{"price":1.5}`, "query.filter.price"},
				{"between reversed", "filter", `{"price":{"between":[5,1]}}`, "query.filter.price.between"},
				{"between one value", "filter", `{"price":{"between":[5]}}`, "query.filter.price.between"},
				{"empty inq", "filter", `{"status":{"inq":[]}}`, "query.filter.status.inq"},
				{"backtick", "filter", "{\"status\":\"A`B\"}", "query.filter.status"},
				{"empty or", "filter", `{"or":[]}`, "query.filter.or"},
				{"null", "filter", `{"status":null}`, "query.filter.status"},
				{"unknown facet", "facets", "name", "query.facets"},
				{"unknown sort", "sort", "description", "query.sort"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := e.Must(400, apptest.Request{Method: "GET", Path: "/search/products?" + url.Values{tc.param: {tc.value}}.Encode(), Token: c.owner})
					if !strings.Contains(string(r.Body), tc.loc) {
						t.Fatalf("%s: the problem does not name %s: %s", tc.value, tc.loc, r.Body)
					}
				})
			}
			if r := e.Do(apptest.Request{Method: "GET", Path: "/search/orders", Token: c.owner}); r.Status < 400 || r.Status >= 500 {
				t.Fatalf("unknown collection: %d %s", r.Status, r.Body)
			}
			if r := e.Do(apptest.Request{Method: "GET", Path: "/search/products?limit=1000", Token: c.owner}); r.Status < 400 || r.Status >= 500 {
				t.Fatalf("limit too large: %d %s", r.Status, r.Body)
			}
		})

		t.Run("facets, sort, pages", func(t *testing.T) {
			got := find(e, c.owner, "products", url.Values{"facets": {"status,merchantId"}, "sort": {"-price"}, "limit": {"2"}})
			if got.Found != 5 || !slices.Equal(got.names(), []string{"Trà đào cam sả", "Bánh mì thịt"}) {
				t.Fatalf("page 1 by price desc: %d %v", got.Found, got.names())
			}
			want := map[string]int{"ACTIVE": 4, "INACTIVE": 1}
			for _, b := range got.Facets["status"] {
				if want[b.Value] != b.Count {
					t.Fatalf("status facet %v", got.Facets["status"])
				}
			}
			if len(got.Facets["merchantId"]) != 2 {
				t.Fatalf("merchant facet %v", got.Facets["merchantId"])
			}
			p2 := find(e, c.owner, "products", url.Values{"sort": {"price:desc"}, "limit": {"2"}, "page": {"2"}})
			if !slices.Equal(p2.names(), []string{"Nước cam ép", "Cà phê sữa đá"}) {
				t.Fatalf("page 2: %v", p2.names())
			}
			byName := find(e, c.owner, "products", url.Values{"sort": {"name"}, "limit": {"50"}})
			if !slices.Equal(byName.names(), []string{"Bánh mì thịt", "Ca phe den", "Cà phê sữa đá", "Nước cam ép", "Trà đào cam sả"}) &&
				!slices.Equal(byName.names(), []string{"Bánh mì thịt", "Cà phê sữa đá", "Ca phe den", "Nước cam ép", "Trà đào cam sả"}) {
				t.Fatalf("by folded name: %v", byName.names())
			}
		})

		t.Run("tenant scope from the principal", func(t *testing.T) {
			other := e.OwnerToken(7300)
			if got := find(e, other, "products", url.Values{"q": {"ca phe"}}); got.Found != 0 {
				t.Fatalf("another organizer sees %v", got.names())
			}
			if got := find(e, other, "products", url.Values{"filter": {`{"organizerId":"7100"}`}}); got.Found != 0 {
				t.Fatalf("another organizer's filter widens its scope: %v", got.names())
			}
			emp := e.EmployeeToken(c.org, []id.ID{c.m2}, "catalog.read")
			got := find(e, emp, "products", url.Values{"limit": {"50"}})
			if !slices.Equal(got.names(), []string{"Nước cam ép"}) {
				t.Fatalf("an employee of one merchant sees %v", got.names())
			}
			got = find(e, emp, "products", url.Values{"filter": {`{"merchantId":"` + c.m1.String() + `"}`}})
			if got.Found != 0 {
				t.Fatalf("an employee's filter widens its merchants: %v", got.names())
			}
			admin := find(e, e.AdminToken(), "products", url.Values{"q": {"ca phe den"}})
			if admin.Found != 2 {
				t.Fatalf("an admin sees every tenant's: %v", admin.names())
			}
			e.Must(403, apptest.Request{Method: "GET", Path: "/search/products", Token: e.EmployeeToken(c.org, []id.ID{c.m2}, "sale.read")})
			e.Must(403, apptest.Request{Method: "GET", Path: "/search/devices", Token: emp})
			e.Must(401, apptest.Request{Method: "GET", Path: "/search/products"})
		})

		t.Run("changes are indexed from events", func(t *testing.T) {
			pid := c.productIDs["Ca phe den"]
			e.Must(200, apptest.Request{Method: "PATCH", Path: "/products/" + pid, Token: c.owner, Body: map[string]any{"name": "Cà phê đen nóng"}})
			apptest.Eventually(t, "the rename to be searchable", func() bool {
				return slices.Equal(find(e, c.owner, "products", url.Values{"q": {"den nong"}}).names(), []string{"Cà phê đen nóng"})
			})
			e.Must(200, apptest.Request{Method: "DELETE", Path: "/products/" + pid, Token: c.owner})
			apptest.Eventually(t, "the deleted product to leave the index", func() bool {
				return find(e, c.owner, "products", url.Values{"q": {"den"}}).Found == 0
			})
		})
	})
}

func TestSearchOtherCollections(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		org := id.ID(8100)
		owner := e.OwnerToken(org)
		res, err := e.App.Commerce.Onboard(auth.System(context.Background()), commerce.OnboardInput{OrganizerID: org,
			Name: "Cà Phê Trứng Giảng", Type: commerce.TypeFNB, Address: "39 Nguyễn Hữu Huân, Hà Nội"})
		if err != nil {
			t.Fatal(err)
		}
		mid := res.Merchant.ID
		apptest.Eventually(t, "the onboarded merchant to be searchable", func() bool {
			return find(e, owner, "merchants", url.Values{"q": {"trung giang"}}).Found == 1
		})
		cases := []struct {
			collection, q string
			want          []string
		}{
			{"merchants", "ca phe trung", []string{"Cà Phê Trứng Giảng"}},
			{"merchants", "nguyen huu huan", []string{"Cà Phê Trứng Giảng"}},
			{"categories", "ca phe", []string{"Cà phê"}},
			{"categories", "tra sua", []string{"Trà & Trà sữa"}},
			{"sale-channels", "mang di", []string{"Mang đi"}},
			{"sale-channels", "giao", []string{"Giao hàng"}},
		}
		for _, tc := range cases {
			got := find(e, owner, tc.collection, url.Values{"q": {tc.q}})
			if !slices.Equal(sorted(got.names()), sorted(tc.want)) {
				t.Fatalf("%s q=%q: got %v, want %v", tc.collection, tc.q, got.names(), tc.want)
			}
		}
		// A category written through the API is indexed from commerce's RowChanged.
		e.Must(201, apptest.Request{Method: "POST", Path: "/categories", Token: owner,
			Body: map[string]any{"merchantId": mid.String(), "name": "Sinh tố đặc biệt"}})
		apptest.Eventually(t, "the new category to be searchable", func() bool {
			return slices.Equal(find(e, owner, "categories", url.Values{"q": {"sinh to dac"}}).names(), []string{"Sinh tố đặc biệt"})
		})
		got := find(e, owner, "categories", url.Values{"filter": {`{"code":"CA_PHE"}`}})
		if !slices.Equal(got.names(), []string{"Cà phê"}) {
			t.Fatalf("categories by code: %v", got.names())
		}
		// An organizer made by a sign-up is indexed from SellerRegistered.
		s := e.SignUp(map[string]any{"email": "giang@example.vn", "organizerName": "Công ty Đồng Giảng", "displayName": "Giảng"})
		token := fmt.Sprint(s["token"])
		apptest.Eventually(t, "the new organizer to be searchable", func() bool {
			return find(e, token, "organizers", url.Values{"q": {"dong giang"}}).Found == 1
		})
		if got := find(e, owner, "organizers", url.Values{"q": {"dong giang"}}); got.Found != 0 {
			t.Fatalf("another organizer sees %v", got.names())
		}
	})
}

func TestReindexRebuildsFromTheDatabase(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := makeCatalog(t, e, 9100)
		ctx := auth.System(context.Background())
		b := e.App.Search.Backend()
		col, err := e.App.Search.Collection(search.Products)
		if err != nil {
			t.Fatal(err)
		}
		// The index loses a document and holds one whose row never existed.
		if err := b.Delete(ctx, col, []string{c.productIDs["Trà đào cam sả"]}); err != nil {
			t.Fatal(err)
		}
		if err := b.Upsert(ctx, col, []search.Document{{"id": "42", "organizerId": "9100", "merchantId": c.m1.String(), "name": "Ma"}}); err != nil {
			t.Fatal(err)
		}
		if got := find(e, c.owner, "products", url.Values{"limit": {"50"}}); got.Found != 5 || slices.Contains(got.names(), "Trà đào cam sả") {
			t.Fatalf("before the reindex: %v", got.names())
		}
		var seen []int
		n, err := e.App.Search.Reindex(ctx, search.Products, func(_ string, done int) { seen = append(seen, done) })
		if err != nil {
			t.Fatal(err)
		}
		if n < 5 || len(seen) == 0 {
			t.Fatalf("reindexed %d, progress %v", n, seen)
		}
		got := find(e, c.owner, "products", url.Values{"limit": {"50"}})
		if got.Found != 5 || !slices.Contains(got.names(), "Trà đào cam sả") || slices.Contains(got.names(), "Ma") {
			t.Fatalf("after the reindex: %v", got.names())
		}
		for _, name := range search.CollectionNames() {
			if _, err := e.App.Search.Reindex(ctx, name, nil); err != nil {
				t.Fatalf("reindex %s: %v", name, err)
			}
		}
	})
}
