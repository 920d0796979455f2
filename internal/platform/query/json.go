package query

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
)

// JSON paths and array operators.
//
// A path names a value inside a JSON field as IGNIS writes it: "value.a.b", "metadata.tags[0]",
// "data.items[2].name", "config.user-id". Its components are checked against IGNIS's pattern
// (a letter or _ then letters, digits, _ or -; or a number, which is an array index) and are
// then written into the SQL as literals: they cannot hold a quote. Values are always bound.
//
// What a path compares depends on the value it is compared with, as in IGNIS:
//   - a string (or a boolean, compared as "true"/"false") compares with the text of the JSON
//     value there: PostgreSQL's jsonb_extract_path_text (IGNIS's #>>), on SQLite the same text
//     built from json_type, json_extract and ->;
//   - a number compares with a JSON number numerically; any other JSON value there (a string,
//     null, an object) matches no number;
//   - null (or isNull) matches a JSON null and a missing path.
//
// The array operators test a JSON array (an Array field, a JSON field, or a path to an array):
// contains: it holds every value given; containedBy: every element it holds is among the values
// given (an empty array is contained by anything); overlaps: it holds at least one of them.
// Elements compare by JSON type and value (1 and 1.0 are equal; "1" and 1 are not). A value that
// is not an array (null, an object, a missing path) matches none of them, except contains with
// no values, which matches every row, as in IGNIS. PostgreSQL uses jsonb's @> and <@; SQLite,
// json_each.

const maxPath = 16

// splitPath splits "value.a[0].b" into its field and the path's components, as IGNIS does
// (dots and brackets separate components). isPath is false for a plain field name.
func splitPath(key string) (root string, path []string, isPath bool) {
	if !strings.ContainsAny(key, ".[") {
		return key, nil, false
	}
	parts := strings.FieldsFunc(key, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
	if len(parts) == 0 || strings.IndexAny(key, ".[") == 0 {
		return "", nil, true
	}
	return parts[0], parts[1:], true
}

// checkPath refuses an empty path, a component outside IGNIS's pattern, or one too many.
func checkPath(path []string, at string) error {
	if len(path) == 0 {
		return errs.Field(at, "is not a JSON path (want field.key, field[0], field.a.b)", nil)
	}
	if len(path) > maxPath {
		return errs.Field(at, fmt.Sprintf("has a JSON path longer than %d components", maxPath), nil)
	}
	for _, p := range path {
		if !pathComponent(p) {
			return errs.Field(at, "has an invalid JSON path component "+p+" (want a letter or _ then letters, digits, _ or -; or an array index)", nil)
		}
	}
	return nil
}

func pathComponent(p string) bool {
	if p == "" {
		return false
	}
	if isIndex(p) {
		return len(p) <= 9
	}
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch == '_':
		case i > 0 && (ch >= '0' && ch <= '9' || ch == '-'):
		default:
			return false
		}
	}
	return true
}

func isIndex(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return p != ""
}

// pgPathArgs renders checked components as the literal arguments of jsonb_extract_path.
func pgPathArgs(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteString(", '" + p + "'")
	}
	return b.String()
}

// sqlitePath renders checked components as a SQLite JSON path literal: '$."a"[0]."b-c"'.
func sqlitePath(path []string) string {
	var b strings.Builder
	b.WriteString("'$")
	for _, p := range path {
		if isIndex(p) {
			b.WriteString("[" + p + "]")
		} else {
			b.WriteString(`."` + p + `"`)
		}
	}
	b.WriteString("'")
	return b.String()
}

// pathText is the text of the JSON value at path in col (NULL for a JSON null or no value).
func pathText(d db.Dialect, col string, path []string) string {
	if d == db.Postgres {
		return "jsonb_extract_path_text(" + col + pgPathArgs(path) + ")"
	}
	p := sqlitePath(path)
	return "CASE json_type(" + col + ", " + p + ") WHEN 'text' THEN json_extract(" + col + ", " + p + ") WHEN 'null' THEN NULL ELSE " +
		col + " -> " + p + " END"
}

// pathNumber is the JSON number at path in col, NULL when the value there is not a number.
func pathNumber(d db.Dialect, col string, path []string) string {
	if d == db.Postgres {
		return "CASE WHEN jsonb_typeof(jsonb_extract_path(" + col + pgPathArgs(path) + ")) = 'number' THEN jsonb_extract_path_text(" +
			col + pgPathArgs(path) + ")::numeric END"
	}
	p := sqlitePath(path)
	return "CASE WHEN json_type(" + col + ", " + p + ") IN ('integer', 'real') THEN json_extract(" + col + ", " + p + ") END"
}

// pathOrder is what an order on a path sorts by: the JSON value there (IGNIS's #>), in jsonb's
// order on PostgreSQL and in SQLite's order of json_extract's values (numbers before text).
// Values of one JSON type sort the same way on both.
func pathOrder(d db.Dialect, col string, path []string) string {
	if d == db.Postgres {
		return "jsonb_extract_path(" + col + pgPathArgs(path) + ")"
	}
	return "json_extract(" + col + ", " + sqlitePath(path) + ")"
}

// pathField compiles the condition on a path into a JSON field.
func (c *compiler) pathField(f Field, path []string, v any, at string) (string, error) {
	return operatorsOf(v, at, true, func(op string, v any, at string) (string, error) {
		return c.pathOp(f, path, op, v, at)
	})
}

// pathOp compiles one operator on the value at path: as text or as a number, after the value
// it is compared with (see the top of this file).
func (c *compiler) pathOp(f Field, path []string, op string, v any, at string) (string, error) {
	if a, ok := aliases[op]; ok {
		op = a
	}
	col := quoteIdent(f.Column)
	switch op {
	case "contains", "containedBy", "overlaps":
		return c.arrayOp(Field{Name: f.Name, Column: f.Column, Kind: JSON}, jsonDoc{col: f.Column, path: path}, op, v, at)
	case "like", "notLike", "ilike", "notILike", "startsWith", "endsWith", "regexp", "iregexp", "isNull", "isNotNull":
		return c.op(Field{Name: f.Name, Kind: String}, pathText(c.dialect, col, path), op, v, at)
	}
	numeric, err := numbers(v, at)
	if err != nil {
		return "", err
	}
	if numeric {
		return c.op(Field{Name: f.Name, Kind: Float}, pathNumber(c.dialect, col, path), op, v, at)
	}
	return c.op(Field{Name: f.Name, Kind: String}, pathText(c.dialect, col, path), op, boolsAsText(v), at)
}

// numbers reports whether v (a value or a list of them) is made of numbers, and refuses a list
// that mixes numbers with text.
func numbers(v any, at string) (bool, error) {
	list, ok := v.([]any)
	if !ok {
		_, n := v.(json.Number)
		return n, nil
	}
	nums := 0
	for _, x := range list {
		if _, n := x.(json.Number); n {
			nums++
		}
	}
	if nums > 0 && nums < len(list) {
		return false, errs.Field(at, "compares a JSON value with numbers and text at once: give one or the other", v)
	}
	return nums > 0, nil
}

// boolsAsText turns true and false into "true" and "false": IGNIS compares JSON booleans as
// text.
func boolsAsText(v any) any {
	switch t := v.(type) {
	case bool:
		if t {
			return "true"
		}
		return "false"
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = boolsAsText(x)
		}
		return out
	}
	return v
}

// jsonDoc is a JSON array's place: a column, and a path into it when the array is nested.
type jsonDoc struct {
	col  string // SQL column, unquoted
	path []string
}

// arrayOp compiles contains, containedBy and overlaps (see the top of this file).
func (c *compiler) arrayOp(f Field, doc jsonDoc, op string, v any, at string) (string, error) {
	list, ok := v.([]any)
	if !ok {
		list = []any{v} // IGNIS: one value is an array of one
	}
	if len(list) > MaxLimit {
		return "", errs.Field(at, fmt.Sprintf("has more than %d values", MaxLimit), nil)
	}
	elems := make([]any, len(list))
	for i, x := range list {
		val, err := c.element(f, x, fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return "", err
		}
		elems[i] = val
	}
	if c.dialect == db.Postgres {
		return c.pgArrayOp(doc, op, elems), nil
	}
	return c.sqliteArrayOp(doc, op, elems), nil
}

// element checks one value an array operator compares with: of the Array's element kind, or a
// JSON scalar (string, number, boolean) for a JSON field.
func (c *compiler) element(f Field, x any, at string) (any, error) {
	if f.Kind == Array {
		return c.value(Field{Name: f.Name, Kind: f.Elem, Enum: f.Enum}, x, at)
	}
	switch t := x.(type) {
	case string:
		return t, CheckText(t, at)
	case bool:
		return t, nil
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		n, err := t.Float64()
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, errs.Field(at, "must be a finite number", x)
		}
		return n, nil
	}
	return nil, errs.Field(at, "must be a string, a number or a boolean", x)
}

func (c *compiler) pgArrayOp(doc jsonDoc, op string, elems []any) string {
	d := quoteIdent(doc.col)
	if len(doc.path) > 0 {
		d = "jsonb_extract_path(" + d + pgPathArgs(doc.path) + ")"
	}
	isArray := "jsonb_typeof(" + d + ") = 'array'"
	encode := func(v []any) string {
		b, _ := json.Marshal(v) // strings, int64, finite float64 and bool always encode
		return string(b)
	}
	switch op {
	case "contains":
		if len(elems) == 0 {
			return always // every array contains the empty one
		}
		return "(" + isArray + " AND " + d + " @> " + c.bind(encode(elems)) + "::jsonb)"
	case "containedBy":
		return "(" + isArray + " AND " + d + " <@ " + c.bind(encode(elems)) + "::jsonb)"
	}
	if len(elems) == 0 {
		return never // nothing overlaps the empty array
	}
	ors := make([]string, len(elems))
	for i, e := range elems {
		ors[i] = d + " @> " + c.bind(encode([]any{e})) + "::jsonb"
	}
	return "(" + isArray + " AND (" + strings.Join(ors, " OR ") + "))"
}

func (c *compiler) sqliteArrayOp(doc jsonDoc, op string, elems []any) string {
	// The column is named with its table: inside json_each's subquery a bare "value" would be
	// json_each's own column.
	src := quoteIdent(c.table) + "." + quoteIdent(doc.col)
	if len(doc.path) > 0 {
		src += ", " + sqlitePath(doc.path)
	}
	isArray := "json_type(" + src + ") = 'array'"
	each := "json_each(" + src + ") e"
	is := func(x any) string {
		switch t := x.(type) {
		case bool:
			if t {
				return "e.type = 'true'"
			}
			return "e.type = 'false'"
		case string:
			return "(e.type = 'text' AND e.atom = " + c.bind(t) + ")"
		}
		return "(e.type IN ('integer', 'real') AND e.atom = " + c.bind(x) + ")"
	}
	switch op {
	case "contains":
		if len(elems) == 0 {
			return always
		}
		parts := make([]string, len(elems))
		for i, x := range elems {
			parts[i] = "EXISTS (SELECT 1 FROM " + each + " WHERE " + is(x) + ")"
		}
		return "(" + isArray + " AND " + strings.Join(parts, " AND ") + ")"
	case "containedBy":
		among := never
		if len(elems) > 0 {
			ors := make([]string, len(elems))
			for i, x := range elems {
				ors[i] = is(x)
			}
			among = strings.Join(ors, " OR ")
		}
		return "(" + isArray + " AND NOT EXISTS (SELECT 1 FROM " + each + " WHERE NOT (" + among + ")))"
	}
	if len(elems) == 0 {
		return never
	}
	ors := make([]string, len(elems))
	for i, x := range elems {
		ors[i] = is(x)
	}
	return "(" + isArray + " AND EXISTS (SELECT 1 FROM " + each + " WHERE " + strings.Join(ors, " OR ") + "))"
}
