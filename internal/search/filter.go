package search

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
)

// Operators of the filter language (internal/platform/query's, the ones a search index can
// answer): comparisons of one field, and and/or of conditions.
const (
	OpEq      = "eq"
	OpNeq     = "neq"
	OpGt      = "gt"
	OpGte     = "gte"
	OpLt      = "lt"
	OpLte     = "lte"
	OpBetween = "between"
	OpIn      = "inq"
	OpNin     = "nin"
	OpAnd     = "and"
	OpOr      = "or"
)

// aliases are the query package's other spellings of the same operators.
var aliases = map[string]string{"ne": OpNeq, "in": OpIn, "notIn": OpNin}

// Limits of a filter.
const (
	maxFilterDepth = 8
	maxConditions  = 64
	maxValues      = 100
	maxValueLen    = 200
)

// Expr is a checked filter: a comparison of one field (Field, Op, Values) or an and/or of Kids.
// Values are string (Keyword fields), int64 (Number) or bool (Bool).
type Expr struct {
	Op     string
	Field  string
	Values []any
	Kids   []*Expr
}

// And joins expressions (nil ones left out).
func And(list ...*Expr) *Expr {
	var kids []*Expr
	for _, e := range list {
		if e != nil {
			kids = append(kids, e)
		}
	}
	switch len(kids) {
	case 0:
		return nil
	case 1:
		return kids[0]
	}
	return &Expr{Op: OpAnd, Kids: kids}
}

// parser reads one filter against a collection.
type parser struct {
	c     *Collection
	count int
}

// ParseFilter reads the filter parameter: a where object of the filter language
// ({"status": "ACTIVE", "price": {"between": [10000, 50000]}, "or": [...]}), checked against the
// collection's fields. Anything it cannot read, or that names an unknown field, an operator the
// field's kind has not or a value of the wrong type, is a 400 naming where.
func ParseFilter(c *Collection, raw string) (*Expr, error) {
	const loc = "query.filter"
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errs.Field(loc, "is not valid JSON: "+err.Error(), raw)
	}
	if dec.More() {
		return nil, errs.Field(loc, "has data after the JSON value", raw)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errs.Field(loc, "must be a JSON object (a where clause)", raw)
	}
	if w, ok := obj["where"]; ok && len(obj) == 1 {
		if obj, ok = w.(map[string]any); !ok {
			return nil, errs.Field(loc+".where", "must be an object", w)
		}
	}
	p := &parser{c: c}
	return p.object(obj, loc, 1)
}

// object reads a where object: its keys ANDed, in a stable order.
func (p *parser) object(obj map[string]any, loc string, depth int) (*Expr, error) {
	if depth > maxFilterDepth {
		return nil, errs.Field(loc, fmt.Sprintf("nests deeper than %d levels", maxFilterDepth), nil)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var kids []*Expr
	for _, k := range keys {
		at := loc + "." + k
		var e *Expr
		var err error
		switch k {
		case OpAnd, OpOr:
			e, err = p.group(k, obj[k], at, depth)
		default:
			e, err = p.field(k, obj[k], at)
		}
		if err != nil {
			return nil, err
		}
		kids = append(kids, e)
	}
	if len(kids) == 0 {
		return nil, nil
	}
	return And(kids...), nil
}

// group reads "and"/"or": an array of where objects.
func (p *parser) group(op string, v any, at string, depth int) (*Expr, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, errs.Field(at, "must be a non-empty array of conditions", v)
	}
	e := &Expr{Op: op}
	for i, x := range list {
		obj, ok := x.(map[string]any)
		if !ok {
			return nil, errs.Field(fmt.Sprintf("%s[%d]", at, i), "must be an object", x)
		}
		kid, err := p.object(obj, fmt.Sprintf("%s[%d]", at, i), depth+1)
		if err != nil {
			return nil, err
		}
		if kid == nil {
			return nil, errs.Field(fmt.Sprintf("%s[%d]", at, i), "must hold a condition", x)
		}
		e.Kids = append(e.Kids, kid)
	}
	if len(e.Kids) == 1 {
		return e.Kids[0], nil
	}
	return e, nil
}

// field reads the conditions of one field: a value (eq) or an object of operators.
func (p *parser) field(name string, v any, at string) (*Expr, error) {
	f, ok := p.c.Field(name)
	if !ok || !f.Filterable() {
		return nil, errs.Field(at, "is not a field the "+p.c.Name+" filter knows (have: "+strings.Join(p.filterable(), ", ")+")", name)
	}
	ops, isObj := v.(map[string]any)
	if !isObj {
		return p.compare(f, OpEq, v, at)
	}
	if len(ops) == 0 {
		return nil, errs.Field(at, "must name an operator", v)
	}
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var kids []*Expr
	for _, k := range keys {
		e, err := p.compare(f, k, ops[k], at+"."+k)
		if err != nil {
			return nil, err
		}
		kids = append(kids, e)
	}
	return And(kids...), nil
}

// compare reads one comparison.
func (p *parser) compare(f Field, op string, v any, at string) (*Expr, error) {
	p.count++
	if p.count > maxConditions {
		return nil, errs.Field(at, fmt.Sprintf("the filter has more than %d conditions", maxConditions), nil)
	}
	if a, ok := aliases[op]; ok {
		op = a
	}
	e := &Expr{Op: op, Field: f.Name}
	switch op {
	case OpEq, OpNeq:
		x, err := value(f, v, at)
		if err != nil {
			return nil, err
		}
		e.Values = []any{x}
	case OpGt, OpGte, OpLt, OpLte:
		if f.Kind != Number {
			return nil, errs.Field(at, "compares numbers only; "+f.Name+" is not a number", v)
		}
		x, err := value(f, v, at)
		if err != nil {
			return nil, err
		}
		e.Values = []any{x}
	case OpBetween:
		if f.Kind != Number {
			return nil, errs.Field(at, "compares numbers only; "+f.Name+" is not a number", v)
		}
		list, ok := v.([]any)
		if !ok || len(list) != 2 {
			return nil, errs.Field(at, "must be an array of two numbers [low, high]", v)
		}
		for i, x := range list {
			n, err := value(f, x, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			e.Values = append(e.Values, n)
		}
		if e.Values[0].(int64) > e.Values[1].(int64) {
			return nil, errs.Field(at, "must have its low bound first", v)
		}
	case OpIn, OpNin:
		list, ok := v.([]any)
		if !ok || len(list) == 0 || len(list) > maxValues {
			return nil, errs.Field(at, fmt.Sprintf("must be an array of 1 to %d values", maxValues), v)
		}
		for i, x := range list {
			n, err := value(f, x, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			e.Values = append(e.Values, n)
		}
	default:
		return nil, errs.Field(at, "is not an operator search knows (eq, neq, gt, gte, lt, lte, between, inq, nin, and, or)", op)
	}
	return e, nil
}

// value checks one value against the field's kind.
func value(f Field, v any, at string) (any, error) {
	switch f.Kind {
	case Keyword:
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case json.Number: // ids may be sent as numbers
			if _, err := strconv.ParseInt(t.String(), 10, 64); err != nil {
				return nil, errs.Field(at, "must be a string", v)
			}
			s = t.String()
		default:
			return nil, errs.Field(at, "must be a string", v)
		}
		if err := checkKeyword(s); err != nil {
			return nil, errs.Field(at, err.Error(), v)
		}
		return s, nil
	case Number:
		n, ok := v.(json.Number)
		if !ok {
			return nil, errs.Field(at, "must be a whole number", v)
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(n.String(), 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return nil, errs.Field(at, "must be a whole number", v)
			}
			i = int64(f)
		}
		if i > 1<<53 || i < -(1<<53) {
			return nil, errs.Field(at, "is out of range", v)
		}
		return i, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, errs.Field(at, "must be true or false", v)
		}
		return b, nil
	}
	return nil, errs.Field(at, "cannot be filtered", v)
}

// checkKeyword refuses what no backend can hold in a filter: empty or long strings, control
// characters and the backtick (Typesense quotes strings in backticks, with no escape).
func checkKeyword(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	if len(s) > maxValueLen {
		return fmt.Errorf("must be at most %d bytes", maxValueLen)
	}
	if !utf8Valid(s) {
		return fmt.Errorf("must be valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '`' {
			return fmt.Errorf("must not hold control characters or backticks")
		}
	}
	return nil
}

// filterable lists the fields a filter may name.
func (p *parser) filterable() []string {
	var out []string
	for _, f := range p.c.Fields {
		if f.Filterable() {
			out = append(out, f.Name)
		}
	}
	return out
}
