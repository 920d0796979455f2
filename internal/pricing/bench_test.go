package pricing

import (
	"fmt"
	"testing"

	"github.com/banapos/bana/internal/platform/id"
)

// benchEngine has 10 rules that every line evaluates in full: an OVERRIDE that never matches
// (so evaluation does not stop) and nine discounts and markups with two to four conditions each,
// most of which match.
func benchEngine(b *testing.B, promos []Promotion) *Engine {
	rules := []Rule{
		rl(1, Override, ByAmount, 1000, 100, cd(KeySKU, EQ, "NONE"), cd(KeyQuantity, GTE, 1000)),
		func() Rule { r := happyHour(); r.ID = 2; return r }(),
		rl(3, Discount, ByAmount, 500, 9, cd(KeyChannel, EQ, "TAKE_AWAY"), cd(KeyCategory, IN, []string{"CAFE", "TRA", "BANH"})),
		rl(4, Markup, ByPercent, 500, 8, cd(KeyDate, GTE, "2025-01-01"), cd(KeyDate, LT, "2026-01-01")),
		rl(5, Discount, ByPercent, 300, 7, cd(KeyCustomerGroup, IN, []string{"VIP", "STAFF"}), cd(KeyQuantity, GTE, 1)),
		rl(6, Markup, ByAmount, 1000, 6, cd("partySize", GT, 4), cd(KeyWeekday, NIN, []string{"SAT", "SUN"})),
		rl(7, Discount, ByAmount, 200, 5, cd(KeySKU, NIN, []string{"X-1", "X-2", "X-3"}), cd(KeyTimeOfDay, GTE, "06:00"), cd(KeyTimeOfDay, LT, "22:00")),
		rl(8, Discount, ByPercent, 100, 4, cd(KeyVariantID, NE, "999999")),
		rl(9, Markup, ByPercent, 50, 3, cd(KeyChannel, NE, "ONLINE"), cd(KeyQuantity, LTE, 50)),
		rl(10, Discount, ByAmount, 100, 2, cd("tableZone", IN, []string{"ROOFTOP", "GARDEN"})),
	}
	e, err := NewEngine(Config{PricesIncludeTax: true, DefaultTax: VAT8.Tax(), Rules: rules, Promotions: promos})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func benchRequest() QuoteRequest {
	req := QuoteRequest{At: at("2025-03-05 14:30:00"), Channel: "TAKE_AWAY", CustomerID: 7, CustomerGroup: "VIP",
		Codes: []string{"CHAOBAN"}, Context: map[string]any{"partySize": 6, "tableZone": "ROOFTOP"}}
	cats := []string{"CAFE", "TRA", "BANH", "NUOC"}
	for i := range 20 {
		l := ln(fmt.Sprintf("SKU-%02d", i), cats[i%4], int64(1+i%3), int64(25000+1000*i), 5000)
		l.VariantID = id.ID(100 + i)
		if i%5 == 0 {
			t := VAT10.Tax()
			l.Tax = &t
		}
		req.Lines = append(req.Lines, l)
	}
	return req
}

func runQuoteBench(b *testing.B, e *Engine, req QuoteRequest, rules int) {
	q, err := e.Quote(req)
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range q.Lines {
		if len(l.Rules) < rules {
			b.Fatalf("line %d applied %d rules, want at least %d: no OVERRIDE may cut evaluation short", l.Index, len(l.Rules), rules)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Quote(req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "quotes/s")
}

// BenchmarkQuote20Lines10Rules is issue 5's target: a 20-line quote with 10 rules per line, at
// least 10,000 quotes a second on one core.
func BenchmarkQuote20Lines10Rules(b *testing.B) {
	runQuoteBench(b, benchEngine(b, nil), benchRequest(), 7)
}

// BenchmarkQuote20Lines10Rules3Promotions adds an item, a buy-X-get-Y and an order promotion.
func BenchmarkQuote20Lines10Rules3Promotions(b *testing.B) {
	promos := []Promotion{chaoban(),
		pm(Promotion{ID: 60, Kind: BuyXGetY, Value: 10000, Stackable: true,
			Buy: &Target{Quantity: 2, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}},
			Get: &Target{Quantity: 1, Conditions: []Condition{cd(KeyCategory, EQ, "BANH")}}}),
		pm(Promotion{ID: 61, Kind: PercentOff, Value: 500, Stackable: true, Conditions: []Condition{cd(KeyCategory, IN, []string{"TRA"})}}),
	}
	runQuoteBench(b, benchEngine(b, promos), benchRequest(), 7)
}
