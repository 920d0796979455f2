package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

// Route names one CRUD route.
type Route string

// The routes of CONVENTIONS.md.
const (
	RouteFind     Route = "find"
	RouteCount    Route = "count"
	RouteFindOne  Route = "findOne"
	RouteGet      Route = "findById"
	RouteCreate   Route = "create"
	RouteReplace  Route = "replaceById"
	RoutePatch    Route = "updateById"
	RouteUpdateBy Route = "updateBy"
	RouteDelete   Route = "deleteById"
	RouteDeleteBy Route = "deleteBy"
	RouteRestore  Route = "restoreById"
)

// CRUD describes the routes of one resource.
type CRUD[T any] struct {
	Table    *query.Table[T]
	Path     string // "/configurations"
	Tag      string // OpenAPI tag
	Singular string // "configuration"
	// Permission prefix: reads need "<p>.read", writes "<p>.write", deletes "<p>.delete".
	Permission string
	// Auth overrides the requirement of a route.
	Auth map[Route]auth.Requirement
	// Disable switches routes off.
	Disable []Route
	// Validate checks a row before it is created or saved (isNew tells which); when nil, a *T
	// that implements Validator checks itself.
	Validate func(ctx context.Context, row *T, isNew bool) error
	// Output rewrites a row before it is returned (redaction).
	Output func(ctx context.Context, row *T)
	// Create replaces the default create (for aggregates and side effects).
	Create func(ctx context.Context, row *T) error
}

// Validator is a row type that checks itself: a CRUD resource without a Validate function uses
// the row's own Validate before every create and save.
type Validator interface {
	Validate(ctx context.Context, isNew bool) error
}

// FilterParam is the ?filter= parameter of list and get routes.
type FilterParam struct {
	Filter  string `query:"filter" doc:"IGNIS filter as JSON: {\"where\":{...},\"fields\":[...],\"order\":[\"createdAt DESC\"],\"limit\":10,\"skip\":0,\"include\":[...]}"`
	Deleted string `query:"deleted" enum:"exclude,include,only" default:"exclude" doc:"Soft-deleted rows: exclude (default), include, or only them. Admins only."`
}

// WhereParam is the ?where= parameter of count, updateBy and deleteBy.
type WhereParam struct {
	Where string `query:"where" doc:"IGNIS where clause as JSON"`
}

// IDParam is the {id} path parameter.
type IDParam struct {
	ID string `path:"id" doc:"Row id (decimal string)"`
}

// Count is the answer of count, and BANA's answer of updateBy, deleteById and deleteBy.
type Count struct {
	Count int64 `json:"count" doc:"How many rows match (count) or changed (updateBy, deleteBy)"`
}

type countOut struct {
	Body Count
}

// ParseID reads an id that a client sent (a decimal string) at loc ("path.id",
// "query.merchantId"), or returns a 400 naming loc. Every module parses ids with it.
func ParseID(loc, s string) (id.ID, error) {
	v, err := id.Parse(s)
	if err != nil || v <= 0 {
		return 0, errs.Field(loc, "must be a decimal id", s)
	}
	return v, nil
}

// PathID reads the {id} path parameter.
func PathID(s string) (id.ID, error) { return ParseID("path.id", s) }

func deletedParam(ctx context.Context, v string) (query.Deleted, error) {
	switch v {
	case "", "exclude":
		return query.ExcludeDeleted, nil
	}
	if p := auth.From(ctx); p == nil || !p.IsAdmin() {
		return 0, errs.New(errs.Forbidden, "only admins may read deleted rows")
	}
	if v == "only" {
		return query.OnlyDeleted, nil
	}
	return query.IncludeDeleted, nil
}

// firstOf returns the first row of a shaped list ([]T, or []query.Row when the filter asks for
// fields or includes).
func firstOf(list any, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return reflect.ValueOf(list).Index(0).Interface(), nil
}

// RegisterCRUD adds the resource's routes to s.
func RegisterCRUD[T any](s *Server, c CRUD[T]) {
	off := map[Route]bool{}
	for _, r := range c.Disable {
		off[r] = true
	}
	req := func(r Route, action string) auth.Requirement {
		if x, ok := c.Auth[r]; ok {
			return x
		}
		return auth.Requirement{Permission: c.Permission + "." + action}
	}
	name := c.Singular
	title := strings.ToUpper(name[:1]) + name[1:]
	tags := []string{c.Tag}
	// shape redacts rows and, only when the filter asks for fields or includes, turns them into
	// JSON objects; plain lists are encoded straight from the structs.
	shape := func(ctx context.Context, rows []T, f *query.Filter) (any, error) {
		if c.Output != nil {
			for i := range rows {
				c.Output(ctx, &rows[i])
			}
		}
		if !f.Shaped() {
			return rows, nil
		}
		return c.Table.Shape(ctx, rows, f)
	}
	one := func(ctx context.Context, row *T) (any, error) {
		out, err := shape(ctx, []T{*row}, nil)
		if err != nil {
			return nil, err
		}
		return out.([]T)[0], nil
	}
	// many redacts rows that a write answers (IGNIS's updateBy and deleteBy).
	many := func(ctx context.Context, rows []T) ([]T, error) {
		if rows == nil {
			rows = []T{}
		}
		out, err := shape(ctx, rows, nil)
		if err != nil {
			return nil, err
		}
		return out.([]T), nil
	}
	// answer turns a row (or the error of getting it) into the shape the request asked for.
	answer := func(sh shaping, status int) func(row any, err error) (*shaped, error) {
		return func(row any, err error) (*shaped, error) {
			if err != nil {
				return sh.missing(err)
			}
			return sh.object(row, status), nil
		}
	}
	registry := s.API.OpenAPI().Components.Schemas
	rowSchema := registry.Schema(reflect.TypeFor[T](), true, "")
	jsonOf := func(sc *huma.Schema) map[string]*huma.MediaType {
		return map[string]*huma.MediaType{"application/json": {Schema: sc}}
	}
	listResp := map[string]*huma.Response{"200": {Description: "The matching rows (fields and include applied)",
		Content: jsonOf(&huma.Schema{Type: "array", Items: rowSchema})}}
	countResp := map[string]*huma.Response{"200": {Description: "How many rows (IGNIS shape: {count, data} with the rows)",
		Content: jsonOf(registry.Schema(reflect.TypeFor[Count](), true, ""))}}
	oneResp := func(code string) map[string]*huma.Response {
		return map[string]*huma.Response{code: {Description: title, Content: jsonOf(rowSchema)}}
	}
	// What a client sends: the row less what the server fills (id, timestamps, computed
	// fields) on create, less also what it keeps (the tenant, Options.ReadOnly) on update.
	rowName := strings.TrimPrefix(rowSchema.Ref, schemaPrefix)
	onCreate, onUpdate := map[string]bool{}, map[string]bool{}
	for field := range c.Table.Fields() {
		switch {
		case field == "id" || field == "createdAt" || field == "updatedAt" || field == "deletedAt" || c.Table.Computed(field):
			onCreate[field], onUpdate[field] = true, true
		case c.Table.ReadOnly(field):
			onUpdate[field] = true
		}
	}
	body := func(opID, kind string, drop map[string]bool) {
		if d, ok := s.described[opID]; ok {
			d.crud = &crudBody{row: rowName, kind: kind, drop: drop}
			s.described[opID] = d
		}
	}
	defer func() {
		body("create-"+name, "Create", onCreate)
		body("replace-"+name, "Replace", onUpdate)
		body("update-"+name, "Patch", onUpdate)
		body("update-by-"+name, "Patch", onUpdate)
	}()
	validate := func(ctx context.Context, row *T, isNew bool) error {
		if c.Validate != nil {
			return c.Validate(ctx, row, isNew)
		}
		if v, ok := any(row).(Validator); ok {
			return v.Validate(ctx, isNew)
		}
		return nil
	}

	if !off[RouteFind] {
		Register(s, huma.Operation{OperationID: "find-" + name, Method: http.MethodGet, Path: c.Path, Tags: tags,
			Summary: "List " + name + " rows", Responses: listResp},
			req(RouteFind, "read"), func(ctx context.Context, in *struct {
				FilterParam
				ShapeParam
			}) (*shaped, error) {
				f, err := query.ParseFilter(in.Filter, "query.filter")
				if err != nil {
					return nil, err
				}
				del, err := deletedParam(ctx, in.Deleted)
				if err != nil {
					return nil, err
				}
				rows, err := c.Table.Find(ctx, f, del)
				if err != nil {
					return nil, err
				}
				out, err := shape(ctx, rows, f)
				if err != nil {
					return nil, err
				}
				sh := s.shaping(in.ShapeParam)
				res := sh.array(out, len(rows))
				if sh.ignis {
					total, err := c.Table.Count(ctx, f.Where, del)
					if err != nil {
						return nil, err
					}
					res.ContentRange = contentRange(f.Skip, len(rows), total)
				}
				return res, nil
			})
	}
	if !off[RouteCount] {
		Register(s, huma.Operation{OperationID: "count-" + name, Method: http.MethodGet, Path: c.Path + "/count", Tags: tags,
			Summary: "Count " + name + " rows"},
			req(RouteCount, "read"), func(ctx context.Context, in *WhereParam) (*countOut, error) {
				w, err := query.ParseWhere(in.Where, "query.where")
				if err != nil {
					return nil, err
				}
				n, err := c.Table.Count(ctx, w, query.ExcludeDeleted)
				if err != nil {
					return nil, err
				}
				out := &countOut{}
				out.Body.Count = n
				return out, nil
			})
	}
	if !off[RouteFindOne] {
		Register(s, huma.Operation{OperationID: "find-one-" + name, Method: http.MethodGet, Path: c.Path + "/find-one", Tags: tags,
			Summary: "First " + name + " matching a filter", Responses: oneResp("200"), Errors: []int{404}},
			req(RouteFindOne, "read"), func(ctx context.Context, in *struct {
				FilterParam
				ShapeParam
			}) (*shaped, error) {
				f, err := query.ParseFilter(in.Filter, "query.filter")
				if err != nil {
					return nil, err
				}
				f.Limit = 1
				rows, err := c.Table.Find(ctx, f, query.ExcludeDeleted)
				if err != nil {
					return nil, err
				}
				sh := s.shaping(in.ShapeParam)
				if len(rows) == 0 {
					return sh.missing(errs.Wrap(errs.NotFound, "no "+name+" matches the filter", errs.ErrNotFound))
				}
				return answer(sh, 200)(firstOf(shape(ctx, rows, f)))
			})
	}
	if !off[RouteGet] {
		Register(s, huma.Operation{OperationID: "get-" + name, Method: http.MethodGet, Path: c.Path + "/{id}", Tags: tags,
			Summary: "Get a " + name, Responses: oneResp("200"), Errors: []int{404}},
			req(RouteGet, "read"), func(ctx context.Context, in *struct {
				IDParam
				FilterParam
				ShapeParam
			}) (*shaped, error) {
				rid, err := PathID(in.ID)
				if err != nil {
					return nil, err
				}
				f, err := query.ParseFilter(in.Filter, "query.filter")
				if err != nil {
					return nil, err
				}
				del, err := deletedParam(ctx, in.Deleted)
				if err != nil {
					return nil, err
				}
				row, err := c.Table.Get(ctx, rid, del)
				if err != nil {
					return s.shaping(in.ShapeParam).missing(err)
				}
				return answer(s.shaping(in.ShapeParam), 200)(firstOf(shape(ctx, []T{*row}, f)))
			})
	}
	if !off[RouteCreate] {
		Register(s, huma.Operation{OperationID: "create-" + name, Method: http.MethodPost, Path: c.Path, Tags: tags,
			Summary: "Create a " + name, DefaultStatus: http.StatusCreated, Responses: oneResp("201"), Errors: []int{409, 422}},
			req(RouteCreate, "write"), func(ctx context.Context, in *struct {
				ShapeParam
				Body T
			}) (*shaped, error) {
				row := &in.Body
				c.Table.ClearComputed(row)
				if err := validate(ctx, row, true); err != nil {
					return nil, err
				}
				create := c.Table.Create
				if c.Create != nil {
					create = c.Create
				}
				if err := create(ctx, row); err != nil {
					return nil, err
				}
				out, err := one(ctx, row)
				if err != nil {
					return nil, err
				}
				return s.shaping(in.ShapeParam).object(out, http.StatusCreated), nil
			})
	}
	if !off[RouteReplace] {
		Register(s, huma.Operation{OperationID: "replace-" + name, Method: http.MethodPut, Path: c.Path + "/{id}", Tags: tags,
			Summary: "Replace a " + name, Responses: oneResp("200"), Errors: []int{404, 409, 422}},
			req(RouteReplace, "write"), func(ctx context.Context, in *struct {
				IDParam
				ShapeParam
				Body T
			}) (*shaped, error) {
				rid, err := PathID(in.ID)
				if err != nil {
					return nil, err
				}
				row, err := c.Table.Update(ctx, rid, func(ctx context.Context, row *T) error {
					*row = in.Body
					return validate(ctx, row, false)
				})
				sh := s.shaping(in.ShapeParam)
				if err != nil {
					return sh.missing(err)
				}
				return answer(sh, 200)(one(ctx, row))
			})
	}
	patch := func(body map[string]any) (func(context.Context, *T) error, error) {
		if err := checkPatchNumbers("body", body); err != nil {
			return nil, err
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, errs.Field("body", "is not a JSON object", nil)
		}
		return func(ctx context.Context, row *T) error {
			if err := c.Table.Merge(row, raw); err != nil {
				return err
			}
			return validate(ctx, row, false)
		}, nil
	}
	if !off[RoutePatch] {
		Register(s, huma.Operation{OperationID: "update-" + name, Method: http.MethodPatch, Path: c.Path + "/{id}", Tags: tags,
			Summary: "Change some fields of a " + name, Responses: oneResp("200"), Errors: []int{404, 409, 422}},
			req(RoutePatch, "write"), func(ctx context.Context, in *struct {
				IDParam
				ShapeParam
				Body map[string]any
			}) (*shaped, error) {
				rid, err := PathID(in.ID)
				if err != nil {
					return nil, err
				}
				fn, err := patch(in.Body)
				if err != nil {
					return nil, err
				}
				row, err := c.Table.Update(ctx, rid, fn)
				sh := s.shaping(in.ShapeParam)
				if err != nil {
					return sh.missing(err)
				}
				return answer(sh, 200)(one(ctx, row))
			})
	}
	if !off[RouteUpdateBy] {
		Register(s, huma.Operation{OperationID: "update-by-" + name, Method: http.MethodPatch, Path: c.Path, Tags: tags,
			Summary: "Change some fields of every " + name + " matching where", Responses: countResp, Errors: []int{409, 422}},
			req(RouteUpdateBy, "write"), func(ctx context.Context, in *struct {
				WhereParam
				ShapeParam
				Body map[string]any
			}) (*shaped, error) {
				w, err := query.ParseWhere(in.Where, "query.where")
				if err != nil {
					return nil, err
				}
				if len(w) == 0 {
					return nil, errs.Field("query.where", "is required: an update of every row is refused", nil)
				}
				fn, err := patch(in.Body)
				if err != nil {
					return nil, err
				}
				rows, err := c.Table.UpdateWhereRows(ctx, w, fn)
				if err != nil {
					return nil, err
				}
				sh := s.shaping(in.ShapeParam)
				if !sh.ignis {
					return &shaped{Status: 200, Body: Count{Count: int64(len(rows))}}, nil
				}
				out, err := many(ctx, rows)
				if err != nil {
					return nil, err
				}
				return sh.array(out, len(out)), nil
			})
	}
	type HardParam struct { //nolint:unused // embedded by huma inputs
		Hard bool `query:"hard" doc:"Remove the row for good instead of soft-deleting it (admins only)"`
	}
	hardOK := func(ctx context.Context, hard bool) error {
		if hard {
			if p := auth.From(ctx); p == nil || !p.HasRole(auth.SuperAdmin, auth.Admin) {
				return errs.New(errs.Forbidden, "only admins may hard-delete")
			}
		}
		return nil
	}
	if !off[RouteDelete] {
		Register(s, huma.Operation{OperationID: "delete-" + name, Method: http.MethodDelete, Path: c.Path + "/{id}", Tags: tags,
			Summary: "Delete a " + name + " (soft unless hard=true)", Responses: countResp, Errors: []int{404}},
			req(RouteDelete, "delete"), func(ctx context.Context, in *struct {
				IDParam
				HardParam
				ShapeParam
			}) (*shaped, error) {
				rid, err := PathID(in.ID)
				if err != nil {
					return nil, err
				}
				if err := hardOK(ctx, in.Hard); err != nil {
					return nil, err
				}
				sh := s.shaping(in.ShapeParam)
				if !sh.ignis {
					if err := c.Table.Delete(ctx, rid, in.Hard); err != nil {
						return nil, err
					}
					return &shaped{Status: 200, Body: Count{Count: 1}}, nil
				}
				row, err := c.Table.DeleteRow(ctx, rid, in.Hard)
				if err != nil {
					return sh.missing(err)
				}
				return answer(sh, 200)(one(ctx, row))
			})
	}
	if !off[RouteDeleteBy] {
		Register(s, huma.Operation{OperationID: "delete-by-" + name, Method: http.MethodDelete, Path: c.Path, Tags: tags,
			Summary: "Delete every " + name + " matching where", Responses: countResp},
			req(RouteDeleteBy, "delete"), func(ctx context.Context, in *struct {
				WhereParam
				HardParam
				ShapeParam
			}) (*shaped, error) {
				w, err := query.ParseWhere(in.Where, "query.where")
				if err != nil {
					return nil, err
				}
				if len(w) == 0 {
					return nil, errs.Field("query.where", "is required: a delete of every row is refused", nil)
				}
				if err := hardOK(ctx, in.Hard); err != nil {
					return nil, err
				}
				sh := s.shaping(in.ShapeParam)
				if !sh.ignis {
					n, err := c.Table.DeleteWhere(ctx, w, in.Hard)
					if err != nil {
						return nil, err
					}
					return &shaped{Status: 200, Body: Count{Count: n}}, nil
				}
				rows, err := c.Table.DeleteWhereRows(ctx, w, in.Hard)
				if err != nil {
					return nil, err
				}
				out, err := many(ctx, rows)
				if err != nil {
					return nil, err
				}
				return sh.array(out, len(out)), nil
			})
	}
	if !off[RouteRestore] && c.Table.SoftDeletes() {
		Register(s, huma.Operation{OperationID: "restore-" + name, Method: http.MethodPost, Path: c.Path + "/{id}/restore", Tags: tags,
			Summary: "Undo the soft delete of a " + name, Responses: oneResp("200"), Errors: []int{404, 409}},
			req(RouteRestore, "delete"), func(ctx context.Context, in *struct {
				IDParam
				ShapeParam
			}) (*shaped, error) {
				rid, err := PathID(in.ID)
				if err != nil {
					return nil, err
				}
				row, err := c.Table.Restore(ctx, rid)
				sh := s.shaping(in.ShapeParam)
				if err != nil {
					return sh.missing(err)
				}
				return answer(sh, 200)(one(ctx, row))
			})
	}
}
