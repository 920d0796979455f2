package pricing

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// Fare is the document's Fare: a price of a variant, on or off, optionally for a period. The
// catalog passes the engine the fares of the fare set that applies (the document's FareSet) and
// the engine picks the one in force at the quote time, so a price change can be scheduled.
type Fare struct {
	ID         id.ID      `json:"id"`
	VariantID  id.ID      `json:"variantId"`
	Amount     int64      `json:"amount" doc:"Unit price in whole dong"`
	Currency   string     `json:"currency" doc:"ISO 4217, e.g. VND"`
	Status     Status     `json:"status" enum:"ACTIVE,INACTIVE"`
	ActiveFrom *time.Time `json:"activeFrom,omitempty" doc:"Inclusive; absent: the standing price"`
	ActiveTo   *time.Time `json:"activeTo,omitempty" doc:"Exclusive; absent: open-ended"`
}

// Validate reports every bad field of the fare, each named relative to the fare ("amount").
func (f Fare) Validate() error {
	var v validation
	f.validate(&v, "")
	return v.err(ErrInvalidFare)
}

func (f Fare) validate(v *validation, at string) {
	if f.Amount < 0 || f.Amount > MaxUnitPrice {
		v.add(at, "amount", fmt.Sprintf("must be 0 to %d dong", int64(MaxUnitPrice)), f.Amount)
	}
	if !currencyOK(f.Currency) {
		v.add(at, "currency", "must be an ISO 4217 code such as VND", f.Currency)
	}
	if f.Status != Active && f.Status != Inactive {
		v.add(at, "status", "must be ACTIVE or INACTIVE", f.Status)
	}
	if f.ActiveFrom != nil && f.ActiveTo != nil && !f.ActiveTo.After(*f.ActiveFrom) {
		v.add(at, "activeTo", "must be after activeFrom", f.ActiveTo)
	}
}

func currencyOK(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := range 3 {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// inForce reports whether the fare can price a line at t in currency.
func (f *Fare) inForce(t time.Time, currency string) bool {
	return f.Status == Active && f.Currency == currency &&
		(f.ActiveFrom == nil || !t.Before(*f.ActiveFrom)) &&
		(f.ActiveTo == nil || t.Before(*f.ActiveTo))
}

// later reports whether f takes precedence over g when both are in force: the later start wins,
// so a dated fare beats the standing one; then the higher id, the newer row.
func (f *Fare) later(g *Fare) bool {
	switch {
	case f.ActiveFrom == nil && g.ActiveFrom != nil:
		return false
	case f.ActiveFrom != nil && g.ActiveFrom == nil:
		return true
	case f.ActiveFrom != nil && !f.ActiveFrom.Equal(*g.ActiveFrom):
		return f.ActiveFrom.After(*g.ActiveFrom)
	}
	return f.ID > g.ID
}

// Modifier is an option chosen on a line (size, topping), at its price per unit of the line.
type Modifier struct {
	Code  string `json:"code,omitempty"`
	Name  string `json:"name,omitempty"`
	Price int64  `json:"price" doc:"Dong per unit of the line, tax as the merchant's prices"`
}

// Line is one line to price, as the catalog resolved it.
type Line struct {
	VariantID  id.ID      `json:"variantId"`
	SKU        string     `json:"sku,omitempty"`
	Categories []string   `json:"categories,omitempty" doc:"The variant's categories, parents included, for category conditions"`
	Quantity   int64      `json:"quantity"`
	Fares      []Fare     `json:"fares" doc:"The variant's candidate fares; the engine picks the one in force"`
	Modifiers  []Modifier `json:"modifiers,omitempty"`
	Tax        *Tax       `json:"tax,omitempty" doc:"The variant's tax; absent: the merchant's default"`
}

// QuoteRequest is what a quote is computed from. It holds every input, the time included, so the
// same request always gives the same quote.
type QuoteRequest struct {
	MerchantID    id.ID           `json:"merchantId"`
	Channel       string          `json:"channel,omitempty" doc:"Sale channel, e.g. DINE_IN, TAKE_AWAY"`
	CustomerID    id.ID           `json:"customerId,omitempty"`
	CustomerGroup string          `json:"customerGroup,omitempty"`
	Codes         []string        `json:"promotionCodes,omitempty"`
	Context       map[string]any  `json:"context,omitempty" doc:"Other condition keys: strings, numbers or booleans"`
	At            time.Time       `json:"at" doc:"The moment priced; rules read its date and clock in the merchant's zone"`
	Currency      string          `json:"currency,omitempty" doc:"Default: the engine's (VND)"`
	Lines         []Line          `json:"lines"`
	Usage         map[id.ID]Usage `json:"usage,omitempty" doc:"Uses of the merchant's promotions so far, by promotion id"`
}

// AppliedRule is a rule that changed a line, and by how much.
type AppliedRule struct {
	RuleID     id.ID    `json:"ruleId"`
	Name       string   `json:"name"`
	Type       RuleType `json:"type" openapi:"enum=OVERRIDE,DISCOUNT,MARKUP"`
	Mode       Mode     `json:"mode" openapi:"enum=PERCENT,AMOUNT"`
	Value      int64    `json:"value"`
	UnitEffect int64    `json:"unitEffect" doc:"Change of the unit price in dong: negative lowers it"`
	LineEffect int64    `json:"lineEffect" doc:"unitEffect x quantity"`
}

// LineQuote is one priced line. Its amounts chain: ListAmount + RuleAdjustment = Amount;
// Amount - PromotionTotal = NetAmount; Tax.Base + Tax.Tax = Total. NetAmount includes tax when the
// merchant's prices do (then Total = NetAmount), and excludes it otherwise (Total = NetAmount +
// Tax.Tax).
type LineQuote struct {
	Index              int              `json:"index"`
	VariantID          id.ID            `json:"variantId"`
	SKU                string           `json:"sku,omitempty"`
	Quantity           int64            `json:"quantity"`
	FareID             id.ID            `json:"fareId,omitempty" doc:"The fare in force; absent when the price is the catalog's (no fare set prices the variant)"`
	BaseUnitPrice      int64            `json:"baseUnitPrice" doc:"The fare in force"`
	ModifiersUnitPrice int64            `json:"modifiersUnitPrice"`
	Rules              []AppliedRule    `json:"rules"`
	UnitPrice          int64            `json:"unitPrice" doc:"Fare after rules, plus modifiers"`
	ListAmount         int64            `json:"listAmount" doc:"(baseUnitPrice + modifiersUnitPrice) x quantity"`
	RuleAdjustment     int64            `json:"ruleAdjustment" doc:"Sum of the rules' lineEffect"`
	Amount             int64            `json:"amount" doc:"unitPrice x quantity"`
	Promotions         []PromotionShare `json:"promotions"`
	PromotionTotal     int64            `json:"promotionTotal"`
	NetAmount          int64            `json:"netAmount"`
	Tax                TaxLine          `json:"tax"`
	Total              int64            `json:"total" doc:"What the customer pays for the line"`
}

// Quote is the priced order. ListTotal, RuleAdjustment, Subtotal (the lines' Amount),
// PromotionTotal, NetTotal and GrandTotal (the lines' Total) are sums over the lines and chain
// as a line's amounts do. Taxes has one line per tax in use; TaxTotal and TaxableTotal are the
// sums of its taxes and bases, equal to the sums of the lines' Tax, and GrandTotal =
// TaxableTotal + TaxTotal. Promotions add up to PromotionTotal.
type Quote struct {
	MerchantID       id.ID              `json:"merchantId"`
	Currency         string             `json:"currency"`
	At               time.Time          `json:"at"`
	PricesIncludeTax bool               `json:"pricesIncludeTax"`
	Lines            []LineQuote        `json:"lines"`
	Promotions       []AppliedPromotion `json:"promotions"`
	Refused          []RefusedPromotion `json:"refused"`
	Taxes            []TaxLine          `json:"taxes"`
	ListTotal        int64              `json:"listTotal"`
	RuleAdjustment   int64              `json:"ruleAdjustment"`
	Subtotal         int64              `json:"subtotal" doc:"After rules, before promotions"`
	PromotionTotal   int64              `json:"promotionTotal"`
	NetTotal         int64              `json:"netTotal"`
	TaxableTotal     int64              `json:"taxableTotal"`
	TaxTotal         int64              `json:"taxTotal"`
	GrandTotal       int64              `json:"grandTotal"`
}

// The figures of a quote as a sale records them: the price a line was listed at, and what the
// rules and promotions took off it. They are computed from the quote's own numbers, so the order
// and the quote that explains it can never disagree.

// ListUnitPrice is the unit price the line was listed at: the fare in force plus the modifiers,
// before rules and promotions (ListAmount = ListUnitPrice x Quantity). It differs from the
// UnitPrice field, which is after the rules.
func (l LineQuote) ListUnitPrice() int64 { return l.BaseUnitPrice + l.ModifiersUnitPrice }

// Discount is what the rules and promotions took off the line's list amount: the promotions'
// shares less the rules' adjustment (a markup makes it smaller, and may make it negative).
func (l LineQuote) Discount() int64 { return l.PromotionTotal - l.RuleAdjustment }

// Discount is what the rules and promotions took off the order's list total: ListTotal less what
// the customer pays before tax (GrandTotal, less TaxTotal when prices exclude tax). It is the sum
// of the lines' Discount.
func (q Quote) Discount() int64 {
	d := q.ListTotal - q.GrandTotal
	if !q.PricesIncludeTax {
		d += q.TaxTotal
	}
	return d
}

// Config is a merchant's pricing data and settings.
type Config struct {
	MerchantID       id.ID
	Zone             *time.Location // time-of-day, weekday and date conditions; nil: DefaultZone()
	Currency         string         // "": VND
	PricesIncludeTax bool           // whether fares and modifiers include tax (Vietnamese retail: yes)
	DefaultTax       Tax            // for lines without a tax of their own
	Rules            []Rule
	Promotions       []Promotion
}

// Engine quotes for one merchant. It is immutable and safe for concurrent use, so the service
// can build it once per change of the merchant's rules and promotions and share it.
type Engine struct {
	merchant   id.ID
	zone       *time.Location
	currency   string
	inclusive  bool
	defaultTax Tax
	overrides  []rule // OVERRIDE rules in evaluation order
	adjusts    []rule // DISCOUNT and MARKUP rules in evaluation order
	promos     []promo
	byCode     map[string]int // index into promos
}

// DefaultZone is Asia/Ho_Chi_Minh, or a fixed +07:00 where the system has no zone database
// (Vietnam has kept +07:00 without daylight saving since 1975, so both give the same clock).
func DefaultZone() *time.Location { return defaultZone() }

var defaultZone = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("+07", 7*60*60)
})

// NewEngine validates the merchant's rules and promotions (errors name "rules[i]..." and
// "promotions[i]...") and compiles them for quoting.
func NewEngine(c Config) (*Engine, error) {
	e := &Engine{merchant: c.MerchantID, zone: c.Zone, currency: c.Currency,
		inclusive: c.PricesIncludeTax, defaultTax: c.DefaultTax, byCode: map[string]int{}}
	if e.zone == nil {
		e.zone = DefaultZone()
	}
	if e.currency == "" {
		e.currency = "VND"
	}
	var v validation
	if !currencyOK(e.currency) {
		v.add("", "currency", "must be an ISO 4217 code such as VND", c.Currency)
	}
	c.DefaultTax.validate(&v, "defaultTax")
	ruleIDs := map[id.ID]bool{}
	for i, r := range c.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		before := len(v.fields)
		cr := r.compile(&v, at)
		if r.ID <= 0 || ruleIDs[r.ID] {
			v.add(at, "id", "must be a positive id, unique among the rules", r.ID)
		}
		ruleIDs[r.ID] = true
		if len(v.fields) > before {
			continue
		}
		if r.Type == Override {
			e.overrides = append(e.overrides, cr)
		} else {
			e.adjusts = append(e.adjusts, cr)
		}
	}
	byPriority := func(a, b rule) int {
		if d := cmp.Compare(b.Priority, a.Priority); d != 0 {
			return d
		}
		return cmp.Compare(a.ID, b.ID)
	}
	slices.SortFunc(e.overrides, byPriority)
	slices.SortFunc(e.adjusts, byPriority)

	promoIDs := map[id.ID]bool{}
	codes := map[string]bool{}
	for i, p := range c.Promotions {
		at := fmt.Sprintf("promotions[%d]", i)
		before := len(v.fields)
		cp := p.compile(&v, at)
		if p.ID <= 0 || promoIDs[p.ID] {
			v.add(at, "id", "must be a positive id, unique among the promotions", p.ID)
		}
		promoIDs[p.ID] = true
		if p.Code != "" && codes[p.Code] {
			v.add(at, "code", "is used by another promotion", p.Code)
		}
		codes[p.Code] = true
		if len(v.fields) == before {
			e.promos = append(e.promos, cp)
		}
	}
	slices.SortFunc(e.promos, func(a, b promo) int {
		if d := cmp.Compare(levelRank(a.Level), levelRank(b.Level)); d != 0 {
			return d
		}
		if d := cmp.Compare(b.Priority, a.Priority); d != 0 {
			return d
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for i, p := range e.promos {
		if p.Code != "" {
			e.byCode[p.Code] = i
		}
	}
	if err := v.err(ErrInvalidPricing); err != nil {
		return nil, err
	}
	return e, nil
}

func levelRank(l Level) int {
	if l == PerItem {
		return 0
	}
	return 1
}

// quoting is the state of one quote: the facts conditions read and what is left of each line.
type quoting struct {
	order     facts
	lines     []facts
	remaining []int64
	matched   []*rule // scratch: the rules matching the line being priced
}

// Quote prices the request. Bad input is an Invalid error naming the field ("lines[2].quantity"),
// a line without a fare in force a Rule error naming the line; promotions that do not apply are
// not errors but are listed in Refused.
func (e *Engine) Quote(req QuoteRequest) (Quote, error) {
	currency := req.Currency
	if currency == "" {
		currency = e.currency
	}
	if err := e.check(&req, currency); err != nil {
		return Quote{}, err
	}
	ctx, err := contextValues(req.Context)
	if err != nil {
		return Quote{}, err
	}
	local := req.At.In(e.zone)
	y, m, d := local.Date()
	h, mi, s := local.Clock()
	q := &quoting{
		order: facts{
			date:     int64(y*10000 + int(m)*100 + d),
			clock:    int64(h*3600 + mi*60 + s),
			weekday:  int64((int(local.Weekday())+6)%7 + 1),
			channel:  req.Channel,
			group:    req.CustomerGroup,
			customer: int64(req.CustomerID),
			context:  ctx,
		},
		lines:     make([]facts, len(req.Lines)),
		remaining: make([]int64, len(req.Lines)),
	}
	merchant := req.MerchantID
	if merchant == 0 {
		merchant = e.merchant
	}
	out := Quote{MerchantID: merchant, Currency: currency, At: req.At, PricesIncludeTax: e.inclusive,
		Lines: make([]LineQuote, len(req.Lines)), Promotions: []AppliedPromotion{}, Refused: []RefusedPromotion{}}
	for i := range req.Lines {
		if err := e.priceLine(q, &req, i, currency, &out.Lines[i]); err != nil {
			return Quote{}, err
		}
		out.Subtotal += out.Lines[i].Amount
	}
	e.promote(q, &req, &out)
	for i := range out.Lines {
		l := &out.Lines[i]
		l.NetAmount = l.Amount - l.PromotionTotal
	}
	out.Taxes = applyTaxes(out.Lines, e.inclusive)
	for i := range out.Lines {
		l := &out.Lines[i]
		out.ListTotal += l.ListAmount
		out.RuleAdjustment += l.RuleAdjustment
		out.PromotionTotal += l.PromotionTotal
		out.NetTotal += l.NetAmount
		out.GrandTotal += l.Total
	}
	for _, t := range out.Taxes {
		out.TaxableTotal += t.Base
		out.TaxTotal += t.Tax
	}
	return out, nil
}

// check refuses requests the engine cannot price, before any work.
func (e *Engine) check(req *QuoteRequest, currency string) error {
	switch {
	case e.merchant != 0 && req.MerchantID != 0 && req.MerchantID != e.merchant:
		return errs.Field("merchantId", "is not the merchant of this pricing engine", req.MerchantID)
	case req.At.IsZero():
		return errs.Field("at", "is required: the engine has no clock of its own", nil)
	case !currencyOK(currency):
		return errs.Field("currency", "must be an ISO 4217 code such as VND", req.Currency)
	case len(req.Lines) == 0:
		return errs.Field("lines", "must hold at least one line", nil)
	case len(req.Lines) > MaxLines:
		return errs.Field("lines", fmt.Sprintf("must hold at most %d lines", MaxLines), len(req.Lines))
	}
	for i := range req.Lines {
		l := &req.Lines[i]
		at := func() string { return fmt.Sprintf("lines[%d]", i) } // only on the error path
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			return errs.Field(at()+".quantity", fmt.Sprintf("must be 1 to %d", MaxQuantity), l.Quantity)
		}
		if len(l.Modifiers) > MaxModifiers {
			return errs.Field(at()+".modifiers", fmt.Sprintf("must hold at most %d modifiers", MaxModifiers), len(l.Modifiers))
		}
		for j, m := range l.Modifiers {
			if m.Price < 0 || m.Price > MaxUnitPrice {
				return errs.Field(fmt.Sprintf("%s.modifiers[%d].price", at(), j), fmt.Sprintf("must be 0 to %d dong", int64(MaxUnitPrice)), m.Price)
			}
		}
		if l.Tax != nil {
			var v validation
			l.Tax.validate(&v, at()+".tax")
			if err := v.err(ErrInvalidTax); err != nil {
				return err
			}
		}
	}
	return nil
}

// contextValues reads the request's context once, so conditions compare without converting.
// Bad keys are reported in key order, so the same request always gets the same error.
func contextValues(in map[string]any) (map[string]ctxValue, error) {
	out := make(map[string]ctxValue, len(in))
	var v validation
	for k, x := range in {
		if _, known := knownKeys[k]; known {
			v.add("context", k, "is a field of the request, not a context key", x)
			continue
		}
		var c ctxValue
		switch t := x.(type) {
		case string:
			c.s = t
			if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				c.f, c.isNum = f, true
			}
		case bool:
			c.s = strconv.FormatBool(t)
		default:
			f, ok := asFloat(x)
			if !ok {
				v.add("context", k, "must be a string, a finite number or a boolean", x)
				continue
			}
			c.f, c.isNum, c.s = f, true, strconv.FormatFloat(f, 'f', -1, 64)
		}
		out[k] = c
	}
	if len(v.fields) > 0 {
		slices.SortFunc(v.fields, func(a, b errs.FieldError) int { return cmp.Compare(a.Location, b.Location) })
		return nil, v.err(ErrInvalidContext)
	}
	return out, nil
}

// priceLine runs steps 1 to 3 of the evaluation order for line i.
func (e *Engine) priceLine(q *quoting, req *QuoteRequest, i int, currency string, out *LineQuote) error {
	l := &req.Lines[i]
	at := func() string { return fmt.Sprintf("lines[%d]", i) } // only on the error path
	var fare *Fare
	chosen := -1
	for j := range l.Fares {
		f := &l.Fares[j]
		if f.inForce(req.At, currency) && (fare == nil || f.later(fare)) {
			fare, chosen = f, j
		}
	}
	if fare == nil {
		return because(errs.RuleField(at(), fmt.Sprintf("variant %s has no %s fare in force at %s", l.VariantID, currency, req.At.UTC().Format(time.RFC3339)), l.VariantID), ErrNoFare)
	}
	if fare.Amount < 0 || fare.Amount > MaxUnitPrice {
		return errs.Field(fmt.Sprintf("%s.fares[%d].amount", at(), chosen), fmt.Sprintf("must be 0 to %d dong", int64(MaxUnitPrice)), fare.Amount)
	}
	var mods int64
	for _, m := range l.Modifiers {
		mods += m.Price
	}
	if fare.Amount+mods > MaxUnitPrice {
		return because(errs.RuleField(at(), fmt.Sprintf("a unit may cost at most %d dong", int64(MaxUnitPrice)), fare.Amount+mods), ErrUnitPriceTooHigh)
	}
	q.lines[i] = q.order
	lf := &q.lines[i]
	lf.quantity, lf.sku, lf.category, lf.variantID = l.Quantity, l.SKU, l.Categories, int64(l.VariantID)

	*out = LineQuote{Index: i, VariantID: l.VariantID, SKU: l.SKU, Quantity: l.Quantity, FareID: fare.ID,
		BaseUnitPrice: fare.Amount, ModifiersUnitPrice: mods, Promotions: []PromotionShare{}}
	// Find the rules that match first, so the line's explanation is allocated once, at its size.
	matched := q.matched[:0]
	for k := range e.overrides {
		if matchAll(e.overrides[k].conds, lf) {
			matched = append(matched, &e.overrides[k])
			break
		}
	}
	if len(matched) == 0 {
		for k := range e.adjusts {
			if matchAll(e.adjusts[k].conds, lf) {
				matched = append(matched, &e.adjusts[k])
			}
		}
	}
	q.matched = matched
	out.Rules = make([]AppliedRule, 0, len(matched))
	price := fare.Amount
	for _, r := range matched {
		var next int64
		switch {
		case r.Type == Override:
			next = r.Value
		case r.Type == Discount && r.Mode == ByPercent:
			next = price - roundDiv(price, r.Value, MaxPercentBP)
		case r.Type == Discount:
			next = max(0, price-r.Value)
		case r.Mode == ByPercent:
			next = price + roundDiv(price, r.Value, MaxPercentBP)
		default:
			next = price + r.Value
		}
		if next+mods > MaxUnitPrice {
			return because(errs.RuleField(at(), fmt.Sprintf("rule %s takes a unit above %d dong", r.ID, int64(MaxUnitPrice)), next+mods), ErrUnitPriceTooHigh)
		}
		eff := next - price
		out.Rules = append(out.Rules, AppliedRule{RuleID: r.ID, Name: r.Name, Type: r.Type, Mode: r.Mode,
			Value: r.Value, UnitEffect: eff, LineEffect: eff * l.Quantity})
		price = next
	}
	out.UnitPrice = price + mods
	out.ListAmount = (fare.Amount + mods) * l.Quantity
	out.Amount = out.UnitPrice * l.Quantity
	out.RuleAdjustment = out.Amount - out.ListAmount
	q.remaining[i] = out.Amount
	tax := e.defaultTax
	if l.Tax != nil {
		tax = *l.Tax
	}
	out.Tax = TaxLine{Type: tax.Type, RateBP: tax.RateBP}
	return nil
}

// promote runs step 4: the promotions, in the engine's order, on what the rules left.
func (e *Engine) promote(q *quoting, req *QuoteRequest, out *Quote) {
	requested := make(map[string]bool, len(req.Codes))
	for _, raw := range req.Codes {
		code := NormalizeCode(raw)
		_, known := e.byCode[code]
		switch {
		case requested[code]:
			out.Refused = append(out.Refused, RefusedPromotion{Code: code, Reason: DuplicateCode})
		case !known:
			out.Refused = append(out.Refused, RefusedPromotion{Code: code, Reason: UnknownCode})
		}
		requested[code] = true
	}
	exclusive := false
	for k := range e.promos {
		p := &e.promos[k]
		if !p.automatic && !requested[p.Code] {
			continue
		}
		refuse := func(r Refusal) {
			out.Refused = append(out.Refused, RefusedPromotion{PromotionID: p.ID, Code: p.Code, Name: p.Name, Reason: r})
		}
		if r := p.window(req.At); r != "" {
			if !p.automatic {
				refuse(r)
			}
			continue
		}
		var shares []int64
		var free, sum int64
		if out.Subtotal >= p.MinSubtotal {
			shares, free = p.shares(q)
			for _, s := range shares {
				sum += s
			}
		}
		if sum == 0 {
			if !p.automatic {
				refuse(NotEligible)
			}
			continue
		}
		if r := p.limits(req.Usage[p.ID], req.CustomerID); r != "" {
			refuse(r)
			continue
		}
		if exclusive || (!p.Stackable && len(out.Promotions) > 0) {
			refuse(NotStackable)
			continue
		}
		exclusive = !p.Stackable
		for i, s := range shares {
			if s == 0 {
				continue
			}
			q.remaining[i] -= s
			l := &out.Lines[i]
			l.PromotionTotal += s
			l.Promotions = append(l.Promotions, PromotionShare{PromotionID: p.ID, Code: p.Code, Amount: s})
		}
		out.Promotions = append(out.Promotions, AppliedPromotion{PromotionID: p.ID, Code: p.Code, Name: p.Name,
			Kind: p.Kind, Level: p.Level, Amount: sum, FreeUnits: free})
	}
}
