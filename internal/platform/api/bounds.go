package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/danielgtaylor/huma/v2"
)

// One bound for numbers, on every route, before any module sees them: an integer of a request
// body whose field declares no maximum may be at most money.MaxAmount (10^12), and one that
// declares no minimum at least -money.MaxAmount, so that 2^63-1 in any field is a 400 naming it
// (docs/decisions/0012-money-bounds.md). A field with a narrower range declares it with huma's
// minimum and maximum tags (quantities: money.MaxQuantity). The OpenAPI document shows the
// bounds. CRUD patches, whose bodies are free-form, are checked by checkPatchNumbers.

// boundBody applies the bound to the request body of the operation just registered.
func (s *Server) boundBody(method, path string) {
	item := s.API.OpenAPI().Paths[path]
	if item == nil {
		return
	}
	var op *huma.Operation
	switch method {
	case http.MethodPost:
		op = item.Post
	case http.MethodPut:
		op = item.Put
	case http.MethodPatch:
		op = item.Patch
	}
	if op == nil || op.RequestBody == nil {
		return
	}
	reg := s.API.OpenAPI().Components.Schemas
	seen := map[*huma.Schema]bool{}
	for _, mt := range op.RequestBody.Content {
		boundIntegers(reg, mt.Schema, seen)
	}
}

// boundIntegers gives every integer of the schema, through references, properties, items and
// combinations, the platform's bound where it declares none.
func boundIntegers(reg huma.Registry, sc *huma.Schema, seen map[*huma.Schema]bool) {
	if sc == nil || seen[sc] {
		return
	}
	seen[sc] = true
	if sc.Ref != "" {
		boundIntegers(reg, reg.SchemaFromRef(sc.Ref), seen)
		return
	}
	if sc.Type == huma.TypeInteger {
		changed := false
		if sc.Maximum == nil && sc.ExclusiveMaximum == nil {
			hi := float64(money.MaxAmount)
			sc.Maximum, changed = &hi, true
		}
		if sc.Minimum == nil && sc.ExclusiveMinimum == nil {
			lo := -float64(money.MaxAmount)
			sc.Minimum, changed = &lo, true
		}
		if changed {
			sc.PrecomputeMessages()
		}
	}
	for _, p := range sc.Properties {
		boundIntegers(reg, p, seen)
	}
	boundIntegers(reg, sc.Items, seen)
	if ap, ok := sc.AdditionalProperties.(*huma.Schema); ok {
		boundIntegers(reg, ap, seen)
	}
	for _, list := range [][]*huma.Schema{sc.OneOf, sc.AnyOf, sc.AllOf} {
		for _, x := range list {
			boundIntegers(reg, x, seen)
		}
	}
	boundIntegers(reg, sc.Not, seen)
}

// checkPatchNumbers applies the bound to a free-form CRUD patch body: a number beyond
// money.MaxAmount in size, anywhere in it, is a 400 naming where it is ("body.price"). The row's
// own validation then applies its narrower rules.
func checkPatchNumbers(at string, v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if err := checkPatchNumbers(at+"."+k, e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := checkPatchNumbers(at+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	case float64:
		return numberBound(at, x)
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return numberBound(at, f)
		}
	}
	return nil
}

// numberBound refuses a number beyond money.MaxAmount in size.
func numberBound(at string, f float64) error {
	if f > float64(money.MaxAmount) || f < -float64(money.MaxAmount) {
		limit := strconv.FormatInt(money.MaxAmount, 10)
		return errs.Field(at, "must be between -"+limit+" and "+limit, clampInt64(f))
	}
	return nil
}

// clampInt64 turns a number of a JSON body into the int64 nearest to it, for an error's value.
func clampInt64(f float64) int64 {
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}
