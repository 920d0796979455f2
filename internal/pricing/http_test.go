package pricing

import (
	"fmt"
	"testing"

	"github.com/banapos/bana/internal/platform/id"
)

// TestPricingCRUD creates each kind of row over HTTP, shows the defaults the store fills in, and
// that what cannot be evaluated is refused when it is saved, with the field named.
func TestPricingCRUD(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		owner := e.ownerA()
		cf := e.cafe.variant(t, merchantA, "CF-SUA")

		set := e.must(201, "POST", "/pricing-fare-sets", owner, map[string]any{"merchantId": merchantA, "code": "DELIVERY",
			"name": "Giá giao hàng", "channels": []string{"DELIVERY"}, "organizerId": "999"}).object(t)
		if set["organizerId"] != orgA.String() || set["status"] != "ACTIVE" || set["priority"].(float64) != 0 {
			t.Fatalf("fare set: %v", set)
		}
		fare := e.must(201, "POST", "/pricing-fares", owner, map[string]any{"merchantId": merchantA, "fareSetId": set["id"],
			"variantId": cf, "amount": 39000}).object(t)
		if fare["currency"] != "VND" || fare["status"] != "ACTIVE" || fare["amount"].(float64) != 39000 {
			t.Fatalf("fare: %v", fare)
		}
		tax := e.must(201, "POST", "/pricing-taxes", owner, map[string]any{"merchantId": merchantA, "code": "VAT10",
			"name": "VAT 10%", "type": "VAT10"}).object(t)
		if tax["rateBp"].(float64) != 1000 {
			t.Fatalf("tax: %v", tax)
		}
		ts := e.must(201, "POST", "/pricing-tax-sets", owner, map[string]any{"merchantId": merchantA, "code": "ALCOHOL",
			"name": "Đồ uống có cồn", "taxId": tax["id"], "variantIds": []id.ID{cf}}).object(t)
		if ts["status"] != "ACTIVE" || len(ts["categories"].([]any)) != 0 {
			t.Fatalf("tax set: %v", ts)
		}
		e.must(201, "POST", "/pricing-costs", owner, map[string]any{"merchantId": merchantA, "variantId": cf, "amount": 12000})
		p := e.must(201, "POST", "/pricing-promotions", owner, map[string]any{"merchantId": merchantA, "code": " tet2026 ",
			"name": "Tết", "kind": "PERCENT", "level": "ORDER", "value": 1000}).object(t)
		if p["code"] != "TET2026" || p["status"] != "ACTIVE" || p["stackable"] != false {
			t.Fatalf("promotion: %v", p)
		}
		rule := e.must(201, "POST", "/pricing-fare-rules", owner, map[string]any{"merchantId": merchantA, "name": "Giờ vàng",
			"type": "DISCOUNT", "mode": "PERCENT", "value": 2000, "conditions": []map[string]any{
				{"key": "timeOfDay", "op": "GTE", "value": "14:00"}, {"key": "category", "op": "IN", "value": []string{"CAFE", "TRA"}}}}).object(t)
		if rule["status"] != "ACTIVE" || len(rule["conditions"].([]any)) != 2 {
			t.Fatalf("rule: %v", rule)
		}
		// Relations load through include.
		withFares := e.must(200, "GET", "/pricing-fare-sets/"+set["id"].(string)+"?filter="+q(`{"include":[{"relation":"fares"}]}`), owner, nil).object(t)
		if fs := withFares["fares"].([]any); len(fs) != 1 {
			t.Fatalf("fare set with fares: %v", withFares)
		}

		// A rule that cannot be evaluated is refused with every bad field named: an unknown
		// operator, a value of the wrong type for its key, IN without a list, an unknown type.
		bad := e.must(400, "POST", "/pricing-fare-rules", owner, map[string]any{"merchantId": merchantA, "name": "Hỏng",
			"type": "DISCOUNT", "mode": "PERCENT", "value": 1000, "conditions": []map[string]any{
				{"key": "quantity", "op": "LIKE", "value": 1},
				{"key": "quantity", "op": "GTE", "value": "many"},
				{"key": "sku", "op": "IN", "value": "CF-SUA"},
				{"key": "timeOfDay", "op": "LT", "value": "25:00"}}})
		names(t, bad, "body.conditions[0].op", "body.conditions[1].value", "body.conditions[2].value", "body.conditions[3].value")
		bad = e.must(400, "POST", "/pricing-fare-rules", owner, map[string]any{"merchantId": merchantA, "name": "X",
			"type": "HALF_PRICE", "mode": "PERCENT", "value": 5000})
		names(t, bad, "body.type")
		bad = e.must(400, "POST", "/pricing-fare-rules", owner, map[string]any{"merchantId": merchantA, "name": "X",
			"type": "OVERRIDE", "mode": "PERCENT", "value": 5000})
		names(t, bad, "body.mode")
		// The same checks on a PATCH, against the row as it would become.
		bad = e.must(400, "PATCH", "/pricing-fare-rules/"+rule["id"].(string), owner, map[string]any{
			"conditions": []map[string]any{{"key": "weekday", "op": "NIN", "value": []string{"MON", "HOLIDAY"}}}})
		names(t, bad, "body.conditions[0].value[1]")
		// Promotions: an ORDER promotion cannot read a line key; BUY_X_GET_Y needs its targets.
		bad = e.must(400, "POST", "/pricing-promotions", owner, map[string]any{"merchantId": merchantA, "name": "X",
			"kind": "PERCENT", "level": "ORDER", "value": 1000, "conditions": []map[string]any{{"key": "sku", "op": "EQ", "value": "CF-SUA"}}})
		names(t, bad, "body.conditions[0].key")
		bad = e.must(400, "POST", "/pricing-promotions", owner, map[string]any{"merchantId": merchantA, "name": "X",
			"kind": "BUY_X_GET_Y", "level": "ITEM", "value": 10000, "buy": map[string]any{"quantity": 0}})
		names(t, bad, "body.buy.quantity", "body.get")
		e.must(409, "POST", "/pricing-promotions", owner, map[string]any{"merchantId": merchantA, "code": "TET2026",
			"name": "Tết again", "kind": "PERCENT", "level": "ORDER", "value": 500})
		// Fares: the set and the variant must be the merchant's; the currency the merchant's.
		setB := e.create("/pricing-fare-sets", e.ownerB(), map[string]any{"merchantId": merchantB, "code": "B", "name": "B"})
		bad = e.must(400, "POST", "/pricing-fares", owner, map[string]any{"merchantId": merchantA, "fareSetId": setB,
			"variantId": e.cafe.variant(t, merchantB, "CF-SUA"), "amount": -1, "currency": "USD"})
		names(t, bad, "body.fareSetId", "body.variantId", "body.amount", "body.currency")
		bad = e.must(400, "POST", "/pricing-taxes", owner, map[string]any{"merchantId": merchantA, "code": "V8", "name": "V8",
			"type": "VAT8", "rateBp": 1000})
		names(t, bad, "body.rateBp")
		bad = e.must(400, "POST", "/pricing-tax-sets", owner, map[string]any{"merchantId": merchantA, "code": "T", "name": "T",
			"taxId": "1", "variantIds": []id.ID{cf, e.cafe.variant(t, merchantB, "CF-SUA")}})
		names(t, bad, "body.taxId", "body.variantIds[1]")

		// Reference data: the seven tax types, read-only.
		var types []map[string]any
		e.must(200, "GET", "/pricing-tax-types?filter="+q(`{"limit":20}`), e.cashier(), nil).decode(t, &types)
		if len(types) != 7 || types[2]["code"] != "VAT8" || types[2]["invoiceRate"] != "8%" {
			t.Fatalf("tax types: %v", types)
		}
		if r := e.do("POST", "/pricing-tax-types", owner, map[string]any{"code": "VAT12"}); r.status < 400 {
			t.Fatalf("a tax type was created: %d", r.status)
		}

		// The OpenAPI document describes the routes and says who may call the quote.
		var doc struct {
			Paths map[string]map[string]struct {
				Auth map[string]any `json:"x-bana-auth"`
			}
		}
		e.must(200, "GET", "/doc/openapi.json", "", nil).decode(t, &doc)
		for _, p := range []string{"/pricing-fare-sets", "/pricing-fares/{id}", "/pricing-fare-rules", "/pricing-costs", "/pricing-tax-types",
			"/pricing-taxes", "/pricing-tax-sets", "/pricing-promotions/{id}/restore", "/pricing-promotion-usages"} {
			if doc.Paths[p] == nil {
				t.Errorf("the OpenAPI document has no %s", p)
			}
		}
		if doc.Paths["/pricing/quote"]["post"].Auth["permission"] != PermRead {
			t.Errorf("quote auth: %v", doc.Paths["/pricing/quote"])
		}
	})
}

// TestPricingTenantIsolation: another organizer can neither read, change nor quote with merchant
// A's pricing, nor write pricing rows for merchant A; an employee reads and quotes its own
// merchant only and cannot change prices.
func TestPricingTenantIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ids := e.seedPricing(t)
		happy := ids[e.cafe.c.PriceRules[0].Name]
		ownerB, cashier := e.ownerB(), e.cashier()

		e.must(404, "GET", "/pricing-fare-rules/"+happy, ownerB, nil)
		e.must(404, "PATCH", "/pricing-fare-rules/"+happy, ownerB, map[string]any{"value": 9000})
		e.must(404, "DELETE", "/pricing-fare-rules/"+happy, ownerB, nil)
		var list []map[string]any
		e.must(200, "GET", "/pricing-fare-rules", ownerB, nil).decode(t, &list)
		var promos []map[string]any
		e.must(200, "GET", "/pricing-promotions", ownerB, nil).decode(t, &promos)
		if len(list) != 0 || len(promos) != 0 {
			t.Fatalf("B sees A's rows: %v %v", list, promos)
		}
		// B cannot put rows on A's merchant, whatever organizer it claims.
		bad := e.must(400, "POST", "/pricing-fare-rules", ownerB, map[string]any{"merchantId": merchantA, "organizerId": orgA,
			"name": "Sabotage", "type": "OVERRIDE", "mode": "AMOUNT", "value": 0})
		names(t, bad, "body.merchantId")
		// Nor quote A's merchant, nor price A's variants on its own merchant.
		line := []map[string]any{e.lineOf(t, "CF-SUA", 1, "Nhỏ (S)", "Ít đường")}
		r := e.must(404, "POST", "/pricing/quote", ownerB, map[string]any{"merchantId": merchantA, "lines": line})
		names(t, r, "body.merchantId")
		r = e.must(422, "POST", "/pricing/quote", ownerB, map[string]any{"merchantId": merchantB, "lines": line})
		names(t, r, "body.lines[0].variantId")

		// The cashier of merchant A reads and quotes, and may not write.
		e.must(200, "GET", "/pricing-fare-rules/"+happy, cashier, nil)
		e.must(200, "POST", "/pricing/quote", cashier, map[string]any{"merchantId": merchantA, "lines": line})
		e.must(403, "PATCH", "/pricing-fare-rules/"+happy, cashier, map[string]any{"value": 9000})
		e.must(404, "POST", "/pricing/quote", cashier, map[string]any{"merchantId": merchantB,
			"lines": []map[string]any{{"variantId": e.cafe.variant(t, merchantB, "CF-SUA"), "quantity": 1}}})
		// Admins act for any merchant; their rows land in the merchant's organizer.
		row := e.must(201, "POST", "/pricing-fare-rules", e.admin(), map[string]any{"merchantId": merchantB, "name": "Admin",
			"type": "MARKUP", "mode": "AMOUNT", "value": 1000, "conditions": []any{}}).object(t)
		if row["organizerId"] != orgB.String() {
			t.Fatalf("admin's row: %v", row)
		}
		e.must(400, "POST", "/pricing-fare-rules", e.admin(), map[string]any{"merchantId": merchantB, "organizerId": orgA,
			"name": "Admin", "type": "MARKUP", "mode": "AMOUNT", "value": 1000})
		e.must(401, "POST", "/pricing/quote", "", map[string]any{"merchantId": merchantA, "lines": line})
	})
}

// quoteBody is the HTTP body of a quote at the demo counter.
func quoteBody(merchant id.ID, at, channel string, customer id.ID, codes []string, lines ...map[string]any) map[string]any {
	b := map[string]any{"merchantId": merchant, "at": at, "lines": lines}
	if channel != "" {
		b["channel"] = channel
	}
	if customer != 0 {
		b["customerId"] = customer
	}
	if len(codes) > 0 {
		b["promotionCodes"] = codes
	}
	return b
}

// lineOf is a quote line of merchant A's demo menu.
func (e *env) lineOf(t testing.TB, sku string, qty int64, options ...string) map[string]any {
	mods := []id.ID{}
	for _, o := range options {
		mods = append(mods, e.cafe.option(t, o))
	}
	return map[string]any{"variantId": e.cafe.variant(t, merchantA, sku), "quantity": qty, "modifierIds": mods}
}

// TestQuoteHTTP quotes the demo café's counter over HTTP with the rules and promotions stored
// through the API, and checks that the answer is the engine's for the same data.
func TestQuoteHTTP(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.seedPricing(t)
		cashier := e.cashier()
		const wed1430 = "2025-03-05T07:30:00Z" // 14:30 in Hanoi, a Wednesday
		body := quoteBody(merchantA, wed1430, "TAKE_AWAY", 42, []string{"chaoban"},
			e.lineOf(t, "CF-SUA", 2, "Vừa (M)", "Ít đường"),
			e.lineOf(t, "TR-DAO", 1, "Lớn (L)", "Ít đường", "Trân châu đen"),
			e.lineOf(t, "BM-THIT", 3),
			e.lineOf(t, "NS-500", 10))
		r := e.must(200, "POST", "/pricing/quote", cashier, body)
		var got Quote
		r.decode(t, &got)
		checkQuote(t, got)

		// The engine, given the demo's rules and promotions directly (TestDemoCafe's order).
		c := e.cafe.c
		eng, err := NewEngine(Config{MerchantID: merchantA, PricesIncludeTax: true, DefaultTax: VAT8.Tax(),
			Rules: demoRules(t, c), Promotions: demoPromotions(t, c)})
		if err != nil {
			t.Fatal(err)
		}
		want, err := eng.Quote(QuoteRequest{At: at("2025-03-05 14:30:00"), Channel: "TAKE_AWAY", CustomerID: 42,
			Codes: []string{"chaoban"}, Lines: []Line{
				demoLine(t, c, "CF-SUA", 2, "Vừa (M)", "Ít đường"),
				demoLine(t, c, "TR-DAO", 1, "Lớn (L)", "Trân châu đen"),
				demoLine(t, c, "BM-THIT", 3),
				demoLine(t, c, "NS-500", 10),
			}})
		if err != nil {
			t.Fatal(err)
		}
		if sameNumbers(got) != sameNumbers(want) {
			t.Fatalf("HTTP quote:\n%s\nengine:\n%s", sameNumbers(got), sameNumbers(want))
		}
		if got.GrandTotal != 270000 || got.TaxTotal != 20000 || !got.At.Equal(at("2025-03-05 14:30:00")) || got.Lines[0].FareID != 0 {
			t.Fatalf("quote: %+v", got)
		}
		// Same input, same output, to the byte.
		if again := e.must(200, "POST", "/pricing/quote", cashier, body); string(again.body) != string(r.body) {
			t.Fatalf("the same input gave another quote:\n%s\n%s", r.body, again.body)
		}

		// Bad lines are 422s that name the line.
		inactive := map[string]any{"variantId": e.cafe.variant(t, merchantA, "BK-TIRA"), "quantity": 1}
		foreign := map[string]any{"variantId": e.cafe.variant(t, merchantB, "BK-CROI"), "quantity": 1}
		unknown := map[string]any{"variantId": "123456789", "quantity": 1}
		for i, l := range []map[string]any{inactive, foreign, unknown} {
			r := e.must(422, "POST", "/pricing/quote", cashier, quoteBody(merchantA, wed1430, "", 0, nil, e.lineOf(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường"), l))
			names(t, r, "body.lines[1].variantId")
			if i == 0 && !contains(r, "not an active variant") {
				t.Errorf("inactive: %s", r.body)
			}
		}
		// Options are held to the catalog's modifier rule, answered as order creation answers it
		// (internal/app's TestDemoCashierQuotes compares the two answers): an option the variant
		// does not offer is bad input, a required group left out a rule refusing the line.
		r = e.must(400, "POST", "/pricing/quote", cashier, quoteBody(merchantA, wed1430, "", 0, nil, e.lineOf(t, "BM-THIT", 1, "Lớn (L)")))
		names(t, r, "body.lines[0].modifierIds (modifiers[0])")
		r = e.must(422, "POST", "/pricing/quote", cashier, quoteBody(merchantA, wed1430, "", 0, nil,
			e.lineOf(t, "BM-THIT", 1), e.lineOf(t, "CF-SUA", 1, "Lớn (L)", "Ít đá")))
		names(t, r, "body.lines[1].modifierIds (modifiers)")
		if want := "modifier group SUGAR (Độ ngọt): choose at least 1, chose 0"; detail(t, r) != want {
			t.Errorf("incomplete line: detail %q, want %q", detail(t, r), want)
		}
		r = e.must(400, "POST", "/pricing/quote", cashier, quoteBody(merchantA, wed1430, "", 0, nil, e.lineOf(t, "BM-THIT", 0)))
		names(t, r, "body.lines[0].quantity")
		r = e.must(400, "POST", "/pricing/quote", cashier, map[string]any{"merchantId": merchantA, "lines": []any{}})
		names(t, r, "body.lines")
		r = e.must(400, "POST", "/pricing/quote", cashier, map[string]any{"merchantId": merchantA,
			"lines": []any{e.lineOf(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường")}, "context": map[string]any{"channel": "x"}})
		names(t, r, "body.context.channel")

		// Without at, the quote is priced now and says when.
		now := e.must(200, "POST", "/pricing/quote", cashier, map[string]any{"merchantId": merchantA, "lines": []any{e.lineOf(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường")}})
		var nq Quote
		now.decode(t, &nq)
		if nq.At.IsZero() || !nq.At.Equal(e.clock.Now()) || nq.GrandTotal == 0 {
			t.Fatalf("quote without at: %s", now.body)
		}
	})
}

// sameNumbers renders what a quote says, without the ids that differ between stored rows and
// the engine's test data: per line the fare, rules by name, promotions by code and the tax; then
// the promotions, tax lines and totals.
func sameNumbers(q Quote) string {
	s := ""
	for _, l := range q.Lines {
		s += fmt.Sprintf("%s x%d fare %d mods %d unit %d list %d adj %d amount %d promo %d net %d tax %+v total %d\n",
			l.SKU, l.Quantity, l.BaseUnitPrice, l.ModifiersUnitPrice, l.UnitPrice, l.ListAmount, l.RuleAdjustment, l.Amount,
			l.PromotionTotal, l.NetAmount, l.Tax, l.Total)
		for _, r := range l.Rules {
			s += fmt.Sprintf("  rule %q %s %s %d: %d / %d\n", r.Name, r.Type, r.Mode, r.Value, r.UnitEffect, r.LineEffect)
		}
		for _, p := range l.Promotions {
			s += fmt.Sprintf("  promotion %q %d\n", p.Code, p.Amount)
		}
	}
	for _, p := range q.Promotions {
		s += fmt.Sprintf("promotion %q %q %s %s %d free %d\n", p.Code, p.Name, p.Kind, p.Level, p.Amount, p.FreeUnits)
	}
	for _, r := range q.Refused {
		s += fmt.Sprintf("refused %q %s\n", r.Code, r.Reason)
	}
	s += fmt.Sprintf("taxes %+v\nlist %d adj %d sub %d promo %d net %d taxable %d tax %d grand %d\n", q.Taxes, q.ListTotal,
		q.RuleAdjustment, q.Subtotal, q.PromotionTotal, q.NetTotal, q.TaxableTotal, q.TaxTotal, q.GrandTotal)
	return s
}

// TestDocExample is the worked example of docs/pricing.md: at the demo café on a Wednesday at
// 14:30, take away, a first order with CHAOBAN: a cà phê sữa đá size L, less ice, and a trà đào
// size L with black pearls. The demo menu offers no topping on the coffee: asking for one is a
// 400 naming the option.
func TestDocExample(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.seedPricing(t)
		cashier := e.cashier()
		body := quoteBody(merchantA, "2025-03-05T14:30:00+07:00", "TAKE_AWAY", 42, []string{"chaoban"},
			e.lineOf(t, "CF-SUA", 1, "Lớn (L)", "Ít đường", "Ít đá"),
			e.lineOf(t, "TR-DAO", 1, "Lớn (L)", "Ít đường", "Trân châu đen"))
		var got Quote
		e.must(200, "POST", "/pricing/quote", cashier, body).decode(t, &got)
		checkQuote(t, got)
		want := []struct{ list, adj, amount, promo, base, tax, total int64 }{
			{45000, -12000, 33000, 3300, 27500, 2200, 29700},
			{63000, -9000, 54000, 5400, 45000, 3600, 48600},
		}
		for i, w := range want {
			l := got.Lines[i]
			if l.ListAmount != w.list || l.RuleAdjustment != w.adj || l.Amount != w.amount || l.PromotionTotal != w.promo ||
				l.Tax.Base != w.base || l.Tax.Tax != w.tax || l.Total != w.total {
				t.Errorf("line %d: %+v, want %+v", i, l, w)
			}
		}
		if got.Subtotal != 87000 || got.PromotionTotal != 8700 || got.TaxableTotal != 72500 || got.TaxTotal != 5800 ||
			got.GrandTotal != 78300 || len(got.Lines[0].Rules) != 2 || len(got.Lines[1].Rules) != 1 {
			t.Fatalf("totals: %+v", got)
		}
		topping := quoteBody(merchantA, "2025-03-05T14:30:00+07:00", "TAKE_AWAY", 42, nil,
			e.lineOf(t, "CF-SUA", 1, "Lớn (L)", "Kem cheese"))
		r := e.must(400, "POST", "/pricing/quote", cashier, topping)
		names(t, r, "body.lines[0].modifierIds (modifiers[1])")
		if want := "option 5032 is not offered with Cà phê sữa đá"; detail(t, r) != want {
			t.Errorf("topping: detail %q, want %q", detail(t, r), want)
		}
	})
}
