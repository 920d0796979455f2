// Package query is BANA's data access kernel: the IGNIS filter language (where, fields, order,
// limit, skip, include) compiled to SQL with driver-bound arguments on SQLite and PostgreSQL,
// checked against each resource's declared fields; generic CRUD over a table with soft delete,
// restore and hard delete; and the tenant scope that confines a caller to its own rows.
package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
)

// Limits of a list.
const (
	DefaultLimit = 10
	MaxLimit     = 1000
	// MaxIncluded bounds the related rows one include loads for a page of parents; past it the
	// request is refused (never cut short): ask for fewer parents or a limit in the scope.
	MaxIncluded = 10 * MaxLimit
	// MaxIncludeDepth bounds nested includes: an include, an include in its scope, and one more.
	MaxIncludeDepth = 3
)

// Filter is the IGNIS filter: {"where": {...}, "fields": [...], "order": [...], "limit": n,
// "skip": n, "include": [...]}.
type Filter struct {
	Where  map[string]any
	Fields []string
	// Omit lists the fields left out of each row when Fields is empty: IGNIS's fields object
	// with only false values ({"secret": false}: every field except secret).
	Omit    []string
	Order   []string
	Limit   int
	Skip    int
	Include []Include
	// limitGiven tells an explicit "limit" from the default one: an include's scope limits the
	// related rows of each parent only when it says so.
	limitGiven bool
}

// Include asks for a declared relation, optionally narrowed by a filter of its own, which may
// include relations of the related rows in turn (MaxIncludeDepth levels in all).
type Include struct {
	Relation string
	Scope    *Filter
	// SkipDefaultFilter is IGNIS's shouldSkipDefaultFilter: BANA's default filter is the soft
	// delete, so the related rows include soft-deleted ones. Admins only, as ?deleted= is; the
	// tenant scope is never skipped.
	SkipDefaultFilter bool
}

// Shaped reports whether the filter changes the rows a list returns beyond selecting them:
// fields kept or omitted, relations included.
func (f *Filter) Shaped() bool {
	return f != nil && (len(f.Fields) > 0 || len(f.Omit) > 0 || len(f.Include) > 0)
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
	return filterFrom(obj, loc, 1)
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

// filterFrom reads a filter object; depth is the include level its own includes are at (1 for
// the request's filter).
func filterFrom(obj map[string]any, loc string, depth int) (*Filter, error) {
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
			if err := f.readFields(v, at); err != nil {
				return nil, err
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
			f.Limit, f.limitGiven = int(n), true
		case "skip", "offset":
			n, err := wholeNumber(v, at)
			if err != nil {
				return nil, err
			}
			if n < 0 || n > 1<<31 {
				return nil, errs.Field(at, "must be zero or more", v)
			}
			// skip wins over offset, as in IGNIS (skip ?? offset): the answer does not depend
			// on the order the keys are read in.
			if _, both := obj["skip"]; k == "skip" || !both {
				f.Skip = int(n)
			}
		case "include":
			if err := f.readInclude(v, at, depth); err != nil {
				return nil, err
			}
		default:
			return nil, errs.Field(at, "unknown filter key (want where, fields, order, limit, skip, offset, include)", v)
		}
	}
	return f, nil
}

// readFields reads "fields": an array of names, or IGNIS's object form, where the names set to
// true are kept; with none true, the names set to false are left out and every other field is
// kept.
func (f *Filter) readFields(v any, at string) error {
	switch t := v.(type) {
	case []any:
		for i, x := range t {
			s, ok := x.(string)
			if !ok {
				return errs.Field(fmt.Sprintf("%s[%d]", at, i), "must be a field name", x)
			}
			f.Fields = append(f.Fields, s)
		}
	case map[string]any: // {"name": true, "price": true} or {"secret": false}
		var omit []string
		for name, x := range t {
			b, ok := x.(bool)
			if !ok {
				return errs.Field(at+"."+name, "must be true or false", x)
			}
			if b {
				f.Fields = append(f.Fields, name)
			} else {
				omit = append(omit, name)
			}
		}
		sort.Strings(f.Fields)
		if len(f.Fields) == 0 {
			sort.Strings(omit)
			f.Omit = omit
		}
	default:
		return errs.Field(at, "must be an array of field names", v)
	}
	return nil
}

// readInclude reads "include": relation names or {"relation", "scope", "shouldSkipDefaultFilter"}
// objects, at the given include depth.
func (f *Filter) readInclude(v any, at string, depth int) error {
	if depth > MaxIncludeDepth {
		return errs.Field(at, fmt.Sprintf("nests includes deeper than %d levels", MaxIncludeDepth), nil)
	}
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
						return errs.Field(iat+".relation", "must be a relation name", iv)
					}
					inc.Relation = s
				case "scope":
					if iv == nil {
						continue
					}
					so, ok := iv.(map[string]any)
					if !ok {
						return errs.Field(iat+".scope", "must be a filter object", iv)
					}
					sf, err := filterFrom(so, iat+".scope", depth+1)
					if err != nil {
						return err
					}
					inc.Scope = sf
				case "shouldSkipDefaultFilter":
					b, ok := iv.(bool)
					if !ok {
						return errs.Field(iat+"."+ik, "must be true or false", iv)
					}
					inc.SkipDefaultFilter = b
				default:
					return errs.Field(iat+"."+ik, "unknown include key (want relation, scope, shouldSkipDefaultFilter)", iv)
				}
			}
			if inc.Relation == "" {
				return errs.Field(iat+".relation", "is required", nil)
			}
			f.Include = append(f.Include, inc)
		default:
			return errs.Field(iat, "must be a relation name or {\"relation\": ...}", x)
		}
	}
	return nil
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
	if len(f.Omit) > 0 {
		omit := map[string]bool{}
		for _, name := range f.Omit {
			omit[name] = false
		}
		m["fields"] = omit
	}
	if len(f.Order) > 0 {
		m["order"] = f.Order
	}
	_ = json.NewEncoder(&b).Encode(m)
	return strings.TrimSpace(b.String())
}
