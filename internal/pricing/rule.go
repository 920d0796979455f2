package pricing

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// Operator compares the value of a condition's key with the condition's value.
type Operator string

// The operators of the document's FareRule.
const (
	EQ  Operator = "EQ"
	NE  Operator = "NE"
	GT  Operator = "GT"
	GTE Operator = "GTE"
	LT  Operator = "LT"
	LTE Operator = "LTE"
	IN  Operator = "IN"  // the key's value is one of a list
	NIN Operator = "NIN" // the key's value is none of a list
)

// Well-known condition keys. Line keys describe the line being priced; order keys describe the
// whole quote. Any other key is read from the request's Context.
const (
	KeyQuantity      = "quantity"      // line: units of the line (integer)
	KeySKU           = "sku"           // line: the variant's SKU
	KeyCategory      = "category"      // line: one of the variant's categories (a line may have several)
	KeyVariantID     = "variantId"     // line: the variant's id
	KeyDate          = "date"          // order: the quote's date in the merchant's zone, YYYY-MM-DD
	KeyTimeOfDay     = "timeOfDay"     // order: the quote's clock in the merchant's zone, HH:MM or HH:MM:SS
	KeyWeekday       = "weekday"       // order: MON..SUN in the merchant's zone, ordered MON < ... < SUN
	KeyChannel       = "channel"       // order: the sale channel, e.g. TAKE_AWAY
	KeyCustomerGroup = "customerGroup" // order: the customer's group
	KeyCustomerID    = "customerId"    // order: the customer's id
)

// Condition is one test a rule or promotion makes. The conditions of a rule are ANDed; a choice
// between values is IN, a window is two conditions (timeOfDay GTE "14:00" and LT "16:00").
// A window that wraps midnight is two rules, because conditions have no OR.
//
// Value is a string, number or boolean, or for IN and NIN a non-empty list of them. Its type
// depends on the key: quantity takes integers; date "YYYY-MM-DD"; timeOfDay "HH:MM[:SS]";
// weekday MON..SUN; variantId and customerId ids (decimal strings); sku, category, channel and
// customerGroup strings; other keys strings, numbers or booleans. Ordering operators (GT, GTE,
// LT, LTE) need an ordered key: quantity, date, timeOfDay, weekday, or a custom key with a number.
type Condition struct {
	Key   string   `json:"key" doc:"quantity, sku, category, variantId, date, timeOfDay, weekday, channel, customerGroup, customerId, or any key of the request's context"`
	Op    Operator `json:"op" openapi:"enum=EQ,NE,GT,GTE,LT,LTE,IN,NIN" doc:"EQ, NE, GT, GTE, LT, LTE, IN or NIN (described, not validated by the schema, so that a bad operator gets the engine's 400 naming it)"`
	Value any      `json:"value" doc:"A string, number or boolean; a non-empty list of them for IN and NIN"`
}

// RuleType says how a rule changes the unit price.
type RuleType string

// Rule types.
const (
	Override RuleType = "OVERRIDE" // sets the unit price; the first matching one ends evaluation
	Discount RuleType = "DISCOUNT" // lowers the running unit price, never below zero
	Markup   RuleType = "MARKUP"   // raises the running unit price
)

// Mode says how a rule's Value is read.
type Mode string

// Modes.
const (
	ByPercent Mode = "PERCENT" // Value in basis points of the running unit price (10% = 1000)
	ByAmount  Mode = "AMOUNT"  // Value in dong per unit; for OVERRIDE, the new unit price
)

// Rule is the document's FareRule: a change to the fare of the lines its conditions match.
// Rules act on the fare only; modifiers keep their own prices (an OVERRIDE to 12,000 for a bottle
// must not erase the extras a customer paid for). A rule without conditions matches every line.
type Rule struct {
	ID         id.ID       `json:"id"`
	Name       string      `json:"name" doc:"Shown on the quote as the reason for the change"`
	Type       RuleType    `json:"type" enum:"OVERRIDE,DISCOUNT,MARKUP"`
	Mode       Mode        `json:"mode" enum:"PERCENT,AMOUNT"`
	Value      int64       `json:"value" doc:"Basis points for PERCENT (10% = 1000), dong per unit for AMOUNT"`
	Priority   int         `json:"priority" doc:"Higher runs first; ties run in id order"`
	Conditions []Condition `json:"conditions"`
}

// Limits of a rule, so one stored rule cannot make every quote slow.
const (
	MaxConditions = 32   // per rule, promotion or promotion target
	MaxListValues = 1000 // per IN or NIN list
	maxNameLen    = 200
	maxStringLen  = 100
)

// Validate reports every field of the rule that cannot be evaluated, each named by its path
// relative to the rule ("conditions[2].value"): the API layer prefixes "body.". It is called
// when a rule is saved and again by NewEngine, so a rule that passed can always be evaluated.
// The ID is not checked, because the store assigns it on create; NewEngine wants ids unique.
func (r Rule) Validate() error {
	var v validation
	r.compile(&v, "")
	return v.err(ErrInvalidRule)
}

// rule is a validated rule with its conditions compiled.
type rule struct {
	Rule
	conds []cond
}

// compile validates the rule into v and returns it compiled; it is usable only when v got no
// new fields.
func (r Rule) compile(v *validation, at string) rule {
	if strings.TrimSpace(r.Name) == "" || len(r.Name) > maxNameLen {
		v.add(at, "name", "is required, at most 200 bytes", r.Name)
	}
	switch r.Type {
	case Override:
		if r.Mode != ByAmount {
			v.add(at, "mode", "must be AMOUNT for an OVERRIDE: the value is the new unit price", r.Mode)
		} else if r.Value < 0 || r.Value > MaxUnitPrice {
			v.add(at, "value", fmt.Sprintf("must be a unit price of 0 to %d", int64(MaxUnitPrice)), r.Value)
		}
	case Discount, Markup:
		switch r.Mode {
		case ByPercent:
			limit := int64(MaxPercentBP)
			if r.Type == Markup {
				limit = MaxMarkupBP
			}
			if r.Value < 1 || r.Value > limit {
				v.add(at, "value", fmt.Sprintf("must be 1 to %d basis points", limit), r.Value)
			}
		case ByAmount:
			if r.Value < 1 || r.Value > MaxUnitPrice {
				v.add(at, "value", fmt.Sprintf("must be 1 to %d dong per unit", int64(MaxUnitPrice)), r.Value)
			}
		default:
			v.add(at, "mode", "must be PERCENT or AMOUNT", r.Mode)
		}
	default:
		v.add(at, "type", "must be OVERRIDE, DISCOUNT or MARKUP", r.Type)
	}
	return rule{Rule: r, conds: compileConditions(v, join(at, "conditions"), r.Conditions, true)}
}

// validation collects the bad fields of one input, so the caller learns all of them at once.
type validation struct{ fields []errs.FieldError }

func (v *validation) add(at, field, msg string, value any) {
	v.fields = append(v.fields, errs.FieldError{Location: join(at, field), Message: msg, Value: value})
}

// err returns nil when no field was added, else an error of the typed kind (ErrInvalidRule, ...)
// naming every field.
func (v *validation) err(typed *errs.E) error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := v.fields[0].Location + " " + v.fields[0].Message
	if len(v.fields) > 1 {
		msg = fmt.Sprintf("%s: %d invalid fields, first %s", typed.Message, len(v.fields), msg)
	}
	return &errs.E{Kind: errs.Invalid, Message: msg, Fields: v.fields, Err: typed}
}

func join(at, field string) string {
	switch {
	case at == "":
		return field
	case field == "":
		return at
	case field[0] == '[':
		return at + field
	}
	return at + "." + field
}

// keyKind is what a condition key refers to, decided once when the condition is compiled.
type keyKind uint8

const (
	kCustom keyKind = iota
	kQuantity
	kSKU
	kCategory
	kVariantID
	kDate
	kTimeOfDay
	kWeekday
	kChannel
	kCustomerGroup
	kCustomerID
)

var knownKeys = map[string]keyKind{
	KeyQuantity: kQuantity, KeySKU: kSKU, KeyCategory: kCategory, KeyVariantID: kVariantID,
	KeyDate: kDate, KeyTimeOfDay: kTimeOfDay, KeyWeekday: kWeekday, KeyChannel: kChannel,
	KeyCustomerGroup: kCustomerGroup, KeyCustomerID: kCustomerID,
}

func (k keyKind) lineKey() bool {
	return k == kQuantity || k == kSKU || k == kCategory || k == kVariantID
}

// ordered reports whether GT, GTE, LT and LTE mean something for the key.
func (k keyKind) ordered() bool {
	return k == kQuantity || k == kDate || k == kTimeOfDay || k == kWeekday
}

// numeric keys compare as int64; the others as strings (custom keys: strings or numbers).
func (k keyKind) numeric() bool { return k.ordered() || k == kVariantID || k == kCustomerID }

var (
	customKeyRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
	weekdays    = []string{"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}
)

// cond is a validated condition in the form the engine evaluates without parsing or allocating.
type cond struct {
	kind  keyKind
	name  string // custom key
	op    Operator
	n     int64   // numeric keys: quantity, yyyymmdd, seconds of the day, ISO weekday, id
	f     float64 // custom key with a number
	s     string  // string keys
	isNum bool    // custom key compared as a number
	ns    []int64
	ss    []string
	fs    []float64
}

// compileConditions validates conditions and returns them compiled. lineKeys says whether keys of
// a line may appear (not in an order promotion).
func compileConditions(v *validation, at string, cs []Condition, lineKeys bool) []cond {
	if len(cs) > MaxConditions {
		v.add(at, "", fmt.Sprintf("at most %d conditions", MaxConditions), len(cs))
		return nil
	}
	out := make([]cond, 0, len(cs))
	for i, c := range cs {
		cat := fmt.Sprintf("%s[%d]", at, i)
		before := len(v.fields)
		cc := compileCondition(v, cat, c, lineKeys)
		if len(v.fields) == before {
			out = append(out, cc)
		}
	}
	return out
}

func compileCondition(v *validation, at string, c Condition, lineKeys bool) cond {
	cc := cond{op: c.Op}
	kind, known := knownKeys[c.Key]
	switch {
	case known:
		cc.kind = kind
	case customKeyRe.MatchString(c.Key):
		cc.kind, cc.name = kCustom, c.Key
	default:
		v.add(at, "key", "must be a letter then up to 63 letters, digits, _ . or -", c.Key)
		return cc
	}
	if cc.kind.lineKey() && !lineKeys {
		v.add(at, "key", "is a key of a line; an ORDER promotion sees the order only", c.Key)
		return cc
	}
	switch c.Op {
	case EQ, NE, IN, NIN:
	case GT, GTE, LT, LTE:
		if !cc.kind.ordered() && cc.kind != kCustom {
			v.add(at, "op", fmt.Sprintf("%s is not defined for key %s; use EQ, NE, IN or NIN", c.Op, c.Key), c.Op)
			return cc
		}
	default:
		v.add(at, "op", "must be one of EQ NE GT GTE LT LTE IN NIN", c.Op)
		return cc
	}
	vat := join(at, "value")
	if c.Op == IN || c.Op == NIN {
		list, ok := asList(c.Value)
		if !ok || len(list) == 0 {
			v.add(vat, "", string(c.Op)+" takes a non-empty list", c.Value)
			return cc
		}
		if len(list) > MaxListValues {
			v.add(vat, "", fmt.Sprintf("at most %d values", MaxListValues), len(list))
			return cc
		}
		for i, x := range list {
			s, ok := parseScalar(v, fmt.Sprintf("%s[%d]", vat, i), cc.kind, x)
			if !ok {
				continue
			}
			switch {
			case cc.kind.numeric():
				cc.ns = append(cc.ns, s.n)
			case s.isNum:
				cc.fs = append(cc.fs, s.f)
			default:
				cc.ss = append(cc.ss, s.s)
			}
		}
		return cc
	}
	if _, isList := asList(c.Value); isList {
		v.add(vat, "", string(c.Op)+" takes a single value; a list needs IN or NIN", c.Value)
		return cc
	}
	s, ok := parseScalar(v, vat, cc.kind, c.Value)
	if !ok {
		return cc
	}
	cc.n, cc.f, cc.s, cc.isNum = s.n, s.f, s.s, s.isNum
	if cc.kind == kCustom && !s.isNum && c.Op != EQ && c.Op != NE {
		v.add(vat, "", fmt.Sprintf("%s needs a number for key %s", c.Op, c.Key), c.Value)
	}
	return cc
}

// scalar is one parsed condition value.
type scalar struct {
	n     int64
	f     float64
	s     string
	isNum bool
}

// parseScalar reads one value for the key kind, adding a field error when it does not fit.
func parseScalar(v *validation, at string, kind keyKind, x any) (scalar, bool) {
	bad := func(msg string) (scalar, bool) {
		v.add(at, "", msg, x)
		return scalar{}, false
	}
	switch kind {
	case kQuantity:
		n, ok := asInt(x)
		if !ok || n < 0 {
			return bad("must be a non-negative integer")
		}
		return scalar{n: n}, true
	case kVariantID, kCustomerID:
		var s string
		switch t := x.(type) {
		case string:
			s = t
		default:
			if n, ok := asInt(x); ok {
				s = strconv.FormatInt(n, 10)
			}
		}
		i, err := id.Parse(s)
		if err != nil {
			return bad("must be an id (a decimal string)")
		}
		return scalar{n: int64(i)}, true
	case kDate:
		s, _ := x.(string)
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return bad("must be a date YYYY-MM-DD")
		}
		return scalar{n: int64(t.Year()*10000 + int(t.Month())*100 + t.Day())}, true
	case kTimeOfDay:
		s, _ := x.(string)
		sec, ok := parseClock(s)
		if !ok {
			return bad("must be a time of day HH:MM or HH:MM:SS, 00:00 to 23:59:59")
		}
		return scalar{n: sec}, true
	case kWeekday:
		s, _ := x.(string)
		i := slices.Index(weekdays, s)
		if i < 0 {
			return bad("must be one of MON TUE WED THU FRI SAT SUN")
		}
		return scalar{n: int64(i + 1)}, true
	case kSKU, kCategory, kChannel, kCustomerGroup:
		s, ok := x.(string)
		if !ok || s == "" || len(s) > maxStringLen {
			return bad("must be a non-empty string of at most 100 bytes")
		}
		return scalar{s: s}, true
	}
	// A custom key: the context may hold a string, a number or a boolean.
	switch t := x.(type) {
	case string:
		if len(t) > maxStringLen {
			return bad("must be at most 100 bytes")
		}
		return scalar{s: t}, true
	case bool:
		return scalar{s: strconv.FormatBool(t)}, true
	}
	if f, ok := asFloat(x); ok {
		return scalar{f: f, isNum: true}, true
	}
	return bad("must be a string, a finite number or a boolean")
}

// parseClock reads HH:MM or HH:MM:SS into seconds since midnight.
func parseClock(s string) (int64, bool) {
	if len(s) != 5 && len(s) != 8 {
		return 0, false
	}
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, false
	}
	limits := []int{23, 59, 59}
	var sec int64
	for i, p := range parts {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return 0, false
		}
		n := int(p[0]-'0')*10 + int(p[1]-'0')
		if n > limits[i] {
			return 0, false
		}
		sec = sec*60 + int64(n)
	}
	if len(parts) == 2 {
		sec *= 60
	}
	return sec, true
}

// asList accepts the list types a JSON decoder or a Go caller produces.
func asList(x any) ([]any, bool) {
	switch t := x.(type) {
	case []any:
		return t, true
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out, true
	case []int:
		out := make([]any, len(t))
		for i, n := range t {
			out[i] = n
		}
		return out, true
	case []int64:
		out := make([]any, len(t))
		for i, n := range t {
			out[i] = n
		}
		return out, true
	case []float64:
		out := make([]any, len(t))
		for i, n := range t {
			out[i] = n
		}
		return out, true
	}
	return nil, false
}

// asInt accepts integers as Go values, as float64 from encoding/json and as json.Number.
func asInt(x any) (int64, bool) {
	switch t := x.(type) {
	case int:
		return int64(t), true
	case int32:
		return int64(t), true
	case int64:
		return t, true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) <= 1<<53 {
			return int64(t), true
		}
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	}
	return 0, false
}

func asFloat(x any) (float64, bool) {
	var f float64
	switch t := x.(type) {
	case int:
		f = float64(t)
	case int32:
		f = float64(t)
	case int64:
		f = float64(t)
	case float64:
		f = t
	case json.Number:
		var err error
		if f, err = t.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// facts are the values conditions are tested against: the order's once per quote, the line's
// once per line.
type facts struct {
	date      int64 // yyyymmdd in the merchant's zone
	clock     int64 // seconds since midnight in the merchant's zone
	weekday   int64 // 1 = MON .. 7 = SUN
	channel   string
	group     string
	customer  int64
	context   map[string]ctxValue
	quantity  int64
	sku       string
	category  []string
	variantID int64
}

// ctxValue is one value of the request's context, read once per quote.
type ctxValue struct {
	s     string
	f     float64
	isNum bool
}

func (c *cond) match(f *facts) bool {
	switch c.kind {
	case kQuantity:
		return c.matchInt(f.quantity)
	case kVariantID:
		return c.matchInt(f.variantID)
	case kCustomerID:
		return c.matchInt(f.customer)
	case kDate:
		return c.matchInt(f.date)
	case kTimeOfDay:
		return c.matchInt(f.clock)
	case kWeekday:
		return c.matchInt(f.weekday)
	case kSKU:
		return c.matchString(f.sku)
	case kChannel:
		return c.matchString(f.channel)
	case kCustomerGroup:
		return c.matchString(f.group)
	case kCategory:
		return c.matchCategories(f.category)
	}
	return c.matchCustom(f.context)
}

func (c *cond) matchInt(x int64) bool {
	switch c.op {
	case EQ:
		return x == c.n
	case NE:
		return x != c.n
	case GT:
		return x > c.n
	case GTE:
		return x >= c.n
	case LT:
		return x < c.n
	case LTE:
		return x <= c.n
	case IN:
		return slices.Contains(c.ns, x)
	case NIN:
		return !slices.Contains(c.ns, x)
	}
	return false
}

func (c *cond) matchString(x string) bool {
	switch c.op {
	case EQ:
		return x == c.s
	case NE:
		return x != c.s
	case IN:
		return slices.Contains(c.ss, x)
	case NIN:
		return !slices.Contains(c.ss, x)
	}
	return false
}

// matchCategories treats the line as in every one of its categories: EQ and IN hold when any
// category matches, NE and NIN when none does, so a parent category can be named in a rule.
func (c *cond) matchCategories(xs []string) bool {
	hit := false
	for _, x := range xs {
		if (c.op == EQ || c.op == NE) && x == c.s || (c.op == IN || c.op == NIN) && slices.Contains(c.ss, x) {
			hit = true
			break
		}
	}
	if c.op == NE || c.op == NIN {
		return !hit
	}
	return hit
}

// matchCustom reads a context key. An absent key equals nothing, so EQ, IN and the ordering
// operators fail on it and NE, NIN hold.
func (c *cond) matchCustom(ctx map[string]ctxValue) bool {
	v, present := ctx[c.name]
	eq := func() bool {
		if c.isNum {
			return present && v.isNum && v.f == c.f
		}
		return present && v.s == c.s
	}
	in := func() bool {
		return present && (slices.Contains(c.ss, v.s) || v.isNum && slices.Contains(c.fs, v.f))
	}
	switch c.op {
	case EQ:
		return eq()
	case NE:
		return !eq()
	case IN:
		return in()
	case NIN:
		return !in()
	}
	if !present || !v.isNum {
		return false
	}
	switch c.op {
	case GT:
		return v.f > c.f
	case GTE:
		return v.f >= c.f
	case LT:
		return v.f < c.f
	case LTE:
		return v.f <= c.f
	}
	return false
}

func matchAll(cs []cond, f *facts) bool {
	for i := range cs {
		if !cs[i].match(f) {
			return false
		}
	}
	return true
}
