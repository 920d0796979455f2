// Package typesensetest is a Typesense server for tests: the documented endpoints BANA's client
// uses (collections, documents import/delete/export, search, scoped search keys), holding
// documents in memory and really filtering them with filter_by, matching q word by word with
// prefixes and typos, sorting, faceting and paging.
package typesensetest

import (
	"fmt"
	"strconv"
	"strings"
)

// Filter is a parsed filter_by.
type Filter struct {
	Op     string // "&&", "||", or a comparison: "=", "!=", ">", ">=", "<", "<=", "range"
	Field  string
	Values []Value
	Kids   []*Filter
}

// Value is one value of a filter: a string, an integer or a boolean.
type Value struct {
	Str  *string
	Num  *int64
	Bool *bool
}

// ParseFilterBy parses the subset of Typesense's filter_by grammar that BANA writes, strictly:
// field:=v, field:!=v, field:>n (>=, <, <=), field:[lo..hi], field:=[a, b], field:!=[a, b],
// x && y, x || y and parentheses; strings in backticks, integers, true and false. Anything else,
// or trailing input, is an error.
func ParseFilterBy(s string) (*Filter, error) {
	p := &fparser{s: s}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("filter_by: trailing input at %d: %q", p.i, p.s[p.i:])
	}
	return f, nil
}

type fparser struct {
	s string
	i int
}

func (p *fparser) peek(tok string) bool { return strings.HasPrefix(p.s[p.i:], tok) }

func (p *fparser) eat(tok string) bool {
	if p.peek(tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *fparser) or() (*Filter, error) {
	return p.chain(" || ", "||", p.and)
}

func (p *fparser) and() (*Filter, error) {
	return p.chain(" && ", "&&", p.term)
}

func (p *fparser) chain(sep, op string, next func() (*Filter, error)) (*Filter, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	kids := []*Filter{first}
	for p.eat(sep) {
		k, err := next()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &Filter{Op: op, Kids: kids}, nil
}

func (p *fparser) term() (*Filter, error) {
	if p.eat("(") {
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, fmt.Errorf("filter_by: ) expected at %d", p.i)
		}
		return f, nil
	}
	start := p.i
	for p.i < len(p.s) && (isWord(p.s[p.i])) {
		p.i++
	}
	if p.i == start {
		return nil, fmt.Errorf("filter_by: a field name expected at %d", start)
	}
	f := &Filter{Field: p.s[start:p.i]}
	if !p.eat(":") {
		return nil, fmt.Errorf("filter_by: : expected at %d", p.i)
	}
	if p.eat("[") { // a range
		lo, err := p.number()
		if err != nil {
			return nil, err
		}
		if !p.eat("..") {
			return nil, fmt.Errorf("filter_by: .. expected at %d", p.i)
		}
		hi, err := p.number()
		if err != nil {
			return nil, err
		}
		if !p.eat("]") {
			return nil, fmt.Errorf("filter_by: ] expected at %d", p.i)
		}
		f.Op, f.Values = "range", []Value{lo, hi}
		return f, nil
	}
	for _, op := range []string{"!=", ">=", "<=", "=", ">", "<"} {
		if p.eat(op) {
			f.Op = op
			break
		}
	}
	if f.Op == "" {
		return nil, fmt.Errorf("filter_by: an operator expected at %d", p.i)
	}
	if (f.Op == "=" || f.Op == "!=") && p.eat("[") {
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			f.Values = append(f.Values, v)
			if p.eat("]") {
				return f, nil
			}
			if !p.eat(", ") {
				return nil, fmt.Errorf("filter_by: , or ] expected at %d", p.i)
			}
		}
	}
	var v Value
	var err error
	if f.Op == "=" || f.Op == "!=" {
		v, err = p.value()
	} else {
		v, err = p.number()
	}
	if err != nil {
		return nil, err
	}
	f.Values = []Value{v}
	return f, nil
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func (p *fparser) value() (Value, error) {
	if p.eat("`") {
		end := strings.IndexByte(p.s[p.i:], '`')
		if end < 0 {
			return Value{}, fmt.Errorf("filter_by: unterminated string at %d", p.i)
		}
		s := p.s[p.i : p.i+end]
		p.i += end + 1
		return Value{Str: &s}, nil
	}
	for _, b := range []bool{true, false} {
		if p.eat(strconv.FormatBool(b)) {
			return Value{Bool: &b}, nil
		}
	}
	return p.number()
}

func (p *fparser) number() (Value, error) {
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
	if err != nil {
		return Value{}, fmt.Errorf("filter_by: a number expected at %d", start)
	}
	return Value{Num: &n}, nil
}

// Match reports whether a document (decoded JSON) passes the filter.
func (f *Filter) Match(doc map[string]any) bool {
	switch f.Op {
	case "&&":
		for _, k := range f.Kids {
			if !k.Match(doc) {
				return false
			}
		}
		return true
	case "||":
		for _, k := range f.Kids {
			if k.Match(doc) {
				return true
			}
		}
		return false
	}
	vals := fieldValues(doc[f.Field])
	switch f.Op {
	case "=":
		return anyEqual(vals, f.Values)
	case "!=":
		return !anyEqual(vals, f.Values)
	case "range":
		return anyNum(vals, func(x float64) bool { return x >= float64(*f.Values[0].Num) && x <= float64(*f.Values[1].Num) })
	case ">":
		return anyNum(vals, func(x float64) bool { return x > float64(*f.Values[0].Num) })
	case ">=":
		return anyNum(vals, func(x float64) bool { return x >= float64(*f.Values[0].Num) })
	case "<":
		return anyNum(vals, func(x float64) bool { return x < float64(*f.Values[0].Num) })
	case "<=":
		return anyNum(vals, func(x float64) bool { return x <= float64(*f.Values[0].Num) })
	}
	return false
}

func fieldValues(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func anyEqual(vals []any, want []Value) bool {
	for _, v := range vals {
		for _, w := range want {
			switch x := v.(type) {
			case string:
				if w.Str != nil && *w.Str == x {
					return true
				}
			case float64:
				if w.Num != nil && float64(*w.Num) == x {
					return true
				}
			case bool:
				if w.Bool != nil && *w.Bool == x {
					return true
				}
			}
		}
	}
	return false
}

func anyNum(vals []any, ok func(float64) bool) bool {
	for _, v := range vals {
		if x, isNum := v.(float64); isNum && ok(x) {
			return true
		}
	}
	return false
}
