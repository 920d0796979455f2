package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
)

// seller signs a seller up and returns its token and organizer id.
func seller(t *testing.T, e *apptest.Env, username string) (string, string) {
	t.Helper()
	s := e.SignUp(map[string]any{"username": username, "password": "Trà đá vỉa hè " + rnd()})
	return token(s), user(s)["organizerId"].(string)
}

func testEmployeesAndTenantScope(t *testing.T, e *apptest.Env) {
	ownerA, orgA := seller(t, e, "owner.a")
	ownerB, orgB := seller(t, e, "owner.b")
	m1, m2 := merchant(t, e, orgA), merchant(t, e, orgA)
	mB := merchant(t, e, orgB)

	// The owner creates an employee at merchant m1 in one call: account, employee, merchant.
	emp := e.Must(201, apptest.Request{Method: "POST", Path: "/employees", Token: ownerA, Body: map[string]any{
		"username": "thu.ngan", "password": "Bánh xèo miền Tây", "displayName": "Thu Ngân", "code": "TN01", "title": "Cashier",
		"merchantIds": []string{m1}, "organizerId": orgB, // an owner cannot place it elsewhere
	}}).Map(t)
	if emp["organizerId"] != orgA || emp["code"] != "TN01" || strings.Join(toStrings(emp["merchantIds"]), ",") != m1 {
		t.Fatalf("employee: %v", emp)
	}
	eu := emp["user"].(map[string]any)
	if r := toStrings(eu["roles"]); len(r) != 1 || r[0] != "EMPLOYEE" || eu["organizerId"] != orgA || identifierOf(eu, "USER_NUMBER") == "" {
		t.Fatalf("employee account: %v", eu)
	}
	empID := emp["id"].(string)

	// Signed in, the employee's token carries its organizer and merchants and the POS
	// permissions of its role.
	es := e.SignIn("thu.ngan", "Bánh xèo miền Tây")
	who := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: token(es)}).Map(t)
	if who["organizerId"] != orgA || strings.Join(toStrings(who["merchantIds"]), ",") != m1 ||
		!contains(toStrings(who["permissions"]), "sale.*") || contains(toStrings(who["permissions"]), "*") {
		t.Fatalf("employee who-am-i: %v", who)
	}
	clerk := token(es)

	// The tenant scope has data now: configurations of A (organizer-wide, merchant m1,
	// merchant m2) and of B.
	for _, c := range []map[string]any{{"code": "A.ORG", "dataType": "TEXT", "value": "a"},
		{"code": "A.M1", "dataType": "TEXT", "value": "a1", "merchantId": m1},
		{"code": "A.M2", "dataType": "TEXT", "value": "a2", "merchantId": m2}} {
		e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA, Body: c})
	}
	bRow := e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerB,
		Body: map[string]any{"code": "B.ORG", "dataType": "TEXT", "value": "b"}}).Map(t)
	codes := func(tok string) string {
		var list []map[string]any
		e.Must(200, apptest.Request{Method: "GET", Path: "/configurations?filter=" + q(`{"order":["code ASC"],"limit":100}`), Token: tok}).JSON(t, &list)
		var out []string
		for _, r := range list {
			out = append(out, r["code"].(string))
		}
		return strings.Join(out, ",")
	}
	if got := codes(ownerA); got != "A.M1,A.M2,A.ORG" {
		t.Fatalf("owner A sees %s", got)
	}
	if got := codes(clerk); got != "A.M1,A.ORG" {
		t.Fatalf("the employee of m1 sees %s", got)
	}
	if got := codes(ownerB); got != "B.ORG" {
		t.Fatalf("owner B sees %s", got)
	}
	e.Must(404, apptest.Request{Method: "GET", Path: "/configurations/" + bRow["id"].(string), Token: ownerA})
	e.Must(404, apptest.Request{Method: "GET", Path: "/configurations/" + bRow["id"].(string), Token: clerk})

	// Employees are the organizer's: B cannot see A's; the employee cannot manage employees.
	e.Must(200, apptest.Request{Method: "GET", Path: "/employees/" + empID + "?filter=" + q(`{"include":[{"relation":"user"},{"relation":"merchants"}]}`), Token: ownerA})
	e.Must(404, apptest.Request{Method: "GET", Path: "/employees/" + empID, Token: ownerB})
	e.Must(404, apptest.Request{Method: "PUT", Path: "/employees/" + empID + "/merchants", Token: ownerB, Body: map[string]any{"merchantIds": []string{m2}}})
	e.Must(403, apptest.Request{Method: "GET", Path: "/employees", Token: clerk})
	e.Must(403, apptest.Request{Method: "POST", Path: "/employees", Token: clerk, Body: map[string]any{"displayName": "x", "merchantIds": []string{m1}}})
	var list []map[string]any
	e.Must(200, apptest.Request{Method: "GET", Path: "/employees", Token: ownerB}).JSON(t, &list)
	if len(list) != 0 {
		t.Fatalf("B lists A's employees: %v", list)
	}

	// Moving the employee to both merchants shows at the next sign-in.
	moved := e.Must(200, apptest.Request{Method: "PUT", Path: "/employees/" + empID + "/merchants", Token: ownerA, Body: map[string]any{"merchantIds": []string{m1, m2}}}).Map(t)
	if strings.Join(toStrings(moved["merchantIds"]), ",") != m1+","+m2 {
		t.Fatalf("moved: %v", moved)
	}
	if got := codes(token(e.SignIn("thu.ngan", "Bánh xèo miền Tây"))); got != "A.M1,A.M2,A.ORG" {
		t.Fatalf("after the move the employee sees %s", got)
	}
	// An inactive employee cannot sign in, and its tokens stop working; so does a deleted one.
	live := token(e.SignIn("thu.ngan", "Bánh xèo miền Tây"))
	e.Must(200, apptest.Request{Method: "PATCH", Path: "/employees/" + empID, Token: ownerA, Body: map[string]any{"status": "INACTIVE"}})
	e.Must(403, apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "thu.ngan", "password": "Bánh xèo miền Tây"}})
	e.Must(403, apptest.Request{Method: "GET", Path: "/configurations", Token: basic("thu.ngan", "Bánh xèo miền Tây")})
	e.Must(401, apptest.Request{Method: "GET", Path: "/configurations", Token: live})
	e.Must(200, apptest.Request{Method: "PATCH", Path: "/employees/" + empID, Token: ownerA, Body: map[string]any{"status": "ACTIVE"}})
	live = token(e.SignIn("thu.ngan", "Bánh xèo miền Tây"))
	e.Must(200, apptest.Request{Method: "GET", Path: "/configurations", Token: live})

	// Bad input.
	for _, c := range []struct {
		body map[string]any
		loc  string
	}{
		{map[string]any{"displayName": "x"}, "body.merchantIds"},
		{map[string]any{"displayName": "x", "merchantIds": []string{m1, m1}}, "body.merchantIds[1]"},
		{map[string]any{"merchantIds": []string{m1}}, "body.displayName"},
		{map[string]any{"displayName": "x", "merchantIds": []string{m1}, "pin": "1111"}, "body.pin"},
		{map[string]any{"displayName": "x", "merchantIds": []string{m1}, "password": "Bánh xèo miền Tây"}, "body"},
	} {
		r := e.Must(400, apptest.Request{Method: "POST", Path: "/employees", Token: ownerA, Body: c.body})
		if !strings.Contains(string(r.Body), `"location":"`+c.loc+`"`) {
			t.Fatalf("%v: %s", c.body, r.Body)
		}
	}
	// Only real merchants of the organizer: not B's, not an unknown id, on create or move.
	for _, list := range [][]string{{m1, mB}, {m1, "7777"}} {
		for _, req := range []apptest.Request{
			{Method: "POST", Path: "/employees", Token: ownerA, Body: map[string]any{"displayName": "x", "merchantIds": list}},
			{Method: "PUT", Path: "/employees/" + empID + "/merchants", Token: ownerA, Body: map[string]any{"merchantIds": list}},
		} {
			r := e.Must(400, req)
			if !strings.Contains(string(r.Body), `"location":"body.merchantIds[1]"`) || !strings.Contains(string(r.Body), "is not a merchant of this organizer") {
				t.Fatalf("%s %s %v: %s", req.Method, req.Path, list, r.Body)
			}
		}
	}
	e.Must(409, apptest.Request{Method: "POST", Path: "/employees", Token: ownerA, Body: map[string]any{"username": "thu.ngan", "merchantIds": []string{m1}}})
	// Admins name the organizer; an unknown one is refused.
	admin := e.AdminToken()
	e.Must(400, apptest.Request{Method: "POST", Path: "/employees", Token: admin, Body: map[string]any{"displayName": "x", "merchantIds": []string{m1}}})
	// (The merchant is the unknown organizer's, so it is the organizer that is refused.)
	r := e.Must(400, apptest.Request{Method: "POST", Path: "/employees", Token: admin, Body: map[string]any{"displayName": "x", "merchantIds": []string{merchant(t, e, "424242")}, "organizerId": "424242"}})
	if !strings.Contains(string(r.Body), `"location":"body.organizerId"`) {
		t.Fatalf("unknown organizer: %s", r.Body)
	}
	e.Must(201, apptest.Request{Method: "POST", Path: "/employees", Token: admin, Body: map[string]any{"displayName": "Bếp", "merchantIds": []string{mB}, "organizerId": orgB}})
}

func testPINSignIn(t *testing.T, e *apptest.Env) {
	ownerA, orgA := seller(t, e, "quan.ly")
	ownerB, _ := seller(t, e, "khac")
	m1, m2 := merchant(t, e, orgA), merchant(t, e, orgA)
	emp := e.Must(201, apptest.Request{Method: "POST", Path: "/employees", Token: ownerA, Body: map[string]any{
		"displayName": "Phục vụ", "merchantIds": []string{m1, m2}, "pin": "2580"}}).Map(t)
	empID := emp["id"].(string)
	userNumber := identifierOf(emp["user"].(map[string]any), "USER_NUMBER")
	pin := func(tok string, body map[string]any) *apptest.Response {
		return e.Do(apptest.Request{Method: "POST", Path: "/auth/pin-sign-in", Token: tok, Body: body})
	}

	// The terminal runs under the owner's session; the waiter types the PIN.
	r := pin(ownerA, map[string]any{"merchantId": m1, "employeeId": empID, "pin": "2580"})
	if r.Status != 200 {
		t.Fatalf("PIN sign-in: %d %s", r.Status, r.Body)
	}
	ps := r.Map(t)
	exp, _ := time.Parse(time.RFC3339, ps["expiresAt"].(string))
	if ps["merchantId"] != m1 || time.Until(exp) > 16*time.Minute || time.Until(exp) < 14*time.Minute {
		t.Fatalf("PIN session: %v", ps)
	}
	who := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: ps["token"].(string)}).Map(t)
	if who["kind"] != "pin" || strings.Join(toStrings(who["merchantIds"]), ",") != m1 || strings.Join(toStrings(who["roles"]), ",") != "EMPLOYEE" {
		t.Fatalf("PIN who-am-i: %v", who)
	}
	// A PIN session is scoped to its merchant, and may not change a password.
	e.Must(201, apptest.Request{Method: "POST", Path: "/configurations", Token: ownerA, Body: map[string]any{"code": "M2.ONLY", "dataType": "TEXT", "value": "x", "merchantId": m2}})
	var list []map[string]any
	e.Must(200, apptest.Request{Method: "GET", Path: "/configurations", Token: ps["token"].(string)}).JSON(t, &list)
	if len(list) != 0 {
		t.Fatalf("a PIN session at %s sees %v", m1, list)
	}
	e.Must(403, apptest.Request{Method: "POST", Path: "/auth/change-password", Token: ps["token"].(string), Body: map[string]any{"currentPassword": "x", "newPassword": "y"}})

	// By user number instead of id.
	if r := pin(ownerA, map[string]any{"merchantId": m2, "identifier": userNumber, "pin": "2580"}); r.Status != 200 {
		t.Fatalf("by user number: %d %s", r.Status, r.Body)
	}
	// Another organizer's terminal, or a merchant the employee does not work at: 404.
	for _, c := range []struct {
		tok  string
		body map[string]any
	}{{ownerB, map[string]any{"merchantId": m1, "employeeId": empID, "pin": "2580"}},
		{ownerA, map[string]any{"merchantId": "3999", "employeeId": empID, "pin": "2580"}},
		{ownerA, map[string]any{"merchantId": m1, "employeeId": "123456", "pin": "2580"}}} {
		if r := pin(c.tok, c.body); r.Status != 404 {
			t.Fatalf("%v: %d %s", c.body, r.Status, r.Body)
		}
	}
	if r := pin("", map[string]any{"merchantId": m1, "employeeId": empID, "pin": "2580"}); r.Status != 401 {
		t.Fatalf("without a terminal session: %d", r.Status)
	}
	if r := pin(ownerA, map[string]any{"merchantId": m1, "employeeId": empID, "pin": "25a0"}); r.Status != 400 {
		t.Fatalf("malformed PIN: %d", r.Status)
	}
	// Five wrong PINs lock the employee at that merchant, right PIN or not.
	for i := 0; i < 5; i++ {
		if r := pin(ownerA, map[string]any{"merchantId": m1, "employeeId": empID, "pin": "9999"}); r.Status != 401 {
			t.Fatalf("wrong PIN %d: %d", i, r.Status)
		}
	}
	if r := pin(ownerA, map[string]any{"merchantId": m1, "employeeId": empID, "pin": "2580"}); r.Status != 429 {
		t.Fatalf("after 5 wrong PINs: %d %s", r.Status, r.Body)
	}
	// ... but not at the other merchant.
	if r := pin(ownerA, map[string]any{"merchantId": m2, "employeeId": empID, "pin": "2580"}); r.Status != 200 {
		t.Fatalf("other merchant: %d", r.Status)
	}
	// Successes do not count against a busy terminal: 25 in a row, all accepted.
	for i := 0; i < 25; i++ {
		if r := pin(ownerA, map[string]any{"merchantId": m2, "employeeId": empID, "pin": "2580"}); r.Status != 200 {
			t.Fatalf("PIN sign-in %d at a busy terminal: %d %s", i, r.Status, r.Body)
		}
	}
	// Setting a new PIN unlocks it. The owner may, B may not; weak PINs are refused.
	e.Must(404, apptest.Request{Method: "PUT", Path: "/employees/" + empID + "/pin", Token: ownerB, Body: map[string]any{"merchantId": m1, "pin": "4826"}})
	if r := e.Must(400, apptest.Request{Method: "PUT", Path: "/employees/" + empID + "/pin", Token: ownerA, Body: map[string]any{"merchantId": m1, "pin": "1234"}}); !strings.Contains(string(r.Body), "run of digits") {
		t.Fatalf("weak PIN: %s", r.Body)
	}
	e.Must(400, apptest.Request{Method: "PUT", Path: "/employees/" + empID + "/pin", Token: ownerA, Body: map[string]any{"merchantId": "3999", "pin": "4826"}})
	e.Must(204, apptest.Request{Method: "PUT", Path: "/employees/" + empID + "/pin", Token: ownerA, Body: map[string]any{"merchantId": m1, "pin": "4826"}})
	if r := pin(ownerA, map[string]any{"merchantId": m1, "employeeId": empID, "pin": "4826"}); r.Status != 200 {
		t.Fatalf("new PIN: %d %s", r.Status, r.Body)
	}
	// An employee without a PIN at a merchant: 409.
	nopin := e.Must(201, apptest.Request{Method: "POST", Path: "/employees", Token: ownerA, Body: map[string]any{
		"username": "bep.truong", "password": "Lẩu thái hải sản", "merchantIds": []string{m1}}}).Map(t)
	if r := pin(ownerA, map[string]any{"merchantId": m1, "employeeId": nopin["id"], "pin": "2580"}); r.Status != 409 {
		t.Fatalf("no PIN yet: %d", r.Status)
	}
	// The employee sets its own PIN with its own session.
	self := token(e.SignIn("bep.truong", "Lẩu thái hải sản"))
	e.Must(204, apptest.Request{Method: "PUT", Path: "/employees/" + nopin["id"].(string) + "/pin", Token: self, Body: map[string]any{"merchantId": m1, "pin": "739146"}})
	e.Must(403, apptest.Request{Method: "PUT", Path: "/employees/" + empID + "/pin", Token: self, Body: map[string]any{"merchantId": m1, "pin": "739146"}})
	// ... and its session is a terminal for its merchant.
	if r := pin(self, map[string]any{"merchantId": m1, "employeeId": nopin["id"], "pin": "739146"}); r.Status != 200 {
		t.Fatalf("employee terminal: %d %s", r.Status, r.Body)
	}
	// An inactive employee cannot sign in with its PIN.
	e.Must(200, apptest.Request{Method: "PATCH", Path: "/employees/" + empID, Token: ownerA, Body: map[string]any{"status": "INACTIVE"}})
	if r := pin(ownerA, map[string]any{"merchantId": m2, "employeeId": empID, "pin": "2580"}); r.Status != 403 {
		t.Fatalf("inactive: %d", r.Status)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
