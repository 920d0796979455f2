package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/danielgtaylor/huma/v2"
)

func TestSchemaNames(t *testing.T) {
	type signInBody struct{ A string }
	type OpenShiftRequest struct{ A string }
	type refundOutBody struct{ A string }
	type Category struct{ A string }
	type anon = struct{ A string }
	for _, c := range []struct {
		t    reflect.Type
		hint string
		want string
	}{
		{reflect.TypeFor[anon](), "add-order-itemsRequest", "AddOrderItemsInput"},
		{reflect.TypeFor[anon](), "delete-purchase-order-itemResponse", "DeletePurchaseOrderItemResult"},
		{reflect.TypeFor[anon](), "CheckoutInBody", "CheckoutInput"},
		{reflect.TypeFor[anon](), "RevealOutBody", "RevealResult"},
		{reflect.TypeFor[*anon](), "CountBodyBody", "CountBody"},
		{reflect.TypeFor[signInBody](), "sign-inRequest", "SignInInput"},
		{reflect.TypeFor[signInBody](), "SomeParentBody", "SignInInput"},
		{reflect.TypeFor[OpenShiftRequest](), "open-shiftRequest", "OpenShiftInput"},
		{reflect.TypeFor[refundOutBody](), "", "RefundResult"},
		{reflect.TypeFor[Category](), "create-categoryRequest", "Category"},
		{reflect.TypeFor[*Category](), "", "Category"},
		{reflect.TypeFor[string](), "x", "String"},
	} {
		t.Run(c.want, func(t *testing.T) {
			if got := schemaName(c.t, c.hint); got != c.want {
				t.Errorf("schemaName(%s, %q) = %s, want %s", c.t, c.hint, got, c.want)
			}
		})
	}
}

func TestSchemaNamerRefusesTwoTypesForOneName(t *testing.T) {
	type A struct{ X int }
	n := newSchemaNamer()
	n.Name(reflect.TypeFor[A](), "")
	n.Name(reflect.TypeFor[*A](), "") // the same type again
	defer func() {
		if recover() == nil {
			t.Fatal("two anonymous types named by one hint were accepted")
		}
	}()
	n.Name(reflect.TypeFor[struct{ Y int }](), "a-opRequest")
	n.Name(reflect.TypeFor[struct{ Z int }](), "a-opRequest")
}

func TestParseDocTag(t *testing.T) {
	for _, c := range []struct {
		in   string
		want docTag
		bad  bool
	}{
		{in: "", want: docTag{}},
		{in: "required", want: docTag{required: true}},
		{in: "required; enum=A,B_C", want: docTag{required: true, enum: []string{"A", "B_C"}}},
		{in: "schema=Quote", want: docTag{schema: "Quote"}},
		{in: "requird", bad: true},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseDocTag(c.in)
			if (err != nil) != c.bad {
				t.Fatalf("error %v", err)
			}
			if !c.bad && !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// A body described by openapi tags: validation stays huma's (lenient), the document says what
// the handler enforces.
type widgetBody struct {
	ID     string   `json:"id,omitempty" readOnly:"true"`
	Name   string   `json:"name,omitempty" openapi:"required"`
	Kind   string   `json:"kind,omitempty" openapi:"enum=SMALL,LARGE"`
	Tags   []string `json:"tags,omitempty"`
	Extras []string `json:"extras,omitempty" nullable:"true"`
	Raw    any      `json:"raw,omitempty" openapi:"schema=Widget"`
}

type Widget struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func TestDescribedDocument(t *testing.T) {
	s := New(Options{Title: "t", Version: "1", BasePath: "/api", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	type out struct{ Body Widget }
	var got widgetBody
	Register(s, huma.Operation{OperationID: "make-widget", Method: http.MethodPost, Path: "/widgets/{id}", Tags: []string{"Widgets"}},
		auth.Requirement{Public: true}, func(ctx context.Context, in *struct {
			ID    string `path:"id"`
			Token string `query:"token" openapi:"required"`
			Body  widgetBody
		}) (*out, error) {
			got = in.Body
			return &out{Body: Widget{ID: in.ID, Name: in.Body.Name}}, nil
		})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	res, err := http.Get(srv.URL + "/api/doc/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
		Tags []map[string]any `json:"tags"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	op := doc.Paths["/widgets/{id}"]["post"]
	ref := asObject(asObject(asObject(asObject(op["requestBody"])["content"])["application/json"])["schema"])["$ref"]
	if ref != "#/components/schemas/MakeWidgetInputWrite" {
		t.Fatalf("body %v", ref)
	}
	in := doc.Components.Schemas["MakeWidgetInputWrite"]
	props := asObject(in["properties"])
	if props["id"] != nil {
		t.Error("the read-only id is in the input schema")
	}
	if !slices.Equal(in["required"].([]any), []any{"name"}) {
		t.Errorf("required %v", in["required"])
	}
	if !slices.Equal(asObject(props["kind"])["enum"].([]any), []any{"SMALL", "LARGE"}) {
		t.Errorf("kind %v", props["kind"])
	}
	if asObject(props["tags"])["type"] != "array" || !slices.Equal(asObject(props["extras"])["type"].([]any), []any{"array", "null"}) {
		t.Errorf("tags %v, extras %v", props["tags"], props["extras"])
	}
	if asObject(props["raw"])["$ref"] != "#/components/schemas/Widget" {
		t.Errorf("raw %v", props["raw"])
	}
	params := op["parameters"].([]any)
	if p := asObject(params[1]); p["name"] != "token" || p["required"] != true {
		t.Errorf("token %v", p)
	}
	errors := asObject(op["responses"])
	if errors["404"] == nil {
		t.Error("a path with {id} declares no 404")
	}
	if len(doc.Tags) != 1 || doc.Tags[0]["name"] != "Widgets" {
		t.Errorf("tags %v", doc.Tags)
	}

	// Validation is huma's, unchanged: the body without name, with another kind and a read-only
	// id reaches the handler, which answers for itself.
	res, err = http.Post(srv.URL+"/api/widgets/7?token=x", "application/json", strings.NewReader(`{"id":"9","kind":"HUGE","tags":null}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || got.Kind != "HUGE" {
		t.Fatalf("status %d, body %+v", res.StatusCode, got)
	}

	for _, variant := range []string{"openapi.yaml", "openapi-3.0.json", "openapi-3.0.yaml"} {
		res, err := http.Get(srv.URL + "/api/doc/" + variant)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), "MakeWidgetInputWrite") {
			t.Errorf("%s: %d %.200s", variant, res.StatusCode, b)
		}
		if strings.Contains(variant, "3.0") && !strings.Contains(string(b), "3.0.3") {
			t.Errorf("%s is not OpenAPI 3.0: %.200s", variant, b)
		}
	}
}
