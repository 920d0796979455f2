package pricing

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
)

// input is a service-level quote of merchant A's menu.
func (e *env) input(at time.Time, channel string, lines ...QuoteLine) QuoteInput {
	return QuoteInput{MerchantID: merchantA, Channel: channel, At: at, Lines: lines}
}

func (e *env) qline(t testing.TB, sku string, qty int64, options ...string) QuoteLine {
	l := QuoteLine{VariantID: e.cafe.variant(t, merchantA, sku), Quantity: qty}
	for _, o := range options {
		l.ModifierIDs = append(l.ModifierIDs, e.cafe.option(t, o))
	}
	return l
}

func (e *env) quote(t testing.TB, in QuoteInput) Quote {
	t.Helper()
	q, err := e.mod.Quote(auth.System(context.Background()), in)
	if err != nil {
		t.Fatal(err)
	}
	checkQuote(t, q)
	return q
}

// TestQuoteCacheInvalidation: quotes reuse the merchant's built engine until its pricing rows
// change, whoever changes them and however (a route, a bulk update, a delete and a restore,
// plain SQL, another process), and the next quote after a change reflects it.
func TestQuoteCacheInvalidation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ids := e.seedPricing(t)
		happy, takeAway := ids[e.cafe.c.PriceRules[0].Name], ids[e.cafe.c.PriceRules[1].Name]
		owner := e.ownerA()
		in := e.input(at("2025-03-05 14:30:00"), "TAKE_AWAY", e.qline(t, "CF-SUA", 1, "Lớn (L)", "Ít đường"))
		unit := func(q Quote) int64 { return q.Lines[0].UnitPrice }

		builds := e.mod.cache.builds.Load()
		first := e.quote(t, in)
		for range 3 {
			if q := e.quote(t, in); unit(q) != unit(first) {
				t.Fatalf("unit %d then %d", unit(first), unit(q))
			}
		}
		if n := e.mod.cache.builds.Load() - builds; n != 1 {
			t.Fatalf("4 quotes without a change built the engine %d times, want 1", n)
		}
		// 35,000 - 20% = 28,000 - 5,000 take away = 23,000 + 10,000 size L.
		if unit(first) != 33000 {
			t.Fatalf("unit price %d, want 33,000", unit(first))
		}

		steps := []struct {
			name   string
			change func()
			want   int64
		}{
			{"PATCH the happy hour to 30%", func() {
				e.must(200, "PATCH", "/pricing-fare-rules/"+happy, owner, map[string]any{"value": 3000})
			}, 35000 - 10500 - 5000 + 10000},
			{"soft-delete the take-away discount", func() {
				e.must(200, "DELETE", "/pricing-fare-rules/"+takeAway, owner, nil)
			}, 35000 - 10500 + 10000},
			{"restore it", func() {
				e.must(200, "POST", "/pricing-fare-rules/"+takeAway+"/restore", owner, nil)
			}, 35000 - 10500 - 5000 + 10000},
			{"switch every discount off with updateBy", func() {
				e.must(200, "PATCH", "/pricing-fare-rules?where="+q(`{"type":"DISCOUNT"}`), owner, map[string]any{"status": "INACTIVE"})
			}, 35000 + 10000},
			{"switch them on with plain SQL", func() {
				if _, err := e.db.Raw(context.Background(), true).ExecContext(context.Background(),
					`UPDATE pricing_fare_rules SET status = 'ACTIVE'`); err != nil {
					t.Fatal(err)
				}
			}, 35000 - 10500 - 5000 + 10000},
			{"hard-delete the happy hour (admin)", func() {
				e.must(200, "DELETE", "/pricing-fare-rules/"+happy+"?hard=true", e.admin(), nil)
			}, 35000 - 5000 + 10000},
			{"add a fare in a fare set", func() {
				set := e.create("/pricing-fare-sets", owner, map[string]any{"merchantId": merchantA, "code": "STANDARD", "name": "Giá niêm yết"})
				e.create("/pricing-fares", owner, map[string]any{"merchantId": merchantA, "fareSetId": set,
					"variantId": e.cafe.variant(t, merchantA, "CF-SUA"), "amount": 37000})
			}, 37000 - 5000 + 10000},
		}
		for _, s := range steps {
			before := e.mod.cache.builds.Load()
			s.change()
			if q := e.quote(t, in); unit(q) != s.want {
				t.Fatalf("after %s: unit price %d, want %d", s.name, unit(q), s.want)
			}
			e.quote(t, in)
			if n := e.mod.cache.builds.Load() - before; n != 1 {
				t.Fatalf("after %s: %d builds for two quotes, want 1", s.name, n)
			}
		}

		// Another process on the same database: its cache is warm, a change made through this one
		// reaches its next quote.
		other := New(Deps{Platform: module.Platform{DB: e.db, IDs: e.mod.ids, Clock: e.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Catalog: e.cat})
		q1, err := other.Quote(auth.System(context.Background()), in)
		if err != nil {
			t.Fatal(err)
		}
		e.must(200, "PATCH", "/pricing-fare-rules/"+takeAway, owner, map[string]any{"value": 8000})
		q2, err := other.Quote(auth.System(context.Background()), in)
		if err != nil {
			t.Fatal(err)
		}
		if unit(q2) != unit(q1)-3000 {
			t.Fatalf("the other process quoted %d then %d after the change, want %d", unit(q1), unit(q2), unit(q1)-3000)
		}

		// A rule moved to another merchant of the organizer leaves the first and reaches the second,
		// both with warm caches.
		const merchantA2 id.ID = 12
		m2, _ := e.cat.MerchantForQuote(context.Background(), merchantA)
		e.cat.setMerchant(t, merchantA2, m2)
		e.cat.addVariant(t, merchantA2, CatalogVariant{VariantID: 3001, SKU: "CF-SUA", Categories: []string{"CAFE"}, Price: 35000, Active: true}, "Cà phê sữa đá", nil)
		in2 := QuoteInput{MerchantID: merchantA2, Channel: "TAKE_AWAY", At: in.At, Lines: []QuoteLine{{VariantID: 3001, Quantity: 1}}}
		a1, b1 := e.quote(t, in), e.quote(t, in2)
		e.must(200, "PATCH", "/pricing-fare-rules/"+takeAway, owner, map[string]any{"merchantId": merchantA2})
		a2, b2 := e.quote(t, in), e.quote(t, in2)
		if unit(a2) != unit(a1)+8000 || unit(b2) != unit(b1)-8000 {
			t.Fatalf("after the move: merchant %s %d -> %d, merchant %s %d -> %d", merchantA, unit(a1), unit(a2), merchantA2, unit(b1), unit(b2))
		}

		// A change of the merchant's settings in the catalog rebuilds too: VAT 10% instead of 8%.
		before := e.quote(t, in)
		m, _ := e.cat.MerchantForQuote(context.Background(), merchantA)
		m.VATRate = "VAT10"
		e.cat.setMerchant(t, merchantA, m)
		after := e.quote(t, in)
		if before.Taxes[0].Type != VAT8 || after.Taxes[0].Type != VAT10 || after.GrandTotal != before.GrandTotal {
			t.Fatalf("taxes %+v then %+v", before.Taxes, after.Taxes)
		}
	})
}

// TestQuoteConcurrentRebuild: many quotes of a merchant whose engine is stale wait for one
// rebuild, and all get the new prices.
func TestQuoteConcurrentRebuild(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ids := e.seedPricing(t)
		in := e.input(at("2025-03-05 14:30:00"), "TAKE_AWAY", e.qline(t, "CF-SUA", 1, "Nhỏ (S)", "Ít đường"))
		e.quote(t, in)
		e.must(200, "PATCH", "/pricing-fare-rules/"+ids[e.cafe.c.PriceRules[1].Name], e.ownerA(), map[string]any{"value": 7000})
		before := e.mod.cache.builds.Load()
		const n = 16
		units := make([]int64, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				q, err := e.mod.Quote(auth.System(context.Background()), in)
				if err != nil {
					t.Error(err)
					return
				}
				units[i] = q.Lines[0].UnitPrice
			})
		}
		close(start)
		wg.Wait()
		for i, u := range units {
			if u != 35000-7000-7000 {
				t.Fatalf("quote %d: unit %d, want %d", i, u, 35000-7000-7000)
			}
		}
		if b := e.mod.cache.builds.Load() - before; b != 1 {
			t.Fatalf("%d concurrent quotes built the engine %d times, want 1", n, b)
		}
	})
}

// TestQuoteFareSetsAndTaxSets: the fare set for the quote's channel prices before the one for
// every channel, a scheduled fare takes over when it starts, an inactive set prices nothing, a
// variant no set prices keeps the catalog's price; a tax set gives the lines it covers its tax.
func TestQuoteFareSetsAndTaxSets(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		owner := e.ownerA()
		cf := e.cafe.variant(t, merchantA, "CF-SUA")
		general := e.create("/pricing-fare-sets", owner, map[string]any{"merchantId": merchantA, "code": "STANDARD", "name": "Niêm yết", "priority": 5})
		takeAway := e.create("/pricing-fare-sets", owner, map[string]any{"merchantId": merchantA, "code": "TAKE_AWAY", "name": "Mang đi",
			"channels": []string{"TAKE_AWAY", "DELIVERY"}})
		closed := e.create("/pricing-fare-sets", owner, map[string]any{"merchantId": merchantA, "code": "OLD", "name": "Cũ",
			"priority": 99, "status": "INACTIVE"})
		fare := func(set string, amount int64, from string) string {
			b := map[string]any{"merchantId": merchantA, "fareSetId": set, "variantId": cf, "amount": amount}
			if from != "" {
				b["activeFrom"] = from
			}
			return e.create("/pricing-fares", owner, b)
		}
		standing := fare(general, 36000, "")
		april := fare(general, 38000, "2025-04-01T00:00:00+07:00")
		ta := fare(takeAway, 32000, "")
		fare(closed, 1000, "")

		for _, c := range []struct {
			at      string
			channel string
			fare    string
			amount  int64
		}{
			{"2025-03-05 10:00:00", "DINE_IN", standing, 36000},
			{"2025-03-05 10:00:00", "", standing, 36000},
			{"2025-03-05 10:00:00", "TAKE_AWAY", ta, 32000},
			{"2025-03-05 10:00:00", "DELIVERY", ta, 32000},
			{"2025-03-31 23:59:59", "DINE_IN", standing, 36000},
			{"2025-04-01 00:00:00", "DINE_IN", april, 38000},
		} {
			q := e.quote(t, e.input(at(c.at), c.channel, e.qline(t, "CF-SUA", 1, "Nhỏ (S)", "Ít đường"), e.qline(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường")))
			if l := q.Lines[0]; l.FareID.String() != c.fare || l.BaseUnitPrice != c.amount {
				t.Errorf("%s %s: fare %s at %d, want %s at %d", c.at, c.channel, l.FareID, l.BaseUnitPrice, c.fare, c.amount)
			}
			if l := q.Lines[1]; l.FareID != 0 || l.BaseUnitPrice != 29000 {
				t.Errorf("%s %s: CF-DEN has fare %s at %d, want the catalog's 29,000", c.at, c.channel, l.FareID, l.BaseUnitPrice)
			}
		}

		// Food at 10% through a tax set on the parent category, drinks at the merchant's 8%.
		vat10 := e.create("/pricing-taxes", owner, map[string]any{"merchantId": merchantA, "code": "VAT10", "name": "VAT 10%", "type": "VAT10"})
		e.create("/pricing-tax-sets", owner, map[string]any{"merchantId": merchantA, "code": "FOOD", "name": "Đồ ăn",
			"taxId": vat10, "categories": []string{"FOOD"}})
		q := e.quote(t, e.input(at("2025-03-05 10:00:00"), "", e.qline(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường"), e.qline(t, "BM-THIT", 2)))
		if q.Lines[0].Tax.Type != VAT8 || q.Lines[1].Tax.Type != VAT10 || len(q.Taxes) != 2 {
			t.Fatalf("taxes: %+v / %+v / %+v", q.Lines[0].Tax, q.Lines[1].Tax, q.Taxes)
		}
		// 70,000 including 10%: 63,636 + 6,364; 29,000 including 8%: 26,852 + 2,148.
		if q.Taxes[0].Tax != 2148 || q.Taxes[1].Tax != 6364 {
			t.Fatalf("tax lines: %+v", q.Taxes)
		}
		// A catch-all tax set (no variants, no categories) of higher priority covers every line.
		kct := e.create("/pricing-taxes", owner, map[string]any{"merchantId": merchantA, "code": "KCT", "name": "KCT", "type": "KCT"})
		e.create("/pricing-tax-sets", owner, map[string]any{"merchantId": merchantA, "code": "ALL", "name": "Tất cả",
			"taxId": kct, "priority": 10})
		q = e.quote(t, e.input(at("2025-03-05 10:00:00"), "", e.qline(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường"), e.qline(t, "BM-THIT", 2)))
		if len(q.Taxes) != 1 || q.Taxes[0].Type != KCT || q.TaxTotal != 0 {
			t.Fatalf("catch-all tax set: %+v", q.Taxes)
		}
	})
}

// TestRedeemLimits: a code that is once per customer applies to a customer's first order, and
// once Redeem has recorded that order it is refused on the customer's next; Redeem counts an
// order once however often it is called.
func TestRedeemLimits(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		owner := e.ownerA()
		pid := e.create("/pricing-promotions", owner, map[string]any{"merchantId": merchantA, "code": "FIRST", "name": "Lần đầu",
			"kind": "PERCENT", "level": "ORDER", "value": 1000, "perCustomerLimit": 1, "totalLimit": 2, "stackable": true})
		auto := e.create("/pricing-promotions", owner, map[string]any{"merchantId": merchantA, "name": "Tự động",
			"kind": "FIXED", "level": "ORDER", "value": 1000, "totalLimit": 1, "stackable": true})
		promo, _ := id.Parse(pid)
		autoID, _ := id.Parse(auto)
		in := func(customer id.ID) QuoteInput {
			i := e.input(at("2025-03-05 10:00:00"), "", e.qline(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường"))
			i.CustomerID, i.PromotionCodes = customer, []string{"first"}
			return i
		}
		refusal := func(qt Quote, p id.ID) Refusal {
			for _, r := range qt.Refused {
				if r.PromotionID == p {
					return r.Reason
				}
			}
			return ""
		}
		ctx := auth.System(context.Background())

		qt := e.quote(t, in(42))
		if len(qt.Promotions) != 2 || qt.PromotionTotal != 2900+1000 {
			t.Fatalf("first order: %+v", qt.Promotions)
		}
		for range 3 { // a retried payment, a redelivered event
			if err := e.mod.Redeem(ctx, merchantA, 9001, 42, []id.ID{promo, autoID, promo}); err != nil {
				t.Fatal(err)
			}
		}
		qt = e.quote(t, in(42))
		if refusal(qt, promo) != CustomerLimitReached || refusal(qt, autoID) != LimitReached || qt.PromotionTotal != 0 {
			t.Fatalf("second order of customer 42: %+v refused %+v", qt.Promotions, qt.Refused)
		}
		qt = e.quote(t, in(43))
		if len(qt.Promotions) != 1 || qt.Promotions[0].PromotionID != promo {
			t.Fatalf("first order of customer 43: %+v refused %+v", qt.Promotions, qt.Refused)
		}
		if err := e.mod.Redeem(ctx, merchantA, 9002, 43, []id.ID{promo}); err != nil {
			t.Fatal(err)
		}
		if qt = e.quote(t, in(44)); refusal(qt, promo) != LimitReached {
			t.Fatalf("after two uses in all: refused %+v", qt.Refused)
		}
		// The redemptions are rows of the API, read-only, confined to their tenant.
		var usages []map[string]any
		e.must(200, "GET", "/pricing-promotion-usages?filter="+q(`{"where":{"promotionId":"`+pid+`"},"order":["orderId ASC"]}`), owner, nil).decode(t, &usages)
		if len(usages) != 2 || usages[0]["orderId"] != "9001" || usages[0]["customerId"] != "42" {
			t.Fatalf("usages: %v", usages)
		}
		// A redemption is dated by the module's clock.
		if usedAt, err := time.Parse(time.RFC3339Nano, usages[0]["usedAt"].(string)); err != nil || !usedAt.Equal(e.clock.Now()) {
			t.Fatalf("usedAt %v, want the clock's %v (%v)", usages[0]["usedAt"], e.clock.Now(), err)
		}
		e.must(200, "GET", "/pricing-promotion-usages", e.ownerB(), nil).decode(t, &usages)
		if len(usages) != 0 {
			t.Fatalf("B sees A's usages: %v", usages)
		}
		withUsages := e.must(200, "GET", "/pricing-promotions/"+pid+"?filter="+q(`{"include":[{"relation":"usages"}]}`), owner, nil).object(t)
		if len(withUsages["usages"].([]any)) != 2 {
			t.Fatalf("promotion with usages: %v", withUsages)
		}

		// Redeem refuses another merchant's promotion and an order without id, and records nothing.
		err := e.mod.Redeem(ctx, merchantB, 9003, 45, []id.ID{promo})
		if errs.KindOf(err) != errs.Rule || !errors.Is(err, ErrUnknownPromotion) {
			t.Fatalf("redeem of another merchant's promotion: %v", err)
		}
		if err := e.mod.Redeem(ctx, merchantA, 0, 45, []id.ID{promo}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("redeem without order: %v", err)
		}
		// It joins the caller's transaction: rolled back, nothing counts.
		rollback := errs.New(errs.Conflict, "payment failed")
		err = e.db.InTx(ctx, func(ctx context.Context) error {
			if err := e.mod.Redeem(ctx, merchantA, 9004, 46, []id.ID{promo}); err != nil {
				return err
			}
			return rollback
		})
		if err != rollback {
			t.Fatal(err)
		}
		var n int
		if err := e.db.R.QueryRowContext(ctx, `SELECT count(*) FROM pricing_promotion_usages`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("usages: %d, %v", n, err)
		}
	})
}

// TestTypedErrors: the rules a caller branches on are typed errors (errors.Is), and a quote or a
// redemption without a caller fails closed unless the code says it acts for the system.
func TestTypedErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sys := auth.System(context.Background())
		asB := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 3, Roles: []auth.Role{auth.OrganizerOwner},
			OrganizerID: orgB, Permissions: []string{"*"}, Kind: auth.KindUser})
		line := e.qline(t, "CF-DEN", 1, "Nhỏ (S)", "Ít đường")
		mods := func(options ...string) QuoteInput { return e.input(wed, "", e.qline(t, "CF-DEN", 1, options...)) }
		for _, c := range []struct {
			name string
			ctx  context.Context
			in   QuoteInput
			want *errs.E
			kind errs.Kind // when not want's: the catalog's modifier rule answers in its own kind
		}{
			{"unknown merchant", sys, QuoteInput{MerchantID: 999, At: wed, Lines: []QuoteLine{line}}, ErrUnknownMerchant, 0},
			{"another organizer's merchant", asB, e.input(wed, "", line), ErrUnknownMerchant, 0},
			{"unknown variant", sys, e.input(wed, "", QuoteLine{VariantID: 424242, Quantity: 1}), ErrUnknownVariant, 0},
			{"another merchant's variant", sys, e.input(wed, "", QuoteLine{VariantID: e.cafe.variant(t, merchantB, "CF-DEN"), Quantity: 1}), ErrUnknownVariant, 0},
			{"inactive variant", sys, e.input(wed, "", e.qline(t, "BK-TIRA", 1)), ErrInactiveVariant, 0},
			{"unknown option", sys, e.input(wed, "", QuoteLine{VariantID: line.VariantID, Quantity: 1, ModifierIDs: []id.ID{424242}}), ErrModifierChoice, errs.Invalid},
			{"option not offered with the variant", sys, mods("Nhỏ (S)", "Ít đường", "Kem cheese"), ErrModifierChoice, errs.Invalid},
			{"option chosen twice", sys, mods("Nhỏ (S)", "Ít đường", "Ít đường"), ErrModifierChoice, errs.Invalid},
			{"required group missing", sys, mods("Nhỏ (S)"), ErrModifierChoice, errs.Rule},
			{"no option at all", sys, mods(), ErrModifierChoice, errs.Rule},
			{"group above its max", sys, mods("Nhỏ (S)", "Lớn (L)", "Ít đường"), ErrModifierChoice, errs.Rule},
			{"no caller", context.Background(), e.input(wed, "", line), auth.ErrNoPrincipal, 0},
		} {
			_, err := e.mod.Quote(c.ctx, c.in)
			if !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
			kind := c.kind
			if kind == errs.Internal {
				kind = c.want.Kind
			}
			if c.want != auth.ErrNoPrincipal && errs.KindOf(err) != kind {
				t.Errorf("%s: kind %v, want %v", c.name, errs.KindOf(err), kind)
			}
		}
		if _, err := e.mod.Quote(sys, e.input(wed, "", line)); err != nil {
			t.Fatalf("the same quote as the system: %v", err)
		}

		// Redeem, too, needs a caller or the system, and the merchant's own promotion.
		owner := e.ownerA()
		pid := e.create("/pricing-promotions", owner, map[string]any{"merchantId": merchantA.String(), "code": "TYPED", "name": "Typed",
			"kind": "PERCENT", "level": "ORDER", "value": 1000, "stackable": true})
		promo, err := id.Parse(pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.mod.Redeem(context.Background(), merchantA, 9100, 0, []id.ID{promo}); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("redeem without a caller: %v, want ErrNoPrincipal", err)
		}
		if err := e.mod.Redeem(asB, merchantA, 9100, 0, []id.ID{promo}); !errors.Is(err, ErrUnknownPromotion) {
			t.Fatalf("redeem by another organizer: %v, want ErrUnknownPromotion", err)
		}
		if err := e.mod.Redeem(sys, merchantA, 9100, 0, []id.ID{promo}); err != nil {
			t.Fatalf("redeem as the system: %v", err)
		}

		// A stored row that breaks a rule is a typed error too, through the same check as the API.
		r := FareRule{MerchantID: merchantA, Name: "bad", Type: Discount, Mode: ByPercent, Value: 0}
		if err := e.mod.checkRule(sys, &r, true); !errors.Is(err, ErrInvalidRule) || errs.KindOf(err) != errs.Invalid {
			t.Fatalf("bad rule: %v, want ErrInvalidRule", err)
		}
		if err := (Rule{Name: "bad", Type: "CHEAPER", Mode: ByAmount, Value: 1}).Validate(); !errors.Is(err, ErrInvalidRule) {
			t.Fatalf("Rule.Validate: %v, want ErrInvalidRule", err)
		}
		r = FareRule{MerchantID: 999, Name: "ok", Type: Discount, Mode: ByPercent, Value: 1000}
		if err := e.mod.checkRule(sys, &r, true); !errors.Is(err, ErrUnknownMerchant) || errs.KindOf(err) != errs.Invalid {
			t.Fatalf("rule of an unknown merchant: %v, want ErrUnknownMerchant as a 400", err)
		}
	})
}
