package pricing

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
)

func TestRuleValidateNamesTheField(t *testing.T) {
	ok := func(cs ...Condition) Rule { return rl(1, Discount, ByPercent, 1000, 0, cs...) }
	cases := []struct {
		name string
		rule Rule
		at   string // "" means valid
	}{
		{"valid, no conditions", ok(), ""},
		{"valid happy hour", happyHour(), ""},
		{"valid override", rl(1, Override, ByAmount, 0, 0, cd(KeyQuantity, GTE, 10)), ""},
		{"valid custom number", ok(cd("partySize", LTE, 4.5)), ""},
		{"valid custom list of mixed scalars", ok(cd("zone", IN, []any{"A", 1, true})), ""},
		{"valid variant id as number", ok(cd(KeyVariantID, EQ, 12345)), ""},
		{"valid timeOfDay with seconds", ok(cd(KeyTimeOfDay, LT, "23:59:59")), ""},
		{"valid JSON numbers", ok(cd(KeyQuantity, IN, []any{json.Number("2"), 3.0})), ""},
		{"unknown operator", ok(cd(KeySKU, "LIKE", "A")), "conditions[0].op"},
		{"lower-case operator", ok(cd(KeySKU, "eq", "A")), "conditions[0].op"},
		{"IN with a non-list", ok(cd(KeyCategory, IN, "CAFE")), "conditions[0].value"},
		{"NIN with an empty list", ok(cd(KeyCategory, NIN, []string{})), "conditions[0].value"},
		{"EQ with a list", ok(cd(KeyCategory, EQ, []string{"CAFE"})), "conditions[0].value"},
		{"quantity as a string", ok(cd(KeyQuantity, GTE, "10")), "conditions[0].value"},
		{"quantity as a fraction", ok(cd(KeyQuantity, GTE, 2.5)), "conditions[0].value"},
		{"negative quantity", ok(cd(KeyQuantity, GTE, -1)), "conditions[0].value"},
		{"quantity list with a string", ok(cd(KeyQuantity, IN, []any{1, "2"})), "conditions[0].value[1]"},
		{"bad date", ok(cd(KeyDate, EQ, "2025-02-30")), "conditions[0].value"},
		{"date as a number", ok(cd(KeyDate, EQ, 20250101)), "conditions[0].value"},
		{"bad time of day", ok(cd(KeyTimeOfDay, GTE, "24:00")), "conditions[0].value"},
		{"time of day without a leading zero", ok(cd(KeyTimeOfDay, GTE, "9:00")), "conditions[0].value"},
		{"bad weekday", ok(cd(KeyWeekday, IN, []string{"MON", "Tuesday"})), "conditions[0].value[1]"},
		{"GT on a string key", ok(cd(KeySKU, GT, "A")), "conditions[0].op"},
		{"GT on a custom string", ok(cd("zone", GT, "A")), "conditions[0].value"},
		{"empty sku", ok(cd(KeySKU, EQ, "")), "conditions[0].value"},
		{"null value", ok(cd(KeyChannel, EQ, nil)), "conditions[0].value"},
		{"object value", ok(cd("x", EQ, map[string]any{"a": 1})), "conditions[0].value"},
		{"bad variant id", ok(cd(KeyVariantID, EQ, "abc")), "conditions[0].value"},
		{"empty key", ok(cd("", EQ, "A")), "conditions[0].key"},
		{"key with a space", ok(cd("party size", EQ, 1)), "conditions[0].key"},
		{"second condition bad", ok(cd(KeySKU, EQ, "A"), cd(KeySKU, "?", "A")), "conditions[1].op"},
		{"no name", Rule{ID: 1, Type: Discount, Mode: ByPercent, Value: 10}, "name"},
		{"unknown type", rl(1, "FREE", ByPercent, 10, 0), "type"},
		{"unknown mode", rl(1, Discount, "HALF", 10, 0), "mode"},
		{"OVERRIDE by percent", rl(1, Override, ByPercent, 10, 0), "mode"},
		{"negative OVERRIDE", rl(1, Override, ByAmount, -1, 0), "value"},
		{"discount above 100%", rl(1, Discount, ByPercent, 10001, 0), "value"},
		{"zero discount", rl(1, Discount, ByAmount, 0, 0), "value"},
		{"markup above the limit", rl(1, Markup, ByPercent, MaxMarkupBP+1, 0), "value"},
		{"too many conditions", ok(make([]Condition, MaxConditions+1)...), "conditions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.rule.Validate()
			if c.at == "" {
				if err != nil {
					t.Fatalf("valid rule refused: %v", err)
				}
				return
			}
			assertFieldError(t, err, errs.Invalid, c.at)
		})
	}
}

func TestPromotionValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name string
		p    Promotion
		at   string
	}{
		{"valid code promotion", chaoban(), ""},
		{"valid buy X get Y", buy2get1(), ""},
		{"lower-case code", func() Promotion { p := chaoban(); p.Code = "chaoban"; return p }(), "code"},
		{"no status", func() Promotion { p := chaoban(); p.Status = ""; return p }(), "status"},
		{"percent above 100%", func() Promotion { p := chaoban(); p.Value = 10001; return p }(), "value"},
		{"unknown kind", func() Promotion { p := chaoban(); p.Kind = "GIFT"; return p }(), "kind"},
		{"unknown level", func() Promotion { p := chaoban(); p.Level = "LINE"; return p }(), "level"},
		{"buy X get Y without get", func() Promotion { p := buy2get1(); p.Get = nil; return p }(), "get"},
		{"buy X get Y of zero", func() Promotion { p := buy2get1(); p.Buy.Quantity = 0; return p }(), "buy.quantity"},
		{"buy X get Y on the order", func() Promotion { p := buy2get1(); p.Level = PerOrder; return p }(), "level"},
		{"bad buy condition", func() Promotion {
			p := buy2get1()
			p.Buy = &Target{Quantity: 2, Conditions: []Condition{cd(KeySKU, IN, "BM-THIT")}}
			return p
		}(), "buy.conditions[0].value"},
		{"buy on a percent promotion", func() Promotion { p := chaoban(); p.Buy = &Target{Quantity: 1}; return p }(), "buy"},
		{"line key on an order promotion", func() Promotion {
			p := chaoban()
			p.Conditions = []Condition{cd(KeyCategory, EQ, "CAFE")}
			return p
		}(), "conditions[0].key"},
		{"window backwards", func() Promotion { p := chaoban(); p.ActiveFrom, p.ActiveTo = tp(wed), tp(wed); return p }(), "activeTo"},
		{"negative limit", func() Promotion { p := chaoban(); p.PerCustomerLimit = -1; return p }(), "perCustomerLimit"},
		{"negative cap", func() Promotion { p := chaoban(); p.MaxDiscount = -1; return p }(), "maxDiscount"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Validate()
			if c.at == "" {
				if err != nil {
					t.Fatalf("valid promotion refused: %v", err)
				}
				return
			}
			assertFieldError(t, err, errs.Invalid, c.at)
		})
	}
}

func TestFareAndTaxValidate(t *testing.T) {
	f := standing(1, 1000)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	f.Amount, f.Currency, f.Status = -1, "vnd", "ON"
	f.ActiveFrom, f.ActiveTo = tp(wed), tp(wed.Add(-time.Second))
	err := f.Validate()
	for _, at := range []string{"amount", "currency", "status", "activeTo"} {
		assertFieldError(t, err, errs.Invalid, at)
	}
	for _, ty := range taxTypes {
		if err := ty.Tax().Validate(); err != nil {
			t.Errorf("%s: %v", ty, err)
		}
	}
	assertFieldError(t, Tax{Type: VAT10, RateBP: 800}.Validate(), errs.Invalid, "rateBp")
	assertFieldError(t, Tax{Type: "GST"}.Validate(), errs.Invalid, "type")
	assertFieldError(t, Tax{Type: TaxOther, RateBP: 10001}.Validate(), errs.Invalid, "rateBp")
	for tax, want := range map[Tax]string{VAT8.Tax(): "8%", VAT10.Tax(): "10%", VAT0.Tax(): "0%", KCT.Tax(): "KCT",
		KKKNT.Tax(): "KKKNT", {Type: TaxOther, RateBP: 350}: "KHAC:3.50%"} {
		if got := tax.InvoiceRate(); got != want {
			t.Errorf("%v: %s, want %s", tax, got, want)
		}
	}
}

// locationRe is every path a rule's errors may name.
var locationRe = regexp.MustCompile(`^(name|type|mode|value|conditions|conditions\[\d+\]\.(key|op|value(\[\d+\])?))$`)

// FuzzValidateRule feeds rule JSON, decoded as the API decodes it, to Validate. Validate must never
// panic; a refusal must be an Invalid error naming real fields; an accepted rule must quote
// without error and survive a JSON round trip unchanged in meaning.
func FuzzValidateRule(f *testing.F) {
	seeds := []string{
		`{"id":"1","name":"happy hour","type":"DISCOUNT","mode":"PERCENT","value":2000,"priority":10,"conditions":[{"key":"timeOfDay","op":"GTE","value":"14:00"},{"key":"timeOfDay","op":"LT","value":"16:00"},{"key":"weekday","op":"IN","value":["MON","TUE","WED","THU","FRI"]},{"key":"category","op":"IN","value":["CAFE","TRA"]}]}`,
		`{"id":"2","name":"take away","type":"DISCOUNT","mode":"AMOUNT","value":5000,"conditions":[{"key":"channel","op":"EQ","value":"TAKE_AWAY"}]}`,
		`{"id":"3","name":"water","type":"OVERRIDE","mode":"AMOUNT","value":12000,"conditions":[{"key":"sku","op":"EQ","value":"NS-500"},{"key":"quantity","op":"GTE","value":10}]}`,
		`{"name":"x","type":"MARKUP","mode":"PERCENT","value":100,"conditions":[{"key":"partySize","op":"GT","value":4.5}]}`,
		`{"name":"x","type":"DISCOUNT","mode":"PERCENT","value":100,"conditions":[{"key":"category","op":"IN","value":"CAFE"}]}`,
		`{"name":"x","type":"DISCOUNT","mode":"PERCENT","value":100,"conditions":[{"key":"quantity","op":"LIKE","value":1}]}`,
		`{"name":"x","type":"DISCOUNT","mode":"PERCENT","value":100,"conditions":[{"key":"date","op":"NIN","value":["2025-01-01",7,null]}]}`,
		`{"name":"","type":"","conditions":[{}]}`,
		`{"conditions":[{"key":"variantId","op":"EQ","value":1e300}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	lines := []Line{ln("CF-SUA", "CAFE", 1, 35000, 5000), ln("NS-500", "NUOC", 12, 15000)}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Rule
		if json.Unmarshal(data, &r) != nil {
			return // the API refuses undecodable bodies before they reach Validate
		}
		err := r.Validate()
		if err != nil {
			var e *errs.E
			if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("refusal is not an Invalid field error: %#v", err)
			}
			for _, fe := range e.Fields {
				if !locationRe.MatchString(fe.Location) {
					t.Fatalf("refusal names %q", fe.Location)
				}
			}
			return
		}
		r.ID = 1
		quote := func(r Rule) Quote {
			e, err := NewEngine(Config{PricesIncludeTax: true, DefaultTax: VAT8.Tax(), Rules: []Rule{r}})
			if err != nil {
				t.Fatalf("NewEngine refused a valid rule: %v", err)
			}
			q, err := e.Quote(QuoteRequest{At: wed, Channel: "TAKE_AWAY", Context: map[string]any{"partySize": 5}, Lines: lines})
			if err != nil && errs.KindOf(err) != errs.Rule {
				t.Fatalf("quote with a valid rule: %v", err)
			}
			if err == nil {
				checkQuote(t, q)
			}
			return q
		}
		q1 := quote(r)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var again Rule
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if err := again.Validate(); err != nil {
			t.Fatalf("a valid rule is refused after a round trip: %v\n%s", err, b)
		}
		if q2 := quote(again); q2.GrandTotal != q1.GrandTotal {
			t.Fatalf("round trip changed the price: %d vs %d\n%s", q1.GrandTotal, q2.GrandTotal, b)
		}
	})
}
