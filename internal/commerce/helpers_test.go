package commerce_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/id"
)

func q(s string) string { return url.QueryEscape(s) }

func post(e *apptest.Env, want int, token, path string, body any) map[string]any {
	e.T.Helper()
	return e.Must(want, apptest.Request{Method: "POST", Path: path, Token: token, Body: body}).Map(e.T)
}

func get(e *apptest.Env, want int, token, path string) *apptest.Response {
	e.T.Helper()
	return e.Must(want, apptest.Request{Method: "GET", Path: path, Token: token})
}

func list(e *apptest.Env, token, path string) []map[string]any {
	e.T.Helper()
	var out []map[string]any
	get(e, 200, token, path).JSON(e.T, &out)
	return out
}

// onboard creates a merchant as token and returns its id.
func onboard(e *apptest.Env, token, name, typ string) id.ID {
	e.T.Helper()
	body := map[string]any{"name": name}
	if typ != "" {
		body["type"] = typ
	}
	m := post(e, 201, token, "/merchants", body)
	return mustID(e.T, m["id"])
}

func mustID(t testing.TB, v any) id.ID {
	t.Helper()
	s, _ := v.(string)
	x, err := id.Parse(s)
	if err != nil {
		t.Fatalf("not an id: %v", v)
	}
	return x
}

// count runs a SELECT count(*) on the database of e.
func count(t testing.TB, e *apptest.Env, query string, args ...any) int {
	t.Helper()
	d := e.App.DB
	var n int
	if err := d.Raw(context.Background(), false).QueryRowContext(context.Background(), d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// products creates a product and returns the created row.
func product(e *apptest.Env, token string, merchant id.ID, body map[string]any) map[string]any {
	e.T.Helper()
	body["merchantId"] = merchant.String()
	return post(e, 201, token, "/products", body)
}

func variants(p map[string]any) []map[string]any {
	var out []map[string]any
	for _, v := range p["variants"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// eventCount counts logged events of a name whose payload holds every key and value of want.
func eventCount(t testing.TB, e *apptest.Env, name string, want map[string]string) int {
	t.Helper()
	d := e.App.DB
	rows, err := d.Raw(context.Background(), false).QueryContext(context.Background(),
		d.Rebind(`SELECT CAST(payload AS TEXT) FROM event_log WHERE name = ?`), name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		ok := true
		for k, v := range want {
			ok = ok && m[k] == v
		}
		if ok {
			n++
		}
	}
	return n
}
