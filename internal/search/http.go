package search

import (
	"context"
	"net/http"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/danielgtaylor/huma/v2"
)

// searchIn is GET /search/{collection}'s input.
type searchIn struct {
	Collection string `path:"collection" enum:"products,organizers,merchants,categories,devices,sale-channels" doc:"The collection searched"`
	Q          string `query:"q" maxLength:"200" doc:"Free text: words folded (ca phe finds Cà phê), prefixes matched, typos forgiven in words of 4+ letters; a barcode or SKU matches exactly"`
	Filter     string `query:"filter" maxLength:"4000" doc:"A where object of the filter language: {\"status\":\"ACTIVE\",\"price\":{\"between\":[10000,50000]}}; operators eq, neq, gt, gte, lt, lte, between, inq, nin, and, or"`
	Facets     string `query:"facets" maxLength:"200" doc:"Comma-separated fields to count values of, e.g. status,categoryId"`
	Sort       string `query:"sort" maxLength:"200" doc:"Comma-separated fields; -price or price:desc descending. Default: relevance with q, else the collection's order"`
	Page       int    `query:"page" minimum:"1" maximum:"1000" doc:"Page, from 1"`
	Limit      int    `query:"limit" minimum:"1" maximum:"250" doc:"Hits per page (default 20)"`
}

func (m *Module) routes(s *api.Server) {
	api.Register(s, huma.Operation{OperationID: "search-collection", Method: http.MethodGet, Path: "/search/{collection}",
		Tags: []string{"Search"}, Summary: "Search a collection within the caller's tenant", Errors: []int{400, 403, 404, 503},
		Description: "Free text, the filter language, facets, sort and pages over products, organizers, merchants, categories, " +
			"devices or sale-channels. The caller's organizer (and an employee's merchants) confine every search, whatever the " +
			"filter says. Each collection needs the permission that reads its rows: catalog.read (products, categories, " +
			"sale-channels), merchant.read, device.read, organizer.read."},
		auth.Requirement{Permission: PermRead}, func(ctx context.Context, in *searchIn) (*struct{ Body *SearchResult }, error) {
			res, err := m.Search(ctx, in.Collection, Params{Q: in.Q, Filter: in.Filter, Facets: in.Facets, Sort: in.Sort,
				Page: in.Page, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			return &struct{ Body *SearchResult }{Body: res}, nil
		})
}
