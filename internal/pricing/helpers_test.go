package pricing

import (
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/id"
)

// Wednesday 5 March 2025, 10:00 in Hanoi: the default quote time of the tests.
var wed = at("2025-03-05 10:00:00")

// at reads a wall-clock time in the merchant's zone.
func at(s string) time.Time {
	t, err := time.ParseInLocation(time.DateTime, s, DefaultZone())
	if err != nil {
		panic(err)
	}
	return t
}

func tp(t time.Time) *time.Time { return &t }

func i64(n int64) *int64 { return &n }

// standing is an ACTIVE VND fare without a period.
func standing(fid id.ID, amount int64) Fare {
	return Fare{ID: fid, Amount: amount, Currency: "VND", Status: Active}
}

// ln is a line of qty units of a variant priced by one standing fare.
func ln(sku, category string, qty, price int64, mods ...int64) Line {
	l := Line{SKU: sku, Quantity: qty, Fares: []Fare{standing(1, price)}}
	if category != "" {
		l.Categories = []string{category}
	}
	for i, m := range mods {
		l.Modifiers = append(l.Modifiers, Modifier{Code: fmt.Sprintf("M%d", i), Price: m})
	}
	return l
}

func cd(key string, op Operator, v any) Condition { return Condition{Key: key, Op: op, Value: v} }

func rl(rid id.ID, typ RuleType, mode Mode, value int64, prio int, cs ...Condition) Rule {
	return Rule{ID: rid, Name: fmt.Sprintf("rule %d", rid), Type: typ, Mode: mode, Value: value, Priority: prio, Conditions: cs}
}

// pm fills the fields most promotions of the tests share: ACTIVE, stackable, a name.
func pm(p Promotion) Promotion {
	if p.Status == "" {
		p.Status = Active
	}
	if p.Name == "" {
		p.Name = fmt.Sprintf("promotion %d", p.ID)
	}
	if p.Level == "" {
		p.Level = PerItem
	}
	return p
}

// checkQuote asserts every arithmetic identity a quote promises, so each test and each random
// order of the property tests proves that its numbers add up.
func checkQuote(t testing.TB, q Quote) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format, args...)
	}
	var list, adj, sub, promo, net, grand, discount int64
	byPromo := map[id.ID]int64{}
	type key struct {
		t TaxType
		r int64
	}
	taxBy := map[key][3]int64{} // base, tax, net amounts
	for i, l := range q.Lines {
		if l.Index != i {
			fail("line %d has index %d", i, l.Index)
		}
		var eff int64
		for _, r := range l.Rules {
			if r.UnitEffect*l.Quantity != r.LineEffect {
				fail("line %d rule %s: unit effect %d x %d != %d", i, r.RuleID, r.UnitEffect, l.Quantity, r.LineEffect)
			}
			eff += r.LineEffect
		}
		var shares int64
		for _, s := range l.Promotions {
			if s.Amount <= 0 {
				fail("line %d: share %d of promotion %s", i, s.Amount, s.PromotionID)
			}
			shares += s.Amount
			byPromo[s.PromotionID] += s.Amount
		}
		switch {
		case eff != l.RuleAdjustment:
			fail("line %d: rule effects %d != adjustment %d", i, eff, l.RuleAdjustment)
		case l.ListAmount != (l.BaseUnitPrice+l.ModifiersUnitPrice)*l.Quantity:
			fail("line %d: list amount %d", i, l.ListAmount)
		case l.ListAmount+l.RuleAdjustment != l.Amount:
			fail("line %d: list %d + adjustment %d != amount %d", i, l.ListAmount, l.RuleAdjustment, l.Amount)
		case l.UnitPrice*l.Quantity != l.Amount:
			fail("line %d: unit %d x %d != amount %d", i, l.UnitPrice, l.Quantity, l.Amount)
		case l.UnitPrice < l.ModifiersUnitPrice || l.UnitPrice < 0:
			fail("line %d: unit price %d below its modifiers %d", i, l.UnitPrice, l.ModifiersUnitPrice)
		case shares != l.PromotionTotal:
			fail("line %d: shares %d != promotion total %d", i, shares, l.PromotionTotal)
		case l.Amount-l.PromotionTotal != l.NetAmount:
			fail("line %d: amount %d - promotions %d != net %d", i, l.Amount, l.PromotionTotal, l.NetAmount)
		case l.NetAmount < 0 || l.Tax.Base < 0 || l.Tax.Tax < 0 || l.Total < 0:
			fail("line %d: negative amount %+v", i, l)
		case l.Tax.Base+l.Tax.Tax != l.Total:
			fail("line %d: base %d + tax %d != total %d", i, l.Tax.Base, l.Tax.Tax, l.Total)
		case l.ListUnitPrice()*l.Quantity != l.ListAmount:
			fail("line %d: list unit price %d x %d != list amount %d", i, l.ListUnitPrice(), l.Quantity, l.ListAmount)
		case l.ListAmount-l.Discount() != l.NetAmount:
			fail("line %d: list %d - discount %d != net %d", i, l.ListAmount, l.Discount(), l.NetAmount)
		case q.PricesIncludeTax && l.Total != l.NetAmount:
			fail("line %d: inclusive total %d != net %d", i, l.Total, l.NetAmount)
		case !q.PricesIncludeTax && l.Total != l.NetAmount+l.Tax.Tax:
			fail("line %d: exclusive total %d != net %d + tax %d", i, l.Total, l.NetAmount, l.Tax.Tax)
		}
		k := key{l.Tax.Type, l.Tax.RateBP}
		v := taxBy[k]
		taxBy[k] = [3]int64{v[0] + l.Tax.Base, v[1] + l.Tax.Tax, v[2] + l.NetAmount}
		list += l.ListAmount
		discount += l.Discount()
		adj += l.RuleAdjustment
		sub += l.Amount
		promo += l.PromotionTotal
		net += l.NetAmount
		grand += l.Total
	}
	if list != q.ListTotal || adj != q.RuleAdjustment || sub != q.Subtotal || promo != q.PromotionTotal ||
		net != q.NetTotal || grand != q.GrandTotal {
		fail("totals are not the sums of the lines: %d %d %d %d %d %d vs %+v", list, adj, sub, promo, net, grand, q)
	}
	if q.ListTotal+q.RuleAdjustment != q.Subtotal || q.Subtotal-q.PromotionTotal != q.NetTotal {
		fail("totals do not chain: %+v", q)
	}
	if q.Discount() != discount || q.ListTotal-q.Discount() != q.NetTotal {
		fail("discount %d: the lines' add up to %d, list %d - net %d", q.Discount(), discount, q.ListTotal, q.NetTotal)
	}
	var applied int64
	for _, p := range q.Promotions {
		if byPromo[p.PromotionID] != p.Amount || p.Amount <= 0 {
			fail("promotion %s: amount %d, lines carry %d", p.PromotionID, p.Amount, byPromo[p.PromotionID])
		}
		applied += p.Amount
	}
	if applied != q.PromotionTotal {
		fail("promotions %d != promotion total %d", applied, q.PromotionTotal)
	}
	var taxBase, taxTotal int64
	for _, tl := range q.Taxes {
		v, ok := taxBy[key{tl.Type, tl.RateBP}]
		if !ok || v[0] != tl.Base || v[1] != tl.Tax {
			fail("tax line %+v: its lines carry base %d tax %d", tl, v[0], v[1])
		}
		// The tax of a rate is its exact value on the sum of its lines, rounded half up once.
		den := int64(10000)
		if q.PricesIncludeTax {
			den += tl.RateBP
		}
		exact := new(big.Rat).SetFrac(big.NewInt(v[2]*tl.RateBP), big.NewInt(den))
		half := new(big.Rat).Add(exact, big.NewRat(1, 2))
		want := new(big.Int).Quo(half.Num(), half.Denom()) // floor: both are positive
		if want.Int64() != tl.Tax {
			fail("tax line %+v: want %s (exact %s)", tl, want, exact.FloatString(4))
		}
		delete(taxBy, key{tl.Type, tl.RateBP})
		taxBase += tl.Base
		taxTotal += tl.Tax
	}
	if len(taxBy) != 0 {
		fail("lines have taxes without a tax line: %v", taxBy)
	}
	if taxBase != q.TaxableTotal || taxTotal != q.TaxTotal || q.TaxableTotal+q.TaxTotal != q.GrandTotal {
		fail("tax totals: base %d tax %d vs %+v", taxBase, taxTotal, q)
	}
	if q.PricesIncludeTax && q.GrandTotal != q.NetTotal || !q.PricesIncludeTax && q.GrandTotal != q.NetTotal+q.TaxTotal {
		fail("grand total %d does not follow from net %d and tax %d", q.GrandTotal, q.NetTotal, q.TaxTotal)
	}
}
