package pricing

import "testing"

// The figures a sale records are today's formulas of the wiring, whatever the quote's numbers:
// a line's list unit price is fare + modifiers, its discount promotions - rule adjustment, the
// order's discount list total - grand total (+ tax when prices exclude it).
func TestLineQuoteFigures(t *testing.T) {
	for _, c := range []struct {
		name               string
		l                  LineQuote
		listUnit, discount int64
	}{
		{"plain", LineQuote{BaseUnitPrice: 29000}, 29000, 0},
		{"modifiers", LineQuote{BaseUnitPrice: 35000, ModifiersUnitPrice: 10000, UnitPrice: 45000}, 45000, 0},
		{"rule discount", LineQuote{BaseUnitPrice: 30000, UnitPrice: 27000, RuleAdjustment: -6000}, 30000, 6000},
		{"promotion", LineQuote{BaseUnitPrice: 30000, ModifiersUnitPrice: 5000, PromotionTotal: 3500}, 35000, 3500},
		{"rule and promotion", LineQuote{BaseUnitPrice: 30000, RuleAdjustment: -3000, PromotionTotal: 2700}, 30000, 5700},
		{"markup", LineQuote{BaseUnitPrice: 30000, UnitPrice: 33000, RuleAdjustment: 3000}, 30000, -3000},
		{"markup and promotion", LineQuote{BaseUnitPrice: 20000, RuleAdjustment: 4000, PromotionTotal: 10000}, 20000, 6000},
	} {
		if got := c.l.ListUnitPrice(); got != c.listUnit {
			t.Errorf("%s: ListUnitPrice() = %d, want %d", c.name, got, c.listUnit)
		}
		if got := c.l.Discount(); got != c.discount {
			t.Errorf("%s: Discount() = %d, want %d", c.name, got, c.discount)
		}
	}
}

func TestQuoteDiscount(t *testing.T) {
	for _, c := range []struct {
		name string
		q    Quote
		want int64
	}{
		{"nothing off, tax included", Quote{PricesIncludeTax: true, ListTotal: 100000, GrandTotal: 100000, TaxTotal: 7407}, 0},
		{"nothing off, tax excluded", Quote{ListTotal: 100000, GrandTotal: 108000, TaxTotal: 8000}, 0},
		{"discount, tax included", Quote{PricesIncludeTax: true, ListTotal: 100000, GrandTotal: 90000, TaxTotal: 6667}, 10000},
		{"discount, tax excluded", Quote{ListTotal: 100000, GrandTotal: 97200, TaxTotal: 7200}, 10000},
		{"markup, tax included", Quote{PricesIncludeTax: true, ListTotal: 100000, GrandTotal: 110000, TaxTotal: 8148}, -10000},
		{"markup, tax excluded", Quote{ListTotal: 100000, GrandTotal: 118800, TaxTotal: 8800}, -10000},
		{"free order", Quote{ListTotal: 50000}, 50000},
		{"empty", Quote{}, 0},
	} {
		if got := c.q.Discount(); got != c.want {
			t.Errorf("%s: Discount() = %d, want %d", c.name, got, c.want)
		}
		// The wiring's formula, to the dong.
		var exclusive int64
		if !c.q.PricesIncludeTax {
			exclusive = 1
		}
		if formula := c.q.ListTotal - c.q.GrandTotal + c.q.TaxTotal*exclusive; c.q.Discount() != formula {
			t.Errorf("%s: Discount() = %d, the formula says %d", c.name, c.q.Discount(), formula)
		}
	}
}
