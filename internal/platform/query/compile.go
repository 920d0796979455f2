package query

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
)

// Kind is the type of a filterable field, which decides what values it accepts.
type Kind int

// Field kinds.
const (
	String Kind = iota
	Int
	Float
	Bool
	Time
	ID
	JSON // only isNull / isNotNull
)

func (k Kind) String() string {
	return [...]string{"string", "integer", "number", "boolean", "RFC 3339 time", "id (decimal string)", "JSON"}[k]
}

// Field is one column a filter may name.
type Field struct {
	Name   string // JSON name, camelCase
	Column string // SQL column
	Kind   Kind
	Enum   []string // allowed values of a String field, if restricted
	Hidden bool     // never filterable nor returned (e.g. a password hash)
}

// Operators of the filter language. inq is IGNIS's name for in.
var operators = []string{"eq", "neq", "gt", "gte", "lt", "lte", "between", "notBetween", "in", "inq",
	"nin", "notIn", "like", "ilike", "notLike", "notILike", "startsWith", "endsWith", "regexp",
	"iregexp", "isNull", "isNotNull"}

// Clause is compiled SQL with ?-placeholders and its arguments.
type Clause struct {
	SQL  string
	Args []any
}

// compiler turns a where object into SQL. Placeholders are "?" until the statement is finished,
// then rebound for the dialect.
type compiler struct {
	dialect db.Dialect
	fields  map[string]Field
	args    []any
	depth   int
}

const maxDepth = 16

// compileWhere compiles a where object. loc names it in errors ("query.filter.where").
func compileWhere(d db.Dialect, fields map[string]Field, where map[string]any, loc string) (Clause, error) {
	c := &compiler{dialect: d, fields: fields}
	s, err := c.object(where, loc)
	if err != nil {
		return Clause{}, err
	}
	return Clause{SQL: s, Args: c.args}, nil
}

func (c *compiler) bind(v any) string {
	c.args = append(c.args, v)
	return "?"
}

// object compiles {a: ..., b: ..., and: [...], or: [...], not: {...}}: its keys are ANDed.
func (c *compiler) object(w map[string]any, loc string) (string, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxDepth {
		return "", errs.Field(loc, fmt.Sprintf("nests deeper than %d levels", maxDepth), nil)
	}
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic SQL for the same filter
	var parts []string
	for _, k := range keys {
		v := w[k]
		at := loc + "." + k
		switch k {
		case "and", "or":
			list, ok := v.([]any)
			if !ok {
				return "", errs.Field(at, "must be an array of conditions", v)
			}
			var sub []string
			for i, x := range list {
				o, ok := x.(map[string]any)
				if !ok {
					return "", errs.Field(fmt.Sprintf("%s[%d]", at, i), "must be an object", x)
				}
				s, err := c.object(o, fmt.Sprintf("%s[%d]", at, i))
				if err != nil {
					return "", err
				}
				sub = append(sub, s)
			}
			switch {
			case len(sub) == 0 && k == "and":
				parts = append(parts, "1=1")
			case len(sub) == 0:
				parts = append(parts, "1=0")
			default:
				parts = append(parts, "("+strings.Join(sub, " "+strings.ToUpper(k)+" ")+")")
			}
		case "not":
			o, ok := v.(map[string]any)
			if !ok {
				return "", errs.Field(at, "must be an object", v)
			}
			s, err := c.object(o, at)
			if err != nil {
				return "", err
			}
			parts = append(parts, "NOT ("+s+")")
		default:
			f, ok := c.fields[k]
			if !ok || f.Hidden {
				return "", errs.Field(at, "unknown field (filterable: "+c.fieldNames()+")", nil)
			}
			s, err := c.field(f, v, at)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "1=1", nil
	}
	return strings.Join(parts, " AND "), nil
}

func (c *compiler) fieldNames() string {
	var names []string
	for n, f := range c.fields {
		if !f.Hidden {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// field compiles the condition on one field: a plain value (equality) or an operator object.
func (c *compiler) field(f Field, v any, at string) (string, error) {
	ops, isObj := v.(map[string]any)
	if !isObj || f.Kind == JSON && !onlyNullOps(ops) {
		if f.Kind == JSON {
			return "", errs.Field(at, "a JSON field can only be tested with isNull / isNotNull", v)
		}
		return c.op(f, "eq", v, at)
	}
	if len(ops) == 0 {
		return "", errs.Field(at, "needs an operator ("+strings.Join(operators, ", ")+")", v)
	}
	names := make([]string, 0, len(ops))
	for k := range ops {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, op := range names {
		s, err := c.op(f, op, ops[op], at+"."+op)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " AND "), nil
}

func onlyNullOps(ops map[string]any) bool {
	for k := range ops {
		if k != "isNull" && k != "isNotNull" {
			return false
		}
	}
	return true
}

func (c *compiler) op(f Field, op string, v any, at string) (string, error) {
	col := quoteIdent(f.Column)
	if f.Kind == JSON && op != "isNull" && op != "isNotNull" {
		return "", errs.Field(at, "a JSON field can only be tested with isNull / isNotNull", v)
	}
	switch op {
	case "eq", "neq":
		if v == nil {
			if op == "eq" {
				return col + " IS NULL", nil
			}
			return col + " IS NOT NULL", nil
		}
		val, err := c.value(f, v, at)
		if err != nil {
			return "", err
		}
		if op == "eq" {
			return col + " = " + c.bind(val), nil
		}
		// IGNIS's neq keeps NULL rows out, as SQL's <> does.
		return col + " <> " + c.bind(val), nil
	case "gt", "gte", "lt", "lte":
		if f.Kind == Bool {
			return "", errs.Field(at, "cannot order booleans", v)
		}
		val, err := c.value(f, v, at)
		if err != nil {
			return "", err
		}
		sym := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
		return col + " " + sym + " " + c.bind(val), nil
	case "between", "notBetween":
		list, ok := v.([]any)
		if !ok || len(list) != 2 {
			return "", errs.Field(at, "must be an array of two values [low, high]", v)
		}
		lo, err := c.value(f, list[0], at+"[0]")
		if err != nil {
			return "", err
		}
		hi, err := c.value(f, list[1], at+"[1]")
		if err != nil {
			return "", err
		}
		kw := " BETWEEN "
		if op == "notBetween" {
			kw = " NOT BETWEEN "
		}
		return col + kw + c.bind(lo) + " AND " + c.bind(hi), nil
	case "in", "inq", "nin", "notIn":
		list, ok := v.([]any)
		if !ok {
			return "", errs.Field(at, "must be an array of values", v)
		}
		if len(list) > MaxLimit {
			return "", errs.Field(at, fmt.Sprintf("has more than %d values", MaxLimit), nil)
		}
		neg := op == "nin" || op == "notIn"
		if len(list) == 0 {
			if neg {
				return "1=1", nil
			}
			return "1=0", nil
		}
		ph := make([]string, len(list))
		for i, x := range list {
			val, err := c.value(f, x, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return "", err
			}
			ph[i] = c.bind(val)
		}
		kw := " IN ("
		if neg {
			kw = " NOT IN ("
		}
		return col + kw + strings.Join(ph, ", ") + ")", nil
	case "like", "notLike", "ilike", "notILike":
		s, err := c.text(f, v, at)
		if err != nil {
			return "", err
		}
		neg := strings.HasPrefix(op, "not")
		ci := op == "ilike" || op == "notILike"
		return c.like(col, s, ci, neg), nil
	case "startsWith", "endsWith":
		s, err := c.text(f, v, at)
		if err != nil {
			return "", err
		}
		pat := escapeLike(s) + "%"
		if op == "endsWith" {
			pat = "%" + escapeLike(s)
		}
		return c.like(col, pat, false, false), nil
	case "regexp", "iregexp":
		s, err := c.text(f, v, at)
		if err != nil {
			return "", err
		}
		if len(s) > 512 {
			return "", errs.Field(at, "pattern longer than 512 characters", nil)
		}
		if _, err := regexp.Compile(s); err != nil {
			return "", errs.Field(at, "is not a valid regular expression: "+err.Error(), v)
		}
		if c.dialect == db.Postgres {
			sym := " ~ "
			if op == "iregexp" {
				sym = " ~* "
			}
			return col + sym + c.bind(s), nil
		}
		if op == "iregexp" {
			s = "(?i)" + s
		}
		return col + " REGEXP " + c.bind(s), nil
	case "isNull", "isNotNull":
		b, ok := v.(bool)
		if !ok {
			return "", errs.Field(at, "must be true or false", v)
		}
		if (op == "isNull") == b {
			return col + " IS NULL", nil
		}
		return col + " IS NOT NULL", nil
	}
	return "", errs.Field(at, "unknown operator (want one of "+strings.Join(operators, ", ")+")", nil)
}

// like matches a LIKE pattern (% and _, \ escapes). SQLite's LIKE ignores ASCII case, so the
// case-sensitive forms use GLOB there, with the pattern translated.
func (c *compiler) like(col, pat string, ci, neg bool) string {
	not := ""
	if neg {
		not = "NOT "
	}
	if c.dialect == db.Postgres {
		kw := "LIKE"
		if ci {
			kw = "ILIKE"
		}
		return col + " " + not + kw + " " + c.bind(pat) + ` ESCAPE '\'`
	}
	if ci {
		return "lower(" + col + ") " + not + "LIKE lower(" + c.bind(pat) + `) ESCAPE '\'`
	}
	return col + " " + not + "GLOB " + c.bind(likeToGlob(pat))
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// likeToGlob translates a LIKE pattern with \ escapes into a GLOB pattern.
func likeToGlob(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch == '\\' && i+1 < len(p):
			i++
			b.WriteString(globLiteral(p[i]))
		case ch == '%':
			b.WriteByte('*')
		case ch == '_':
			b.WriteByte('?')
		default:
			b.WriteString(globLiteral(ch))
		}
	}
	return b.String()
}

func globLiteral(ch byte) string {
	switch ch {
	case '*', '?', '[':
		return "[" + string(rune(ch)) + "]"
	}
	return string([]byte{ch}) // one byte of UTF-8, kept as is
}

func (c *compiler) text(f Field, v any, at string) (string, error) {
	if f.Kind != String {
		return "", errs.Field(at, "text matching needs a text field; "+f.Name+" is "+f.Kind.String(), v)
	}
	s, ok := v.(string)
	if !ok {
		return "", errs.Field(at, "must be a string", v)
	}
	return s, nil
}

// value checks v against the field's kind and converts it to the bound Go value.
func (c *compiler) value(f Field, v any, at string) (any, error) {
	bad := func() error { return errs.Field(at, "must be "+article(f.Kind), v) }
	switch f.Kind {
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, bad()
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			return nil, errs.Field(at, "must be one of "+strings.Join(f.Enum, ", "), v)
		}
		return s, nil
	case Int:
		n, ok := v.(json.Number)
		if !ok {
			return nil, bad()
		}
		i, err := n.Int64()
		if err != nil {
			return nil, bad()
		}
		return i, nil
	case Float:
		n, ok := v.(json.Number)
		if !ok {
			return nil, bad()
		}
		x, err := n.Float64()
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, bad()
		}
		return x, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad()
		}
		return b, nil
	case Time:
		s, ok := v.(string)
		if !ok {
			return nil, bad()
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if d, derr := time.Parse(time.DateOnly, s); derr == nil {
				return d.UTC(), nil
			}
			return nil, bad()
		}
		return t.UTC(), nil
	case ID:
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case json.Number:
			s = t.String()
		default:
			return nil, bad()
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad()
		}
		return n, nil
	}
	return nil, bad()
}

func article(k Kind) string {
	switch k {
	case Int, ID:
		return "an " + k.String()
	}
	return "a " + k.String()
}

// quoteIdent quotes a column name. Column names come from resource declarations, never from
// input, but quoting keeps reserved words ("group", "order") usable.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
