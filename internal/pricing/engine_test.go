package pricing

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// quoteCase is one row of the pricing table. The engine is a café's: prices include VAT 8%
// unless exclusive or tax say otherwise. Expectations left nil are not checked, but every quote
// is checked by checkQuote.
type quoteCase struct {
	name      string
	exclusive bool
	tax       Tax // default tax; zero: VAT 8%
	rules     []Rule
	promos    []Promotion
	req       QuoteRequest // At defaults to wed, variant ids to 101, 102, ...

	unit     []int64   // UnitPrice of each line
	net      []int64   // NetAmount of each line
	applied  [][]id.ID // ids of the rules applied to each line, in order
	lineTax  []int64   // Tax.Tax of each line
	taxes    []TaxLine // the quote's tax lines
	promoAmt map[string]int64
	refused  []string // "CODE:REASON", or "#id:REASON" for automatic promotions
	grand    *int64
	taxTotal *int64
	errAt    string // the error must name this location
	errKind  errs.Kind
	errIs    error // the typed error it must be, if any
}

// The usual order: two iced milk coffees and three grilled-pork bánh mì, 175,000 dong.
func cafeOrder() []Line {
	return []Line{ln("CF-SUA", "CAFE", 2, 35000), ln("BM-THIT", "BANH", 3, 35000)}
}

func happyHour() Rule {
	return rl(1, Discount, ByPercent, 2000, 10,
		cd(KeyTimeOfDay, GTE, "14:00"), cd(KeyTimeOfDay, LT, "16:00"),
		cd(KeyWeekday, IN, []string{"MON", "TUE", "WED", "THU", "FRI"}),
		cd(KeyCategory, IN, []string{"CAFE", "TRA"}))
}

func chaoban() Promotion {
	return pm(Promotion{ID: 50, Code: "CHAOBAN", Kind: PercentOff, Level: PerOrder, Value: 1000, Stackable: true})
}

func buy2get1() Promotion {
	return pm(Promotion{ID: 60, Kind: BuyXGetY, Value: 10000, Stackable: true,
		Buy: &Target{Quantity: 2, Conditions: []Condition{cd(KeySKU, EQ, "BM-THIT")}},
		Get: &Target{Quantity: 1, Conditions: []Condition{cd(KeySKU, EQ, "BM-THIT")}}})
}

func quoteCases() []quoteCase {
	one := func(sku, cat string, qty, price int64, mods ...int64) []Line {
		return []Line{ln(sku, cat, qty, price, mods...)}
	}
	fares := func(fs ...Fare) []Line {
		return []Line{{SKU: "CF-SUA", Categories: []string{"CAFE"}, Quantity: 1, Fares: fs}}
	}
	dated := func(fid id.ID, amount int64, from, to *time.Time) Fare {
		f := standing(fid, amount)
		f.ActiveFrom, f.ActiveTo = from, to
		return f
	}
	coffee := one("CF-SUA", "CAFE", 1, 35000)
	return []quoteCase{
		// Fares.
		{name: "standing fare, VAT 8% included", req: QuoteRequest{Lines: one("X", "", 1, 54000)},
			unit: []int64{54000}, grand: i64(54000), taxTotal: i64(4000),
			taxes: []TaxLine{{Type: VAT8, RateBP: 800, Base: 50000, Tax: 4000}}},
		{name: "VAT 10% added to exclusive prices", exclusive: true, tax: VAT10.Tax(),
			req: QuoteRequest{Lines: one("X", "", 2, 100000)},
			net: []int64{200000}, grand: i64(220000), taxTotal: i64(20000)},
		{name: "a dated fare beats the standing one",
			req:  QuoteRequest{Lines: fares(standing(1, 30000), dated(2, 25000, tp(wed.Add(-time.Hour)), tp(wed.Add(time.Hour))))},
			unit: []int64{25000}},
		{name: "a dated fare starts at its ActiveFrom",
			req:  QuoteRequest{Lines: fares(standing(1, 30000), dated(2, 25000, tp(wed), nil))},
			unit: []int64{25000}},
		{name: "a dated fare has ended at its ActiveTo",
			req:  QuoteRequest{Lines: fares(standing(1, 30000), dated(2, 25000, tp(wed.Add(-time.Hour)), tp(wed)))},
			unit: []int64{30000}},
		{name: "a dated fare one second before it starts",
			req:  QuoteRequest{Lines: fares(standing(1, 30000), dated(2, 25000, tp(wed.Add(time.Second)), nil))},
			unit: []int64{30000}},
		{name: "an INACTIVE fare is ignored",
			req:  QuoteRequest{Lines: fares(standing(1, 30000), func() Fare { f := standing(2, 25000); f.Status = Inactive; return f }())},
			unit: []int64{30000}},
		{name: "of two standing fares the newer wins",
			req:  QuoteRequest{Lines: fares(standing(2, 32000), standing(1, 30000))},
			unit: []int64{32000}},
		{name: "of two dated fares the later start wins",
			req:  QuoteRequest{Lines: fares(dated(9, 20000, tp(wed.Add(-2*time.Hour)), nil), dated(3, 22000, tp(wed.Add(-time.Hour)), nil))},
			unit: []int64{22000}},
		{name: "a fare in another currency does not count",
			req:   QuoteRequest{Lines: fares(func() Fare { f := standing(1, 2); f.Currency = "USD"; return f }())},
			errAt: "lines[0]", errKind: errs.Rule, errIs: ErrNoFare},
		{name: "a line without fares is refused by name",
			req:   QuoteRequest{Lines: []Line{ln("A", "", 1, 1000), {SKU: "B", Quantity: 1}}},
			errAt: "lines[1]", errKind: errs.Rule, errIs: ErrNoFare},
		{name: "modifiers add to the unit price",
			req:  QuoteRequest{Lines: one("CF-SUA", "CAFE", 2, 35000, 5000, 8000)},
			unit: []int64{48000}, net: []int64{96000}},

		// Rules.
		{name: "percent discount on a category", rules: []Rule{rl(1, Discount, ByPercent, 2000, 0, cd(KeyCategory, EQ, "CAFE"))},
			req: QuoteRequest{Lines: coffee}, unit: []int64{28000}, applied: [][]id.ID{{1}}},
		{name: "amount discount on the channel", rules: []Rule{rl(1, Discount, ByAmount, 5000, 0, cd(KeyChannel, EQ, "TAKE_AWAY"), cd(KeyCategory, EQ, "CAFE"))},
			req: QuoteRequest{Channel: "TAKE_AWAY", Lines: coffee}, unit: []int64{30000}},
		{name: "amount discount of another channel", rules: []Rule{rl(1, Discount, ByAmount, 5000, 0, cd(KeyChannel, EQ, "TAKE_AWAY"))},
			req: QuoteRequest{Channel: "DINE_IN", Lines: coffee}, unit: []int64{35000}, applied: [][]id.ID{{}}},
		{name: "OVERRIDE from 10 bottles", rules: []Rule{rl(3, Override, ByAmount, 12000, 0, cd(KeySKU, EQ, "NS-500"), cd(KeyQuantity, GTE, 10))},
			req: QuoteRequest{Lines: one("NS-500", "NUOC", 10, 15000)}, unit: []int64{12000}, net: []int64{120000}},
		{name: "no OVERRIDE at 9 bottles", rules: []Rule{rl(3, Override, ByAmount, 12000, 0, cd(KeySKU, EQ, "NS-500"), cd(KeyQuantity, GTE, 10))},
			req: QuoteRequest{Lines: one("NS-500", "NUOC", 9, 15000)}, unit: []int64{15000}},
		{name: "OVERRIDE wins over a discount of higher priority",
			rules: []Rule{rl(1, Discount, ByPercent, 5000, 100), rl(2, Override, ByAmount, 20000, 1)},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{20000}, applied: [][]id.ID{{2}}},
		{name: "of two OVERRIDEs the higher priority wins",
			rules: []Rule{rl(1, Override, ByAmount, 20000, 5), rl(2, Override, ByAmount, 25000, 10)},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{25000}, applied: [][]id.ID{{2}}},
		{name: "of two OVERRIDEs of one priority the lower id wins",
			rules: []Rule{rl(3, Override, ByAmount, 21000, 5), rl(2, Override, ByAmount, 22000, 5)},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{22000}, applied: [][]id.ID{{2}}},
		{name: "an OVERRIDE that does not match lets the discounts run",
			rules: []Rule{rl(1, Override, ByAmount, 1, 99, cd(KeyQuantity, GT, 5)), rl(2, Discount, ByAmount, 1000, 0)},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{34000}, applied: [][]id.ID{{2}}},
		{name: "OVERRIDE to zero makes the item free",
			rules: []Rule{rl(1, Override, ByAmount, 0, 0)},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{0}, grand: i64(0), taxTotal: i64(0)},
		{name: "discount then markup, each on the running price",
			rules: []Rule{rl(1, Discount, ByAmount, 10000, 10), rl(2, Markup, ByPercent, 1000, 5)},
			req:   QuoteRequest{Lines: one("X", "", 1, 100000)}, unit: []int64{99000}, applied: [][]id.ID{{1, 2}}},
		{name: "markup then discount when the priorities say so",
			rules: []Rule{rl(1, Discount, ByAmount, 10000, 5), rl(2, Markup, ByPercent, 1000, 10)},
			req:   QuoteRequest{Lines: one("X", "", 1, 100000)}, unit: []int64{100000}, applied: [][]id.ID{{2, 1}}},
		{name: "equal priorities run in id order",
			rules: []Rule{rl(7, Markup, ByPercent, 1000, 0), rl(4, Discount, ByAmount, 10000, 0)},
			req:   QuoteRequest{Lines: one("X", "", 1, 100000)}, unit: []int64{99000}, applied: [][]id.ID{{4, 7}}},
		{name: "two percent discounts compound: 20% then 10% is 28%",
			rules: []Rule{rl(1, Discount, ByPercent, 2000, 2), rl(2, Discount, ByPercent, 1000, 1)},
			req:   QuoteRequest{Lines: one("X", "", 1, 100000)}, unit: []int64{72000}},
		{name: "a discount above the price stops at zero",
			rules: []Rule{rl(1, Discount, ByAmount, 50000, 0), rl(2, Discount, ByPercent, 1000, -1)},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{0}, applied: [][]id.ID{{1, 2}}, grand: i64(0)},
		{name: "a 100% discount", rules: []Rule{rl(1, Discount, ByPercent, 10000, 0)},
			req: QuoteRequest{Lines: coffee}, unit: []int64{0}},
		{name: "percent rounds half up: 10% of 12,345 is 1,235",
			rules: []Rule{rl(1, Discount, ByPercent, 1000, 0)},
			req:   QuoteRequest{Lines: one("X", "", 1, 12345)}, unit: []int64{11110}},
		{name: "percent rounds down below the half: 10% of 12,341 is 1,234",
			rules: []Rule{rl(1, Discount, ByPercent, 1000, 0)},
			req:   QuoteRequest{Lines: one("X", "", 3, 12341)}, unit: []int64{11107}, net: []int64{33321}},
		{name: "markup by amount", rules: []Rule{rl(1, Markup, ByAmount, 5000, 0)},
			req: QuoteRequest{Lines: coffee}, unit: []int64{40000}},
		{name: "rules change the fare, not the modifiers",
			rules: []Rule{rl(1, Discount, ByPercent, 2000, 0)},
			req:   QuoteRequest{Lines: one("CF-SUA", "CAFE", 1, 35000, 10000)}, unit: []int64{38000}},
		{name: "happy hour starts at 14:00:00", rules: []Rule{happyHour()},
			req: QuoteRequest{At: at("2025-03-05 14:00:00"), Lines: coffee}, unit: []int64{28000}},
		{name: "happy hour not yet at 13:59:59", rules: []Rule{happyHour()},
			req: QuoteRequest{At: at("2025-03-05 13:59:59"), Lines: coffee}, unit: []int64{35000}},
		{name: "happy hour still at 15:59:59", rules: []Rule{happyHour()},
			req: QuoteRequest{At: at("2025-03-05 15:59:59"), Lines: coffee}, unit: []int64{28000}},
		{name: "happy hour over at 16:00:00", rules: []Rule{happyHour()},
			req: QuoteRequest{At: at("2025-03-05 16:00:00"), Lines: coffee}, unit: []int64{35000}},
		{name: "happy hour is not on Saturday", rules: []Rule{happyHour()},
			req: QuoteRequest{At: at("2025-03-08 14:30:00"), Lines: coffee}, unit: []int64{35000}},
		{name: "happy hour reads the clock in Hanoi, not UTC", rules: []Rule{happyHour()},
			req: QuoteRequest{At: time.Date(2025, 3, 5, 7, 30, 0, 0, time.UTC), Lines: coffee}, unit: []int64{28000}},
		{name: "happy hour covers tea, not food", rules: []Rule{happyHour()},
			req:  QuoteRequest{At: at("2025-03-05 14:30:00"), Lines: []Line{ln("TR-DAO", "TRA", 1, 45000), ln("BM-THIT", "BANH", 1, 35000)}},
			unit: []int64{36000, 35000}},
		{name: "weekday range MON..FRI holds on Friday",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyWeekday, GTE, "MON"), cd(KeyWeekday, LTE, "FRI"))},
			req:   QuoteRequest{At: at("2025-03-07 09:00:00"), Lines: coffee}, unit: []int64{34000}},
		{name: "weekday range MON..FRI fails on Sunday",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyWeekday, GTE, "MON"), cd(KeyWeekday, LTE, "FRI"))},
			req:   QuoteRequest{At: at("2025-03-09 09:00:00"), Lines: coffee}, unit: []int64{35000}},
		{name: "date EQ", rules: []Rule{rl(1, Markup, ByAmount, 5000, 0, cd(KeyDate, EQ, "2025-03-05"))},
			req: QuoteRequest{Lines: coffee}, unit: []int64{40000}},
		{name: "the date turns at midnight in Hanoi (17:00 UTC)",
			rules: []Rule{rl(1, Markup, ByAmount, 5000, 0, cd(KeyDate, EQ, "2025-03-05"))},
			req:   QuoteRequest{At: time.Date(2025, 3, 4, 17, 0, 0, 0, time.UTC), Lines: coffee}, unit: []int64{40000}},
		{name: "one second before midnight in Hanoi it is still the day before",
			rules: []Rule{rl(1, Markup, ByAmount, 5000, 0, cd(KeyDate, EQ, "2025-03-05"))},
			req:   QuoteRequest{At: time.Date(2025, 3, 4, 16, 59, 59, 0, time.UTC), Lines: coffee}, unit: []int64{35000}},
		{name: "date range: last day of the month is in, the first of the next is out",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyDate, GTE, "2025-03-01"), cd(KeyDate, LT, "2025-04-01"))},
			req:   QuoteRequest{At: at("2025-03-31 23:59:59"), Lines: coffee}, unit: []int64{34000}},
		{name: "date range: the first of the next month is out",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyDate, GTE, "2025-03-01"), cd(KeyDate, LT, "2025-04-01"))},
			req:   QuoteRequest{At: at("2025-04-01 00:00:00"), Lines: coffee}, unit: []int64{35000}},
		{name: "customer group IN",
			rules: []Rule{rl(1, Discount, ByPercent, 1000, 0, cd(KeyCustomerGroup, IN, []string{"VIP", "STAFF"}))},
			req:   QuoteRequest{CustomerGroup: "STAFF", Lines: coffee}, unit: []int64{31500}},
		{name: "customer id EQ",
			rules: []Rule{rl(1, Discount, ByAmount, 2000, 0, cd(KeyCustomerID, EQ, "777"))},
			req:   QuoteRequest{CustomerID: 777, Lines: coffee}, unit: []int64{33000}},
		{name: "sku NIN excludes a product",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeySKU, NIN, []string{"CF-SUA"}))},
			req:   QuoteRequest{Lines: []Line{ln("CF-SUA", "CAFE", 1, 35000), ln("CF-DEN", "CAFE", 1, 29000)}},
			unit:  []int64{35000, 28000}},
		{name: "variantId EQ",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyVariantID, EQ, "102"))},
			req:   QuoteRequest{Lines: []Line{ln("A", "", 1, 10000), ln("B", "", 1, 10000)}},
			unit:  []int64{10000, 9000}},
		{name: "quantity IN",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyQuantity, IN, []int{2, 4}))},
			req:   QuoteRequest{Lines: []Line{ln("A", "", 4, 10000), ln("B", "", 3, 10000)}},
			unit:  []int64{9000, 10000}},
		{name: "a line is in each of its categories",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyCategory, EQ, "DRINK"))},
			req:   QuoteRequest{Lines: []Line{{SKU: "CF-SUA", Categories: []string{"CAFE", "DRINK"}, Quantity: 1, Fares: []Fare{standing(1, 35000)}}}},
			unit:  []int64{34000}},
		{name: "category NIN fails when any category is listed",
			rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyCategory, NIN, []string{"DRINK"}))},
			req:   QuoteRequest{Lines: []Line{{SKU: "CF-SUA", Categories: []string{"CAFE", "DRINK"}, Quantity: 1, Fares: []Fare{standing(1, 35000)}}}},
			unit:  []int64{35000}},
		{name: "category NE", rules: []Rule{rl(1, Discount, ByAmount, 1000, 0, cd(KeyCategory, NE, "BANH"))},
			req: QuoteRequest{Lines: cafeOrder()}, unit: []int64{34000, 35000}},
		{name: "channel NE", rules: []Rule{rl(1, Markup, ByAmount, 3000, 0, cd(KeyChannel, NE, "TAKE_AWAY"))},
			req: QuoteRequest{Channel: "DINE_IN", Lines: coffee}, unit: []int64{38000}},
		{name: "context number GT", rules: []Rule{rl(1, Discount, ByPercent, 1000, 0, cd("partySize", GT, 5))},
			req: QuoteRequest{Context: map[string]any{"partySize": 6}, Lines: coffee}, unit: []int64{31500}},
		{name: "context number sent as a string compares as a number",
			rules: []Rule{rl(1, Discount, ByPercent, 1000, 0, cd("partySize", GT, 5))},
			req:   QuoteRequest{Context: map[string]any{"partySize": "10"}, Lines: coffee}, unit: []int64{31500}},
		{name: "a missing context key fails GT",
			rules: []Rule{rl(1, Discount, ByPercent, 1000, 0, cd("partySize", GT, 5))},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{35000}},
		{name: "a missing context key holds NE",
			rules: []Rule{rl(1, Discount, ByAmount, 500, 0, cd("tableZone", NE, "ROOFTOP"))},
			req:   QuoteRequest{Lines: coffee}, unit: []int64{34500}},
		{name: "context string EQ", rules: []Rule{rl(1, Markup, ByPercent, 1000, 0, cd("tableZone", EQ, "ROOFTOP"))},
			req: QuoteRequest{Context: map[string]any{"tableZone": "ROOFTOP"}, Lines: coffee}, unit: []int64{38500}},
		{name: "context boolean EQ", rules: []Rule{rl(1, Discount, ByAmount, 2000, 0, cd("member", EQ, true))},
			req: QuoteRequest{Context: map[string]any{"member": true}, Lines: coffee}, unit: []int64{33000}},

		// Taxes.
		{name: "inclusive VAT rounds once per rate, lines share by largest remainder",
			req:     QuoteRequest{Lines: []Line{ln("A", "", 1, 10001), ln("B", "", 1, 10001), ln("C", "", 1, 10001)}},
			lineTax: []int64{741, 741, 740}, taxTotal: i64(2222), grand: i64(30003)},
		{name: "exclusive VAT half a dong rounds up", exclusive: true, tax: VAT10.Tax(),
			req: QuoteRequest{Lines: one("X", "", 1, 5)}, taxTotal: i64(1), grand: i64(6)},
		{name: "exclusive VAT below half a dong rounds down", exclusive: true, tax: VAT10.Tax(),
			req: QuoteRequest{Lines: one("X", "", 1, 4)}, taxTotal: i64(0), grand: i64(4)},
		{name: "exclusive VAT on the sum, not line by line: 1.5 + 1.5 is 3, not 4", exclusive: true, tax: VAT10.Tax(),
			req:     QuoteRequest{Lines: []Line{ln("A", "", 1, 15), ln("B", "", 1, 15)}},
			lineTax: []int64{2, 1}, taxTotal: i64(3), grand: i64(33)},
		{name: "two rates give two tax lines",
			req:   QuoteRequest{Lines: []Line{ln("A", "", 1, 54000), func() Line { l := ln("B", "", 1, 55000); t := VAT10.Tax(); l.Tax = &t; return l }()}},
			taxes: []TaxLine{{Type: VAT8, RateBP: 800, Base: 50000, Tax: 4000}, {Type: VAT10, RateBP: 1000, Base: 50000, Tax: 5000}}},
		{name: "KCT lines are reported apart from 0%",
			req: QuoteRequest{Lines: []Line{
				func() Line { l := ln("A", "", 1, 30000); t := KCT.Tax(); l.Tax = &t; return l }(),
				func() Line { l := ln("B", "", 1, 20000); t := VAT0.Tax(); l.Tax = &t; return l }()}},
			taxes: []TaxLine{{Type: VAT0, Base: 20000}, {Type: KCT, Base: 30000}}, taxTotal: i64(0)},
		{name: "another rate", exclusive: true, tax: Tax{Type: TaxOther, RateBP: 350},
			req: QuoteRequest{Lines: one("X", "", 1, 100000)}, taxTotal: i64(3500), grand: i64(103500)},
		{name: "inclusive VAT 5%", tax: VAT5.Tax(),
			req: QuoteRequest{Lines: one("X", "", 1, 105000)}, taxTotal: i64(5000)},
		{name: "inclusive VAT after a promotion", promos: []Promotion{chaoban()},
			req: QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: one("X", "", 1, 54000)},
			net: []int64{48600}, taxTotal: i64(3600)},

		// Promotions.
		{name: "order percent by code, spread pro rata", promos: []Promotion{chaoban()},
			req:      QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()},
			promoAmt: map[string]int64{"CHAOBAN": 17500}, net: []int64{63000, 94500}, grand: i64(157500)},
		{name: "unknown code", promos: []Promotion{chaoban()},
			req: QuoteRequest{Codes: []string{"NOPE"}, Lines: cafeOrder()}, refused: []string{"NOPE:UNKNOWN_CODE"}, grand: i64(175000)},
		{name: "codes match whatever their case and spaces", promos: []Promotion{chaoban()},
			req: QuoteRequest{Codes: []string{" chaoBan "}, Lines: cafeOrder()}, promoAmt: map[string]int64{"CHAOBAN": 17500}},
		{name: "a code given twice applies once", promos: []Promotion{chaoban()},
			req:      QuoteRequest{Codes: []string{"CHAOBAN", "chaoban"}, Lines: cafeOrder()},
			promoAmt: map[string]int64{"CHAOBAN": 17500}, refused: []string{"CHAOBAN:DUPLICATE_CODE"}},
		{name: "expired at its ActiveTo", promos: []Promotion{func() Promotion { p := chaoban(); p.ActiveTo = tp(wed); return p }()},
			req: QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, refused: []string{"CHAOBAN:EXPIRED"}},
		{name: "one second before ActiveFrom", promos: []Promotion{func() Promotion { p := chaoban(); p.ActiveFrom = tp(wed.Add(time.Second)); return p }()},
			req: QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, refused: []string{"CHAOBAN:NOT_STARTED"}},
		{name: "starts at its ActiveFrom", promos: []Promotion{func() Promotion { p := chaoban(); p.ActiveFrom = tp(wed); return p }()},
			req: QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, promoAmt: map[string]int64{"CHAOBAN": 17500}},
		{name: "an INACTIVE promotion", promos: []Promotion{func() Promotion { p := chaoban(); p.Status = Inactive; return p }()},
			req: QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, refused: []string{"CHAOBAN:NOT_ACTIVE"}},
		{name: "total limit reached", promos: []Promotion{func() Promotion { p := chaoban(); p.TotalLimit = 500; return p }()},
			req:     QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder(), Usage: map[id.ID]Usage{50: {Total: 500}}},
			refused: []string{"CHAOBAN:LIMIT_REACHED"}, grand: i64(175000)},
		{name: "total limit one use left", promos: []Promotion{func() Promotion { p := chaoban(); p.TotalLimit = 500; return p }()},
			req:      QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder(), Usage: map[id.ID]Usage{50: {Total: 499}}},
			promoAmt: map[string]int64{"CHAOBAN": 17500}},
		{name: "per-customer limit reached", promos: []Promotion{func() Promotion { p := chaoban(); p.PerCustomerLimit = 1; return p }()},
			req:     QuoteRequest{CustomerID: 77, Codes: []string{"CHAOBAN"}, Lines: cafeOrder(), Usage: map[id.ID]Usage{50: {Total: 3, Customer: 1}}},
			refused: []string{"CHAOBAN:CUSTOMER_LIMIT_REACHED"}},
		{name: "per-customer limit needs a customer", promos: []Promotion{func() Promotion { p := chaoban(); p.PerCustomerLimit = 1; return p }()},
			req:     QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()},
			refused: []string{"CHAOBAN:CUSTOMER_REQUIRED"}},
		{name: "an automatic promotion at its limit is reported",
			promos:  []Promotion{pm(Promotion{ID: 9, Kind: PercentOff, Level: PerOrder, Value: 500, PerCustomerLimit: 1, Stackable: true})},
			req:     QuoteRequest{CustomerID: 77, Lines: cafeOrder(), Usage: map[id.ID]Usage{9: {Customer: 1}}},
			refused: []string{"#9:CUSTOMER_LIMIT_REACHED"}},
		{name: "buy 2 get 1: three bánh mì, one free", promos: []Promotion{buy2get1()},
			req: QuoteRequest{Lines: cafeOrder()}, promoAmt: map[string]int64{"#60": 35000}, net: []int64{70000, 70000}},
		{name: "buy 2 get 1: two bánh mì, none free and nothing reported", promos: []Promotion{buy2get1()},
			req: QuoteRequest{Lines: one("BM-THIT", "BANH", 2, 35000)}, promoAmt: map[string]int64{}, refused: []string{}},
		{name: "buy 2 get 1: seven bánh mì, two free", promos: []Promotion{buy2get1()},
			req: QuoteRequest{Lines: one("BM-THIT", "BANH", 7, 35000)}, promoAmt: map[string]int64{"#60": 70000}},
		{name: "buy 2 get 1 across lines of the same item", promos: []Promotion{buy2get1()},
			req:      QuoteRequest{Lines: []Line{ln("BM-THIT", "BANH", 1, 35000), ln("BM-THIT", "BANH", 2, 35000, 5000)}},
			promoAmt: map[string]int64{"#60": 35000}, net: []int64{0, 80000}},
		{name: "buy 2 coffees get the cheapest food free",
			promos: []Promotion{pm(Promotion{ID: 61, Kind: BuyXGetY, Value: 10000, Stackable: true,
				Buy: &Target{Quantity: 2, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}},
				Get: &Target{Quantity: 1, Conditions: []Condition{cd(KeyCategory, EQ, "BANH")}}})},
			req:      QuoteRequest{Lines: []Line{ln("CF-SUA", "CAFE", 2, 35000), ln("BK-CROI", "BANH", 1, 39000), ln("BM-OPLA", "BANH", 1, 30000)}},
			promoAmt: map[string]int64{"#61": 30000}, net: []int64{70000, 39000, 0}},
		{name: "buy 2 get 1 within one category: the cheapest is free",
			promos: []Promotion{pm(Promotion{ID: 62, Kind: BuyXGetY, Value: 10000, Stackable: true,
				Buy: &Target{Quantity: 2, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}},
				Get: &Target{Quantity: 1, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}}})},
			req:      QuoteRequest{Lines: []Line{ln("CF-BX", "CAFE", 1, 39000), ln("CF-DEN", "CAFE", 1, 29000), ln("CF-SUA", "CAFE", 1, 35000)}},
			promoAmt: map[string]int64{"#62": 29000}, net: []int64{39000, 0, 35000}},
		{name: "buy 2 coffees get any item: a coffee bought cannot also be the free one",
			promos: []Promotion{pm(Promotion{ID: 63, Kind: BuyXGetY, Value: 10000, Stackable: true,
				Buy: &Target{Quantity: 2, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}},
				Get: &Target{Quantity: 1}})},
			req:      QuoteRequest{Lines: []Line{ln("CF-DEN", "CAFE", 2, 29000), ln("BM-OPLA", "BANH", 1, 30000)}},
			promoAmt: map[string]int64{"#63": 30000}, net: []int64{58000, 0}},
		{name: "buy 2 coffees get any item: with a third coffee the cheapest unit is free",
			promos: []Promotion{pm(Promotion{ID: 63, Kind: BuyXGetY, Value: 10000, Stackable: true,
				Buy: &Target{Quantity: 2, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}},
				Get: &Target{Quantity: 1}})},
			req:      QuoteRequest{Lines: []Line{ln("CF-DEN", "CAFE", 3, 29000), ln("BM-OPLA", "BANH", 1, 30000)}},
			promoAmt: map[string]int64{"#63": 29000}, net: []int64{58000, 30000}},
		{name: "buy 2 get 1 at half price",
			promos: []Promotion{func() Promotion { p := buy2get1(); p.Value = 5000; return p }()},
			req:    QuoteRequest{Lines: cafeOrder()}, promoAmt: map[string]int64{"#60": 17500}},
		{name: "stacked: an item promotion, then an order promotion on what is left",
			promos: []Promotion{
				pm(Promotion{ID: 10, Kind: PercentOff, Value: 1000, Stackable: true, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}}),
				pm(Promotion{ID: 11, Code: "GIAM20K", Kind: FixedOff, Level: PerOrder, Value: 20000, Stackable: true, Priority: 99})},
			req:      QuoteRequest{Codes: []string{"GIAM20K"}, Lines: cafeOrder()},
			promoAmt: map[string]int64{"#10": 7000, "GIAM20K": 20000}, net: []int64{55500, 92500}, grand: i64(148000)},
		{name: "two order percentages compound",
			promos:   []Promotion{chaoban(), pm(Promotion{ID: 51, Code: "THEM10", Kind: PercentOff, Level: PerOrder, Value: 1000, Stackable: true})},
			req:      QuoteRequest{Codes: []string{"THEM10", "CHAOBAN"}, Lines: cafeOrder()},
			promoAmt: map[string]int64{"CHAOBAN": 17500, "THEM10": 15750}, grand: i64(141750)},
		{name: "a non-stackable code after an automatic promotion is refused",
			promos:   []Promotion{buy2get1(), func() Promotion { p := chaoban(); p.Stackable = false; return p }()},
			req:      QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()},
			promoAmt: map[string]int64{"#60": 35000}, refused: []string{"CHAOBAN:NOT_STACKABLE"}},
		{name: "an exclusive promotion that applied first shuts out the rest",
			promos: []Promotion{
				pm(Promotion{ID: 12, Kind: PercentOff, Value: 5000, Priority: 9, Conditions: []Condition{cd(KeySKU, EQ, "CF-SUA")}}),
				func() Promotion { p := buy2get1(); p.Priority = 1; return p }(), chaoban()},
			req:      QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()},
			promoAmt: map[string]int64{"#12": 35000}, refused: []string{"#60:NOT_STACKABLE", "CHAOBAN:NOT_STACKABLE"}},
		{name: "an exclusive promotion that does not fit the order leaves the others",
			promos: []Promotion{
				pm(Promotion{ID: 12, Kind: PercentOff, Value: 5000, Priority: 9, Conditions: []Condition{cd(KeySKU, EQ, "TR-DAO")}}),
				chaoban()},
			req: QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, promoAmt: map[string]int64{"CHAOBAN": 17500}, refused: []string{}},
		{name: "fixed per unit on the items it names",
			promos: []Promotion{pm(Promotion{ID: 13, Kind: FixedOff, Value: 5000, Stackable: true, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}})},
			req:    QuoteRequest{Lines: cafeOrder()}, promoAmt: map[string]int64{"#13": 10000}, net: []int64{60000, 105000}},
		{name: "fixed per unit never takes a line below zero",
			promos: []Promotion{pm(Promotion{ID: 13, Kind: FixedOff, Value: 50000, Stackable: true, Conditions: []Condition{cd(KeyCategory, EQ, "CAFE")}})},
			req:    QuoteRequest{Lines: cafeOrder()}, promoAmt: map[string]int64{"#13": 70000}, net: []int64{0, 105000}},
		{name: "a cap on a percentage",
			promos: []Promotion{pm(Promotion{ID: 14, Code: "NUA", Kind: PercentOff, Level: PerOrder, Value: 5000, MaxDiscount: 30000, Stackable: true})},
			req:    QuoteRequest{Codes: []string{"NUA"}, Lines: cafeOrder()}, promoAmt: map[string]int64{"NUA": 30000}, net: []int64{58000, 87000}},
		{name: "a cap on an item percentage spreads over its lines",
			promos: []Promotion{pm(Promotion{ID: 15, Kind: PercentOff, Value: 5000, MaxDiscount: 10001, Stackable: true})},
			req:    QuoteRequest{Lines: cafeOrder()}, promoAmt: map[string]int64{"#15": 10001}, net: []int64{66000, 98999}},
		{name: "below the minimum subtotal",
			promos: []Promotion{func() Promotion { p := chaoban(); p.MinSubtotal = 175001; return p }()},
			req:    QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, refused: []string{"CHAOBAN:NOT_ELIGIBLE"}},
		{name: "exactly the minimum subtotal",
			promos: []Promotion{func() Promotion { p := chaoban(); p.MinSubtotal = 175000; return p }()},
			req:    QuoteRequest{Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, promoAmt: map[string]int64{"CHAOBAN": 17500}},
		{name: "an order promotion for another channel",
			promos: []Promotion{func() Promotion { p := chaoban(); p.Conditions = []Condition{cd(KeyChannel, EQ, "ONLINE")}; return p }()},
			req:    QuoteRequest{Channel: "DINE_IN", Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}, refused: []string{"CHAOBAN:NOT_ELIGIBLE"}},
		{name: "a fixed order amount above the order makes it free",
			promos: []Promotion{pm(Promotion{ID: 16, Code: "FREE", Kind: FixedOff, Level: PerOrder, Value: 500000, Stackable: true})},
			req:    QuoteRequest{Codes: []string{"FREE"}, Lines: cafeOrder()}, promoAmt: map[string]int64{"FREE": 175000}, grand: i64(0), taxTotal: i64(0)},
		{name: "an odd order amount is shared to the dong",
			promos: []Promotion{pm(Promotion{ID: 17, Code: "LE", Kind: FixedOff, Level: PerOrder, Value: 10000, Stackable: true})},
			req:    QuoteRequest{Codes: []string{"LE"}, Lines: []Line{ln("A", "", 1, 10000), ln("B", "", 1, 10000), ln("C", "", 1, 10000)}},
			net:    []int64{6666, 6667, 6667}},

		// Bad input.
		{name: "quantity zero", req: QuoteRequest{Lines: one("X", "", 0, 1000)}, errAt: "lines[0].quantity", errKind: errs.Invalid},
		{name: "quantity above the limit", req: QuoteRequest{Lines: one("X", "", MaxQuantity+1, 1000)}, errAt: "lines[0].quantity", errKind: errs.Invalid},
		{name: "no lines", req: QuoteRequest{}, errAt: "lines", errKind: errs.Invalid},
		{name: "no time", req: QuoteRequest{At: time.Time{}, Lines: coffee}, errAt: "at", errKind: errs.Invalid},
		{name: "a negative modifier", req: QuoteRequest{Lines: one("X", "", 1, 1000, -1)}, errAt: "lines[0].modifiers[0].price", errKind: errs.Invalid},
		{name: "a line tax at the wrong rate",
			req:   QuoteRequest{Lines: []Line{func() Line { l := ln("X", "", 1, 1000); l.Tax = &Tax{Type: VAT8, RateBP: 1000}; return l }()}},
			errAt: "lines[0].tax.rateBp", errKind: errs.Invalid, errIs: ErrInvalidTax},
		{name: "a request field in the context", req: QuoteRequest{Context: map[string]any{"channel": "X"}, Lines: coffee}, errAt: "context.channel", errKind: errs.Invalid, errIs: ErrInvalidContext},
		{name: "a context value that is not a scalar", req: QuoteRequest{Context: map[string]any{"x": []int{1}}, Lines: coffee}, errAt: "context.x", errKind: errs.Invalid, errIs: ErrInvalidContext},
		{name: "a markup above the unit limit", rules: []Rule{rl(1, Markup, ByPercent, MaxMarkupBP, 0)},
			req: QuoteRequest{Lines: one("X", "", 1, MaxUnitPrice/2)}, errAt: "lines[0]", errKind: errs.Rule, errIs: ErrUnitPriceTooHigh},
		{name: "another merchant's request", req: QuoteRequest{MerchantID: 2, Lines: coffee}, errAt: "merchantId", errKind: errs.Invalid},
	}
}

func TestQuoteTable(t *testing.T) {
	cases := quoteCases()
	if len(cases) < 50 {
		t.Fatalf("the table has %d cases; issue 5 asks for at least 50", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := runCase(c)
			if c.errAt != "" {
				assertFieldError(t, err, c.errKind, c.errAt)
				if c.errIs != nil && !errors.Is(err, c.errIs) {
					t.Errorf("error %v is not %v", err, c.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkQuote(t, q)
			got := func(f func(LineQuote) int64) []int64 {
				out := make([]int64, len(q.Lines))
				for i, l := range q.Lines {
					out[i] = f(l)
				}
				return out
			}
			if c.unit != nil && !slices.Equal(got(func(l LineQuote) int64 { return l.UnitPrice }), c.unit) {
				t.Errorf("unit prices %v, want %v", got(func(l LineQuote) int64 { return l.UnitPrice }), c.unit)
			}
			if c.net != nil && !slices.Equal(got(func(l LineQuote) int64 { return l.NetAmount }), c.net) {
				t.Errorf("net amounts %v, want %v", got(func(l LineQuote) int64 { return l.NetAmount }), c.net)
			}
			if c.lineTax != nil && !slices.Equal(got(func(l LineQuote) int64 { return l.Tax.Tax }), c.lineTax) {
				t.Errorf("line taxes %v, want %v", got(func(l LineQuote) int64 { return l.Tax.Tax }), c.lineTax)
			}
			if c.applied != nil {
				for i, want := range c.applied {
					var ids []id.ID
					for _, r := range q.Lines[i].Rules {
						ids = append(ids, r.RuleID)
					}
					if !slices.Equal(ids, want) {
						t.Errorf("line %d: rules %v, want %v", i, ids, want)
					}
				}
			}
			if c.taxes != nil && !reflect.DeepEqual(q.Taxes, c.taxes) {
				t.Errorf("tax lines %+v, want %+v", q.Taxes, c.taxes)
			}
			if c.grand != nil && q.GrandTotal != *c.grand {
				t.Errorf("grand total %d, want %d", q.GrandTotal, *c.grand)
			}
			if c.taxTotal != nil && q.TaxTotal != *c.taxTotal {
				t.Errorf("tax total %d, want %d", q.TaxTotal, *c.taxTotal)
			}
			if c.promoAmt != nil {
				amounts := map[string]int64{}
				for _, p := range q.Promotions {
					amounts[promoKey(p.Code, p.PromotionID)] = p.Amount
				}
				if !reflect.DeepEqual(amounts, c.promoAmt) {
					t.Errorf("promotions %v, want %v", amounts, c.promoAmt)
				}
			}
			if c.refused != nil {
				var refused []string
				for _, r := range q.Refused {
					refused = append(refused, promoKey(r.Code, r.PromotionID)+":"+string(r.Reason))
				}
				if !slices.Equal(refused, c.refused) && len(refused)+len(c.refused) > 0 {
					t.Errorf("refused %v, want %v", refused, c.refused)
				}
			}
		})
	}
}

func promoKey(code string, pid id.ID) string {
	if code != "" {
		return code
	}
	return "#" + pid.String()
}

func runCase(c quoteCase) (Quote, error) {
	cfg := Config{MerchantID: 1, PricesIncludeTax: !c.exclusive, DefaultTax: c.tax, Rules: c.rules, Promotions: c.promos}
	if cfg.DefaultTax == (Tax{}) {
		cfg.DefaultTax = VAT8.Tax()
	}
	e, err := NewEngine(cfg)
	if err != nil {
		return Quote{}, fmt.Errorf("engine: %w", err)
	}
	req := c.req
	if req.At.IsZero() && c.name != "no time" {
		req.At = wed
	}
	req.Lines = slices.Clone(req.Lines)
	for i := range req.Lines {
		if req.Lines[i].VariantID == 0 {
			req.Lines[i].VariantID = id.ID(101 + i)
		}
	}
	return e.Quote(req)
}

func assertFieldError(t *testing.T, err error, kind errs.Kind, loc string) {
	t.Helper()
	var e *errs.E
	if !errors.As(err, &e) {
		t.Fatalf("want an errs.E naming %s, got %v", loc, err)
	}
	if e.Kind != kind {
		t.Errorf("kind %d, want %d (%v)", e.Kind, kind, err)
	}
	for _, f := range e.Fields {
		if f.Location == loc {
			return
		}
	}
	t.Errorf("error %v does not name %s: %+v", err, loc, e.Fields)
}

// Same input, same output: the quote does not depend on the order the rules and promotions were
// loaded in, nor on anything outside the request.
func TestQuoteIsDeterministic(t *testing.T) {
	rules := []Rule{happyHour(), rl(2, Discount, ByAmount, 5000, 10, cd(KeyChannel, EQ, "TAKE_AWAY")),
		rl(3, Markup, ByPercent, 1000, 10), rl(4, Override, ByAmount, 12000, 0, cd(KeySKU, EQ, "NS-500"))}
	promos := []Promotion{chaoban(), buy2get1(), pm(Promotion{ID: 70, Kind: FixedOff, Level: PerOrder, Value: 3333, Stackable: true})}
	req := QuoteRequest{At: at("2025-03-05 14:30:00"), Channel: "TAKE_AWAY", CustomerID: 5, Codes: []string{"CHAOBAN"},
		Lines: []Line{ln("CF-SUA", "CAFE", 2, 35000, 5000), ln("BM-THIT", "BANH", 4, 35000), ln("NS-500", "NUOC", 3, 15000)}}
	var first Quote
	for i := range 20 {
		rs, ps := slices.Clone(rules), slices.Clone(promos)
		// A fixed rotation per round stands in for any load order.
		slices.Reverse(rs[:i%len(rs)])
		slices.Reverse(ps[:i%len(ps)])
		e, err := NewEngine(Config{PricesIncludeTax: true, DefaultTax: VAT8.Tax(), Rules: rs, Promotions: ps})
		if err != nil {
			t.Fatal(err)
		}
		q, err := e.Quote(req)
		if err != nil {
			t.Fatal(err)
		}
		checkQuote(t, q)
		if i == 0 {
			first = q
		} else if !reflect.DeepEqual(q, first) {
			t.Fatalf("round %d differs:\n%+v\n%+v", i, q, first)
		}
	}
}

// Every number of a quote comes with its reason: the walk-through of one café order.
func TestQuoteExplainsEveryNumber(t *testing.T) {
	e, err := NewEngine(Config{PricesIncludeTax: true, DefaultTax: VAT8.Tax(),
		Rules: []Rule{happyHour()}, Promotions: []Promotion{chaoban()}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.Quote(QuoteRequest{At: at("2025-03-05 14:30:00"), CustomerID: 9, Codes: []string{"CHAOBAN", "BOGUS"},
		Lines: []Line{ln("CF-SUA", "CAFE", 2, 35000, 5000)}})
	if err != nil {
		t.Fatal(err)
	}
	checkQuote(t, q)
	l := q.Lines[0]
	// 35,000 fare - 20% (7,000) + 5,000 size = 33,000 a cup; 66,000 for two; CHAOBAN 6,600 off.
	want := LineQuote{Index: 0, VariantID: 0, SKU: "CF-SUA", Quantity: 2, FareID: 1, BaseUnitPrice: 35000,
		ModifiersUnitPrice: 5000, UnitPrice: 33000, ListAmount: 80000, RuleAdjustment: -14000, Amount: 66000,
		Rules:          []AppliedRule{{RuleID: 1, Name: "rule 1", Type: Discount, Mode: ByPercent, Value: 2000, UnitEffect: -7000, LineEffect: -14000}},
		Promotions:     []PromotionShare{{PromotionID: 50, Code: "CHAOBAN", Amount: 6600}},
		PromotionTotal: 6600, NetAmount: 59400, Tax: TaxLine{Type: VAT8, RateBP: 800, Base: 55000, Tax: 4400}, Total: 59400}
	if !reflect.DeepEqual(l, want) {
		t.Fatalf("line:\n%+v\nwant\n%+v", l, want)
	}
	if len(q.Refused) != 1 || q.Refused[0].Code != "BOGUS" || q.Refused[0].Reason != UnknownCode {
		t.Fatalf("refused: %+v", q.Refused)
	}
	if q.ListTotal != 80000 || q.RuleAdjustment != -14000 || q.Subtotal != 66000 || q.PromotionTotal != 6600 ||
		q.NetTotal != 59400 || q.TaxableTotal != 55000 || q.TaxTotal != 4400 || q.GrandTotal != 59400 {
		t.Fatalf("totals: %+v", q)
	}
}

// An Engine is shared by every request of its merchant: quoting must not change it.
func TestQuoteConcurrently(t *testing.T) {
	e, err := NewEngine(Config{PricesIncludeTax: true, DefaultTax: VAT8.Tax(), Rules: []Rule{happyHour()},
		Promotions: []Promotion{chaoban(), buy2get1()}})
	if err != nil {
		t.Fatal(err)
	}
	req := QuoteRequest{At: at("2025-03-05 15:00:00"), CustomerID: 1, Codes: []string{"CHAOBAN"}, Lines: cafeOrder()}
	want, err := e.Quote(req)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if q, err := e.Quote(req); err != nil || !reflect.DeepEqual(q, want) {
					errc <- fmt.Errorf("concurrent quote differs: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func TestNewEngineNamesBadConfiguration(t *testing.T) {
	_, err := NewEngine(Config{DefaultTax: VAT8.Tax(),
		Rules: []Rule{rl(1, Discount, ByPercent, 1000, 0), rl(1, Discount, ByPercent, 1000, 0),
			rl(2, Discount, ByPercent, 1000, 0, cd(KeySKU, "LIKE", "x"))},
		Promotions: []Promotion{chaoban(), func() Promotion { p := chaoban(); p.ID = 51; return p }(),
			pm(Promotion{ID: 52, Kind: PercentOff, Level: PerOrder, Value: 100, Conditions: []Condition{cd(KeySKU, EQ, "A")}})}})
	var e *errs.E
	if !errors.As(err, &e) || e.Kind != errs.Invalid || !errors.Is(err, ErrInvalidPricing) {
		t.Fatalf("want Invalid, ErrInvalidPricing, got %v", err)
	}
	var locs []string
	for _, f := range e.Fields {
		locs = append(locs, f.Location)
	}
	want := []string{"rules[1].id", "rules[2].conditions[0].op", "promotions[1].code", "promotions[2].conditions[0].key"}
	if !slices.Equal(locs, want) {
		t.Fatalf("locations %v, want %v", locs, want)
	}
	if _, err := NewEngine(Config{}); err == nil || !strings.Contains(err.Error(), "defaultTax.type") {
		t.Fatalf("an engine without a default tax: %v", err)
	}
}

func TestDefaultZone(t *testing.T) {
	z := DefaultZone()
	if _, off := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC).In(z).Zone(); off != 7*3600 {
		t.Fatalf("zone %s offset %d", z, off)
	}
}
