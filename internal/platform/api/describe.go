package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/yaml"
)

// The served OpenAPI document is a description, built once from huma's and separate from the
// schemas that validate requests. Huma derives both from the Go types, and modules keep some
// checks out of the schemas on purpose (an absent required field, a value outside an
// enumeration): their own validation answers 400 with a message naming the field, treats "" as
// the default, and so on. Changing huma's schemas would change those answers; the description
// says what the server does without changing it:
//
//   - create, replace and patch bodies get their own schemas, without the fields the server
//     fills or ignores (<Row>Create, <Row>Replace, <Row>Patch, and <Schema>Input, or
//     <Schema>Write for a name that ends in Input, for another body with read-only fields);
//   - struct tags that huma does not read describe what a module's own validation enforces:
//     `openapi:"required"` (the server refuses the request without the field or parameter),
//     `openapi:"enum=A,B,C"` (it refuses any other value), `openapi:"schema=Quote"` (the raw
//     JSON field holds that component); options are separated by ";";
//   - arrays are not nullable unless the field says `nullable:"true"` (huma marks every slice
//     nullable, since a nil slice encodes as null);
//   - an inline enumeration whose generated Go name (schema + property) is also a component's
//     name becomes a component of its own (<Schema><Property>Enum);
//   - the operations' tags are declared.
//
// The document test (describe_test.go) and the client check (clients/check.sh) hold it to this.

type jsonObject = map[string]any

const schemaPrefix = "#/components/schemas/"

// described is what Register and RegisterCRUD record of an operation for the description.
type described struct {
	input reflect.Type // the operation's input struct (parameters and Body)
	crud  *crudBody    // set for the create, replace and patch routes of RegisterCRUD
}

// crudBody is the body of a CRUD write route: the row's schema less the fields a client does
// not send.
type crudBody struct {
	row  string          // the row's component name
	kind string          // Create, Replace or Patch
	drop map[string]bool // JSON fields the server fills or keeps
}

// Document returns the OpenAPI 3.1 document the server serves, as JSON. It is built on the
// first call, which must come after every module registered its operations.
func (s *Server) Document() ([]byte, error) {
	s.docOnce.Do(func() { s.doc, s.docErr = s.describe() })
	return s.doc, s.docErr
}

func (s *Server) describe() ([]byte, error) {
	raw, err := json.Marshal(s.API.OpenAPI())
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc jsonObject
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	components, _ := doc["components"].(jsonObject)
	schemas, _ := components["schemas"].(jsonObject)
	if schemas == nil {
		return nil, errors.New("api: the OpenAPI document has no schemas")
	}
	d := &describer{doc: doc, schemas: schemas, reg: s.API.OpenAPI().Components.Schemas, ops: s.described}
	for _, step := range []func() error{d.fields, d.bodies, d.params, d.enums, d.tags} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return json.Marshal(doc)
}

type describer struct {
	doc     jsonObject
	schemas jsonObject
	reg     huma.Registry
	ops     map[string]described
}

// docTag is a parsed `openapi:"..."` struct tag.
type docTag struct {
	required bool
	enum     []string
	schema   string
}

func parseDocTag(s string) (docTag, error) {
	var t docTag
	for opt := range strings.SplitSeq(s, ";") {
		opt = strings.TrimSpace(opt)
		key, value, _ := strings.Cut(opt, "=")
		switch key {
		case "":
		case "required":
			t.required = true
		case "enum":
			t.enum = strings.Split(value, ",")
		case "schema":
			t.schema = value
		default:
			return t, fmt.Errorf("unknown option %q", opt)
		}
	}
	return t, nil
}

// eachField calls fn for every JSON field of struct type t, embedded structs' fields included.
func eachField(t reflect.Type, fn func(f reflect.StructField, name string) error) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if err := eachField(f.Type, fn); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if err := fn(f, name); err != nil {
			return err
		}
	}
	return nil
}

// fields applies the struct tags of each component's Go type to its properties.
func (d *describer) fields() error {
	for _, name := range sortedKeys(d.schemas) {
		sc, _ := d.schemas[name].(jsonObject)
		props, _ := sc["properties"].(jsonObject)
		t := d.reg.TypeFromRef(schemaPrefix + name)
		if t == nil || props == nil {
			continue
		}
		err := eachField(t, func(f reflect.StructField, field string) error {
			prop, _ := props[field].(jsonObject)
			if prop == nil {
				return nil
			}
			if f.Tag.Get("nullable") != "true" {
				nonNullArray(prop)
			}
			tag, err := parseDocTag(f.Tag.Get("openapi"))
			if err != nil {
				return fmt.Errorf("api: %s.%s: openapi tag: %w", t, f.Name, err)
			}
			if tag.required && !slices.Contains(requiredOf(sc), field) {
				sc["required"] = append(anySlice(sc["required"]), field)
			}
			if len(tag.enum) > 0 {
				setEnum(prop, tag.enum)
			}
			if tag.schema != "" {
				if _, ok := d.schemas[tag.schema]; !ok {
					return fmt.Errorf("api: %s.%s: openapi tag names schema %s, which the document lacks", t, f.Name, tag.schema)
				}
				ref := jsonObject{"$ref": schemaPrefix + tag.schema}
				if desc, ok := prop["description"]; ok {
					ref["description"] = desc
				}
				props[field] = ref
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// nonNullArray makes an array schema (or a schema whose items are one) non-nullable.
func nonNullArray(s jsonObject) {
	if types, ok := s["type"].([]any); ok && len(types) == 2 && types[0] == "array" && types[1] == "null" {
		s["type"] = "array"
	}
}

func setEnum(prop jsonObject, values []string) {
	target := prop
	if prop["type"] == "array" {
		if items, ok := prop["items"].(jsonObject); ok {
			target = items
		}
	}
	enum := make([]any, len(values))
	for i, v := range values {
		enum[i] = v
	}
	if types, ok := target["type"].([]any); ok && slices.Contains(types, any("null")) {
		enum = append(enum, nil)
	}
	target["enum"] = enum
}

// bodies points every request body at the schema of what a client sends.
func (d *describer) bodies() error {
	return d.eachOperation(func(path, method string, op jsonObject) error {
		media := requestMedia(op)
		if media == nil {
			return nil
		}
		meta := d.ops[stringOf(op["operationId"])]
		if c := meta.crud; c != nil {
			name := c.row + c.kind
			if _, ok := d.schemas[name]; !ok {
				row, _ := d.schemas[c.row].(jsonObject)
				if row == nil {
					return fmt.Errorf("api: %s %s: no schema %s", method, path, c.row)
				}
				d.schemas[name] = input(row, c.drop, c.kind == "Patch", describeBody(c))
			}
			media["schema"] = jsonObject{"$ref": schemaPrefix + name}
			return nil
		}
		ref := stringOf(asObject(media["schema"])["$ref"])
		if ref == "" {
			return nil
		}
		base := strings.TrimPrefix(ref, schemaPrefix)
		sc, _ := d.schemas[base].(jsonObject)
		if !hasReadOnly(sc) {
			return nil
		}
		name := base + "Input"
		if strings.HasSuffix(base, "Input") {
			name = base + "Write"
		}
		if _, ok := d.schemas[name]; !ok {
			d.schemas[name] = input(sc, nil, false, "")
		}
		media["schema"] = jsonObject{"$ref": schemaPrefix + name}
		return nil
	})
}

func describeBody(c *crudBody) string {
	switch c.kind {
	case "Create":
		return "The fields of a new " + c.row + " (those the server fills are left out)."
	case "Replace":
		return "The fields of a " + c.row + " that a replace sets (those the server fills or keeps are left out)."
	}
	return "Some fields of a " + c.row + ": those named change, the others keep their values."
}

// input is a copy of row without the dropped and read-only properties; a patch requires none.
func input(row jsonObject, drop map[string]bool, patch bool, desc string) jsonObject {
	out := deepCopy(row).(jsonObject)
	props, _ := out["properties"].(jsonObject)
	for name, p := range props {
		if drop[name] || asObject(p)["readOnly"] == true {
			delete(props, name)
		}
	}
	var required []any
	for _, r := range requiredOf(out) {
		if _, ok := props[r]; ok && !patch {
			required = append(required, r)
		}
	}
	delete(out, "required")
	if len(required) > 0 {
		out["required"] = required
	}
	if desc != "" {
		out["description"] = desc
	}
	return out
}

func hasReadOnly(sc jsonObject) bool {
	for _, p := range asObject(sc["properties"]) {
		if asObject(p)["readOnly"] == true {
			return true
		}
	}
	return false
}

// params marks the parameters whose field says `openapi:"required"`.
func (d *describer) params() error {
	return d.eachOperation(func(path, method string, op jsonObject) error {
		meta := d.ops[stringOf(op["operationId"])]
		if meta.input == nil {
			return nil
		}
		return eachParam(meta.input, func(f reflect.StructField, in, name string) error {
			tag, err := parseDocTag(f.Tag.Get("openapi"))
			if err != nil {
				return fmt.Errorf("api: %s %s: parameter %s: openapi tag: %w", method, path, name, err)
			}
			for _, p := range anySlice(op["parameters"]) {
				po := asObject(p)
				if po["in"] != in || po["name"] != name {
					continue
				}
				if tag.required {
					po["required"] = true
				}
				if len(tag.enum) > 0 {
					setEnum(asObject(po["schema"]), tag.enum)
				}
			}
			return nil
		})
	})
}

// eachParam calls fn for every parameter field of an input struct (embedded structs included).
func eachParam(t reflect.Type, fn func(f reflect.StructField, in, name string) error) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := eachParam(f.Type, fn); err != nil {
				return err
			}
			continue
		}
		for _, in := range []string{"path", "query", "header", "cookie"} {
			if v := f.Tag.Get(in); v != "" {
				name, _, _ := strings.Cut(v, ",")
				if err := fn(f, in, name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// enums gives an inline enumeration a component of its own when a generator would name its type
// like an existing component: oapi-codegen names the type of Merchant.type "MerchantType",
// which is also the merchant types' row.
func (d *describer) enums() error {
	for _, name := range sortedKeys(d.schemas) {
		props := asObject(asObject(d.schemas[name])["properties"])
		for _, field := range sortedKeys(props) {
			prop := asObject(props[field])
			if _, ok := prop["enum"]; !ok {
				continue
			}
			if _, clash := d.schemas[name+camel(field)]; !clash {
				continue
			}
			enumName := name + camel(field) + "Enum"
			own := jsonObject{}
			ref := jsonObject{"$ref": schemaPrefix + enumName}
			for k, v := range prop {
				switch k {
				case "description", "readOnly", "writeOnly", "default", "examples":
					ref[k] = v
				default:
					own[k] = v
				}
			}
			if prev, ok := d.schemas[enumName]; ok && !reflect.DeepEqual(prev, own) {
				return fmt.Errorf("api: two enumerations want the schema name %s", enumName)
			}
			d.schemas[enumName] = own
			props[field] = ref
		}
	}
	return nil
}

// tags declares every tag the operations use.
func (d *describer) tags() error {
	seen := map[string]bool{}
	err := d.eachOperation(func(path, method string, op jsonObject) error {
		for _, t := range anySlice(op["tags"]) {
			seen[stringOf(t)] = true
		}
		return nil
	})
	var tags []any
	for _, t := range slices.Sorted(maps.Keys(seen)) {
		tags = append(tags, jsonObject{"name": t})
	}
	d.doc["tags"] = tags
	return err
}

func (d *describer) eachOperation(fn func(path, method string, op jsonObject) error) error {
	paths := asObject(d.doc["paths"])
	for _, p := range sortedKeys(paths) {
		item := asObject(paths[p])
		for _, m := range sortedKeys(item) {
			op := asObject(item[m])
			if op == nil {
				continue
			}
			if err := fn(p, m, op); err != nil {
				return err
			}
		}
	}
	return nil
}

func requestMedia(op jsonObject) jsonObject {
	return asObject(asObject(asObject(op["requestBody"])["content"])["application/json"])
}

func asObject(v any) jsonObject {
	o, _ := v.(jsonObject)
	return o
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

func requiredOf(sc jsonObject) []string {
	var out []string
	for _, r := range anySlice(sc["required"]) {
		out = append(out, stringOf(r))
	}
	return out
}

func sortedKeys(m jsonObject) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case jsonObject:
		out := make(jsonObject, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// serveDocs serves the described document as JSON and YAML, in OpenAPI 3.1 and 3.0, where huma
// would serve its own.
func (s *Server) serveDocs(prefix string) {
	type variant struct {
		suffix, contentType string
		render              func([]byte) ([]byte, error)
	}
	toYAML := func(b []byte) ([]byte, error) {
		var buf bytes.Buffer
		err := yaml.Convert(&buf, bytes.NewReader(b))
		return buf.Bytes(), err
	}
	// Huma's downgrade to 3.0 works on the JSON of an OpenAPI value, whose Extensions are
	// written over its fields: an empty value carrying the described document gives the
	// described document downgraded.
	downgrade := func(b []byte) ([]byte, error) {
		var doc jsonObject
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, err
		}
		return (&huma.OpenAPI{OpenAPI: "3.1.0", Extensions: doc}).Downgrade()
	}
	for _, v := range []variant{
		{".json", "application/openapi+json", func(b []byte) ([]byte, error) { return b, nil }},
		{".yaml", "application/openapi+yaml", toYAML},
		{"-3.0.json", "application/openapi+json", downgrade},
		{"-3.0.yaml", "application/openapi+yaml", func(b []byte) ([]byte, error) {
			j, err := downgrade(b)
			if err != nil {
				return nil, err
			}
			return toYAML(j)
		}},
	} {
		s.Mux.HandleFunc("GET "+prefix+"/doc/openapi"+v.suffix, func(w http.ResponseWriter, r *http.Request) {
			doc, err := s.Document()
			if err == nil {
				doc, err = v.render(doc)
			}
			if err != nil {
				s.log.ErrorContext(r.Context(), "openapi document", "error", err)
				http.Error(w, "the OpenAPI document cannot be built", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", v.contentType)
			_, _ = w.Write(doc)
		})
	}
}
