package search

import (
	"fmt"
	"strconv"
	"strings"
)

// FilterBy converts a checked filter to Typesense's filter_by: eq field:=v, neq field:!=v, gt
// field:>v (and >=, <, <=), between field:[lo..hi], inq field:=[a,b], nin field:!=[a,b], and
// (x && y), or (x || y). Strings are quoted in backticks (the parser refused those that hold
// one); numbers are written in full, booleans as true/false. It returns "" for no filter. An
// Expr the parser could not have made is an error, never a malformed filter_by.
func FilterBy(e *Expr) (string, error) {
	if e == nil {
		return "", nil
	}
	var b strings.Builder
	if err := writeFilter(&b, e, true); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeFilter(b *strings.Builder, e *Expr, top bool) error {
	switch e.Op {
	case OpAnd, OpOr:
		if len(e.Kids) == 0 {
			return fmt.Errorf("search: an empty %s", e.Op)
		}
		sep := " && "
		if e.Op == OpOr {
			sep = " || "
		}
		if !top {
			b.WriteByte('(')
		}
		for i, k := range e.Kids {
			if i > 0 {
				b.WriteString(sep)
			}
			if err := writeFilter(b, k, false); err != nil {
				return err
			}
		}
		if !top {
			b.WriteByte(')')
		}
		return nil
	}
	if !fieldName(e.Field) {
		return fmt.Errorf("search: field %q cannot be filtered", e.Field)
	}
	var op string
	switch e.Op {
	case OpEq, OpIn:
		op = ":="
	case OpNeq, OpNin:
		op = ":!="
	case OpGt:
		op = ":>"
	case OpGte:
		op = ":>="
	case OpLt:
		op = ":<"
	case OpLte:
		op = ":<="
	case OpBetween:
		op = ":"
	default:
		return fmt.Errorf("search: operator %q", e.Op)
	}
	want := 1
	switch e.Op {
	case OpBetween:
		want = 2
	case OpIn, OpNin:
		want = -1
	}
	if (want > 0 && len(e.Values) != want) || len(e.Values) == 0 {
		return fmt.Errorf("search: %s takes %d values, has %d", e.Op, want, len(e.Values))
	}
	vals := make([]string, len(e.Values))
	for i, v := range e.Values {
		s, err := filterValue(v)
		if err != nil {
			return err
		}
		vals[i] = s
	}
	b.WriteString(e.Field)
	b.WriteString(op)
	switch e.Op {
	case OpBetween:
		if _, ok := e.Values[0].(int64); !ok {
			return fmt.Errorf("search: between compares numbers")
		}
		b.WriteString("[" + vals[0] + ".." + vals[1] + "]")
	case OpIn, OpNin:
		b.WriteString("[" + strings.Join(vals, ", ") + "]")
	case OpGt, OpGte, OpLt, OpLte:
		if _, ok := e.Values[0].(int64); !ok {
			return fmt.Errorf("search: %s compares numbers", e.Op)
		}
		b.WriteString(vals[0])
	default:
		b.WriteString(vals[0])
	}
	return nil
}

// filterValue writes one value of filter_by.
func filterValue(v any) (string, error) {
	switch t := v.(type) {
	case string:
		if err := checkKeyword(t); err != nil {
			return "", fmt.Errorf("search: value %q %w", t, err)
		}
		return "`" + t + "`", nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	return "", fmt.Errorf("search: a value of type %T", v)
}

// fieldName reports whether s is a field name filter_by can hold as is.
func fieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
