package query

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
)

// Row is one result as JSON, after fields and include have been applied.
type Row = map[string]any

// loader is the part of a Table that a relation needs of its target.
type loader interface {
	fieldByName(name string) (Field, bool)
	loadIn(ctx context.Context, foreign Field, values []any, inc Include, loc string, depth int) ([]Row, error)
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

// loadIn loads the rows related to parents whose values of the foreign field are values, with
// the include's scope applied (its own includes too), as JSON objects.
func (t *Table[T]) loadIn(ctx context.Context, foreign Field, values []any, inc Include, loc string, depth int) ([]Row, error) {
	f := &Filter{}
	if inc.Scope != nil {
		f = inc.Scope
	}
	del := ExcludeDeleted
	if inc.SkipDefaultFilter {
		if p := auth.From(ctx); p == nil || !p.IsAdmin() {
			return nil, errs.New(errs.Forbidden, "only admins may include deleted rows (shouldSkipDefaultFilter)")
		}
		del = IncludeDeleted
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
	if !w.None() {
		in.SQL += " AND (" + w.SQL + ")"
		in.Args = append(append([]any{}, values...), w.Args...)
	}
	order, err := t.orderBy(f.Order, loc+".order")
	if err != nil {
		return nil, err
	}
	var rows []T
	if f.limitGiven || f.Skip > 0 {
		// The scope's limit and skip apply to the related rows of each parent.
		limit := 0
		if f.limitGiven {
			limit = f.Limit
		}
		rows, err = t.loadPerParent(ctx, foreign, in, del, order, limit, f.Skip)
	} else {
		// Every related row of every parent, or a refusal: an include is never cut short.
		var q string
		var args []any
		if q, args, err = t.selectSQL(ctx, in, del, order, MaxIncluded+1, 0, false); err == nil {
			rows, err = t.query(ctx, false, q, args)
		}
	}
	if err != nil {
		return nil, w.explain(err)
	}
	if len(rows) > MaxIncluded {
		return nil, errs.Field(strings.TrimSuffix(loc, ".scope"), fmt.Sprintf("matches more than %d related rows for these parents: ask for fewer parents (limit) or give the include a scope with a limit per parent", MaxIncluded), nil)
	}
	shape := *f
	if len(shape.Fields) > 0 && !slices.Contains(shape.Fields, foreign.Name) {
		// The parent rows are matched on the foreign field, so it is always returned.
		shape.Fields = append(append([]string{}, shape.Fields...), foreign.Name)
	}
	if i := slices.Index(shape.Omit, foreign.Name); i >= 0 {
		shape.Omit = slices.Delete(slices.Clone(shape.Omit), i, i+1)
	}
	return t.shape(ctx, rows, &shape, loc, depth)
}

// loadPerParent loads, for each value of the foreign field matched by in, the related rows from
// skip to skip+limit in order (every one past skip when limit is 0): a window over the foreign
// field, the same SQL on both dialects. At most MaxIncluded+1 rows are read, so that the caller
// can refuse a page past the bound.
func (t *Table[T]) loadPerParent(ctx context.Context, foreign Field, in Clause, del Deleted, order string, limit, skip int) ([]T, error) {
	cond, args, err := t.conds(ctx, del)
	if err != nil {
		return nil, err
	}
	fk := quoteIdent(foreign.Column)
	window := "bana_rank > ?"
	args = append(args, in.Args...)
	args = append(args, skip)
	if limit > 0 {
		window += " AND bana_rank <= ?"
		args = append(args, skip+limit)
	}
	q := "SELECT " + t.m.columns + " FROM (SELECT " + t.m.columns + ", ROW_NUMBER() OVER (PARTITION BY " + fk + " ORDER BY " + order +
		") AS bana_rank FROM " + t.m.table + " WHERE " + cond + " AND (" + in.SQL + ")) ranked WHERE " + window + " ORDER BY " +
		fk + ", bana_rank LIMIT " + strconv.Itoa(MaxIncluded+1)
	return t.query(ctx, false, t.db.Rebind(q), args)
}

// project turns rows into JSON objects holding only fields (all visible fields when empty),
// less the omitted ones.
func (t *Table[T]) project(rows []T, fields, omit []string, loc string) ([]Row, error) {
	for i, name := range fields {
		if f, ok := t.m.fields[name]; !ok || f.Hidden {
			return nil, errs.Field(fmt.Sprintf("%s[%d]", loc, i), "unknown field "+name, name)
		}
	}
	for _, name := range omit {
		// A hidden field ({"password": false}, IGNIS's example) is never returned anyway.
		if _, ok := t.m.fields[name]; !ok {
			return nil, errs.Field(loc+"."+name, "unknown field "+name, name)
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
		for _, f := range omit {
			delete(m, f)
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
	return t.shape(ctx, rows, f, "query.filter", 1)
}

// shape applies f's fields and include to rows; loc names f in errors, depth is the include
// level of f's includes.
func (t *Table[T]) shape(ctx context.Context, rows []T, f *Filter, loc string, depth int) ([]Row, error) {
	if f == nil {
		f = &Filter{}
	}
	out, err := t.project(rows, f.Fields, f.Omit, loc+".fields")
	if err != nil {
		return nil, err
	}
	if len(f.Include) > 0 && depth > MaxIncludeDepth {
		return nil, errs.Field(loc+".include", fmt.Sprintf("nests includes deeper than %d levels", MaxIncludeDepth), nil)
	}
	for i, inc := range f.Include {
		iloc := fmt.Sprintf("%s.include[%d]", loc, i)
		rel, ok := t.relations[inc.Relation]
		if !ok {
			return nil, errs.Field(iloc+".relation", "unknown relation (have: "+strings.Join(t.Relations(), ", ")+")", inc.Relation)
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
			related, err = rel.target.loadIn(ctx, foreign, values, inc, iloc+".scope", depth+1)
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
