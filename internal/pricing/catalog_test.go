package pricing

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/demo"
	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/module"
)

// The catalog belongs to commerce, which pricing does not import. These tests read it through
// the Catalog interface from two small tables of their own, on the same real database as the
// pricing tables, rather than from a map: the quote then does the reads it does in production.
// (Taking the catalog as data in the quote request would have let a client choose its prices.)
// A variant's modifier groups are checked by commerce's own rule (commerce.ValidateModifiers),
// the one order creation applies, read once per quote as commerce reads them (platform/memo).

var catalogMigrations = db.Migrations{Module: "pricingtest", Schema: "public", FS: fstest.MapFS{
	"0001_catalog.sql": {Data: []byte(`-- +up
CREATE TABLE {{table "pricingtest_merchants"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    prices_include_tax BOOLEAN NOT NULL,
    vat_rate TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT ''
);
CREATE TABLE {{table "pricingtest_variants"}} (
    id BIGINT PRIMARY KEY,
    merchant_id BIGINT NOT NULL,
    sku TEXT NOT NULL,
    categories TEXT NOT NULL,
    price BIGINT NOT NULL,
    tax_rate TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    modifier_groups TEXT NOT NULL
);
-- +down
DROP TABLE {{table "pricingtest_variants"}};
DROP TABLE {{table "pricingtest_merchants"}};
`)},
}}

// testCatalog implements Catalog over the pricingtest tables.
type testCatalog struct{ db *db.DB }

func (c *testCatalog) MerchantForQuote(ctx context.Context, merchantID id.ID) (CatalogMerchant, error) {
	var m CatalogMerchant
	var org int64
	err := c.db.Raw(ctx, false).QueryRowContext(ctx, c.db.Rebind(`SELECT organizer_id, currency, prices_include_tax, vat_rate, time_zone
		FROM pricingtest_merchants WHERE id = ?`), int64(merchantID)).Scan(&org, &m.Currency, &m.PricesIncludeTax, &m.VATRate, &m.TimeZone)
	if errors.Is(err, sql.ErrNoRows) {
		return m, errs.New(errs.NotFound, "merchant "+merchantID.String()+" not found")
	}
	m.OrganizerID = id.ID(org)
	return m, err
}

// MerchantOrganizer implements auth.Directory over the test catalog's merchants, as commerce
// does in the application.
func (c *testCatalog) MerchantOrganizer(ctx context.Context, merchantID id.ID) (id.ID, error) {
	m, err := c.MerchantForQuote(ctx, merchantID)
	return m.OrganizerID, err
}

func (c *testCatalog) VariantsForQuote(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]CatalogVariant, error) {
	rows, err := c.variants(ctx, merchantID, variantIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[id.ID]CatalogVariant, len(rows))
	for vid, r := range rows {
		out[vid] = r.CatalogVariant
	}
	return out, nil
}

// CheckModifiers is commerce's rule over the variant's groups, as the application wires it.
func (c *testCatalog) CheckModifiers(ctx context.Context, merchantID, variantID id.ID, optionIDs []id.ID) error {
	r, ok := memo.Get[testVariant](ctx, testVariantKey{merchantID, variantID})
	if !ok {
		rows, err := c.variants(ctx, merchantID, []id.ID{variantID})
		if err != nil {
			return err
		}
		if r, ok = rows[variantID]; !ok {
			return errs.Wrap(errs.NotFound, "variant "+variantID.String()+" not found", errs.ErrNotFound)
		}
	}
	return commerce.ValidateModifiers(commerce.VariantInfo{VariantID: variantID, Name: r.name, ModifierGroups: r.groups}, optionIDs)
}

// testVariant is a row of the test catalog: the variant as a quote sees it, with its name and
// modifier groups as commerce's rule sees them.
type testVariant struct {
	CatalogVariant
	name   string
	groups []commerce.ModifierGroupInfo
}

// testVariantKey names a variant read in an operation's memo.
type testVariantKey struct{ merchant, variant id.ID }

// variants reads the merchant's variants among variantIDs, remembering each for the operation.
// A variant's options are the available options of its groups, as the application's adapter
// gives them.
func (c *testCatalog) variants(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]testVariant, error) {
	args := []any{int64(merchantID)}
	for _, v := range variantIDs {
		args = append(args, int64(v))
	}
	rows, err := c.db.Raw(ctx, false).QueryContext(ctx, c.db.Rebind(`SELECT id, sku, categories, price, tax_rate, active, name, modifier_groups
		FROM pricingtest_variants WHERE merchant_id = ? AND id IN (`+placeholders(len(variantIDs))+`)`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[id.ID]testVariant{}
	for rows.Next() {
		var v testVariant
		var vid int64
		var cats, groups string
		if err := rows.Scan(&vid, &v.SKU, &cats, &v.Price, &v.TaxRate, &v.Active, &v.name, &groups); err != nil {
			return nil, err
		}
		v.VariantID = id.ID(vid)
		if err := json.Unmarshal([]byte(cats), &v.Categories); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(groups), &v.groups); err != nil {
			return nil, err
		}
		v.Options = map[id.ID]CatalogOption{}
		for _, g := range v.groups {
			for _, o := range g.Options {
				if o.Active {
					v.Options[o.ID] = CatalogOption{Name: o.Name, Price: o.Price}
				}
			}
		}
		out[v.VariantID] = v
		memo.Put(ctx, testVariantKey{merchantID, v.VariantID}, v)
	}
	return out, rows.Err()
}

// setMerchant inserts or replaces a merchant of the test catalog.
func (c *testCatalog) setMerchant(t testing.TB, mid id.ID, m CatalogMerchant) {
	t.Helper()
	ctx := auth.System(context.Background())
	if _, err := c.db.Raw(ctx, true).ExecContext(ctx, c.db.Rebind(`DELETE FROM pricingtest_merchants WHERE id = ?`), int64(mid)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.Raw(ctx, true).ExecContext(ctx, c.db.Rebind(`INSERT INTO pricingtest_merchants (id, organizer_id, currency, prices_include_tax, vat_rate, time_zone)
		VALUES (?, ?, ?, ?, ?, ?)`), int64(mid), int64(m.OrganizerID), m.Currency, m.PricesIncludeTax, m.VATRate, m.TimeZone); err != nil {
		t.Fatal(err)
	}
}

// addVariant inserts a variant with the modifier groups offered with it (v.Options is read from
// them).
func (c *testCatalog) addVariant(t testing.TB, merchant id.ID, v CatalogVariant, name string, groups []commerce.ModifierGroupInfo) {
	t.Helper()
	cats, _ := json.Marshal(v.Categories)
	if groups == nil {
		groups = []commerce.ModifierGroupInfo{}
	}
	gs, _ := json.Marshal(groups)
	ctx := auth.System(context.Background())
	if _, err := c.db.Raw(ctx, true).ExecContext(ctx, c.db.Rebind(`INSERT INTO pricingtest_variants (id, merchant_id, sku, categories, price, tax_rate, active, name, modifier_groups)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), int64(v.VariantID), int64(merchant), v.SKU, string(cats), v.Price, v.TaxRate, v.Active, name, string(gs)); err != nil {
		t.Fatal(err)
	}
}

// The demo café, twice: merchant 11 of organizer 100 (variant ids 1000+) and merchant 21 of
// organizer 200 (variant ids 2000+), each variant with its modifier groups (group ids 500 +
// group, option ids 5000 + 10 x group + option, shared by both). BK-TIRA is inactive.
const (
	orgA, merchantA id.ID = 100, 11
	orgB, merchantB id.ID = 200, 21
)

// cafe is the seeded demo: variant and option ids by SKU and option name.
type cafe struct {
	c        *demo.Cafe
	variants map[id.ID]map[string]id.ID // merchant -> SKU -> variant
	options  map[string]id.ID           // option name -> id
}

func (k *cafe) variant(t testing.TB, merchant id.ID, sku string) id.ID {
	t.Helper()
	v, ok := k.variants[merchant][sku]
	if !ok {
		t.Fatalf("no variant %s of merchant %s", sku, merchant)
	}
	return v
}

func (k *cafe) option(t testing.TB, name string) id.ID {
	t.Helper()
	o, ok := k.options[name]
	if !ok {
		t.Fatalf("no option %q", name)
	}
	return o
}

func seedCafe(t testing.TB, c *testCatalog) *cafe {
	t.Helper()
	d, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	k := &cafe{c: d, variants: map[id.ID]map[string]id.ID{}, options: map[string]id.ID{}}
	groups := map[string]commerce.ModifierGroupInfo{}
	for gi, g := range d.ModifierGroups {
		info := commerce.ModifierGroupInfo{ID: id.ID(500 + gi), Code: g.Code, Name: g.Name, Min: g.Min, Max: g.Max}
		for oi, o := range g.Options {
			oid := id.ID(5000 + 10*gi + oi)
			info.Options = append(info.Options, commerce.ModifierOptionInfo{ID: oid, Name: o.Name, Price: o.Price, Active: true})
			k.options[o.Name] = oid
		}
		groups[g.Code] = info
	}
	parent := map[string]string{"CAFE": "DRINKS", "TRA": "DRINKS", "NUOC": "DRINKS", "BANH": "FOOD"}
	for _, mc := range []struct {
		merchant, org id.ID
		base          int
	}{{merchantA, orgA, 1000}, {merchantB, orgB, 2000}} {
		c.setMerchant(t, mc.merchant, CatalogMerchant{OrganizerID: mc.org, Currency: d.Merchant.Currency,
			PricesIncludeTax: d.Merchant.PriceIncludesTax, VATRate: fmt.Sprintf("VAT%d", d.Merchant.VATRatePercent)})
		k.variants[mc.merchant] = map[string]id.ID{}
		for ci, cat := range d.Categories {
			for ii, it := range cat.Items {
				v := CatalogVariant{VariantID: id.ID(mc.base + ci*100 + ii), SKU: it.SKU, Categories: []string{cat.Code, parent[cat.Code]},
					Price: it.Price, Active: it.SKU != "BK-TIRA"}
				var gs []commerce.ModifierGroupInfo
				for _, g := range it.Modifiers {
					gs = append(gs, groups[g])
				}
				c.addVariant(t, mc.merchant, v, it.Name, gs)
				k.variants[mc.merchant][it.SKU] = v.VariantID
			}
		}
	}
	return k
}

// env is the pricing module served over real HTTP on a real database, with the demo café in its
// catalog. The catalog is commerce's in the application, so the test builds the server as app
// does, over its own catalog: api.New with the JWT authenticator, then the module's routes.
type env struct {
	t      testing.TB
	db     *db.DB
	mod    *Module
	cat    *testCatalog
	cafe   *cafe
	tokens *auth.Tokens
	clock  *clock.Fake // the module's: the time of a quote without at, and of a redemption
	url    string
}

var migrationsOnly = &Module{}

func eachDB(t *testing.T, f func(t *testing.T, e *env)) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { f(t, newEnv(t, d)) }, migrationsOnly.Migrations(), catalogMigrations)
}

func newEnv(t testing.TB, d *db.DB) *env {
	ids, err := id.NewGenerator(1, 1704067200000)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens("pricing-test-secret-0123456789abcdef", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cat := &testCatalog{db: d}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := clock.NewFake(wed)
	mod := New(Deps{Platform: module.Platform{DB: d, IDs: ids, Clock: clk, Log: log}, Catalog: cat})
	s := api.New(api.Options{Title: "BANA", Version: "test", BasePath: "/api", MaxBodyBytes: 1 << 20, Logger: log,
		Auth: &auth.Authenticator{Tokens: tokens, Merchants: cat}})
	mod.Routes(s)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, db: d, mod: mod, cat: cat, cafe: seedCafe(t, cat), tokens: tokens, clock: clk, url: srv.URL + "/api"}
}

// token signs a bearer token for p.
func (e *env) token(p *auth.Principal) string {
	s, _, err := e.tokens.Issue(p, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// The callers of the tests.
func (e *env) ownerA() string {
	return e.token(&auth.Principal{UserID: 2, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: orgA, Permissions: []string{"*"}})
}

func (e *env) ownerB() string {
	return e.token(&auth.Principal{UserID: 3, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: orgB, Permissions: []string{"*"}})
}

// cashier is an employee of merchant A who may quote but not change prices.
func (e *env) cashier() string {
	return e.token(&auth.Principal{UserID: 4, Roles: []auth.Role{auth.Employee}, OrganizerID: orgA, MerchantIDs: []id.ID{merchantA},
		Permissions: []string{PermRead}})
}

func (e *env) admin() string {
	return e.token(&auth.Principal{UserID: 1, Roles: []auth.Role{auth.SuperAdmin}})
}

type response struct {
	status int
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: raw}
}

// must sends the request and fails unless the status is want.
func (e *env) must(want int, method, path, token string, body any) response {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// create posts a row and returns its id.
func (e *env) create(path, token string, body any) string {
	e.t.Helper()
	return e.must(201, "POST", path, token, body).object(e.t)["id"].(string)
}

// names asserts that the problem names each location.
func names(t testing.TB, r response, locations ...string) {
	t.Helper()
	var p struct {
		Errors []struct{ Location string }
	}
	r.decode(t, &p)
	for _, want := range locations {
		found := false
		for _, e := range p.Errors {
			found = found || e.Location == want
		}
		if !found {
			t.Errorf("the error does not name %s: %s", want, r.body)
		}
	}
}

// detail is the problem's detail.
func detail(t testing.TB, r response) string {
	t.Helper()
	var p struct{ Detail string }
	r.decode(t, &p)
	return p.Detail
}

// asBody turns a value of the engine (a Rule, a Promotion) into a request body for merchant m,
// without its id (the store assigns one).
func asBody(t testing.TB, v any, m id.ID) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	delete(out, "id")
	out["merchantId"] = m.String()
	return out
}

// seedPricing stores the demo café's price rules and promotions for merchant A through the API,
// and returns their ids by name.
func (e *env) seedPricing(t testing.TB) map[string]string {
	owner := e.ownerA()
	out := map[string]string{}
	for _, r := range demoRules(t, e.cafe.c) {
		out[r.Name] = e.create("/pricing-fare-rules", owner, asBody(t, r, merchantA))
	}
	for _, p := range demoPromotions(t, e.cafe.c) {
		out[p.Name] = e.create("/pricing-promotions", owner, asBody(t, p, merchantA))
	}
	return out
}

func q(s string) string { return url.QueryEscape(s) }

func contains(r response, s string) bool { return strings.Contains(string(r.body), s) }
