package pricing

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/id"
)

// randomShop builds a merchant with random rules and promotions over a small catalog, so random
// orders hit overlapping rules, OVERRIDEs, stacked and exclusive promotions and every tax.
type randomShop struct {
	r      *rand.Rand
	skus   []string
	cats   []string
	taxes  []Tax
	promos []Promotion
}

func (s *randomShop) condition() Condition {
	r := s.r
	switch r.IntN(9) {
	case 0:
		return cd(KeyQuantity, []Operator{GT, GTE, LT, LTE, EQ, NE}[r.IntN(6)], r.IntN(6))
	case 1:
		return cd(KeySKU, []Operator{EQ, NE}[r.IntN(2)], s.skus[r.IntN(len(s.skus))])
	case 2:
		return cd(KeyCategory, []Operator{IN, NIN}[r.IntN(2)], []string{s.cats[r.IntN(len(s.cats))], s.cats[r.IntN(len(s.cats))]})
	case 3:
		return cd(KeyTimeOfDay, []Operator{GTE, LT}[r.IntN(2)], fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(60)))
	case 4:
		return cd(KeyWeekday, IN, []string{weekdays[r.IntN(7)], weekdays[r.IntN(7)], weekdays[r.IntN(7)]})
	case 5:
		return cd(KeyChannel, EQ, []string{"DINE_IN", "TAKE_AWAY"}[r.IntN(2)])
	case 6:
		return cd(KeyCustomerGroup, IN, []string{"VIP", "STAFF"})
	case 7:
		return cd("partySize", []Operator{GT, LTE}[r.IntN(2)], r.IntN(8))
	}
	return cd(KeyDate, LT, "2025-06-01")
}

func (s *randomShop) conditions(max int, lineKeys bool) []Condition {
	var cs []Condition
	for range s.r.IntN(max + 1) {
		c := s.condition()
		if !lineKeys && (c.Key == KeyQuantity || c.Key == KeySKU || c.Key == KeyCategory) {
			continue
		}
		cs = append(cs, c)
	}
	return cs
}

func (s *randomShop) rules(n int) []Rule {
	r := s.r
	out := make([]Rule, n)
	for i := range out {
		rule := Rule{ID: id.ID(i + 1), Name: fmt.Sprintf("r%d", i), Priority: r.IntN(5), Conditions: s.conditions(3, true)}
		switch r.IntN(6) {
		case 0:
			rule.Type, rule.Mode, rule.Value = Override, ByAmount, int64(r.IntN(60))*1000
		case 1, 2:
			rule.Type, rule.Mode, rule.Value = Discount, ByPercent, 1+int64(r.IntN(MaxPercentBP))
		case 3:
			rule.Type, rule.Mode, rule.Value = Discount, ByAmount, 1+int64(r.IntN(40000))
		case 4:
			rule.Type, rule.Mode, rule.Value = Markup, ByPercent, 1+int64(r.IntN(3000))
		default:
			rule.Type, rule.Mode, rule.Value = Markup, ByAmount, 1+int64(r.IntN(9999))
		}
		out[i] = rule
	}
	return out
}

func (s *randomShop) promotions(n int) []Promotion {
	r := s.r
	out := make([]Promotion, n)
	for i := range out {
		p := Promotion{ID: id.ID(100 + i), Name: fmt.Sprintf("p%d", i), Status: Active, Priority: r.IntN(3),
			Stackable: r.IntN(4) != 0, Level: PerItem}
		if r.IntN(2) == 0 {
			p.Code = fmt.Sprintf("CODE%d", i)
		}
		switch r.IntN(5) {
		case 0:
			p.Kind, p.Value = PercentOff, 1+int64(r.IntN(MaxPercentBP))
		case 1:
			p.Kind, p.Value = FixedOff, 1+int64(r.IntN(20000))
		case 2:
			p.Kind, p.Value = BuyXGetY, []int64{10000, 5000, 3333}[r.IntN(3)]
			p.Buy = &Target{Quantity: 1 + int64(r.IntN(3)), Conditions: s.conditions(1, true)}
			p.Get = &Target{Quantity: 1 + int64(r.IntN(2)), Conditions: s.conditions(1, true)}
		case 3:
			p.Kind, p.Level, p.Value = PercentOff, PerOrder, 1+int64(r.IntN(MaxPercentBP))
		default:
			p.Kind, p.Level, p.Value = FixedOff, PerOrder, 1+int64(r.IntN(300000))
		}
		p.Conditions = s.conditions(2, p.Level == PerItem)
		if r.IntN(4) == 0 {
			p.MaxDiscount = int64(r.IntN(50000))
		}
		if r.IntN(4) == 0 {
			p.MinSubtotal = int64(r.IntN(300000))
		}
		if r.IntN(4) == 0 {
			p.TotalLimit, p.PerCustomerLimit = int64(r.IntN(3)), int64(r.IntN(2))
		}
		if r.IntN(5) == 0 {
			p.ActiveTo = tp(wed.Add(time.Duration(r.IntN(48)-24) * time.Hour))
		}
		out[i] = p
	}
	s.promos = out
	return out
}

func (s *randomShop) order() QuoteRequest {
	r := s.r
	req := QuoteRequest{
		At:            wed.Add(time.Duration(r.IntN(7*24*60)) * time.Minute),
		Channel:       []string{"DINE_IN", "TAKE_AWAY", ""}[r.IntN(3)],
		CustomerGroup: []string{"", "VIP", "STAFF"}[r.IntN(3)],
		Context:       map[string]any{"partySize": r.IntN(8)},
		Usage:         map[id.ID]Usage{},
	}
	if r.IntN(2) == 0 {
		req.CustomerID = id.ID(1 + r.IntN(5))
	}
	for _, p := range s.promos {
		if p.Code != "" && r.IntN(2) == 0 {
			req.Codes = append(req.Codes, p.Code)
		}
		req.Usage[p.ID] = Usage{Total: int64(r.IntN(3)), Customer: int64(r.IntN(2))}
	}
	if r.IntN(5) == 0 {
		req.Codes = append(req.Codes, "NOPE")
	}
	for range 1 + r.IntN(12) {
		l := Line{VariantID: id.ID(1 + r.IntN(30)), SKU: s.skus[r.IntN(len(s.skus))],
			Categories: []string{s.cats[r.IntN(len(s.cats))]}, Quantity: 1 + int64(r.IntN(12)),
			Fares: []Fare{standing(1, int64(r.IntN(200))*500+int64(r.IntN(2)))}}
		if r.IntN(3) == 0 {
			l.Fares = append(l.Fares, Fare{ID: 2, Amount: int64(r.IntN(100000)), Currency: "VND", Status: Active,
				ActiveFrom: tp(wed.Add(time.Duration(r.IntN(96)) * time.Hour))})
		}
		for range r.IntN(3) {
			l.Modifiers = append(l.Modifiers, Modifier{Price: int64(r.IntN(4)) * 5000})
		}
		if r.IntN(3) == 0 {
			t := s.taxes[r.IntN(len(s.taxes))]
			l.Tax = &t
		}
		req.Lines = append(req.Lines, l)
	}
	return req
}

// TestQuoteProperties prices thousands of random orders under random rules and promotions and
// checks what must hold for any of them: totals are the sums of their lines, no amount is
// negative, tax lines add up to the lines' taxes and are each rounded once, promotions add up
// to their shares, and the same request gives the same quote.
func TestQuoteProperties(t *testing.T) {
	s := &randomShop{r: rand.New(rand.NewPCG(5, 2025)),
		skus:  []string{"CF-SUA", "CF-DEN", "BM-THIT", "NS-500", "TR-DAO"},
		cats:  []string{"CAFE", "TRA", "BANH", "NUOC"},
		taxes: []Tax{VAT0.Tax(), VAT5.Tax(), VAT8.Tax(), VAT10.Tax(), KCT.Tax(), {Type: TaxOther, RateBP: 333}}}
	quotes, promos, refusals := 0, 0, 0
	for shop := range 60 {
		cfg := Config{PricesIncludeTax: shop%2 == 0, DefaultTax: s.taxes[shop%len(s.taxes)],
			Rules: s.rules(s.r.IntN(12)), Promotions: s.promotions(s.r.IntN(6))}
		e, err := NewEngine(cfg)
		if err != nil {
			t.Fatalf("shop %d: %v", shop, err)
		}
		for range 60 {
			req := s.order()
			q, err := e.Quote(req)
			if err != nil {
				t.Fatalf("shop %d: %v", shop, err)
			}
			checkQuote(t, q)
			again, _ := e.Quote(req)
			if !reflect.DeepEqual(q, again) {
				t.Fatalf("shop %d: the same request gave two quotes", shop)
			}
			quotes++
			promos += len(q.Promotions)
			refusals += len(q.Refused)
		}
	}
	// A generator that never exercises promotions would let these properties pass vacuously.
	if promos < quotes/4 || refusals < quotes/10 {
		t.Fatalf("too few promotions (%d) or refusals (%d) in %d quotes", promos, refusals, quotes)
	}
	t.Logf("%d quotes, %d promotions applied, %d refused", quotes, promos, refusals)
}

// TestLargestRemainder checks the two ways money is divided: shares add up exactly and never
// exceed their weight, for many random splits.
func TestLargestRemainder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		n := 1 + r.IntN(8)
		w := make([]int64, n)
		var sum int64
		for i := range w {
			w[i] = r.Int64N(1_000_000)
			sum += w[i]
		}
		total := r.Int64N(sum + 1)
		got := spread(total, w)
		var add int64
		for i, g := range got {
			if g < 0 || g > w[i] {
				t.Fatalf("spread(%d, %v) = %v", total, w, got)
			}
			add += g
		}
		if sum > 0 && add != total {
			t.Fatalf("spread(%d, %v) = %v adds to %d", total, w, got, add)
		}
	}
	// At the limits the 128-bit products keep exact values.
	big := []int64{MaxUnitPrice * MaxQuantity, MaxUnitPrice*MaxQuantity - 1, 7}
	if got := spread(MaxLines*MaxUnitPrice*MaxQuantity/2, big); got[0]+got[1]+got[2] != MaxLines*MaxUnitPrice*MaxQuantity/2 {
		t.Fatalf("spread at the limits: %v", got)
	}
	if roundDiv(5, 1000, 10000) != 1 || roundDiv(4, 1000, 10000) != 0 || roundDiv(15, 1, 10) != 2 || roundDiv(14, 1, 10) != 1 {
		t.Fatal("roundDiv does not round half up")
	}
}
