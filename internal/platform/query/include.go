package query

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
)

// Row is one result as JSON, after fields and include have been applied.
type Row = map[string]any

// loader is the part of a Table that a relation needs of its target.
type loader interface {
	fieldByName(name string) (Field, bool)
	loadIn(ctx context.Context, foreign Field, values []any, scope *Filter, loc string) ([]Row, error)
}

type relation struct {
	target  loader
	local   string // JSON field of this table
	foreign string // JSON field of the target
	many    bool
}

func (t *Table[T]) fieldByName(name string) (Field, bool) {
	f, ok := t.m.fields[name]
	return f, ok && !f.Hidden
}

// HasMany declares a relation: rows of target whose foreign field equals this row's local field.
func (t *Table[T]) HasMany(name string, target loader, local, foreign string) {
	t.relate(name, target, local, foreign, true)
}

// BelongsTo declares a relation to the one row of target whose foreign field (usually "id")
// equals this row's local field.
func (t *Table[T]) BelongsTo(name string, target loader, local, foreign string) {
	t.relate(name, target, local, foreign, false)
}

func (t *Table[T]) relate(name string, target loader, local, foreign string, many bool) {
	if _, ok := t.m.fields[local]; !ok {
		panic(fmt.Sprintf("query: relation %s.%s: no local field %s", t.Name, name, local))
	}
	if _, ok := target.fieldByName(foreign); !ok {
		panic(fmt.Sprintf("query: relation %s.%s: no foreign field %s", t.Name, name, foreign))
	}
	t.relations[name] = relation{target: target, local: local, foreign: foreign, many: many}
}

// Relations lists the declared relation names.
func (t *Table[T]) Relations() []string {
	var out []string
	for n := range t.relations {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (t *Table[T]) loadIn(ctx context.Context, foreign Field, values []any, scope *Filter, loc string) ([]Row, error) {
	f := &Filter{Limit: MaxLimit}
	if scope != nil {
		f = scope
	}
	w, err := t.Where(f.Where, loc+".where")
	if err != nil {
		return nil, err
	}
	ph := make([]string, len(values))
	for i := range values {
		ph[i] = "?"
	}
	in := Clause{SQL: quoteIdent(foreign.Column) + " IN (" + strings.Join(ph, ", ") + ")", Args: values}
	if w.SQL != "1=1" {
		in.SQL += " AND (" + w.SQL + ")"
		in.Args = append(append([]any{}, values...), w.Args...)
	}
	order, err := t.orderBy(f.Order, loc+".order")
	if err != nil {
		return nil, err
	}
	// The scope's limit applies to the whole related set, bounded by MaxLimit.
	limit := MaxLimit
	if scope != nil && scope.Limit > 0 && scope.Limit != DefaultLimit {
		limit = scope.Limit
	}
	q, args := t.selectSQL(ctx, in, ExcludeDeleted, order, limit, 0, false)
	rows, err := t.query(ctx, false, q, args)
	if err != nil {
		return nil, err
	}
	fields := f.Fields
	if len(fields) > 0 && !slices.Contains(fields, foreign.Name) {
		// The parent rows are matched on the foreign field, so it is always returned.
		fields = append(append([]string{}, fields...), foreign.Name)
	}
	return t.project(rows, fields, loc+".fields")
}

// project turns rows into JSON objects holding only fields (all visible fields when empty).
func (t *Table[T]) project(rows []T, fields []string, loc string) ([]Row, error) {
	for i, name := range fields {
		if f, ok := t.m.fields[name]; !ok || f.Hidden {
			return nil, errs.Field(fmt.Sprintf("%s[%d]", loc, i), "unknown field "+name, name)
		}
	}
	out := make([]Row, len(rows))
	for i := range rows {
		b, err := json.Marshal(&rows[i])
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		var m Row
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		if len(fields) > 0 {
			keep := Row{}
			for _, f := range fields {
				if v, ok := m[f]; ok {
					keep[f] = v
				}
			}
			m = keep
		}
		out[i] = m
	}
	return out, nil
}

// FindRows lists rows as JSON objects, applying the filter's fields and include.
func (t *Table[T]) FindRows(ctx context.Context, f *Filter, del Deleted) ([]Row, error) {
	rows, err := t.Find(ctx, f, del)
	if err != nil {
		return nil, err
	}
	return t.Shape(ctx, rows, f)
}

// Shape applies a filter's fields and include to rows already loaded.
func (t *Table[T]) Shape(ctx context.Context, rows []T, f *Filter) ([]Row, error) {
	if f == nil {
		f = &Filter{}
	}
	out, err := t.project(rows, f.Fields, "query.filter.fields")
	if err != nil {
		return nil, err
	}
	for i, inc := range f.Include {
		loc := fmt.Sprintf("query.filter.include[%d]", i)
		rel, ok := t.relations[inc.Relation]
		if !ok {
			return nil, errs.Field(loc+".relation", "unknown relation (have: "+strings.Join(t.Relations(), ", ")+")", inc.Relation)
		}
		seen := map[string]bool{}
		var values []any
		for j := range rows {
			v := dbValue(t.m.get(reflect.ValueOf(&rows[j]), rel.local))
			if v == nil {
				continue
			}
			k := fmt.Sprint(v)
			if !seen[k] {
				seen[k] = true
				values = append(values, v)
			}
		}
		foreign, _ := rel.target.fieldByName(rel.foreign)
		var related []Row
		if len(values) > 0 {
			related, err = rel.target.loadIn(ctx, foreign, values, inc.Scope, loc+".scope")
			if err != nil {
				return nil, err
			}
		}
		groups := map[string][]Row{}
		for _, r := range related {
			k := fmt.Sprint(r[rel.foreign])
			groups[k] = append(groups[k], r)
		}
		for j := range rows {
			v := dbValue(t.m.get(reflect.ValueOf(&rows[j]), rel.local))
			g := groups[fmt.Sprint(v)]
			if rel.many {
				if g == nil {
					g = []Row{}
				}
				out[j][inc.Relation] = g
			} else if len(g) > 0 {
				out[j][inc.Relation] = g[0]
			} else {
				out[j][inc.Relation] = nil
			}
		}
	}
	return out, nil
}
