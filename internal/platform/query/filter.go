// Package query is BANA's data access kernel: the IGNIS filter language (where, fields, order,
// limit, skip, include) compiled to SQL with driver-bound arguments on SQLite and PostgreSQL,
// checked against each resource's declared fields; generic CRUD over a table with soft delete,
// restore and hard delete; and the tenant scope that confines a caller to its own rows.
package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
)

// Limits of a list.
const (
	DefaultLimit = 10
	MaxLimit     = 1000
)

// Filter is the IGNIS filter: {"where": {...}, "fields": [...], "order": [...], "limit": n,
// "skip": n, "include": [...]}.
type Filter struct {
	Where   map[string]any
	Fields  []string
	Order   []string
	Limit   int
	Skip    int
	Include []Include
}

// Include asks for a declared relation, optionally narrowed by a filter of its own.
type Include struct {
	Relation string
	Scope    *Filter
}

// ParseFilter reads a filter from JSON (the ?filter= parameter). loc names the parameter in
// error messages. An empty string is the empty filter.
func ParseFilter(raw, loc string) (*Filter, error) {
	f := &Filter{Limit: DefaultLimit}
	if strings.TrimSpace(raw) == "" {
		return f, nil
	}
	v, err := decode(raw)
	if err != nil {
		return nil, errs.Field(loc, "is not valid JSON: "+err.Error(), raw)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errs.Field(loc, "must be a JSON object", raw)
	}
	return filterFrom(obj, loc)
}

// ParseWhere reads a where clause alone (the ?where= parameter of count, updateBy, deleteBy).
func ParseWhere(raw, loc string) (map[string]any, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	v, err := decode(raw)
	if err != nil {
		return nil, errs.Field(loc, "is not valid JSON: "+err.Error(), raw)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errs.Field(loc, "must be a JSON object", raw)
	}
	return obj, nil
}

func decode(raw string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

func filterFrom(obj map[string]any, loc string) (*Filter, error) {
	f := &Filter{Limit: DefaultLimit}
	for k, v := range obj {
		at := loc + "." + k
		switch k {
		case "where":
			if v == nil {
				continue
			}
			w, ok := v.(map[string]any)
			if !ok {
				return nil, errs.Field(at, "must be an object", v)
			}
			f.Where = w
		case "fields":
			switch t := v.(type) {
			case []any:
				for i, x := range t {
					s, ok := x.(string)
					if !ok {
						return nil, errs.Field(fmt.Sprintf("%s[%d]", at, i), "must be a field name", x)
					}
					f.Fields = append(f.Fields, s)
				}
			case map[string]any: // {"name": true, "price": true}
				for name, x := range t {
					if b, ok := x.(bool); !ok {
						return nil, errs.Field(at+"."+name, "must be true or false", x)
					} else if b {
						f.Fields = append(f.Fields, name)
					}
				}
			default:
				return nil, errs.Field(at, "must be an array of field names", v)
			}
		case "order":
			switch t := v.(type) {
			case string:
				f.Order = []string{t}
			case []any:
				for i, x := range t {
					s, ok := x.(string)
					if !ok {
						return nil, errs.Field(fmt.Sprintf("%s[%d]", at, i), "must be a string like \"createdAt DESC\"", x)
					}
					f.Order = append(f.Order, s)
				}
			default:
				return nil, errs.Field(at, "must be an array of strings like \"createdAt DESC\"", v)
			}
		case "limit":
			n, err := wholeNumber(v, at)
			if err != nil {
				return nil, err
			}
			if n < 1 || n > MaxLimit {
				return nil, errs.Field(at, fmt.Sprintf("must be between 1 and %d", MaxLimit), v)
			}
			f.Limit = int(n)
		case "skip", "offset":
			n, err := wholeNumber(v, at)
			if err != nil {
				return nil, err
			}
			if n < 0 || n > 1<<31 {
				return nil, errs.Field(at, "must be zero or more", v)
			}
			f.Skip = int(n)
		case "include":
			list, ok := v.([]any)
			if !ok {
				list = []any{v}
			}
			for i, x := range list {
				iat := fmt.Sprintf("%s[%d]", at, i)
				switch t := x.(type) {
				case string:
					f.Include = append(f.Include, Include{Relation: t})
				case map[string]any:
					inc := Include{}
					for ik, iv := range t {
						switch ik {
						case "relation":
							s, ok := iv.(string)
							if !ok {
								return nil, errs.Field(iat+".relation", "must be a relation name", iv)
							}
							inc.Relation = s
						case "scope":
							so, ok := iv.(map[string]any)
							if !ok {
								return nil, errs.Field(iat+".scope", "must be a filter object", iv)
							}
							sf, err := filterFrom(so, iat+".scope")
							if err != nil {
								return nil, err
							}
							if len(sf.Include) > 0 {
								return nil, errs.Field(iat+".scope.include", "nested includes are not supported", nil)
							}
							inc.Scope = sf
						default:
							return nil, errs.Field(iat+"."+ik, "unknown include key (want relation, scope)", iv)
						}
					}
					if inc.Relation == "" {
						return nil, errs.Field(iat+".relation", "is required", nil)
					}
					f.Include = append(f.Include, inc)
				default:
					return nil, errs.Field(iat, "must be a relation name or {\"relation\": ...}", x)
				}
			}
		default:
			return nil, errs.Field(at, "unknown filter key (want where, fields, order, limit, skip, offset, include)", v)
		}
	}
	return f, nil
}

func wholeNumber(v any, at string) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errs.Field(at, "must be a whole number", v)
	}
	i, err := n.Int64()
	if err != nil {
		return 0, errs.Field(at, "must be a whole number", v)
	}
	return i, nil
}

// String renders the filter back to JSON (for logs and cache keys).
func (f *Filter) String() string {
	var b bytes.Buffer
	m := map[string]any{"limit": f.Limit, "skip": f.Skip}
	if f.Where != nil {
		m["where"] = f.Where
	}
	if len(f.Fields) > 0 {
		m["fields"] = f.Fields
	}
	if len(f.Order) > 0 {
		m["order"] = f.Order
	}
	_ = json.NewEncoder(&b).Encode(m)
	return strings.TrimSpace(b.String())
}
