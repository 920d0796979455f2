package search_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/search"
	"github.com/banapos/bana/internal/search/typesensetest"
)

func products(t testing.TB) *search.Collection {
	for _, c := range search.Collections() {
		if c.Name == search.Products {
			return c
		}
	}
	t.Fatal("no products collection")
	return nil
}

func TestFilterByConversion(t *testing.T) {
	c := products(t)
	cases := []struct {
		filter, want string
	}{
		{`{"status":"ACTIVE"}`, "status:=`ACTIVE`"},
		{`{"status":{"eq":"ACTIVE"}}`, "status:=`ACTIVE`"},
		{`{"status":{"neq":"ACTIVE"}}`, "status:!=`ACTIVE`"},
		{`{"status":{"ne":"ACTIVE"}}`, "status:!=`ACTIVE`"},
		{`{"price":{"gt":100}}`, "price:>100"},
		{`{"price":{"gte":100}}`, "price:>=100"},
		{`{"price":{"lt":-5}}`, "price:<-5"},
		{`{"price":{"lte":0}}`, "price:<=0"},
		{`{"price":{"between":[10000,50000]}}`, "price:[10000..50000]"},
		{`{"price":1e3}`, "price:=1000"},
		{`{"status":{"inq":["ACTIVE","INACTIVE"]}}`, "status:=[`ACTIVE`, `INACTIVE`]"},
		{`{"status":{"in":["ACTIVE"]}}`, "status:=[`ACTIVE`]"},
		{`{"status":{"nin":["ACTIVE"]}}`, "status:!=[`ACTIVE`]"},
		{`{"merchantId":123}`, "merchantId:=`123`"},
		{`{"status":"Cà phê && (x) || y"}`, "status:=`Cà phê && (x) || y`"},
		{`{"price":{"gt":1,"lt":9}}`, "price:>1 && price:<9"},
		{`{"status":"A","price":5}`, "price:=5 && status:=`A`"},
		{`{"or":[{"status":"A"},{"price":{"lt":5}}]}`, "status:=`A` || price:<5"},
		{`{"and":[{"status":"A"},{"or":[{"price":1},{"price":2}]}]}`, "status:=`A` && (price:=1 || price:=2)"},
		{`{"or":[{"status":"A"},{"and":[{"price":{"gte":1}},{"price":{"lte":2}}]}]}`, "status:=`A` || (price:>=1 && price:<=2)"},
		{`{"or":[{"status":"A"}]}`, "status:=`A`"},
		{`{"where":{"status":"A"}}`, "status:=`A`"},
		{`{}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			e, err := search.ParseFilter(c, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			got, err := search.FilterBy(e)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if got != "" {
				if _, err := typesensetest.ParseFilterBy(got); err != nil {
					t.Fatalf("%s does not parse: %v", got, err)
				}
			}
		})
	}
	refused := []string{
		`{"status":"a` + "`" + `b"}`, `{"status":""}`, `{"status":"` + strings.Repeat("x", 201) + `"}`, `{"status":"a\nb"}`,
		`{"price":"1"}`, `{"price":1.5}`, `{"price":1e300}`, `{"price":9007199254740993}`, `{"price":{"between":[2,1]}}`,
		`{"price":{"between":[1,2,3]}}`, `{"status":{"gt":"A"}}`, `{"name":"x"}`, `{"codes":"x"}`, `{"price":{}}`,
		`{"price":{"regexp":"x"}}`, `{"or":{}}`, `{"or":[1]}`, `{"or":[{}]}`, `{"and":[]}`, `{"status":{"inq":"A"}}`,
		`{"status":true}`, `{"merchantId":1.5}`, `[]`, `"x"`, `{"a":1} {}`, `{`,
		strings.Repeat(`{"or":[`, 10) + `{"price":1}` + strings.Repeat(`]}`, 10),
	}
	for _, f := range refused {
		t.Run("refused "+f, func(t *testing.T) {
			if _, err := search.ParseFilter(c, f); err == nil {
				t.Fatalf("%s was accepted", f)
			}
		})
	}
}

// FuzzFilterBy: every filter either is refused by the parser or converts to a filter_by that
// Typesense's grammar reads whole.
func FuzzFilterBy(f *testing.F) {
	for _, s := range []string{`{"status":"ACTIVE"}`, `{"price":{"between":[1,2]}}`, `{"or":[{"status":"A"},{"and":[{"price":1},{"categoryId":"2"}]}]}`,
		`{"status":{"nin":["a","b"]}}`, "{\"status\":\"`\"}", `{"price":{"gt":-1,"lte":1e2}}`, `{"merchantId":{"inq":[1,"2"]}}`} {
		f.Add(s)
	}
	c := products(f)
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := search.ParseFilter(c, raw)
		if err != nil {
			return
		}
		fb, err := search.FilterBy(e)
		if err != nil {
			t.Fatalf("%s parsed but does not convert: %v", raw, err)
		}
		if fb == "" {
			return
		}
		if _, err := typesensetest.ParseFilterBy(fb); err != nil {
			t.Fatalf("%s converts to a malformed filter_by %q: %v", raw, fb, err)
		}
	})
}

func TestScopedKeys(t *testing.T) {
	// Typesense's scheme (typesense-js generateScopedSearchKey): base64 of the base64 HMAC-SHA256
	// digest of the parameters' JSON under the search key, the key's first 4 characters, the JSON.
	const key, params = "RN23GFr1s6jQ9kgSNg2O7fYcAUXU7127", `{"filter_by":"company_id:124","expires_at":1906054106}`
	raw, err := base64.StdEncoding.DecodeString(search.ScopedKeyJSON(key, params))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(params))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "RN23" + params; string(raw) != want {
		t.Fatalf("scoped key holds %s, want %s", raw, want)
	}
	k, err := search.MerchantKey("abcdEFGHsearch", "7", "42", time.Unix(2000000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = base64.StdEncoding.DecodeString(k)
	if !strings.Contains(string(raw), "abcd{") || !strings.Contains(string(raw), "organizerId:=`7` && merchantId:=`42`") {
		t.Fatalf("merchant key holds %s", raw)
	}
}

// TestTypesenseClient drives the backend against two nodes of a test cluster: collections made
// on first use, upserts, deletes, exports, searches with filter_by, facets and sort, failover
// when a node is down, and per-merchant scoped keys used directly against Typesense.
func TestTypesenseClient(t *testing.T) {
	a := typesensetest.New("admin-key-123", "search-key-456")
	defer a.Close()
	b := a.Peer()
	defer b.Close()
	clk := clock.NewFake(time.Unix(1_800_000_000, 0))
	ts, err := search.NewTypesense(search.TypesenseConfig{APIKey: "admin-key-123", Nodes: []string{a.Node(), b.Node()}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := products(t)
	docs := []search.Document{
		{"id": "1", "organizerId": "7", "merchantId": "70", "name": "Cà phê sữa đá", "status": "ACTIVE", "price": int64(25000), "codes": []string{"8934588012112", "cf-sua"}},
		{"id": "2", "organizerId": "7", "merchantId": "70", "name": "Trà đào", "status": "ACTIVE", "price": int64(35000)},
		{"id": "3", "organizerId": "7", "merchantId": "71", "name": "Bánh mì", "status": "INACTIVE", "price": int64(20000)},
		{"id": "4", "organizerId": "8", "merchantId": "80", "name": "Cà phê muối", "status": "ACTIVE", "price": int64(30000)},
	}
	if err := ts.Upsert(ctx, c, docs); err != nil {
		t.Fatal(err)
	}
	if n := a.Count("bana_products"); n != 4 {
		t.Fatalf("the cluster holds %d", n)
	}
	req := func(q, filter string, sort ...search.SortKey) *search.Request {
		var e *search.Expr
		if filter != "" {
			if e, err = search.ParseFilter(c, filter); err != nil {
				t.Fatal(err)
			}
		}
		return &search.Request{Q: q, Words: search.Words(search.Fold(q)), Filter: e, Sort: sort, Page: 1, Limit: 10, Facets: []string{"status"}}
	}
	ids := func(r *search.SearchResult) []string {
		var out []string
		for _, h := range r.Hits {
			out = append(out, h.ID)
		}
		return out
	}
	cases := []struct {
		name, q, filter string
		sort            []search.SortKey
		want            []string
	}{
		{"folded", "ca phe", "", nil, []string{"1", "4"}},
		{"accents", "cà phê", `{"organizerId":"7"}`, nil, []string{"1"}},
		{"prefix", "tr", "", nil, []string{"2"}},
		{"typo", "banhh", "", nil, []string{"3"}},
		{"barcode", "8934588012112", "", nil, []string{"1"}},
		{"sku any case", "CF-SUA", "", nil, []string{"1"}},
		{"barcode prefix", "893458801211", "", nil, nil},
		{"filter", "", `{"price":{"between":[20000,30000]}}`, []search.SortKey{{Field: "price", Desc: true}}, []string{"4", "1", "3"}},
		{"or", "", `{"or":[{"status":"INACTIVE"},{"merchantId":"80"}]}`, []search.SortKey{{Field: "price"}}, []string{"3", "4"}},
		{"sort by folded name", "", `{"organizerId":"7"}`, []search.SortKey{{Field: "name"}}, []string{"3", "1", "2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ts.Search(ctx, c, req(tc.q, tc.filter, tc.sort...))
			if err != nil {
				t.Fatal(err)
			}
			got := ids(r)
			if tc.sort == nil {
				slices.Sort(got)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	r, err := ts.Search(ctx, c, req("", ""))
	if err != nil || len(r.Facets["status"]) != 2 || r.Facets["status"][0] != (search.FacetCount{Value: "ACTIVE", Count: 3}) {
		t.Fatalf("facets %v %v", r, err)
	}

	t.Run("failover", func(t *testing.T) {
		a.Fail(true)
		before := b.Requests()
		r, err := ts.Search(ctx, c, req("tra", ""))
		if err != nil || !slices.Equal(ids(r), []string{"2"}) {
			t.Fatalf("with the first node down: %v %v", r, err)
		}
		if b.Requests() == before {
			t.Fatal("the second node was not asked")
		}
		// The failed node is skipped while it is marked down, even once it is back.
		a.Fail(false)
		askedA := a.Requests()
		if _, err := ts.Search(ctx, c, req("tra", "")); err != nil {
			t.Fatal(err)
		}
		if a.Requests() != askedA {
			t.Fatal("a node marked down was asked before its retry time")
		}
		b.Fail(true)
		clk.Advance(time.Minute)
		if _, err := ts.Search(ctx, c, req("tra", "")); err != nil {
			t.Fatalf("with the second node down and the first back: %v", err)
		}
		a.Fail(true)
		if _, err := ts.Search(ctx, c, req("tra", "")); err == nil {
			t.Fatal("every node down, and no error")
		}
		a.Fail(false)
		b.Fail(false)
	})

	t.Run("delete and export", func(t *testing.T) {
		if err := ts.Delete(ctx, c, []string{"2", "99"}); err != nil {
			t.Fatal(err)
		}
		var all []string
		if err := ts.IDs(ctx, c, func(ids []string) error { all = append(all, ids...); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(all, []string{"1", "3", "4"}) {
			t.Fatalf("ids %v", all)
		}
	})

	t.Run("scoped merchant keys", func(t *testing.T) {
		key, err := search.MerchantKey("search-key-456", "7", "70", clk.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		direct := func(key, filter string) (int, string) {
			q := url.Values{"q": {"*"}, "query_by": {"text_folded"}}
			if filter != "" {
				q.Set("filter_by", filter)
			}
			resp, err := a.Client().Get(a.URL + "/collections/bana_products/documents/search?" + q.Encode() + "&x-typesense-api-key=" + url.QueryEscape(key))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Found int `json:"found"`
			}
			_ = decodeJSON(resp.Body, &out)
			return resp.StatusCode, strings.Repeat("x", out.Found)
		}
		a.Now = clk.Now
		if st, found := direct(key, ""); st != 200 || len(found) != 1 {
			t.Fatalf("the merchant's key: %d, found %d", st, len(found))
		}
		if st, found := direct(key, "merchantId:=`80`"); st != 200 || len(found) != 0 {
			t.Fatalf("the merchant's key widened by a filter: %d, found %d", st, len(found))
		}
		tampered := []byte(mustDecode(t, key))
		tampered[len(tampered)-3] = '9'
		if st, _ := direct(base64.StdEncoding.EncodeToString(tampered), ""); st != 401 {
			t.Fatalf("a tampered key: %d", st)
		}
		expired, _ := search.MerchantKey("search-key-456", "7", "70", clk.Now().Add(-time.Second))
		if st, _ := direct(expired, ""); st != 401 {
			t.Fatalf("an expired key: %d", st)
		}
	})
}

func mustDecode(t *testing.T, s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSearchOverHTTPOnTypesense runs BANA's GET /search over the Typesense backend (a test
// cluster of two nodes), with the same free-text cases as the embedded index.
func TestSearchOverHTTPOnTypesense(t *testing.T) {
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			a := typesensetest.New("admin-key-123", "search-key-456")
			defer a.Close()
			b := a.Peer()
			defer b.Close()
			e := apptest.Start(t, tg, apptest.Vars{"APP_ENV_TYPESENSE_NODES": a.Node() + "," + b.Node(),
				"APP_ENV_TYPESENSE_API_KEY": "admin-key-123", "APP_ENV_SEARCH_BACKEND": "typesense"})
			if e.App.Search.Backend().Name() != "typesense" {
				t.Fatalf("backend %s", e.App.Search.Backend().Name())
			}
			c := makeCatalog(t, e, 7100)
			makeCatalog(t, e, 7200)
			for _, tc := range textCases {
				t.Run(tc.name, func(t *testing.T) {
					got := find(e, c.owner, "products", url.Values{"q": {tc.q}})
					if !slices.Equal(sorted(got.names()), sorted(tc.want)) {
						t.Fatalf("q=%q: got %v, want %v", tc.q, got.names(), tc.want)
					}
				})
			}
			got := find(e, c.owner, "products", url.Values{"filter": {`{"price":{"between":[20000,26000]}}`}, "sort": {"-price"}, "facets": {"status"}})
			if !slices.Equal(got.names(), []string{"Cà phê sữa đá", "Ca phe den"}) || len(got.Facets["status"]) != 1 {
				t.Fatalf("filter and sort: %v %v", got.names(), got.Facets)
			}
			if got := find(e, e.OwnerToken(7300), "products", url.Values{"q": {"ca phe"}}); got.Found != 0 {
				t.Fatalf("another organizer sees %v", got.names())
			}
			a.Fail(true)
			if got := find(e, c.owner, "products", url.Values{"q": {"tra dao"}}); got.Found != 1 {
				t.Fatalf("with a node down: %v", got.names())
			}
			b.Fail(true)
			if r := e.Do(apptest.Request{Method: "GET", Path: "/search/products?q=tra", Token: c.owner}); r.Status != 503 {
				t.Fatalf("every node down: %d %s", r.Status, r.Body)
			}
		})
	}
}

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
