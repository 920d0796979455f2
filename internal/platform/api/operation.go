package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
)

// Register adds an operation that requires req of its caller. The requirement is enforced before
// the handler runs and shown in the OpenAPI document (security, x-bana-auth and the
// description); the handler's errors go through Server.Error.
func Register[I, O any](s *Server, op huma.Operation, req auth.Requirement, h func(context.Context, *I) (*O, error)) {
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	if req.Public {
		op.Security = []map[string][]string{}
		op.Extensions["x-bana-auth"] = map[string]any{"public": true}
	} else {
		op.Security = []map[string][]string{{"bearer": {}}, {"basic": {}}}
		ext := map[string]any{}
		var words []string
		if len(req.Roles) > 0 {
			names := make([]string, len(req.Roles))
			for i, r := range req.Roles {
				names[i] = r.String()
			}
			ext["roles"] = names
			words = append(words, "roles "+strings.Join(names, ", "))
		}
		if req.Permission != "" {
			ext["permission"] = req.Permission
			words = append(words, "permission `"+req.Permission+"`")
		}
		op.Extensions["x-bana-auth"] = ext
		if len(words) > 0 {
			op.Description = strings.TrimSpace(op.Description + "\n\nRequires " + strings.Join(words, " and ") + ".")
		} else {
			op.Description = strings.TrimSpace(op.Description + "\n\nRequires authentication.")
		}
		op.Errors = appendUnique(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
	}
	op.Errors = appendUnique(op.Errors, http.StatusBadRequest)
	op.Middlewares = append(op.Middlewares, s.authenticate(req))
	if op.MaxBodyBytes == 0 && s.opts.MaxBodyBytes > 0 {
		op.MaxBodyBytes = s.opts.MaxBodyBytes
	}
	huma.Register(s.API, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return out, nil
	})
}

func appendUnique(list []int, codes ...int) []int {
	for _, c := range codes {
		found := false
		for _, x := range list {
			found = found || x == c
		}
		if !found {
			list = append(list, c)
		}
	}
	return list
}

// authenticate reads credentials (when present, even on public operations, so handlers can see
// who calls) and enforces the requirement.
func (s *Server) authenticate(req auth.Requirement) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		var p *auth.Principal
		if s.Auth != nil {
			var err error
			p, err = s.Auth.Authenticate(ctx.Context(), ctx.Header("Authorization"))
			if err != nil {
				if req.Public && errs.KindOf(err) == errs.Unauthorized {
					p = nil
				} else {
					s.writeErr(ctx, err)
					return
				}
			}
		}
		if why := req.Check(p); why != "" {
			if p == nil {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="bana", Basic realm="bana"`)
				s.writeErr(ctx, errs.New(errs.Unauthorized, why))
				return
			}
			s.writeErr(ctx, errs.New(errs.Forbidden, why))
			return
		}
		if p != nil {
			ctx = huma.WithContext(ctx, auth.WithPrincipal(ctx.Context(), p))
		}
		next(ctx)
	}
}

func (s *Server) writeErr(ctx huma.Context, err error) {
	e := s.Error(ctx.Context(), err)
	se, ok := e.(huma.StatusError)
	if !ok {
		se = huma.Error500InternalServerError(fmt.Sprint(e))
	}
	_ = huma.WriteErr(s.API, ctx, se.GetStatus(), se.Error(), unwrapDetails(se)...)
}

func unwrapDetails(se huma.StatusError) []error {
	if m, ok := se.(*huma.ErrorModel); ok {
		out := make([]error, len(m.Errors))
		for i, d := range m.Errors {
			out[i] = d
		}
		return out
	}
	return nil
}
