package sale_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
)

// TestNullForAbsentText: absent optional text is NULL in the database (issue 22, item 4), so the
// IGNIS filter's null finds the rows without it, and neq and nin leave them out as SQL does, on
// an order's table (sale), a category's description (commerce) and a role's description
// (identity).
func TestNullForAbsentText(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := newSaleEnv(t, e, 7201, 0, nil)
		order := func(typ, table string) {
			body := map[string]any{"merchantId": s.mid, "type": typ, "lines": []map[string]any{s.line("CF-TRUNG", 1)}}
			if table != "" {
				body["tableCode"] = table
			}
			o := s.Must(201, apptest.Request{Method: "POST", Path: "/sale-orders", Token: s.owner, Body: body}).Map(t)
			if _, has := o["tableCode"]; has != (table != "") {
				t.Fatalf("order with table %q answers %v", table, o["tableCode"])
			}
		}
		order("TAKE_AWAY", "")
		order("TAKE_AWAY", "")
		order("DINE_IN", "T1")
		order("DINE_IN", "T2")
		order("DINE_IN", "T2")

		admin := e.AdminToken()
		for _, c := range []map[string]any{{"name": "Không mô tả"}, {"name": "Có mô tả", "description": "Đồ uống nóng"}, {"name": "Rỗng", "description": ""}} {
			c["merchantId"] = s.mid
			s.Must(201, apptest.Request{Method: "POST", Path: "/categories", Token: s.owner, Body: c})
		}
		for _, r := range []map[string]any{{"code": 801, "name": "NT_NONE"}, {"code": 802, "name": "NT_SET", "description": "Thu ngân"}, {"code": 803, "name": "NT_EMPTY", "description": ""}} {
			s.Must(201, apptest.Request{Method: "POST", Path: "/roles", Token: admin, Body: r})
		}

		count := func(token, path, where string) int64 {
			t.Helper()
			return num(s.Must(200, apptest.Request{Method: "GET", Path: path + "/count?where=" + url.QueryEscape(where), Token: token}).Map(t)["count"])
		}
		orders := func(w string) string { return fmt.Sprintf(`{"merchantId":%q,%s}`, s.mid, w) }
		roles := func(w string) string { return `{"code":{"between":[801,803]},` + w + `}` }
		for _, tc := range []struct {
			name, token, path, where string
			want                     int64
		}{
			{"orders: null", s.owner, "/sale-orders", orders(`"tableCode":null`), 2},
			{"orders: isNull", s.owner, "/sale-orders", orders(`"tableCode":{"isNull":true}`), 2},
			{"orders: neq null", s.owner, "/sale-orders", orders(`"tableCode":{"neq":null}`), 3},
			{"orders: neq T1", s.owner, "/sale-orders", orders(`"tableCode":{"neq":"T1"}`), 2},
			{"orders: nin T1", s.owner, "/sale-orders", orders(`"tableCode":{"nin":["T1"]}`), 2},
			{"orders: nin T1 T2", s.owner, "/sale-orders", orders(`"tableCode":{"nin":["T1","T2"]}`), 0},
			{"orders: without a table or not at T1", s.owner, "/sale-orders", orders(`"or":[{"tableCode":null},{"tableCode":{"neq":"T1"}}]`), 4},
			{"orders: empty string", s.owner, "/sale-orders", orders(`"tableCode":""`), 0},
			{"orders: no note", s.owner, "/sale-orders", orders(`"note":null`), 5},
			{"categories: null", s.owner, "/categories", fmt.Sprintf(`{"merchantId":%q,"name":{"inq":["Không mô tả","Có mô tả","Rỗng"]},"description":null}`, s.mid), 2},
			{"categories: neq", s.owner, "/categories", fmt.Sprintf(`{"merchantId":%q,"name":{"inq":["Không mô tả","Có mô tả","Rỗng"]},"description":{"neq":"x"}}`, s.mid), 1},
			{"categories: nin", s.owner, "/categories", fmt.Sprintf(`{"merchantId":%q,"name":{"inq":["Không mô tả","Có mô tả","Rỗng"]},"description":{"nin":["x","y"]}}`, s.mid), 1},
			{"roles: null", admin, "/roles", roles(`"description":null`), 2},
			{"roles: neq", admin, "/roles", roles(`"description":{"neq":"x"}`), 1},
			{"roles: nin", admin, "/roles", roles(`"description":{"nin":["x"]}`), 1},
			{"roles: isNotNull", admin, "/roles", roles(`"description":{"isNotNull":true}`), 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := count(tc.token, tc.path, tc.where); got != tc.want {
					t.Errorf("count where %s = %d, want %d", tc.where, got, tc.want)
				}
			})
		}

		// The list answers absent text as before: the field is left out.
		for _, o := range s.list(s.owner, "/sale-orders", fmt.Sprintf(`{"where":%s}`, orders(`"tableCode":null`))) {
			if _, has := o["tableCode"]; has {
				t.Errorf("order without a table answers tableCode %v", o["tableCode"])
			}
		}
		for _, r := range s.list(admin, "/roles", fmt.Sprintf(`{"where":%s}`, roles(`"description":null`))) {
			if _, has := r["description"]; has {
				t.Errorf("role without a description answers %v", r["description"])
			}
		}
	})
}
