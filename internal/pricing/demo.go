package pricing

import (
	"context"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/demo"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// DemoRules converts the demo café's price rules into stored fare rules (without ids or
// merchant). Its "when" is a map: a list means IN, except timeOfDay [from, to] which is the
// window GTE from AND LT to; an object {"gte": n} is that operator; a scalar is EQ. The café
// lists rules in the order it wants them run, so earlier means higher priority.
func DemoRules(c *demo.Cafe) ([]FareRule, error) {
	out := make([]FareRule, 0, len(c.PriceRules))
	for i, pr := range c.PriceRules {
		r := FareRule{Name: pr.Name, Type: RuleType(pr.Type), Priority: len(c.PriceRules) - i, Status: Active}
		switch {
		case pr.Percent > 0:
			r.Mode, r.Value = ByPercent, pr.Percent*100
		default:
			r.Mode, r.Value = ByAmount, pr.Amount
		}
		keys := make([]string, 0, len(pr.When))
		for k := range pr.When {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch v := pr.When[k].(type) {
			case []any:
				if k == KeyTimeOfDay && len(v) == 2 {
					r.Conditions = append(r.Conditions, Condition{k, GTE, v[0]}, Condition{k, LT, v[1]})
					continue
				}
				r.Conditions = append(r.Conditions, Condition{k, IN, v})
			case map[string]any:
				ops := make([]string, 0, len(v))
				for op := range v {
					ops = append(ops, op)
				}
				slices.Sort(ops)
				for _, op := range ops {
					r.Conditions = append(r.Conditions, Condition{k, Operator(strings.ToUpper(op)), v[op]})
				}
			default:
				r.Conditions = append(r.Conditions, Condition{k, EQ, v})
			}
		}
		if err := r.rule().Validate(); err != nil {
			return nil, fmt.Errorf("demo rule %q: %w", pr.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// DemoPromotions converts the demo café's promotions into stored promotions (without ids or
// merchant). "Chào bạn mới" is for a first order: once per customer, 500 in all; "Mua 2 tặng 1"
// gives the third bánh mì free.
func DemoPromotions(c *demo.Cafe) ([]PromotionRow, error) {
	out := make([]PromotionRow, 0, len(c.Promotions))
	for _, dp := range c.Promotions {
		p := PromotionRow{Code: db.OptText(NormalizeCode(dp.Code)), Name: dp.Name, Status: Active, Stackable: true,
			TotalLimit: int64(dp.TotalLimit), PerCustomerLimit: int64(dp.PerCustomerLimit), Conditions: []Condition{}}
		switch {
		case dp.Buy != nil && dp.Get != nil:
			p.Kind, p.Level, p.Value = BuyXGetY, PerItem, MaxPercentBP
			p.Buy = &Target{Quantity: dp.Buy.Quantity, Conditions: []Condition{{KeySKU, EQ, dp.Buy.SKU}}}
			p.Get = &Target{Quantity: dp.Get.Quantity, Conditions: []Condition{{KeySKU, EQ, dp.Get.SKU}}}
		default:
			p.Kind, p.Level, p.Value = PercentOff, PerOrder, dp.Percent*100
		}
		if err := p.promotion().Validate(); err != nil {
			return nil, fmt.Errorf("demo promotion %q: %w", dp.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// SeedDemo stores the demo café's price rules and promotions for a merchant, through the same
// validation as the API. It is idempotent: a rule or promotion whose name the merchant already
// has is left as it is. It returns how many it created.
func (m *Module) SeedDemo(ctx context.Context, organizerID, merchantID id.ID) (int, error) {
	c, err := demo.Load()
	if err != nil {
		return 0, err
	}
	rules, err := DemoRules(c)
	if err != nil {
		return 0, err
	}
	promos, err := DemoPromotions(c)
	if err != nil {
		return 0, err
	}
	ctx = auth.System(ctx)
	created := 0
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		for i := range rules {
			r := &rules[i]
			n, err := m.rules.Count(ctx, map[string]any{"merchantId": merchantID.String(), "name": r.Name}, query.ExcludeDeleted)
			if err != nil || n > 0 {
				return err
			}
			r.OrganizerID, r.MerchantID = organizerID, merchantID
			if err := m.checkRule(ctx, r, true); err != nil {
				return err
			}
			if err := m.rules.Create(ctx, r); err != nil {
				return err
			}
			created++
		}
		for i := range promos {
			p := &promos[i]
			n, err := m.promotions.Count(ctx, map[string]any{"merchantId": merchantID.String(), "name": p.Name}, query.ExcludeDeleted)
			if err != nil || n > 0 {
				return err
			}
			p.OrganizerID, p.MerchantID = organizerID, merchantID
			if err := m.checkPromotion(ctx, p, true); err != nil {
				return err
			}
			if err := m.promotions.Create(ctx, p); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}
