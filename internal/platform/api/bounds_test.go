package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
)

type boundLine struct {
	Quantity int64  `json:"quantity" minimum:"1" maximum:"1000000"`
	UnitCost *int64 `json:"unitCost,omitempty" minimum:"0"`
}

type boundBody struct {
	Amount   int64       `json:"amount"`
	Position int         `json:"position,omitempty"`
	Lines    []boundLine `json:"lines,omitempty"`
}

// Every integer of a request body is bounded by the platform (10^12 in size) unless its field
// declares a narrower range, which is kept; the refusal is a 400 naming the field.
func TestIntegerBodiesAreBounded(t *testing.T) {
	s := New(Options{Title: "t", Version: "1", BasePath: "/api", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	Register(s, huma.Operation{OperationID: "bounded", Method: http.MethodPost, Path: "/bounded"}, auth.Requirement{Public: true},
		func(_ context.Context, in *struct{ Body boundBody }) (*struct{}, error) { return &struct{}{}, nil })
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	cases := []struct {
		name, body string
		loc        string // "": accepted
	}{
		{"in bounds", `{"amount":1000000000000,"position":-1000000000000,"lines":[{"quantity":1000000,"unitCost":1000000000000}]}`, ""},
		{"amount 2^63-1", `{"amount":9223372036854775807}`, "body.amount"},
		{"amount -2^63", `{"amount":-9223372036854775808}`, "body.amount"},
		{"an int past the bound", `{"amount":1,"position":1000000000001}`, "body.position"},
		{"a declared maximum is kept", `{"amount":1,"lines":[{"quantity":1000001}]}`, "body.lines[0].quantity"},
		{"a declared minimum gets the maximum", `{"amount":1,"lines":[{"quantity":1,"unitCost":9223372036854775807}]}`, "body.lines[0].unitCost"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := http.Post(srv.URL+"/api/bounded", "application/json", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var p struct {
				Errors []struct{ Location string } `json:"errors"`
			}
			_ = json.NewDecoder(res.Body).Decode(&p)
			if c.loc == "" {
				if res.StatusCode >= 300 {
					t.Fatalf("status %d: %+v", res.StatusCode, p)
				}
				return
			}
			if res.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Location != c.loc {
				t.Fatalf("status %d, errors %+v; want one 400 at %s", res.StatusCode, p.Errors, c.loc)
			}
		})
	}
	// The OpenAPI document shows the bounds.
	amount := s.API.OpenAPI().Components.Schemas.Map()["BoundedInput"].Properties["amount"]
	if amount == nil || amount.Maximum == nil || *amount.Maximum != 1e12 || amount.Minimum == nil || *amount.Minimum != -1e12 {
		t.Fatalf("amount's schema: %+v", amount)
	}
}

func TestCheckPatchNumbers(t *testing.T) {
	cases := []struct {
		name string
		body map[string]any
		loc  string
	}{
		{"in bounds", map[string]any{"price": 1e12, "position": -3.0, "name": "x"}, ""},
		{"too large", map[string]any{"price": float64(math.MaxInt64)}, "body.price"},
		{"too small, deep", map[string]any{"options": []any{map[string]any{"price": 1.0}, map[string]any{"price": -1e13}}}, "body.options[1].price"},
		{"a json.Number", map[string]any{"unitCost": json.Number("9223372036854775807")}, "body.unitCost"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkPatchNumbers("body", c.body)
			if c.loc == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*errs.E)
			if !ok || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != c.loc {
				t.Fatalf("%#v, want a 400 at %s", err, c.loc)
			}
		})
	}
}
