package commerce

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

// resource registers the CRUD routes of one catalog table. Reads and creates come from
// api.RegisterCRUD; updates, deletes and restores are registered here with the same paths,
// operation ids and meaning, because the catalog's writes need what the generator's hooks do not
// give: the stored row next to the changed one (to keep a row in its merchant, sync a SKU, publish
// ProductChanged), and a hook on deletes (to cascade to variants and identifiers).
type resource[T any] struct {
	db    *db.DB
	table *query.Table[T]
	path  string // "/products"
	tag   string
	name  string // "product"
	perm  string // "catalog": reads need catalog.read, writes catalog.write, deletes catalog.delete
	// system fields are set by the server and ignored when sent, besides id, organizerId and the
	// timestamps. fixed fields are sent on create and never change after (merchantId, productId).
	system []string
	fixed  []string
	auth   map[api.Route]auth.Requirement
	// create validates and inserts a new row in one transaction. nil: no create route.
	create func(ctx context.Context, row *T) error
	// update validates row, the stored row after a PUT or PATCH, inside the update's
	// transaction; before is the row as stored. It may write related rows and publish events.
	// nil: no update routes.
	update func(ctx context.Context, before, row *T) error
	// remove deletes a row inside a transaction (cascades, events). nil: the table's delete.
	remove func(ctx context.Context, row *T, hard bool) error
	// restored runs after a restore, inside its transaction. noRestore switches restore off.
	restored  func(ctx context.Context, row *T) error
	noRestore bool
	noReplace bool
}

var baseSystem = []string{"id", "organizerId", "createdAt", "updatedAt", "deletedAt"}

func (r *resource[T]) requirement(rt api.Route, action string) auth.Requirement {
	if x, ok := r.auth[rt]; ok {
		return x
	}
	return auth.Requirement{Permission: r.perm + "." + action}
}

// toMap turns a row into its JSON object (numbers kept exact).
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// dropZeroIDs removes id fields holding "0": an unset id.ID marshals as "0" but only positive
// ids parse back. Id fields are those named id or ...Id, at any depth.
func dropZeroIDs(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if x == "0" && (k == "id" || strings.HasSuffix(k, "Id")) {
				delete(m, k)
			}
		case map[string]any:
			dropZeroIDs(x)
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					dropZeroIDs(em)
				}
			}
		}
	}
}

// fromMap decodes an object into a fresh T, refusing unknown fields with a 400.
func (r *resource[T]) fromMap(m map[string]any) (*T, error) {
	dropZeroIDs(m)
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, errs.Field("body", "is not a JSON object", nil)
	}
	out := new(T)
	if err := r.table.Merge(out, raw); err != nil {
		return nil, err
	}
	return out, nil
}

// clean returns row with the given fields taken from keep (or cleared when keep lacks them).
func (r *resource[T]) clean(row *T, keep map[string]any, fields ...[]string) (*T, error) {
	m, err := toMap(row)
	if err != nil {
		return nil, err
	}
	for _, list := range fields {
		for _, f := range list {
			if v, ok := keep[f]; ok {
				m[f] = v
			} else {
				delete(m, f)
			}
		}
	}
	return r.fromMap(m)
}

// patch returns the update closure of a PATCH: the fields sent replace the stored ones (a JSON
// object field is replaced, not merged), system and fixed fields keep their stored values. ctx
// must carry the update's transaction: the table calls the closure without a context, and the
// hook writes and publishes through ctx.
func (r *resource[T]) patch(ctx context.Context, body map[string]any) func(*T) error {
	return func(row *T) error {
		before := *row
		m, err := toMap(row)
		if err != nil {
			return err
		}
		for k, v := range body {
			if !r.locked(k) {
				m[k] = v
			}
		}
		next, err := r.fromMap(m)
		if err != nil {
			return err
		}
		*row = *next
		return r.update(ctx, &before, row)
	}
}

func (r *resource[T]) locked(field string) bool {
	for _, list := range [][]string{baseSystem, r.system, r.fixed} {
		for _, f := range list {
			if f == field {
				return true
			}
		}
	}
	return false
}

type countBody struct {
	Body struct {
		Count int64 `json:"count"`
	}
}

type rowBody struct {
	Body query.Row
}

func parseRowID(s string) (id.ID, error) {
	v, err := id.Parse(s)
	if err != nil {
		return 0, errs.Field("path.id", "must be a decimal id", s)
	}
	return v, nil
}

func (r *resource[T]) shapeOne(ctx context.Context, row *T) (*rowBody, error) {
	rows, err := r.table.Shape(ctx, []T{*row}, nil)
	if err != nil {
		return nil, err
	}
	return &rowBody{Body: rows[0]}, nil
}

// register adds the resource's routes to s.
func (r *resource[T]) register(s *api.Server) {
	disable := []api.Route{api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}
	var create func(ctx context.Context, row *T) error
	if r.create == nil {
		disable = append(disable, api.RouteCreate)
	} else {
		create = func(ctx context.Context, row *T) error {
			clean, err := r.clean(row, nil, baseSystem, r.system)
			if err != nil {
				return err
			}
			if err := r.create(ctx, clean); err != nil {
				return err
			}
			*row = *clean
			return nil
		}
	}
	api.RegisterCRUD(s, api.CRUD[T]{Table: r.table, Path: r.path, Tag: r.tag, Singular: r.name,
		Permission: r.perm, Auth: r.auth, Disable: disable, Create: create})

	tags := []string{r.tag}
	name := r.name
	if r.update != nil {
		if !r.noReplace {
			api.Register(s, huma.Operation{OperationID: "replace-" + name, Method: http.MethodPut, Path: r.path + "/{id}", Tags: tags,
				Summary: "Replace a " + name, Errors: []int{404, 409, 422}},
				r.requirement(api.RouteReplace, "write"), func(ctx context.Context, in *struct {
					api.IDParam
					Body T
				}) (*rowBody, error) {
					rid, err := parseRowID(in.ID)
					if err != nil {
						return nil, err
					}
					var row *T
					err = r.db.InTx(ctx, func(ctx context.Context) error {
						var err error
						row, err = r.table.Update(ctx, rid, func(row *T) error {
							before := *row
							stored, err := toMap(row)
							if err != nil {
								return err
							}
							next, err := r.clean(&in.Body, stored, baseSystem, r.system, r.fixed)
							if err != nil {
								return err
							}
							*row = *next
							return r.update(ctx, &before, row)
						})
						return err
					})
					if err != nil {
						return nil, err
					}
					return r.shapeOne(ctx, row)
				})
		}
		api.Register(s, huma.Operation{OperationID: "update-" + name, Method: http.MethodPatch, Path: r.path + "/{id}", Tags: tags,
			Summary: "Change some fields of a " + name, Errors: []int{404, 409, 422}},
			r.requirement(api.RoutePatch, "write"), func(ctx context.Context, in *struct {
				api.IDParam
				Body map[string]any
			}) (*rowBody, error) {
				rid, err := parseRowID(in.ID)
				if err != nil {
					return nil, err
				}
				var row *T
				err = r.db.InTx(ctx, func(ctx context.Context) error {
					var err error
					row, err = r.table.Update(ctx, rid, r.patch(ctx, in.Body))
					return err
				})
				if err != nil {
					return nil, err
				}
				return r.shapeOne(ctx, row)
			})
		api.Register(s, huma.Operation{OperationID: "update-by-" + name, Method: http.MethodPatch, Path: r.path, Tags: tags,
			Summary: "Change some fields of every " + name + " matching where", Errors: []int{409, 422}},
			r.requirement(api.RouteUpdateBy, "write"), func(ctx context.Context, in *struct {
				api.WhereParam
				Body map[string]any
			}) (*countBody, error) {
				w, err := query.ParseWhere(in.Where, "query.where")
				if err != nil {
					return nil, err
				}
				if len(w) == 0 {
					return nil, errs.Field("query.where", "is required: an update of every row is refused", nil)
				}
				var n int64
				err = r.db.InTx(ctx, func(ctx context.Context) error {
					var err error
					n, err = r.table.UpdateWhere(ctx, w, r.patch(ctx, in.Body))
					return err
				})
				if err != nil {
					return nil, err
				}
				out := &countBody{}
				out.Body.Count = n
				return out, nil
			})
	}

	type HardParam struct {
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
	api.Register(s, huma.Operation{OperationID: "delete-" + name, Method: http.MethodDelete, Path: r.path + "/{id}", Tags: tags,
		Summary: "Delete a " + name + " (soft unless hard=true)", Errors: []int{404}},
		r.requirement(api.RouteDelete, "delete"), func(ctx context.Context, in *struct {
			api.IDParam
			HardParam
		}) (*countBody, error) {
			rid, err := parseRowID(in.ID)
			if err != nil {
				return nil, err
			}
			if err := hardOK(ctx, in.Hard); err != nil {
				return nil, err
			}
			if err := r.db.InTx(ctx, func(ctx context.Context) error {
				del := query.ExcludeDeleted
				if in.Hard {
					del = query.IncludeDeleted
				}
				row, err := r.table.Get(ctx, rid, del)
				if err != nil {
					return err
				}
				return r.delete(ctx, rid, row, in.Hard)
			}); err != nil {
				return nil, err
			}
			out := &countBody{}
			out.Body.Count = 1
			return out, nil
		})
	api.Register(s, huma.Operation{OperationID: "delete-by-" + name, Method: http.MethodDelete, Path: r.path, Tags: tags,
		Summary: "Delete every " + name + " matching where"},
		r.requirement(api.RouteDeleteBy, "delete"), func(ctx context.Context, in *struct {
			api.WhereParam
			HardParam
		}) (*countBody, error) {
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
			var n int64
			err = r.db.InTx(ctx, func(ctx context.Context) error {
				del := query.ExcludeDeleted
				if in.Hard {
					del = query.IncludeDeleted
				}
				// Each pass deletes what it found, so the next pass sees the rest.
				for range 10000 {
					rows, err := r.table.Find(ctx, &query.Filter{Where: w, Limit: query.MaxLimit}, del)
					if err != nil {
						return err
					}
					if len(rows) == 0 {
						return nil
					}
					for i := range rows {
						if err := r.delete(ctx, rowIDOf(&rows[i]), &rows[i], in.Hard); err != nil {
							return err
						}
						n++
					}
				}
				return errs.New(errs.Internal, "deleteBy did not finish")
			})
			if err != nil {
				return nil, err
			}
			out := &countBody{}
			out.Body.Count = n
			return out, nil
		})
	if !r.noRestore && r.table.SoftDeletes() {
		api.Register(s, huma.Operation{OperationID: "restore-" + name, Method: http.MethodPost, Path: r.path + "/{id}/restore", Tags: tags,
			Summary: "Undo the soft delete of a " + name, Errors: []int{404, 409}},
			r.requirement(api.RouteRestore, "delete"), func(ctx context.Context, in *api.IDParam) (*rowBody, error) {
				rid, err := parseRowID(in.ID)
				if err != nil {
					return nil, err
				}
				var row *T
				err = r.db.InTx(ctx, func(ctx context.Context) error {
					var err error
					if row, err = r.table.Restore(ctx, rid); err != nil {
						return err
					}
					if r.restored != nil {
						return r.restored(ctx, row)
					}
					return nil
				})
				if err != nil {
					return nil, err
				}
				return r.shapeOne(ctx, row)
			})
	}
}

func (r *resource[T]) delete(ctx context.Context, rid id.ID, row *T, hard bool) error {
	if r.remove != nil {
		return r.remove(ctx, row, hard)
	}
	return r.table.Delete(ctx, rid, hard)
}

// rowIDOf reads the id of a row through its JSON form (rows are small; deleteBy is rare).
func rowIDOf(row any) id.ID {
	m, err := toMap(row)
	if err != nil {
		return 0
	}
	s, _ := m["id"].(string)
	v, _ := id.Parse(strings.TrimSpace(s))
	return v
}
