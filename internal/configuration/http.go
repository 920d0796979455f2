package configuration

import (
	"context"
	"net/http"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

// revealOut is the plaintext of a SECRET setting.
type revealOut struct {
	Body struct {
		Code  string `json:"code"`
		Value string `json:"value"`
	}
}

// revealRoute registers POST /configurations/{id}/reveal: the plaintext of a SECRET the caller
// may read, for PermReveal only; 409 (ErrNotSecret) for a setting of another type.
func (m *Module) revealRoute(s *api.Server) {
	api.Register(s, huma.Operation{OperationID: "reveal-configuration", Method: http.MethodPost,
		Path: "/configurations/{id}/reveal", Tags: []string{"Configurations"},
		Summary: "Open a sealed SECRET value", Errors: []int{404, 409}},
		auth.Requirement{Permission: PermReveal},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*revealOut, error) {
			rid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			row, err := m.table.Get(ctx, rid, query.ExcludeDeleted)
			if err != nil {
				return nil, err
			}
			pt, err := m.open(row)
			if err != nil {
				return nil, err
			}
			out := &revealOut{}
			out.Body.Code, out.Body.Value = row.Code, pt
			return out, nil
		})
}
