package query

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/banapos/bana/internal/platform/id"
)

// Tenant names the JSON fields that carry a row's organizer and merchant. A resource with a
// Tenant is confined to the caller's scope by every operation of its Table.
type Tenant struct {
	Organizer string // e.g. "organizerId"
	Merchant  string // e.g. "merchantId"; may be empty
}

// meta is what a Table knows of its row type: columns, JSON names, kinds and where they sit in
// the struct. It is read once from the bun and json struct tags.
type meta struct {
	table   string
	fields  map[string]Field // by JSON name
	order   []string         // JSON names in struct order
	index   map[string][]int // JSON name -> struct field index
	columns string           // SELECT list
}

var (
	timeType = reflect.TypeFor[time.Time]()
	idType   = reflect.TypeFor[id.ID]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

func readMeta(t reflect.Type) (*meta, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("query: %s is not a struct", t)
	}
	m := &meta{fields: map[string]Field{}, index: map[string][]int{}}
	var cols []string
	var walk func(t reflect.Type, prefix []int) error
	walk = func(t reflect.Type, prefix []int) error {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			idx := append(append([]int{}, prefix...), i)
			btag := sf.Tag.Get("bun")
			if sf.Type.Name() == "BaseModel" {
				for _, part := range strings.Split(btag, ",") {
					if name, ok := strings.CutPrefix(part, "table:"); ok {
						m.table = name
					}
				}
				continue
			}
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct && btag == "" {
				if err := walk(sf.Type, idx); err != nil {
					return err
				}
				continue
			}
			if !sf.IsExported() || btag == "-" || strings.HasPrefix(btag, "rel:") || strings.Contains(btag, ",rel:") {
				continue
			}
			col, _, _ := strings.Cut(btag, ",")
			if col == "" {
				col = snake(sf.Name)
			}
			jname, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			hidden := jname == "-"
			if jname == "" || hidden {
				jname = lowerFirst(sf.Name)
			}
			kind, elem := kindOf(sf.Type)
			f := Field{Name: jname, Column: col, Kind: kind, Elem: elem, Hidden: hidden}
			if enum := sf.Tag.Get("enum"); enum != "" {
				f.Enum = strings.Split(enum, ",")
			}
			m.fields[jname] = f
			m.order = append(m.order, jname)
			m.index[jname] = idx
			cols = append(cols, quoteIdent(col))
		}
		return nil
	}
	if err := walk(t, nil); err != nil {
		return nil, err
	}
	if m.table == "" {
		return nil, fmt.Errorf("query: %s has no bun.BaseModel with a table: tag", t)
	}
	if _, ok := m.fields["id"]; !ok {
		return nil, fmt.Errorf("query: %s has no id field", t)
	}
	m.columns = strings.Join(cols, ", ")
	return m, nil
}

// kindOf returns the kind of a field of type t and, for an Array, the kind of its elements. A
// slice of scalars is an Array (stored as a JSON array); a map, a struct or raw JSON is JSON.
func kindOf(t reflect.Type) (Kind, Kind) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == idType:
		return ID, 0
	case t == timeType:
		return Time, 0
	case t == rawType:
		return JSON, 0
	}
	switch t.Kind() {
	case reflect.String:
		return String, 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return Int, 0
	case reflect.Float32, reflect.Float64:
		return Float, 0
	case reflect.Bool:
		return Bool, 0
	case reflect.Slice:
		if e := t.Elem(); e != idType && e != timeType && e.Kind() != reflect.Uint8 {
			if k, _ := kindOf(e); k == String || k == Int || k == Float || k == Bool {
				return Array, k
			}
		}
	}
	return JSON, 0
}

func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	if s == "ID" {
		return "id"
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// get returns the value of the JSON field name in row (a pointer to struct).
func (m *meta) get(row reflect.Value, name string) reflect.Value {
	return row.Elem().FieldByIndex(m.index[name])
}

// set assigns v (of the field's type or its element type) to the JSON field name.
func (m *meta) set(row reflect.Value, name string, v any) {
	idx, ok := m.index[name]
	if !ok {
		return
	}
	f := row.Elem().FieldByIndex(idx)
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		f.Set(reflect.Zero(f.Type()))
		return
	}
	if f.Kind() == reflect.Pointer && rv.Kind() != reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		p.Elem().Set(rv.Convert(f.Type().Elem()))
		f.Set(p)
		return
	}
	f.Set(rv.Convert(f.Type()))
}

// dbValue returns the bindable value of a field (IDs as int64, pointers dereferenced).
func dbValue(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Type() == idType {
		return v.Int()
	}
	return v.Interface()
}
