package api

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/danielgtaylor/huma/v2"
)

// Operation is one operation a Server serves, as Register recorded it: what the authorization
// matrix test (internal/app/matrix_test.go) walks, so that every route of every module is checked
// for its requirement without a list kept by hand.
type Operation struct {
	ID          string // the OpenAPI operationId
	Method      string // GET, POST, ...
	Path        string // as documented, below the base path: "/sale-orders/{id}/checkout"
	Tags        []string
	Requirement auth.Requirement // enforced before the handler runs
}

// Operations lists every operation registered with Register, in registration order.
func (s *Server) Operations() []Operation { return slices.Clone(s.ops) }

// Register adds an operation that requires req of its caller. The requirement is enforced before
// the handler runs and shown in the OpenAPI document (security, x-bana-auth and the
// description); the handler's errors go through Server.Error. The server records the operation
// (Operations).
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
	input := reflect.TypeFor[I]()
	if strings.Contains(op.Path, "{") {
		op.Errors = appendUnique(op.Errors, http.StatusNotFound) // a path names a row that may not exist
	}
	if takesIdempotencyKey(input) {
		op.Errors = appendUnique(op.Errors, http.StatusConflict) // the same key with another request
	}
	slices.Sort(op.Errors)
	op.Middlewares = append(op.Middlewares, s.authenticate(req))
	if op.MaxBodyBytes == 0 && s.opts.MaxBodyBytes > 0 {
		op.MaxBodyBytes = s.opts.MaxBodyBytes
	}
	if s.opts.MaxBodyBytes > 0 && op.MaxBodyBytes > s.opts.MaxBodyBytes {
		// An operation that reads its body as a stream (BodyStream), with its own limit.
		s.streams.Handle(op.Method+" "+s.opts.BasePath+op.Path, streamBody(op.MaxBodyBytes)) // as humago registers it
	}
	huma.Register(s.API, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return out, nil
	})
	s.described[op.OperationID] = described{input: input}
	s.boundBody(op.Method, op.Path)
	s.ops = append(s.ops, Operation{ID: op.OperationID, Method: op.Method, Path: op.Path, Tags: slices.Clone(op.Tags),
		Requirement: auth.Requirement{Public: req.Public, Roles: slices.Clone(req.Roles), Permission: req.Permission}})
}

// takesIdempotencyKey reports whether an operation's input has the Idempotency-Key header.
func takesIdempotencyKey(t reflect.Type) bool {
	found := false
	_ = eachParam(t, func(_ reflect.StructField, in, name string) error {
		found = found || (in == "header" && strings.EqualFold(name, "Idempotency-Key"))
		return nil
	})
	return found
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
