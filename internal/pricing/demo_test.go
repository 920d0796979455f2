package pricing

import (
	"fmt"
	"slices"
	"testing"

	"github.com/banapos/bana/internal/demo"
	"github.com/banapos/bana/internal/platform/id"
)

// demoRules are the demo café's price rules (DemoRules) as the engine runs them, with ids 1, 2, 3
// in the café's order.
func demoRules(t testing.TB, c *demo.Cafe) []Rule {
	rows, err := DemoRules(c)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Rule, len(rows))
	for i := range rows {
		rows[i].ID = id.ID(i + 1)
		out[i] = rows[i].rule()
	}
	return out
}

// demoPromotions are the demo café's promotions (DemoPromotions) as the engine runs them, with
// ids from 100.
func demoPromotions(t testing.TB, c *demo.Cafe) []Promotion {
	rows, err := DemoPromotions(c)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Promotion, len(rows))
	for i := range rows {
		rows[i].ID = id.ID(100 + i)
		out[i] = rows[i].promotion()
	}
	return out
}

// demoLine is a line of the demo menu, by SKU and modifier option names.
func demoLine(t *testing.T, c *demo.Cafe, sku string, qty int64, options ...string) Line {
	prices := map[string]int64{}
	for _, g := range c.ModifierGroups {
		for _, o := range g.Options {
			prices[o.Name] = o.Price
		}
	}
	for ci, cat := range c.Categories {
		for ii, it := range cat.Items {
			if it.SKU != sku {
				continue
			}
			l := Line{VariantID: id.ID(1000 + ci*100 + ii), SKU: sku, Categories: []string{cat.Code}, Quantity: qty,
				Fares: []Fare{{ID: id.ID(5000 + ci*100 + ii), Amount: it.Price, Currency: c.Merchant.Currency, Status: Active}}}
			for _, o := range options {
				p, ok := prices[o]
				if !ok {
					t.Fatalf("no option %q", o)
				}
				l.Modifiers = append(l.Modifiers, Modifier{Name: o, Price: p})
			}
			return l
		}
	}
	t.Fatalf("no item %s", sku)
	return Line{}
}

// TestDemoCafe expresses the demo café's price rules and promotions in the engine and quotes real
// orders at its counter.
func TestDemoCafe(t *testing.T) {
	c, err := demo.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Config{MerchantID: 1, PricesIncludeTax: c.Merchant.PriceIncludesTax,
		DefaultTax: TaxType(fmt.Sprintf("VAT%d", c.Merchant.VATRatePercent)).Tax(),
		Rules:      demoRules(t, c), Promotions: demoPromotions(t, c)})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Wednesday 14:30, take away, a first order with CHAOBAN", func(t *testing.T) {
		q, err := e.Quote(QuoteRequest{At: at("2025-03-05 14:30:00"), Channel: "TAKE_AWAY", CustomerID: 42,
			Codes: []string{"chaoban"}, Lines: []Line{
				demoLine(t, c, "CF-SUA", 2, "Vừa (M)", "Ít đường"),
				demoLine(t, c, "TR-DAO", 1, "Lớn (L)", "Trân châu đen"),
				demoLine(t, c, "BM-THIT", 3),
				demoLine(t, c, "NS-500", 10),
			}})
		if err != nil {
			t.Fatal(err)
		}
		checkQuote(t, q)
		// Coffee: 35,000 -20% = 28,000 -5,000 take away = 23,000 + 5,000 size M = 28,000 a cup.
		// Tea: 45,000 -20% = 36,000 + 10,000 size L + 8,000 pearls = 54,000.
		// Bánh mì: 3 x 35,000, one free. Water: 10 bottles at the group price of 12,000.
		wantUnit := []int64{28000, 54000, 35000, 12000}
		wantRules := [][]id.ID{{1, 2}, {1}, {}, {3}}
		for i, l := range q.Lines {
			var ids []id.ID
			for _, r := range l.Rules {
				ids = append(ids, r.RuleID)
			}
			if l.UnitPrice != wantUnit[i] || !slices.Equal(ids, wantRules[i]) {
				t.Errorf("line %d (%s): unit %d rules %v, want %d %v", i, l.SKU, l.UnitPrice, ids, wantUnit[i], wantRules[i])
			}
		}
		// Subtotal 335,000; bánh mì 35,000 off; CHAOBAN 10% of the 300,000 left is 30,000.
		if q.Subtotal != 335000 || len(q.Promotions) != 2 || q.Promotions[0].Amount != 35000 ||
			q.Promotions[0].FreeUnits != 1 || q.Promotions[1].Code != "CHAOBAN" || q.Promotions[1].Amount != 30000 {
			t.Fatalf("promotions: subtotal %d, %+v", q.Subtotal, q.Promotions)
		}
		// 270,000 including VAT 8%: 250,000 + 20,000.
		if q.GrandTotal != 270000 || q.TaxTotal != 20000 || q.TaxableTotal != 250000 || len(q.Refused) != 0 {
			t.Fatalf("totals: grand %d tax %d base %d refused %v", q.GrandTotal, q.TaxTotal, q.TaxableTotal, q.Refused)
		}
	})

	t.Run("Saturday morning, dine in, no customer", func(t *testing.T) {
		q, err := e.Quote(QuoteRequest{At: at("2025-03-08 09:00:00"), Channel: "DINE_IN", Codes: []string{"CHAOBAN"},
			Lines: []Line{demoLine(t, c, "CF-BX", 2, "Nhỏ (S)"), demoLine(t, c, "BM-THIT", 2), demoLine(t, c, "NS-500", 9)}})
		if err != nil {
			t.Fatal(err)
		}
		checkQuote(t, q)
		// No happy hour on Saturday, two bánh mì get none free, nine bottles pay the list price,
		// and CHAOBAN needs a known customer. 78,000 + 70,000 + 135,000 = 283,000;
		// VAT 283,000 x 8/108 = 20,962.96 -> 20,963.
		if q.GrandTotal != 283000 || q.TaxTotal != 20963 || len(q.Promotions) != 0 || q.RuleAdjustment != 0 {
			t.Fatalf("quote: grand %d tax %d promotions %v adj %d", q.GrandTotal, q.TaxTotal, q.Promotions, q.RuleAdjustment)
		}
		if len(q.Refused) != 1 || q.Refused[0].Reason != CustomerRequired {
			t.Fatalf("refused: %+v", q.Refused)
		}
	})

	t.Run("CHAOBAN is once per customer and 500 in all", func(t *testing.T) {
		lines := []Line{demoLine(t, c, "CF-DEN", 1, "Nhỏ (S)", "Không đường")}
		for _, tc := range []struct {
			usage Usage
			want  Refusal
		}{{Usage{Total: 10, Customer: 1}, CustomerLimitReached}, {Usage{Total: 500}, LimitReached}, {Usage{Total: 499}, ""}} {
			q, err := e.Quote(QuoteRequest{At: at("2025-03-05 09:00:00"), CustomerID: 42, Codes: []string{"CHAOBAN"},
				Lines: lines, Usage: map[id.ID]Usage{100: tc.usage}})
			if err != nil {
				t.Fatal(err)
			}
			checkQuote(t, q)
			switch {
			case tc.want == "" && (len(q.Promotions) != 1 || q.GrandTotal != 26100):
				t.Errorf("usage %+v: %+v", tc.usage, q.Promotions)
			case tc.want != "" && (len(q.Refused) != 1 || q.Refused[0].Reason != tc.want):
				t.Errorf("usage %+v: refused %+v, want %s", tc.usage, q.Refused, tc.want)
			}
		}
	})
}
