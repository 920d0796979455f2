package pricing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
)

// PromotionKind says what a promotion takes off.
type PromotionKind string

// Promotion kinds.
const (
	PercentOff PromotionKind = "PERCENT"     // Value basis points of the amount it applies to
	FixedOff   PromotionKind = "FIXED"       // Value dong: per unit (ITEM) or once (ORDER)
	BuyXGetY   PromotionKind = "BUY_X_GET_Y" // for every Buy.Quantity units, Get.Quantity units get Value basis points off (10000 = free)
)

// Level says whether a promotion prices items or the order.
type Level string

// Levels.
const (
	PerItem  Level = "ITEM"  // the lines its conditions match, each on its own
	PerOrder Level = "ORDER" // the whole order, spread over the lines in proportion to their amounts
)

// Status switches a fare or a promotion on and off without deleting it.
type Status string

// Statuses.
const (
	Active   Status = "ACTIVE"
	Inactive Status = "INACTIVE"
)

// Promotion is an automatic promotion (no Code) or one a customer asks for by code.
//
// Its Conditions select the lines of an ITEM promotion (line and order keys) or qualify the
// order of an ORDER promotion (order keys only). MinSubtotal is compared with the quote's
// Subtotal (after rules, before promotions); MaxDiscount caps what one quote gets from it.
// Usage limits are checked against the counts of the request's Usage: the engine quotes, the
// caller records a use when the order is placed.
type Promotion struct {
	ID               id.ID         `json:"id"`
	Code             string        `json:"code,omitempty" doc:"Empty for an automatic promotion; else 2-32 of A-Z 0-9 _ -, matched case-insensitively"`
	Name             string        `json:"name"`
	Kind             PromotionKind `json:"kind" enum:"PERCENT,FIXED,BUY_X_GET_Y"`
	Level            Level         `json:"level" enum:"ITEM,ORDER"`
	Value            int64         `json:"value" doc:"PERCENT and BUY_X_GET_Y: basis points (10000 = free); FIXED: dong per unit (ITEM) or per order (ORDER)"`
	Buy              *Target       `json:"buy,omitempty" doc:"BUY_X_GET_Y: the units that must be bought"`
	Get              *Target       `json:"get,omitempty" doc:"BUY_X_GET_Y: the units that get the discount, cheapest first"`
	Conditions       []Condition   `json:"conditions,omitempty"`
	MinSubtotal      int64         `json:"minSubtotal,omitempty"`
	MaxDiscount      int64         `json:"maxDiscount,omitempty" doc:"0: no cap"`
	ActiveFrom       *time.Time    `json:"activeFrom,omitempty" doc:"Inclusive"`
	ActiveTo         *time.Time    `json:"activeTo,omitempty" doc:"Exclusive"`
	Status           Status        `json:"status" enum:"ACTIVE,INACTIVE"`
	TotalLimit       int64         `json:"totalLimit,omitempty" doc:"Uses over all customers; 0: no limit"`
	PerCustomerLimit int64         `json:"perCustomerLimit,omitempty" doc:"Uses per customer; 0: no limit. A quote without a customer cannot use a promotion with one"`
	Stackable        bool          `json:"stackable" doc:"Whether it combines with other promotions on one order"`
	Priority         int           `json:"priority" doc:"Higher is tried first; ties in id order"`
}

// Target is one side of a BUY_X_GET_Y: a number of units of the lines its conditions match
// (all lines of the promotion when there are none).
type Target struct {
	Quantity   int64       `json:"quantity"`
	Conditions []Condition `json:"conditions,omitempty"`
}

// Usage is how often a promotion has been used, as the caller counted it: by everyone, and by the
// request's customer.
type Usage struct {
	Total    int64 `json:"total"`
	Customer int64 `json:"customer"`
}

// Refusal is why a promotion did not apply.
type Refusal string

// Refusals. Code promotions are reported with any of them; automatic promotions only when they
// would have applied but for a limit or stacking (the others would list every promotion of the
// merchant that does not fit the order).
const (
	UnknownCode          Refusal = "UNKNOWN_CODE"
	DuplicateCode        Refusal = "DUPLICATE_CODE"
	NotActive            Refusal = "NOT_ACTIVE"  // status INACTIVE
	NotStarted           Refusal = "NOT_STARTED" // before ActiveFrom
	Expired              Refusal = "EXPIRED"     // at or after ActiveTo
	NotEligible          Refusal = "NOT_ELIGIBLE"
	LimitReached         Refusal = "LIMIT_REACHED"
	CustomerRequired     Refusal = "CUSTOMER_REQUIRED"
	CustomerLimitReached Refusal = "CUSTOMER_LIMIT_REACHED"
	NotStackable         Refusal = "NOT_STACKABLE"
)

// RefusedPromotion is a promotion that did not apply, and why.
type RefusedPromotion struct {
	PromotionID id.ID   `json:"promotionId,omitempty"`
	Code        string  `json:"code,omitempty"`
	Name        string  `json:"name,omitempty"`
	Reason      Refusal `json:"reason"`
}

// AppliedPromotion is a promotion of the quote and what it took off in all.
type AppliedPromotion struct {
	PromotionID id.ID         `json:"promotionId"`
	Code        string        `json:"code,omitempty"`
	Name        string        `json:"name"`
	Kind        PromotionKind `json:"kind" openapi:"enum=PERCENT,FIXED,BUY_X_GET_Y"`
	Level       Level         `json:"level" openapi:"enum=ITEM,ORDER"`
	Amount      int64         `json:"amount" doc:"Dong taken off; the lines' shares add up to it"`
	FreeUnits   int64         `json:"freeUnits,omitempty" doc:"BUY_X_GET_Y: units that got the discount"`
}

// PromotionShare is the part of a promotion that one line carries.
type PromotionShare struct {
	PromotionID id.ID  `json:"promotionId"`
	Code        string `json:"code,omitempty"`
	Amount      int64  `json:"amount"`
}

var codeRe = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)

// NormalizeCode is the form codes are stored and matched in: trimmed, upper case.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// Validate reports every field of the promotion that cannot be applied, each named by its path
// relative to the promotion ("buy.conditions[0].value").
func (p Promotion) Validate() error {
	var v validation
	p.compile(&v, "")
	return v.err(ErrInvalidPromotion)
}

// promo is a validated promotion with its conditions compiled.
type promo struct {
	Promotion
	conds     []cond
	buy, get  []cond
	automatic bool
}

func (p Promotion) compile(v *validation, at string) promo {
	c := promo{Promotion: p, automatic: p.Code == ""}
	if strings.TrimSpace(p.Name) == "" || len(p.Name) > maxNameLen {
		v.add(at, "name", "is required, at most 200 bytes", p.Name)
	}
	if p.Code != "" && !codeRe.MatchString(p.Code) {
		v.add(at, "code", "must be 2-32 of A-Z 0-9 _ - (upper case), or empty for an automatic promotion", p.Code)
	}
	if p.Level != PerItem && p.Level != PerOrder {
		v.add(at, "level", "must be ITEM or ORDER", p.Level)
	}
	switch p.Kind {
	case PercentOff, BuyXGetY:
		if p.Value < 1 || p.Value > MaxPercentBP {
			v.add(at, "value", "must be 1 to 10000 basis points", p.Value)
		}
	case FixedOff:
		limit := int64(MaxUnitPrice)
		if p.Level == PerOrder {
			limit = MaxUnitPrice * MaxQuantity
		}
		if p.Value < 1 || p.Value > limit {
			v.add(at, "value", fmt.Sprintf("must be 1 to %d dong", limit), p.Value)
		}
	default:
		v.add(at, "kind", "must be PERCENT, FIXED or BUY_X_GET_Y", p.Kind)
	}
	if p.Kind == BuyXGetY {
		if p.Level != PerItem {
			v.add(at, "level", "must be ITEM for BUY_X_GET_Y", p.Level)
		}
		c.buy = p.Buy.compile(v, join(at, "buy"))
		c.get = p.Get.compile(v, join(at, "get"))
	} else {
		if p.Buy != nil {
			v.add(at, "buy", "is only for BUY_X_GET_Y", nil)
		}
		if p.Get != nil {
			v.add(at, "get", "is only for BUY_X_GET_Y", nil)
		}
	}
	c.conds = compileConditions(v, join(at, "conditions"), p.Conditions, p.Level != PerOrder)
	if p.MinSubtotal < 0 || p.MinSubtotal > money.MaxAmount {
		v.add(at, "minSubtotal", fmt.Sprintf("must be 0 to %d dong", money.MaxAmount), p.MinSubtotal)
	}
	if p.MaxDiscount < 0 || p.MaxDiscount > money.MaxAmount {
		v.add(at, "maxDiscount", fmt.Sprintf("must be 0 (no cap) to %d dong", money.MaxAmount), p.MaxDiscount)
	}
	if p.ActiveFrom != nil && p.ActiveTo != nil && !p.ActiveTo.After(*p.ActiveFrom) {
		v.add(at, "activeTo", "must be after activeFrom", p.ActiveTo)
	}
	if p.Status != Active && p.Status != Inactive {
		v.add(at, "status", "must be ACTIVE or INACTIVE", p.Status)
	}
	if p.TotalLimit < 0 {
		v.add(at, "totalLimit", "must not be negative (0: no limit)", p.TotalLimit)
	}
	if p.PerCustomerLimit < 0 {
		v.add(at, "perCustomerLimit", "must not be negative (0: no limit)", p.PerCustomerLimit)
	}
	return c
}

func (t *Target) compile(v *validation, at string) []cond {
	if t == nil {
		v.add(at, "", "is required for BUY_X_GET_Y", nil)
		return nil
	}
	if t.Quantity < 1 || t.Quantity > MaxQuantity {
		v.add(at, "quantity", fmt.Sprintf("must be 1 to %d", MaxQuantity), t.Quantity)
	}
	return compileConditions(v, join(at, "conditions"), t.Conditions, true)
}

// window says why the promotion cannot apply at t, or "" when it can.
func (p *promo) window(t time.Time) Refusal {
	switch {
	case p.Status != Active:
		return NotActive
	case p.ActiveFrom != nil && t.Before(*p.ActiveFrom):
		return NotStarted
	case p.ActiveTo != nil && !t.Before(*p.ActiveTo):
		return Expired
	}
	return ""
}

// limits says which usage limit the promotion has reached for this request, or "".
func (p *promo) limits(u Usage, customer id.ID) Refusal {
	switch {
	case p.TotalLimit > 0 && u.Total >= p.TotalLimit:
		return LimitReached
	case p.PerCustomerLimit > 0 && customer == 0:
		return CustomerRequired
	case p.PerCustomerLimit > 0 && u.Customer >= p.PerCustomerLimit:
		return CustomerLimitReached
	}
	return ""
}

// shares computes what the promotion takes off each line, given what is left of each line after
// the rules and the promotions before it. It changes nothing, so a promotion that is then refused
// for a limit or stacking leaves no trace. free counts the discounted units of a BUY_X_GET_Y.
func (p *promo) shares(q *quoting) (shares []int64, free int64) {
	n := len(q.remaining)
	shares = make([]int64, n)
	if p.Level == PerOrder {
		if !matchAll(p.conds, &q.order) {
			return shares, 0
		}
		var base int64
		for _, r := range q.remaining {
			base += r
		}
		var d int64
		if p.Kind == PercentOff {
			d = roundDiv(base, p.Value, MaxPercentBP)
		} else {
			d = min(p.Value, base)
		}
		if p.MaxDiscount > 0 {
			d = min(d, p.MaxDiscount)
		}
		return spread(d, q.remaining), 0
	}
	eligible := make([]bool, n)
	for i := range n {
		eligible[i] = q.remaining[i] > 0 && matchAll(p.conds, &q.lines[i])
	}
	switch p.Kind {
	case PercentOff:
		for i := range n {
			if eligible[i] {
				shares[i] = roundDiv(q.remaining[i], p.Value, MaxPercentBP)
			}
		}
	case FixedOff:
		for i := range n {
			if eligible[i] {
				shares[i] = min(p.Value*q.lines[i].quantity, q.remaining[i])
			}
		}
	case BuyXGetY:
		free = p.buyXGetY(q, eligible, shares)
	}
	var sum int64
	for _, s := range shares {
		sum += s
	}
	if p.MaxDiscount > 0 && sum > p.MaxDiscount {
		shares = spread(p.MaxDiscount, shares)
	}
	return shares, free
}

// buyXGetY finds how many times the offer fits the order and which units get the discount: the
// cheapest of the Get units (by what is left of their line per unit), so the offer costs the
// merchant what the customer expects "buy 2 get 1" to cost. A unit counts once, as bought or as
// given, even when Buy and Get match the same item (buy 2 get 1 needs 3 units).
func (p *promo) buyXGetY(q *quoting, eligible []bool, shares []int64) int64 {
	n := len(q.remaining)
	inBuy := make([]bool, n)
	inGet := make([]bool, n)
	var onlyBuy, onlyGet, both int64
	for i := range n {
		if !eligible[i] {
			continue
		}
		inBuy[i] = matchAll(p.buy, &q.lines[i])
		inGet[i] = matchAll(p.get, &q.lines[i])
		u := q.lines[i].quantity
		switch {
		case inBuy[i] && inGet[i]:
			both += u
		case inBuy[i]:
			onlyBuy += u
		case inGet[i]:
			onlyGet += u
		}
	}
	x, y := p.Buy.Quantity, p.Get.Quantity
	// Units in both sets serve as bought or as given, not both.
	fits := func(k int64) bool {
		return max(0, k*y-onlyGet)+max(0, k*x-onlyBuy) <= both
	}
	lo, hi := int64(0), (onlyBuy+onlyGet+both)/(x+y)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 {
		return 0
	}
	need := lo * y
	// Units of both sets given away must leave enough of them to be bought.
	overlapLeft := both - max(0, lo*x-onlyBuy)
	order := make([]int, 0, n)
	for i := range n {
		if inGet[i] {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, qa, rb, qb := q.remaining[a], q.lines[a].quantity, q.remaining[b], q.lines[b].quantity
		switch {
		case lessPerUnit(ra, qa, rb, qb):
			return -1
		case lessPerUnit(rb, qb, ra, qa):
			return 1
		}
		return 0
	})
	for _, i := range order {
		if need == 0 {
			break
		}
		take := min(q.lines[i].quantity, need)
		if inBuy[i] {
			take = min(take, overlapLeft)
			overlapLeft -= take
		}
		if take == 0 {
			continue
		}
		need -= take
		// The line's remaining amount per unit, times the units given, times the percentage.
		shares[i] = roundDiv(q.remaining[i], take*p.Value, q.lines[i].quantity*MaxPercentBP)
	}
	return lo*y - need
}
