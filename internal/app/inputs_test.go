package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

// TestHostileInputs sends every text field of every POST, PUT and PATCH route of the OpenAPI
// document a NUL byte, a lone surrogate, a backslash-terminated pattern and a megabyte, and every
// integer field 2^63-1 and -2^63, as the owner of the demo café (so that ids in the bodies are
// real and the requests reach the modules), and asserts that none is answered with a 5xx and
// that every out-of-bounds integer is a 400 naming its field. The
// routes come from the document, so a new module's routes are covered without new code.
func TestHostileInputs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		seed, err := e.App.SeedDemo(t.Context(), app.DemoOptions{Password: "cafe-demo-2026"})
		if err != nil {
			t.Fatal(err)
		}
		owner := e.Token(&auth.Principal{UserID: 7, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: seed.OrganizerID,
			Permissions: []string{"*"}, Kind: auth.KindUser})
		known := knownIDs(seed)
		var doc openAPIDoc
		e.Must(200, apptest.Request{Method: "GET", Path: "/doc/openapi.json"}).JSON(t, &doc)

		type route struct{ method, path string }
		var routes []route
		for p, item := range doc.Paths {
			for m := range item {
				if m == "post" || m == "put" || m == "patch" {
					routes = append(routes, route{strings.ToUpper(m), p})
				}
			}
		}
		sort.Slice(routes, func(i, j int) bool { return routes[i].path+routes[i].method < routes[j].path+routes[j].method })

		sent, bodies, bounded := 0, 0, 0
		for _, r := range routes {
			op := doc.Paths[r.path][strings.ToLower(r.method)]
			schema := doc.resolve(op.bodySchema())
			// rowFields: the body is a CRUD patch of one row, which takes any of the row's fields
			// (a patch of every match, PATCH /x?where=, is refused first for its missing where).
			rowFields := len(schema.Properties) == 0 && r.method == "PATCH"
			if rowFields {
				schema = doc.resolve(op.responseSchema())
			}
			path := r.path
			for _, p := range op.Parameters {
				if p.In == "path" {
					path = strings.ReplaceAll(path, "{"+p.Name+"}", pathValue(p.Name, known))
				}
			}
			base := doc.example(schema, "", known, 0)
			leaves := doc.leaves(schema, nil, 0)
			if len(leaves) > 0 {
				bodies++
			}
			send := func(what string, body any) *apptest.Response {
				t.Helper()
				sent++
				res := e.Do(apptest.Request{Method: r.method, Path: path, Token: owner, Body: body,
					Headers: map[string]string{"Idempotency-Key": fmt.Sprintf("hostile-%d", sent)}})
				if res.Status >= 500 {
					t.Errorf("%s %s with %s: %d %s", r.method, r.path, what, res.Status, res.Body)
				}
				return res
			}
			bigSent := false
			for _, l := range leaves {
				switch l.kind {
				case "string":
					for name, v := range map[string]string{"a NUL byte": "a\x00b", "a lone surrogate": "x@LONE@y", "a trailing backslash": `50%\`} {
						// A lone surrogate cannot live in a Go string: the escape is written into the JSON.
						send(l.at()+" = "+name, strings.Replace(mustJSON(t, with(base, l.path, v)), "@LONE@", `\ud800`, 1))
					}
					if !bigSent {
						bigSent = true
						send(l.at()+" = a megabyte", mustJSON(t, with(base, l.path, strings.Repeat("a", 1<<20))))
					}
				case "integer":
					// Every integer is bounded (money.MaxAmount unless the field declares less:
					// docs/decisions/0012-money-bounds.md), so both extremes are a 400 naming it.
					for name, v := range map[string]int64{"2^63-1": math.MaxInt64, "-2^63": math.MinInt64} {
						res := send(l.at()+" = "+name, mustJSON(t, with(base, l.path, v)))
						// Where the body is not read, there is nothing to assert: a route the owner
						// may not call (403), a provider's callback refusing the owner's token
						// (401), a patch of every match without its where.
						if res.Status == 401 || res.Status == 403 || (r.method == "PATCH" && !strings.Contains(r.path, "{")) {
							continue
						}
						if !namesField(res, l.at()) {
							t.Errorf("%s %s with %s = %s: %d, want a 400 naming it: %.300s", r.method, r.path, l.at(), name, res.Status, res.Body)
						}
						bounded++
					}
				}
			}
		}
		if len(routes) < 100 || bodies < 80 {
			t.Fatalf("only %d write routes (%d with fields) found in the OpenAPI document", len(routes), bodies)
		}
		t.Logf("%d write routes, %d with body fields, %d hostile requests (%d integers out of bounds, each a 400 naming the field)", len(routes), bodies, sent, bounded)
	})
}

// namesField reports whether res is a 400 whose problem names the field at loc.
func namesField(res *apptest.Response, loc string) bool {
	var p struct {
		Errors []struct{ Location string } `json:"errors"`
	}
	if res.Status != 400 || json.Unmarshal(res.Body, &p) != nil {
		return false
	}
	for _, e := range p.Errors {
		if e.Location == loc {
			return true
		}
	}
	return false
}

// knownIDs maps id field names to real rows of the demo café, so that bodies reach the rules.
func knownIDs(s *app.DemoSeed) map[string]string {
	k := map[string]string{
		"merchantId": s.MerchantID.String(), "organizerId": s.OrganizerID.String(), "locationId": s.LocationID.String(),
		"fromLocationId": s.LocationID.String(), "toLocationId": s.LocationID.String(), "shiftId": s.ShiftID.String(),
		"variantId": s.Catalog.Variants["CF-SUA"].String(), "productId": s.Catalog.Products["CF-SUA"].String(),
		"categoryId": s.Catalog.Categories["CAFE"].String(), "stationId": s.Catalog.Stations["BAR"].String(),
		"groupId": s.Catalog.Groups["SIZE"].String(), "employeeId": s.Staff[0].EmployeeID.String(),
	}
	return k
}

func pathValue(name string, known map[string]string) string {
	if v, ok := known[name]; ok {
		return v
	}
	return id.ID(1).String()
}

// with returns a copy of body with the value at path (keys, or "[0]" for an array's item) set.
func with(body any, path []string, v any) any {
	if len(path) == 0 {
		return v
	}
	switch b := body.(type) {
	case map[string]any:
		out := make(map[string]any, len(b))
		for k, x := range b {
			out[k] = x
		}
		out[path[0]] = with(b[path[0]], path[1:], v)
		return out
	case []any:
		out := append([]any{}, b...)
		if len(out) == 0 {
			out = append(out, nil)
		}
		out[0] = with(out[0], path[1:], v)
		return out
	}
	if path[0] == "[0]" {
		return []any{with(nil, path[1:], v)}
	}
	return map[string]any{path[0]: with(nil, path[1:], v)}
}

func mustJSON(t *testing.T, v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// The part of OpenAPI 3.1 the test reads.
type openAPIDoc struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]*jsonSchema `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *jsonSchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema *jsonSchema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

func (o openAPIOp) bodySchema() *jsonSchema {
	if o.RequestBody == nil {
		return nil
	}
	return o.RequestBody.Content["application/json"].Schema
}

func (o openAPIOp) responseSchema() *jsonSchema {
	for _, code := range []string{"200", "201"} {
		if r, ok := o.Responses[code]; ok {
			return r.Content["application/json"].Schema
		}
	}
	return nil
}

type jsonSchema struct {
	Ref        string                 `json:"$ref"`
	Type       any                    `json:"type"` // "string" or ["array", "null"]
	Properties map[string]*jsonSchema `json:"properties"`
	Items      *jsonSchema            `json:"items"`
	Required   []string               `json:"required"`
	Enum       []any                  `json:"enum"`
	Minimum    *float64               `json:"minimum"`
	MinLength  *int                   `json:"minLength"`
	ReadOnly   bool                   `json:"readOnly"`
}

func (s *jsonSchema) is(kind string) bool {
	switch t := s.Type.(type) {
	case string:
		return t == kind
	case []any:
		for _, x := range t {
			if x == kind {
				return true
			}
		}
	}
	return false
}

func (d *openAPIDoc) resolve(s *jsonSchema) *jsonSchema {
	for s != nil && s.Ref != "" {
		s = d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	if s == nil {
		return &jsonSchema{}
	}
	return s
}

// example builds a plausible value of the schema: required properties and those with a known
// id, enums' first value, minimums, one item per array.
func (d *openAPIDoc) example(s *jsonSchema, name string, known map[string]string, depth int) any {
	s = d.resolve(s)
	switch {
	case depth > 4:
		return nil
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.is("object") || len(s.Properties) > 0:
		out := map[string]any{}
		for p, ps := range s.Properties {
			_, isKnown := known[p]
			if isKnown || containsString(s.Required, p) {
				out[p] = d.example(ps, p, known, depth+1)
			}
		}
		return out
	case s.is("array"):
		return []any{d.example(s.Items, strings.TrimSuffix(name, "s")+"Id", known, depth+1)}
	case s.is("integer"), s.is("number"):
		if s.Minimum != nil && *s.Minimum > 1 {
			return int64(*s.Minimum)
		}
		return 1
	case s.is("boolean"):
		return true
	case s.is("string"):
		if v, ok := known[name]; ok {
			return v
		}
		if strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID") {
			return "1"
		}
		n := 1
		if s.MinLength != nil {
			n = max(n, *s.MinLength)
		}
		return strings.Repeat("A", n)
	}
	return nil
}

type leaf struct {
	path []string
	kind string
}

func (l leaf) at() string {
	return "body." + strings.ReplaceAll(strings.Join(l.path, "."), ".[0]", "[0]")
}

// leaves lists the string and integer fields of a schema, with their paths (arrays: item 0).
func (d *openAPIDoc) leaves(s *jsonSchema, path []string, depth int) []leaf {
	s = d.resolve(s)
	if depth > 4 || s.ReadOnly {
		return nil
	}
	var out []leaf
	switch {
	case len(s.Properties) > 0:
		names := make([]string, 0, len(s.Properties))
		for p := range s.Properties {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			out = append(out, d.leaves(s.Properties[p], append(append([]string{}, path...), p), depth+1)...)
		}
	case s.is("array") && s.Items != nil:
		out = append(out, d.leaves(s.Items, append(append([]string{}, path...), "[0]"), depth+1)...)
	case s.is("integer"):
		out = append(out, leaf{path, "integer"})
	case s.is("string") && len(s.Enum) == 0:
		out = append(out, leaf{path, "string"})
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Text PostgreSQL cannot store, or a pattern it cannot run, is a 400 naming the field on both
// databases, with no credentials needed to find out (it once was a 500 from sign-up).
func TestTextRule(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.AdminToken()
		cases := []struct {
			name, method, path, token, body, loc string
		}{
			{"NUL in sign-up", "POST", "/auth/sign-up", "", `{"identifier":"nul@example.com","password":"long-enough-pw-1","displayName":"a\u0000b"}`, "body.displayName"},
			{"lone surrogate in sign-up", "POST", "/auth/sign-up", "", `{"identifier":"sur@example.com","password":"long-enough-pw-1","displayName":"a\ud800b"}`, "body.displayName"},
			{"NUL in a filter value", "GET", "/products?filter=" + url.QueryEscape(`{"where":{"name":"a`+"\x00"+`b"}}`), admin, "", "query.filter"},
			{"NUL in a path", "GET", "/products/1%00", admin, "", "path"},
			{"pattern ending in a backslash", "GET", "/products?filter=" + url.QueryEscape(`{"where":{"name":{"like":"\\"}}}`), admin, "", "query.filter.where.name.like"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req := apptest.Request{Method: c.method, Path: c.path, Token: c.token}
				if c.body != "" {
					req.Body = c.body
				}
				r := e.Do(req)
				var p struct {
					Errors []struct{ Location string } `json:"errors"`
				}
				if r.Status != 400 {
					t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
				}
				r.JSON(t, &p)
				if len(p.Errors) != 1 || p.Errors[0].Location != c.loc {
					t.Fatalf("errors %+v, want one at %s: %s", p.Errors, c.loc, r.Body)
				}
			})
		}
	})
}
