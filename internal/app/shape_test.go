package app_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// TestIgnisResponseShape walks the CRUD routes as an IGNIS client (the design document's
// services, IGNIS's ControllerFactory.defineCrudController) expects them to answer: {count, data}
// for every route, 200 for a create and for a missing row ({count: 0, data: null}), the rows that
// updateBy and deleteBy changed, Content-Range and x-response-count on find; and data alone when
// the client sends x-request-count: false. A default server answers so when the request sends
// x-request-count: true; a server set to APP_ENV_SERVER_RESPONSE_SHAPE=ignis answers so to every
// request.
func TestIgnisResponseShape(t *testing.T) {
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			// The default server: BANA's shape, unless the request asks for IGNIS's.
			e := apptest.Start(t, tg, nil)
			owner := e.OwnerToken(300)
			asks := map[string]string{"x-request-count": "true"}
			walk(t, e, owner, "IGNIS.", asks, true)

			// Without the header it stays BANA's.
			e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: owner,
				Body: map[string]any{"code": "BANA.ONE", "dataType": "TEXT", "value": "x"}})
			e.Must(404, apptest.Request{Method: "GET", Path: "/configurations/12345", Token: owner})
			var rows []map[string]any
			e.Must(200, apptest.Request{Method: "GET", Path: "/configurations", Token: owner}).JSON(t, &rows)
			if len(rows) != 1 {
				t.Fatalf("BANA find: %v", rows)
			}

			// A server in IGNIS shape: the envelope without asking, and data alone on request.
			ig := apptest.Start(t, tg, apptest.Vars{"APP_ENV_SERVER_RESPONSE_SHAPE": "ignis"})
			walk(t, ig, ig.OwnerToken(400), "SHAPE.", nil, true)
			walk(t, ig, ig.OwnerToken(500), "BARE.", map[string]string{"x-request-count": "false"}, false)

			// The header takes true or false only.
			ig.Must(400, apptest.Request{Method: "GET", Path: "/configurations", Token: owner,
				Headers: map[string]string{"x-request-count": "yes"}})
		})
	}
}

// walk drives every CRUD route of /configurations in the IGNIS shape, with the envelope or
// without it, and checks statuses, bodies and headers.
func walk(t *testing.T, e *apptest.Env, token, prefix string, headers map[string]string, envelope bool) {
	t.Helper()
	req := func(method, path string, body any) apptest.Request {
		return apptest.Request{Method: method, Path: path, Token: token, Body: body, Headers: headers}
	}
	// data unwraps the envelope (checking its count) or takes the bare body.
	data := func(r *apptest.Response, count float64) any {
		t.Helper()
		var v any
		r.JSON(t, &v)
		if got := r.Header.Get("x-response-count"); got != formatCount(count) {
			t.Errorf("x-response-count = %q, want %v", got, count)
		}
		if !envelope {
			return v
		}
		env, ok := v.(map[string]any)
		if !ok || len(env) != 2 || env["count"] != count {
			t.Fatalf("want {count: %v, data}, got %s", count, r.Body)
		}
		return env["data"]
	}
	object := func(r *apptest.Response, count float64) map[string]any {
		t.Helper()
		if f := r.Header.Get("x-response-format"); f != "object" {
			t.Errorf("x-response-format = %q, want object", f)
		}
		d := data(r, count)
		if d == nil {
			return nil
		}
		return d.(map[string]any)
	}
	array := func(r *apptest.Response, count float64) []any {
		t.Helper()
		if f := r.Header.Get("x-response-format"); f != "array" {
			t.Errorf("x-response-format = %q, want array", f)
		}
		d, ok := data(r, count).([]any)
		if !ok || float64(len(d)) != count {
			t.Fatalf("want %v rows, got %s", count, r.Body)
		}
		return d
	}

	// create: 200, the new row.
	var ids []string
	for i, code := range []string{"A", "B", "C"} {
		row := object(e.Must(200, req("POST", "/configurations",
			map[string]any{"code": prefix + code, "dataType": "NUMBER", "value": i})), 1)
		if row["code"] != prefix+code {
			t.Fatalf("created %v", row)
		}
		ids = append(ids, row["id"].(string))
	}

	// find: the page, with Content-Range over the total.
	page := url.QueryEscape(`{"order":["code ASC"],"limit":2,"skip":1}`)
	r := e.Must(200, req("GET", "/configurations?filter="+page, nil))
	rows := array(r, 2)
	if rows[0].(map[string]any)["code"] != prefix+"B" {
		t.Fatalf("page: %v", rows)
	}
	if got := r.Header.Get("Content-Range"); got != "records 1-2/3" {
		t.Errorf("Content-Range = %q, want records 1-2/3", got)
	}
	none := url.QueryEscape(`{"where":{"code":"nothing"}}`)
	r = e.Must(200, req("GET", "/configurations?filter="+none, nil))
	array(r, 0)
	if got := r.Header.Get("Content-Range"); got != "records */0" {
		t.Errorf("empty Content-Range = %q, want records */0", got)
	}

	// findById, findOne: the row; a missing one is 200 with count 0 and data null.
	if row := object(e.Must(200, req("GET", "/configurations/"+ids[0], nil)), 1); row["id"] != ids[0] {
		t.Fatalf("findById: %v", row)
	}
	if row := object(e.Must(200, req("GET", "/configurations/12345", nil)), 0); row != nil {
		t.Fatalf("missing findById: %v", row)
	}
	one := url.QueryEscape(`{"where":{"code":"` + prefix + `C"}}`)
	if row := object(e.Must(200, req("GET", "/configurations/find-one?filter="+one, nil)), 1); row["id"] != ids[2] {
		t.Fatalf("findOne: %v", row)
	}
	if row := object(e.Must(200, req("GET", "/configurations/find-one?filter="+none, nil)), 0); row != nil {
		t.Fatalf("missing findOne: %v", row)
	}

	// count is {count} in both shapes.
	var n map[string]any
	e.Must(200, req("GET", "/configurations/count", nil)).JSON(t, &n)
	if n["count"] != 3.0 || len(n) != 1 {
		t.Fatalf("count: %v", n)
	}

	// updateById: the row as saved; a missing one is count 0.
	if row := object(e.Must(200, req("PATCH", "/configurations/"+ids[0], map[string]any{"value": 10})), 1); row["value"] != 10.0 {
		t.Fatalf("updateById: %v", row)
	}
	object(e.Must(200, req("PATCH", "/configurations/12345", map[string]any{"value": 10})), 0)

	// updateBy: the rows it changed.
	where := url.QueryEscape(`{"code":{"inq":["` + prefix + `A","` + prefix + `B"]}}`)
	for _, row := range array(e.Must(200, req("PATCH", "/configurations?where="+where, map[string]any{"value": 20})), 2) {
		if row.(map[string]any)["value"] != 20.0 {
			t.Fatalf("updateBy: %v", row)
		}
	}

	// deleteById: the row as deleted; a missing one is count 0.
	if row := object(e.Must(200, req("DELETE", "/configurations/"+ids[2], nil)), 1); row["id"] != ids[2] || row["deletedAt"] == nil {
		t.Fatalf("deleteById: %v", row)
	}
	object(e.Must(200, req("DELETE", "/configurations/"+ids[2], nil)), 0)

	// deleteBy: the rows it deleted; the empty-where guard still holds.
	gone := array(e.Must(200, req("DELETE", "/configurations?where="+where, nil)), 2)
	if gone[0].(map[string]any)["deletedAt"] == nil {
		t.Fatalf("deleteBy: %v", gone)
	}
	e.Must(400, req("DELETE", "/configurations?where={}", nil))
	var left map[string]any
	e.Must(200, req("GET", "/configurations/count", nil)).JSON(t, &left)
	if left["count"] != 0.0 {
		t.Fatalf("left after deletes: %v", left)
	}
}

func formatCount(c float64) string { return strconv.FormatFloat(c, 'f', -1, 64) }
