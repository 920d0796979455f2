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
	"unicode/utf8"

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
	// JSON is a JSON document: tested with isNull / isNotNull, the array operators (contains,
	// containedBy, overlaps) when it holds an array, and any operator on a path into it
	// ("value.a.b").
	JSON
	// Array is a JSON array of Field.Elem values ([]string): tested like JSON.
	Array
)

func (k Kind) String() string {
	return [...]string{"string", "integer", "number", "boolean", "RFC 3339 time", "id (decimal string)", "JSON", "array"}[k]
}

// Field is one column a filter may name.
type Field struct {
	Name   string // JSON name, camelCase
	Column string // SQL column
	Kind   Kind
	Elem   Kind     // kind of an Array's elements
	Enum   []string // allowed values of a String field (or of an Array's elements), if restricted
	Hidden bool     // never filterable nor returned (e.g. a password hash)
}

// Operators of the filter language: IGNIS's, with their aliases.
var operators = []string{"eq", "ne", "neq", "gt", "gte", "lt", "lte", "between", "notBetween", "in", "inq",
	"nin", "notIn", "like", "nlike", "notLike", "ilike", "nilike", "notILike", "startsWith", "endsWith",
	"regexp", "iregexp", "is", "isn", "isNull", "isNotNull", "contains", "containedBy", "overlaps"}

// aliases maps the other names IGNIS gives an operator to the one the compiler knows. is and
// isn are eq and ne: with null they test IS [NOT] NULL, with a value they compare.
var aliases = map[string]string{"ne": "neq", "is": "eq", "isn": "neq", "inq": "in", "notIn": "nin",
	"nlike": "notLike", "nilike": "notILike"}

// Clause is compiled SQL with ?-placeholders and its arguments.
type Clause struct {
	SQL  string
	Args []any
	// regexps locates the regular expressions only the database checks (PostgreSQL's), to name
	// the one it refuses.
	regexps []string
}

// explain names the regular expression of the clause that the database refused, in a 400; other
// errors are returned as they are.
func (c Clause) explain(err error) error {
	reason, ok := db.InvalidRegexp(err)
	if !ok || len(c.regexps) == 0 {
		return err
	}
	msg := "is not a valid regular expression: " + reason
	if len(c.regexps) > 1 {
		msg = "one of these is not a valid regular expression: " + reason
	}
	e := &errs.E{Kind: errs.Invalid, Message: msg, Err: err}
	for _, loc := range c.regexps {
		e.Fields = append(e.Fields, errs.FieldError{Location: loc, Message: msg})
	}
	return e
}

// None reports whether the clause selects every row: the where had no condition (nothing, or
// only empty groups, which IGNIS drops) or only conditions true by construction ({"nin": []}).
func (c Clause) None() bool { return c.SQL == "" || c.SQL == always }

// always is the SQL of a condition true by construction, never, false by construction.
const (
	always = "1=1"
	never  = "1=0"
)

// compiler turns a where object into SQL. Placeholders are "?" until the statement is finished,
// then rebound for the dialect.
type compiler struct {
	dialect db.Dialect
	table   string // the SQL table, to name its columns inside a subquery
	fields  map[string]Field
	args    []any
	regexps []string
	depth   int
}

const maxDepth = 16

// compileWhere compiles a where object over table's fields. loc names it in errors
// ("query.filter.where").
func compileWhere(d db.Dialect, table string, fields map[string]Field, where map[string]any, loc string) (Clause, error) {
	c := &compiler{dialect: d, table: table, fields: fields}
	s, err := c.object(where, loc)
	if err != nil {
		return Clause{}, err
	}
	if s == "" {
		s = always
	}
	return Clause{SQL: s, Args: c.args, regexps: c.regexps}, nil
}

func (c *compiler) bind(v any) string {
	c.args = append(c.args, v)
	return "?"
}

// conditions collects the parts of an AND: a part true by construction adds nothing, but it is
// remembered, so that a group of such parts is true rather than empty.
type conditions struct {
	parts []string
	some  bool
}

func (cs *conditions) add(s string) {
	if s == "" {
		return
	}
	cs.some = true
	if s != always {
		cs.parts = append(cs.parts, s)
	}
}

// and returns the parts ANDed: "" when there were none, always when all were true.
func (cs *conditions) and() string {
	switch {
	case len(cs.parts) > 0:
		return strings.Join(cs.parts, " AND ")
	case cs.some:
		return always
	}
	return ""
}

// object compiles {a: ..., b: ..., and: [...], or: [...], not: {...}}: its keys are ANDed. It
// returns "" when the object holds no condition: IGNIS drops an empty object, and an and/or
// group with no condition in it, so {"or": []} selects what the rest of the where selects.
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
	var cs conditions
	for _, k := range keys {
		v := w[k]
		at := loc + "." + k
		switch k {
		case "and", "or":
			list, ok := v.([]any)
			if !ok {
				o, isObj := v.(map[string]any)
				if !isObj {
					return "", errs.Field(at, "must be an array of conditions", v)
				}
				list = []any{o} // IGNIS accepts one condition for a list of one
			}
			var sub conditions
			anyTrue := false
			mark := len(c.args)
			for i, x := range list {
				iat := fmt.Sprintf("%s[%d]", at, i)
				o, ok := x.(map[string]any)
				if !ok {
					return "", errs.Field(iat, "must be an object", x)
				}
				s, err := c.object(o, iat)
				if err != nil {
					return "", err
				}
				anyTrue = anyTrue || s == always
				sub.add(s)
			}
			switch {
			case k == "or" && anyTrue:
				c.args = c.args[:mark] // one alternative always holds: the others are dropped
				cs.add(always)
			case len(sub.parts) == 0:
				cs.add(sub.and())
			case k == "and":
				cs.add("(" + sub.and() + ")")
			default:
				cs.add("(" + strings.Join(sub.parts, " OR ") + ")")
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
			switch s {
			case "":
			case always:
				cs.add(never)
			default:
				cs.add("NOT (" + s + ")")
			}
		default:
			s, err := c.key(k, v, at)
			if err != nil {
				return "", err
			}
			cs.add(s)
		}
	}
	return cs.and(), nil
}

// key compiles the condition on a field, or on a path into a JSON field ("value.a.b").
func (c *compiler) key(k string, v any, at string) (string, error) {
	if f, ok := c.fields[k]; ok && !f.Hidden {
		return c.field(f, v, at)
	}
	if root, path, isPath := splitPath(k); isPath {
		if f, ok := c.fields[root]; ok && !f.Hidden {
			if f.Kind != JSON && f.Kind != Array {
				return "", errs.Field(at, "a path needs a JSON field; "+root+" is "+f.Kind.String(), nil)
			}
			if err := checkPath(path, at); err != nil {
				return "", err
			}
			return c.pathField(f, path, v, at)
		}
	}
	return "", errs.Field(at, "unknown field (filterable: "+c.fieldNames()+")", nil)
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

// field compiles the condition on one field: a plain value (equality), an array of values
// (IGNIS's shorthand for in), or an operator object.
func (c *compiler) field(f Field, v any, at string) (string, error) {
	col := quoteIdent(f.Column)
	return operatorsOf(v, at, f.Kind != JSON && f.Kind != Array, func(op string, v any, at string) (string, error) {
		return c.op(f, col, op, v, at)
	})
}

// operatorsOf compiles the condition v puts on one operand with one: a plain value is eq, an array
// is in (when listIsIn; else eq of the array), an object is its operators, ANDed in name order.
func operatorsOf(v any, at string, listIsIn bool, one func(op string, v any, at string) (string, error)) (string, error) {
	ops, isObj := v.(map[string]any)
	if !isObj {
		if _, ok := v.([]any); ok && listIsIn {
			return one("in", v, at)
		}
		return one("eq", v, at)
	}
	if len(ops) == 0 {
		return "", errs.Field(at, "needs an operator ("+strings.Join(operators, ", ")+")", v)
	}
	names := make([]string, 0, len(ops))
	for k := range ops {
		names = append(names, k)
	}
	sort.Strings(names)
	var cs conditions
	for _, op := range names {
		s, err := one(op, ops[op], at+"."+op)
		if err != nil {
			return "", err
		}
		cs.add(s)
	}
	return cs.and(), nil
}

// op compiles one operator on col, an expression whose values are of f's kind.
func (c *compiler) op(f Field, col, op string, v any, at string) (string, error) {
	if a, ok := aliases[op]; ok {
		op = a
	}
	if f.Kind == JSON || f.Kind == Array {
		switch {
		case op == "contains" || op == "containedBy" || op == "overlaps":
			return c.arrayOp(f, jsonDoc{col: f.Column}, op, v, at)
		case op == "isNull" || op == "isNotNull" || (op == "eq" || op == "neq") && v == nil:
		default:
			return "", errs.Field(at, "a JSON field is tested with isNull, isNotNull, contains, containedBy, overlaps, or by a path into it ("+f.Name+".key)", v)
		}
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
		// IGNIS's ne keeps NULL rows out, as SQL's <> does.
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
	case "in", "nin":
		list, ok := v.([]any)
		if !ok {
			// IGNIS: a single value is eq (in) or ne (nin).
			if op == "in" {
				return c.op(f, col, "eq", v, at)
			}
			return c.op(f, col, "neq", v, at)
		}
		if len(list) > MaxLimit {
			return "", errs.Field(at, fmt.Sprintf("has more than %d values", MaxLimit), nil)
		}
		neg := op == "nin"
		if len(list) == 0 {
			if neg {
				return always, nil
			}
			return never, nil
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
		if err := checkPattern(s, at); err != nil {
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
		if c.dialect == db.Postgres {
			// PostgreSQL's own regular expressions, as IGNIS sends them; one PostgreSQL
			// cannot compile is a 400 (db.Classify).
			sym := " ~ "
			if op == "iregexp" {
				sym = " ~* "
			}
			c.regexps = append(c.regexps, at)
			return col + sym + c.bind(s), nil
		}
		// SQLite's REGEXP is Go's (RE2), registered by package db.
		if _, err := regexp.Compile(s); err != nil {
			return "", errs.Field(at, "is not a valid regular expression: "+err.Error(), v)
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
	case "contains", "containedBy", "overlaps":
		return "", errs.Field(at, "an array operator needs an array or JSON field; "+f.Name+" is "+f.Kind.String(), v)
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
		// SQLite's LIKE folds ASCII only: both sides go through db.FoldFunc, which folds every
		// letter (Trà, TRÀ, ĐÁ), as PostgreSQL's ILIKE does.
		return db.FoldFunc + "(" + col + ") " + not + "LIKE " + db.FoldFunc + "(" + c.bind(pat) + `) ESCAPE '\'`
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
	return s, CheckText(s, at)
}

// CheckText is the rule for text that reaches the database: no NUL character (PostgreSQL
// refuses it in text, SQLite would store it) and valid UTF-8. It returns a 400 naming loc.
func CheckText(s, loc string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return errs.Field(loc, "must not contain a NUL character", nil)
	}
	if !utf8.ValidString(s) {
		return errs.Field(loc, "must be valid UTF-8", nil)
	}
	return nil
}

// checkPattern refuses a LIKE pattern whose last character escapes nothing: PostgreSQL fails
// on it (22025) and SQLite matches nothing, so neither is an answer.
func checkPattern(p, at string) error {
	n := 0
	for i := len(p) - 1; i >= 0 && p[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		return errs.Field(at, `ends with a lone escape character \: write \\ to match a backslash`, p)
	}
	return nil
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
		return s, CheckText(s, at)
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
