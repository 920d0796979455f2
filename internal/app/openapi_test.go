package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/banapos/bana/internal/app"
	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// oaDoc is the served OpenAPI document, decoded generically: the checks below walk every
// operation and schema, so a new module's routes are held to them without new code.
type oaDoc struct {
	Paths      map[string]map[string]map[string]any `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
}

func servedDocument(t *testing.T, e *apptest.Env) *oaDoc {
	t.Helper()
	raw := e.Must(200, apptest.Request{Method: "GET", Path: "/doc/openapi.json"}).Body
	var d oaDoc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func (d *oaDoc) resolve(s map[string]any) map[string]any {
	for i := 0; s != nil && i < 10; i++ {
		ref, _ := s["$ref"].(string)
		if ref == "" {
			return s
		}
		s = d.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	return s
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func (d *oaDoc) each(fn func(path, method string, op map[string]any)) {
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, m := range []string{"get", "post", "put", "patch", "delete"} {
			if op := d.Paths[p][m]; op != nil {
				fn(p, m, op)
			}
		}
	}
}

func bodyOf(op map[string]any) map[string]any {
	return obj(obj(obj(obj(op["requestBody"])["content"])["application/json"])["schema"])
}

func successOf(op map[string]any) map[string]any {
	for _, code := range []string{"200", "201", "202"} {
		if r := obj(obj(op["responses"])[code]); r != nil {
			return obj(obj(obj(r["content"])["application/json"])["schema"])
		}
	}
	return nil
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// TestOpenAPIDocument holds the served document to what generators need (issue 22): bodies
// without the fields the server fills, required lists and enumerations from the validation that
// runs, declared tags and errors, readable and distinct names.
func TestOpenAPIDocument(t *testing.T) {
	e := apptest.Start(t, dbtest.Targets(t)[0], nil)
	d := servedDocument(t, e)
	declared := map[string]bool{}
	for _, tg := range d.Tags {
		declared[tg.Name] = true
	}

	t.Run("operations", func(t *testing.T) {
		d.each(func(path, method string, op map[string]any) {
			at := strings.ToUpper(method) + " " + path
			tags, _ := op["tags"].([]any)
			if len(tags) == 0 {
				t.Errorf("%s has no tag", at)
			}
			for _, tg := range tags {
				if !declared[fmt.Sprint(tg)] {
					t.Errorf("%s: tag %v is not declared", at, tg)
				}
			}
			if strings.Contains(path, "{") && obj(op["responses"])["404"] == nil {
				t.Errorf("%s names a row in its path but declares no 404", at)
			}
			body := bodyOf(op)
			if body == nil {
				return
			}
			if body["format"] == "binary" {
				return // a raw body read as bytes (a provider's signed notification): nothing to name
			}
			if body["$ref"] == nil {
				t.Errorf("%s: the body is an inline schema, not a named one: %v", at, body)
				return
			}
			b := d.resolve(body)
			props := obj(b["properties"])
			if len(props) == 0 && method != "post" {
				t.Errorf("%s: the body %s is a free object", at, body["$ref"])
			}
			row := obj(d.resolve(successOf(op))["properties"])
			for name, p := range props {
				p := obj(p)
				switch {
				case p["readOnly"] == true:
					t.Errorf("%s: the body %s has the read-only field %s", at, body["$ref"], name)
				case name == "createdAt" || name == "updatedAt" || name == "deletedAt":
					t.Errorf("%s: the body %s has the server's timestamp %s", at, body["$ref"], name)
				case obj(row[name])["readOnly"] == true:
					t.Errorf("%s: the body %s has %s, which the answer marks read-only", at, body["$ref"], name)
				case name == "id" && method != "post":
					t.Errorf("%s: the body %s has the id, which the path names", at, body["$ref"])
				}
			}
		})
	})

	t.Run("CRUD bodies", func(t *testing.T) {
		// The create and replace bodies of a CRUD resource leave out what the server fills, and
		// require what the row requires; a patch requires nothing.
		b := d.Components.Schemas["CategoryCreate"]
		if b == nil || obj(b["properties"])["id"] != nil || !slices.Equal(strs(b["required"]), []string{"merchantId", "name"}) {
			t.Errorf("CategoryCreate: %v", b)
		}
		if p := d.Components.Schemas["CategoryPatch"]; p == nil || p["required"] != nil || obj(p["properties"])["name"] == nil {
			t.Errorf("CategoryPatch: %v", p)
		}
		if ref := bodyOf(d.Paths["/categories/{id}"]["patch"])["$ref"]; ref != "#/components/schemas/CategoryPatch" {
			t.Errorf("PATCH /categories/{id} takes %v", ref)
		}
	})

	t.Run("required", func(t *testing.T) {
		for path, want := range map[string][]string{
			"/auth/sign-in":              {"identifier", "password"},
			"/auth/pin-sign-in":          {"merchantId", "pin"},
			"/auth/change-password":      {"currentPassword", "newPassword"},
			"/auth/verify-email/confirm": {"code"},
			"/auth/sign-up":              {"password"},
			"/employees":                 {"merchantIds"},
			"/users":                     {"identifiers"},
			"/employees/{id}/pin":        {"pin"},
			"/employees/{id}/merchants":  {"merchantIds"},
		} {
			var op map[string]any
			for _, m := range []string{"post", "put"} {
				if op == nil {
					op = d.Paths[path][m]
				}
			}
			if op == nil {
				t.Errorf("no POST or PUT %s", path)
				continue
			}
			got := d.resolve(bodyOf(op))
			var req []string
			if got["required"] != nil {
				req = strs(got["required"])
			}
			for _, f := range want {
				if !slices.Contains(req, f) {
					t.Errorf("%s: the body does not require %s (required %v)", path, f, req)
				}
			}
		}
		token := false
		for _, p := range d.Paths["/auth/verify-email"]["get"]["parameters"].([]any) {
			if p := obj(p); p["name"] == "token" {
				token = p["required"] == true
			}
		}
		if !token {
			t.Error("GET /auth/verify-email: token is not required")
		}
		if obj(d.Paths["/auth/sign-in"]["post"]["responses"])["401"] == nil {
			t.Error("POST /auth/sign-in does not declare 401")
		}
	})

	t.Run("enumerations", func(t *testing.T) {
		named := map[string][]string{
			"Tender": {"method"}, "Payment": {"method"}, "FareRule": {"type", "mode", "status"}, "FareSet": {"status"},
			"FareRow": {"status"}, "TaxSet": {"status"}, "TaxRow": {"type"}, "TaxTypeRow": {"code"},
			"PromotionRow": {"kind", "level", "status"}, "Condition": {"op"}, "SignInInput": {"scheme"},
			"IdentifierInput": {"scheme"}, "SignUp": {"merchantType"}, "CreateUserInput": {"status"},
			"InventoryTracking": {"documentType"}, "Order": {"status", "type"}, "Shift": {"status"},
		}
		for schema, fields := range named {
			for _, f := range fields {
				if p := d.resolve(obj(obj(d.Components.Schemas[schema]["properties"])[f])); p["enum"] == nil {
					t.Errorf("%s.%s has no enum: %v", schema, f, p)
				}
			}
		}
		// A description that lists values ("ACTIVE (default) or INACTIVE", "PERCENT, FIXED or
		// BUY_X_GET_Y") belongs to a field with an enum.
		listing := regexp.MustCompile(`^[A-Z][A-Z0-9_]+( \([^)]*\))?(, [A-Z][A-Z0-9_]+( \([^)]*\))?)* or [A-Z][A-Z0-9_]+\b`)
		for name, s := range d.Components.Schemas {
			for field, p := range obj(s["properties"]) {
				p := obj(p)
				desc, _ := p["description"].(string)
				target := d.resolve(p)
				if items := obj(target["items"]); target["type"] == "array" {
					target = d.resolve(items)
				}
				if listing.MatchString(desc) && target["type"] == "string" && target["enum"] == nil {
					t.Errorf("%s.%s lists its values only in the description: %q", name, field, desc)
				}
			}
		}
	})

	t.Run("types", func(t *testing.T) {
		if ref := obj(obj(d.Components.Schemas["Order"]["properties"])["pricing"])["$ref"]; ref != "#/components/schemas/Quote" {
			t.Errorf("Order.pricing is %v, not the Quote", ref)
		}
		for name, s := range d.Components.Schemas {
			for field, p := range obj(s["properties"]) {
				if ty, ok := obj(p)["type"].([]any); ok && slices.Contains(ty, any("array")) {
					t.Errorf("%s.%s is a nullable array %v", name, field, ty)
				}
			}
		}
	})

	t.Run("names", func(t *testing.T) {
		// oapi-codegen's Go names: a component's, an inline enum's (schema + property), and an
		// operation's own types (<Operation>Response, Params, JSONBody, JSONRequestBody).
		goName := func(s string) string {
			var b strings.Builder
			up := true
			for _, r := range s {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					up = true
					continue
				}
				if up {
					r = unicode.ToUpper(r)
				}
				b.WriteRune(r)
				up = false
			}
			return b.String()
		}
		owner := map[string]string{}
		claim := func(name, by string) {
			if prev, ok := owner[name]; ok && prev != by {
				t.Errorf("Go name %s: %s and %s", name, prev, by)
			}
			owner[name] = by
		}
		artefact := regexp.MustCompile(`[^A-Za-z0-9]|Body|Request$|Response$`)
		for name, s := range d.Components.Schemas {
			if artefact.MatchString(name) {
				t.Errorf("schema name %s is a generator artefact", name)
			}
			claim(goName(name), "schema "+name)
			for field, p := range obj(s["properties"]) {
				if obj(p)["enum"] != nil {
					claim(goName(name)+goName(field), "enum "+name+"."+field)
				}
			}
		}
		d.each(func(path, method string, op map[string]any) {
			id := goName(fmt.Sprint(op["operationId"]))
			for _, suffix := range []string{"Response", "Params", "JSONBody", "JSONRequestBody"} {
				claim(id+suffix, "operation "+fmt.Sprint(op["operationId"]))
			}
		})
	})
}

// TestOpenAPIArraysNotNull reads every list of the demo café, and one row of each, as its
// owner and as an admin, and checks that no array the document declares non-nullable comes back
// null: the document's arrays are not nullable because the server never sends null for them.
func TestOpenAPIArraysNotNull(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		seed, err := e.App.SeedDemo(t.Context(), app.DemoOptions{Password: "cafe-demo-2026"})
		if err != nil {
			t.Fatal(err)
		}
		d := servedDocument(t, e)
		owner := e.Token(&auth.Principal{UserID: 7, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: seed.OrganizerID,
			Permissions: []string{"*"}, Kind: auth.KindUser})
		checked := 0
		var check func(at string, s map[string]any, v any, depth int)
		check = func(at string, s map[string]any, v any, depth int) {
			s = d.resolve(s)
			if s == nil || depth > 8 {
				return
			}
			if v == nil {
				if s["type"] == "array" {
					t.Errorf("%s is null; the document says a non-nullable array", at)
				}
				return
			}
			checked++
			switch x := v.(type) {
			case []any:
				for i, item := range x {
					check(fmt.Sprintf("%s[%d]", at, i), obj(s["items"]), item, depth+1)
				}
			case map[string]any:
				props := obj(s["properties"])
				for k, item := range x {
					check(at+"."+k, obj(props[k]), item, depth+1)
				}
			}
		}
		d.each(func(path, method string, op map[string]any) {
			if method != "get" || strings.Contains(path, "{") || successOf(op)["type"] != "array" {
				return
			}
			for _, token := range []string{owner, e.AdminToken()} {
				res := e.Do(apptest.Request{Method: "GET", Path: path + "?filter=" + url.QueryEscape(`{"limit":50}`), Token: token})
				if res.Status != 200 {
					continue // a list that needs parameters or another caller
				}
				var rows []any
				res.JSON(t, &rows)
				check("GET "+path, successOf(op), rows, 0)
				one := d.Paths[path+"/{id}"]["get"]
				if len(rows) == 0 || one == nil {
					continue
				}
				rid, _ := obj(rows[0])["id"].(string)
				if res := e.Do(apptest.Request{Method: "GET", Path: path + "/" + rid, Token: token}); res.Status == 200 {
					var row any
					res.JSON(t, &row)
					check("GET "+path+"/{id}", successOf(one), row, 0)
				}
			}
		})
		if checked < 1000 {
			t.Fatalf("only %d values checked: the demo's lists were not read", checked)
		}
	})
}
