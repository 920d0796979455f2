package identity_test

// The authorization matrix: every route of the identity module, for every role (and no
// credentials), against a row of the caller's own tenant and of another tenant. The routes come
// from the module's route table (what it registered on the server, with the requirement each
// declares), so a new route without a fixture here fails the test. The expected status is not
// written per cell: it follows from the route's requirement, the caller's principal and the
// tenant rule (another tenant's row is a 404, or simply absent from a list).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/platform/auth"
)

// caller is one column of the matrix.
type caller struct {
	name  string
	role  auth.Role // 0: no credentials
	token string
	p     *auth.Principal
}

// world holds the two tenants and the callers.
type world struct {
	t       *testing.T
	e       *apptest.Env
	callers []*caller
	root    string // a SUPER_ADMIN token used for setting up rows
	org     map[bool]string
	owner   map[bool]string // owner tokens by tenant (true: A)
	mer     map[bool]string // the tenant's merchant (A's is where the EMPLOYEE caller works)
	mer2    map[bool]string // a second merchant of the tenant
	emp     map[bool]string // employee with a PIN at the tenant's merchant
	user    map[bool]string // a user id in each tenant (the employees' users)
	seq     int
}

func (w *world) next() int { w.seq++; return w.seq }

func (w *world) name(prefix string) string { return fmt.Sprintf("%s%d%s", prefix, w.next(), rnd()) }

func (w *world) tenant(own bool) string { return w.org[own] }

func (w *world) merchant(own bool) string { return w.mer[own] }

// do sends a setup request that must succeed.
func (w *world) do(status int, r apptest.Request) map[string]any {
	w.t.Helper()
	resp := w.e.Must(status, r)
	var m map[string]any
	_ = json.Unmarshal(resp.Body, &m)
	return m
}

// employee creates an employee of the tenant (with a PIN at its merchant) and returns its id and
// user id.
func (w *world) employee(own bool) (string, string) {
	w.t.Helper()
	emp := w.do(201, apptest.Request{Method: "POST", Path: "/employees", Token: w.owner[own], Body: map[string]any{
		"displayName": w.name("nv"), "merchantIds": []string{w.merchant(own)}, "pin": "2580"}})
	return emp["id"].(string), emp["userId"].(string)
}

// deletedEmployee creates and soft-deletes an employee of the tenant.
func (w *world) deletedEmployee(own bool) string {
	eid, _ := w.employee(own)
	w.do(200, apptest.Request{Method: "DELETE", Path: "/employees/" + eid, Token: w.root})
	return eid
}

// organizer creates an organizer (admins create them; sellers get theirs at sign-up).
func (w *world) organizer() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/organizers", Token: w.root, Body: map[string]any{"name": w.name("org")}})["id"].(string)
}

func (w *world) plainUser() string {
	v, err := w.e.App.Identity.CreateUser(auth.System(context.Background()), identity.NewUser{
		Identifiers: []identity.IdentifierInput{{Scheme: identity.Username, Value: w.name("u")}}, Password: "Xôi xéo đậu xanh " + rnd()})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID.String()
}

func (w *world) customRole() string {
	n := w.next()
	return w.do(201, apptest.Request{Method: "POST", Path: "/roles", Token: w.root, Body: map[string]any{"code": n, "name": fmt.Sprintf("ROLE_%d", n)}})["id"].(string)
}

func (w *world) permission() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/permissions", Token: w.root, Body: map[string]any{"code": fmt.Sprintf("matrix%d.read", w.next())}})["id"].(string)
}

// fresh makes a new account of the role and signs it in: for routes that change or end the
// caller's own session (sign-out, change-password) or need an email (verification).
func (w *world) fresh(c *caller) (tok, password, email string) {
	w.t.Helper()
	if c.role == 0 {
		return "", "", ""
	}
	password, email = "Bánh cuốn Thanh Trì "+rnd(), w.name("m")+"@example.vn"
	switch c.role {
	case auth.Employee:
		w.do(201, apptest.Request{Method: "POST", Path: "/employees", Token: w.owner[true], Body: map[string]any{
			"email": email, "password": password, "merchantIds": []string{w.merchant(true)}}})
	default:
		if _, err := w.e.App.Identity.CreateUser(auth.System(context.Background()), identity.NewUser{
			Identifiers: []identity.IdentifierInput{{Scheme: identity.Email, Value: email}}, Password: password, Roles: []auth.Role{c.role}}); err != nil {
			w.t.Fatal(err)
		}
	}
	return token(signIn(w.t, w.e, email, password)), password, email
}

// kind says how a route's answer depends on the tenant of its target.
type kind int

const (
	self  kind = iota // no tenant target: own and other are the same call
	row               // a row by id: another tenant's is a 404
	list              // a JSON array filtered to one row: another tenant's is absent
	tally             // {"count": n} of one row: another tenant's counts 0
)

// fixture builds the call of one route for a caller and a tenant.
type fixture struct {
	kind kind
	ok   int // the status when allowed
	// needs is a permission the handler checks beyond the route's requirement.
	needs string
	build func(w *world, c *caller, own bool) apptest.Request
}

func where(field, value string) string { return q(fmt.Sprintf(`{%q:%q}`, field, value)) }

func filterID(value string) string { return q(fmt.Sprintf(`{"where":{"id":%q}}`, value)) }

func crudFixtures(path string, target func(w *world, own bool) string, create func(w *world, own bool) map[string]any,
	replace func(w *world, own bool) (string, map[string]any), patch map[string]any, fresh func(w *world, own bool) string,
	restore func(w *world, own bool) string, singular string) map[string]fixture {
	f := map[string]fixture{
		"find-" + singular: {kind: list, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "?filter=" + filterID(target(w, own))}
		}},
		"count-" + singular: {kind: tally, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "/count?where=" + where("id", target(w, own))}
		}},
		"find-one-" + singular: {kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "/find-one?filter=" + filterID(target(w, own))}
		}},
		"get-" + singular: {kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "/" + target(w, own)}
		}},
		"update-" + singular: {kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "PATCH", Path: path + "/" + target(w, own), Body: patch}
		}},
		"update-by-" + singular: {kind: tally, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "PATCH", Path: path + "?where=" + where("id", target(w, own)), Body: patch}
		}},
		"delete-" + singular: {kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "DELETE", Path: path + "/" + fresh(w, own)}
		}},
		"delete-by-" + singular: {kind: tally, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "DELETE", Path: path + "?where=" + where("id", fresh(w, own))}
		}},
	}
	if create != nil {
		f["create-"+singular] = fixture{kind: self, ok: 201, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: path, Body: create(w, own)}
		}}
	}
	if replace != nil {
		f["replace-"+singular] = fixture{kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			rid, body := replace(w, own)
			return apptest.Request{Method: "PUT", Path: path + "/" + rid, Body: body}
		}}
	}
	if restore != nil {
		f["restore-"+singular] = fixture{kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: path + "/" + restore(w, own) + "/restore"}
		}}
	}
	return f
}

func fixtures() map[string]fixture {
	all := map[string]fixture{
		// Auth.
		"sign-up": {kind: self, ok: 201, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/auth/sign-up", Body: map[string]any{"username": w.name("s"), "password": "Chả cá Lã Vọng " + rnd()}}
		}},
		"sign-in": {kind: self, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "matrix.signin", "password": "Bánh đa cua Hải Phòng"}}
		}},
		"sign-out": {kind: self, ok: 204, build: func(w *world, c *caller, own bool) apptest.Request {
			tok, _, _ := w.fresh(c)
			return apptest.Request{Method: "POST", Path: "/auth/sign-out", Token: tok}
		}},
		"change-password": {kind: self, ok: 204, build: func(w *world, c *caller, own bool) apptest.Request {
			tok, pw, _ := w.fresh(c)
			return apptest.Request{Method: "POST", Path: "/auth/change-password", Token: tok,
				Body: map[string]any{"currentPassword": pw, "newPassword": "Mì Quảng Đà Nẵng " + rnd()}}
		}},
		"who-am-i": {kind: self, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: "/auth/who-am-i"}
		}},
		"pin-sign-in": {kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/auth/pin-sign-in", Body: map[string]any{"merchantId": w.merchant(own), "employeeId": w.emp[own], "pin": "2580"}}
		}},
		"send-email-verification": {kind: self, ok: 202, build: func(w *world, c *caller, own bool) apptest.Request {
			tok, _, _ := w.fresh(c)
			return apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: tok}
		}},
		// A wrong code is the farthest a test can go without the mail: 400 proves the caller
		// got past authorization.
		"confirm-email-code": {kind: self, ok: 400, build: func(w *world, c *caller, own bool) apptest.Request {
			tok, _, _ := w.fresh(c)
			if tok != "" {
				w.do(202, apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: tok})
			}
			return apptest.Request{Method: "POST", Path: "/auth/verify-email/confirm", Token: tok, Body: map[string]any{"code": "000000"}}
		}},
		"confirm-email-link": {kind: self, ok: 422, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: "/auth/verify-email?token=" + rnd()}
		}},
		// Users: platform staff only; users have no tenant, so own and other differ only by
		// whose account is the target.
		"create-user": {kind: self, ok: 201, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/users", Body: map[string]any{
				"identifiers": []map[string]any{{"scheme": "USERNAME", "value": w.name("op")}}, "password": "Cao lầu Hội An " + rnd(), "roles": []string{"OPERATOR"}}}
		}},
		// Employees beyond CRUD.
		"create-employee": {kind: self, ok: 201, build: func(w *world, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/employees", Body: map[string]any{"displayName": w.name("nv"), "merchantIds": []string{w.merchant(own)}, "organizerId": w.tenant(own)}}
		}},
		"set-employee-merchants": {kind: row, ok: 200, build: func(w *world, c *caller, own bool) apptest.Request {
			eid, _ := w.employee(own)
			return apptest.Request{Method: "PUT", Path: "/employees/" + eid + "/merchants", Body: map[string]any{"merchantIds": []string{w.merchant(own), w.mer2[own]}}}
		}},
		"set-employee-pin": {kind: row, ok: 204, needs: "employee.write", build: func(w *world, c *caller, own bool) apptest.Request {
			eid, _ := w.employee(own)
			return apptest.Request{Method: "PUT", Path: "/employees/" + eid + "/pin", Body: map[string]any{"merchantId": w.merchant(own), "pin": "4826"}}
		}},
	}
	add := func(m map[string]fixture) {
		for k, v := range m {
			all[k] = v
		}
	}
	add(crudFixtures("/users", func(w *world, own bool) string { return w.user[own] }, nil,
		func(w *world, own bool) (string, map[string]any) {
			return w.user[own], map[string]any{"status": "ACTIVE"}
		},
		map[string]any{"status": "ACTIVE"},
		func(w *world, own bool) string { return w.plainUser() },
		func(w *world, own bool) string {
			uid := w.plainUser()
			w.do(200, apptest.Request{Method: "DELETE", Path: "/users/" + uid, Token: w.root})
			return uid
		}, "user"))
	add(crudFixtures("/roles", func(w *world, own bool) string { return "898" },
		func(w *world, own bool) map[string]any {
			n := w.next()
			return map[string]any{"code": n, "name": fmt.Sprintf("ROLE_%d", n)}
		},
		func(w *world, own bool) (string, map[string]any) {
			rid := w.customRole()
			n := w.next()
			return rid, map[string]any{"code": n, "name": fmt.Sprintf("ROLE_%d", n), "description": "replaced"}
		},
		map[string]any{"description": "Nhân viên"},
		func(w *world, own bool) string { return w.customRole() }, nil, "role"))
	delete(all, "update-by-role") // disabled: a bulk edit of fixed roles has no use
	delete(all, "delete-by-role") // disabled: fixed roles are guarded one by one
	add(crudFixtures("/permissions", func(w *world, own bool) string { return w.permissionFor(own) },
		func(w *world, own bool) map[string]any {
			return map[string]any{"code": fmt.Sprintf("matrix%d.write", w.next())}
		},
		func(w *world, own bool) (string, map[string]any) {
			return w.permission(), map[string]any{"code": fmt.Sprintf("matrix%d.delete", w.next()), "description": "replaced"}
		},
		map[string]any{"description": "changed"},
		func(w *world, own bool) string { return w.permission() }, nil, "permission"))
	add(crudFixtures("/role-permissions", func(w *world, own bool) string { return w.rolePermission() },
		func(w *world, own bool) map[string]any {
			return map[string]any{"roleId": "898", "permissionId": w.permission()}
		},
		nil, nil, func(w *world, own bool) string { return w.rolePermission() }, nil, "role-permission"))
	for _, k := range []string{"update-role-permission", "update-by-role-permission"} {
		delete(all, k)
	}
	add(crudFixtures("/user-roles", func(w *world, own bool) string { return w.userRole() },
		func(w *world, own bool) map[string]any {
			return map[string]any{"userId": w.plainUser(), "roleId": "997"}
		},
		nil, nil, func(w *world, own bool) string { return w.userRole() }, nil, "user-role"))
	for _, k := range []string{"update-user-role", "update-by-user-role", "delete-by-user-role"} {
		delete(all, k)
	}
	add(crudFixtures("/organizers", func(w *world, own bool) string { return w.tenant(own) },
		func(w *world, own bool) map[string]any { return map[string]any{"name": w.name("org")} },
		func(w *world, own bool) (string, map[string]any) {
			return w.tenant(own), map[string]any{"name": "Tenant " + map[bool]string{true: "A", false: "B"}[own], "status": "ACTIVE"}
		},
		map[string]any{"status": "ACTIVE"},
		func(w *world, own bool) string { return w.organizer() },
		func(w *world, own bool) string {
			oid := w.organizer()
			w.do(200, apptest.Request{Method: "DELETE", Path: "/organizers/" + oid, Token: w.root})
			return oid
		}, "organizer"))
	add(crudFixtures("/employees", func(w *world, own bool) string { return w.emp[own] }, nil,
		func(w *world, own bool) (string, map[string]any) {
			return w.emp[own], map[string]any{"status": "ACTIVE", "title": "Cashier"}
		},
		map[string]any{"title": "Waiter"},
		func(w *world, own bool) string { eid, _ := w.employee(own); return eid },
		func(w *world, own bool) string { return w.deletedEmployee(own) }, "employee"))
	return all
}

func (w *world) permissionFor(bool) string { return w.permission() }

func (w *world) rolePermission() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/role-permissions", Token: w.root, Body: map[string]any{"roleId": "898", "permissionId": w.permission()}})["id"].(string)
}

func (w *world) userRole() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/user-roles", Token: w.root, Body: map[string]any{"userId": w.plainUser(), "roleId": "997"}})["id"].(string)
}

// expect derives a cell's status from the route's requirement, the caller and the tenant.
func expect(r identity.Route, f fixture, c *caller, own bool) (status, n int) {
	if !r.Requirement.Public {
		if c.p == nil {
			return http.StatusUnauthorized, 0
		}
		if r.Requirement.Check(c.p) != "" {
			return http.StatusForbidden, 0
		}
	}
	if f.needs != "" && (c.p == nil || !c.p.Can(f.needs)) {
		return http.StatusForbidden, 0
	}
	visible := own || c.p == nil || c.p.IsAdmin()
	switch f.kind {
	case row:
		if !visible {
			return http.StatusNotFound, 0
		}
	case list, tally:
		if !visible {
			return f.ok, 0
		}
		return f.ok, 1
	}
	return f.ok, -1
}

func TestAuthorizationMatrix(t *testing.T) {
	each(t, nil, func(t *testing.T, e *apptest.Env) {
		w := &world{t: t, e: e, org: map[bool]string{}, owner: map[bool]string{}, mer: map[bool]string{}, mer2: map[bool]string{},
			emp: map[bool]string{}, user: map[bool]string{}}
		w.root = staff(t, e, "matrix.root", auth.SuperAdmin)
		for _, own := range []bool{true, false} {
			tok, org := seller(t, e, w.name("owner"))
			w.owner[own], w.org[own] = tok, org
			w.mer[own], w.mer2[own] = merchant(t, e, org), merchant(t, e, org)
			w.emp[own], w.user[own] = w.employee(own)
		}
		signUp(t, e, map[string]any{"username": "matrix.signin", "password": "Bánh đa cua Hải Phòng"})
		w.do(201, apptest.Request{Method: "POST", Path: "/employees", Token: w.owner[true], Body: map[string]any{
			"username": "matrix.employee", "password": "Bánh tráng trộn Sài Gòn", "merchantIds": []string{w.merchant(true)}}})
		w.callers = []*caller{{name: "anonymous"},
			{name: "SUPER_ADMIN", role: auth.SuperAdmin, token: w.root},
			{name: "ADMIN", role: auth.Admin, token: staff(t, e, "matrix.admin", auth.Admin)},
			{name: "OPERATOR", role: auth.Operator, token: staff(t, e, "matrix.operator", auth.Operator)},
			{name: "ORGANIZER_OWNER", role: auth.OrganizerOwner, token: w.owner[true]},
			{name: "EMPLOYEE", role: auth.Employee, token: token(signIn(t, e, "matrix.employee", "Bánh tráng trộn Sài Gòn"))}}
		for _, c := range w.callers {
			if c.token != "" {
				p, _, err := e.App.Tokens.Verify(c.token)
				if err != nil {
					t.Fatal(err)
				}
				c.p = p
			}
		}

		// The route table is complete: it is every operation the module's tags show in the
		// OpenAPI document, and every route has a fixture, and every fixture a route.
		routes := e.App.Identity.RouteTable()
		var doc struct {
			Paths map[string]map[string]struct {
				OperationID string   `json:"operationId"`
				Tags        []string `json:"tags"`
			} `json:"paths"`
		}
		e.Must(200, apptest.Request{Method: "GET", Path: "/doc/openapi.json"}).JSON(t, &doc)
		var inDoc, inTable []string
		for path, ops := range doc.Paths {
			for method, op := range ops {
				if slices.ContainsFunc(op.Tags, func(tag string) bool {
					return slices.Contains([]string{"Auth", "Users", "Roles", "Permissions", "Organizers", "Employees"}, tag)
				}) {
					inDoc = append(inDoc, strings.ToUpper(method)+" "+path)
				}
			}
		}
		fx := fixtures()
		for _, r := range routes {
			inTable = append(inTable, r.Method+" "+r.Path)
			if _, ok := fx[r.OperationID]; !ok {
				t.Errorf("route %s %s (%s) has no matrix fixture", r.Method, r.Path, r.OperationID)
			}
		}
		sort.Strings(inDoc)
		sort.Strings(inTable)
		if !slices.Equal(inDoc, inTable) {
			t.Fatalf("route table and OpenAPI differ:\n%v\n%v", inTable, inDoc)
		}
		for op := range fx {
			if !slices.ContainsFunc(routes, func(r identity.Route) bool { return r.OperationID == op }) {
				t.Errorf("fixture %s has no route", op)
			}
		}
		if len(routes) < 60 {
			t.Fatalf("only %d routes", len(routes))
		}

		cells := 0
		for _, r := range routes {
			f := fx[r.OperationID]
			for _, c := range w.callers {
				for _, own := range []bool{true, false} {
					if f.kind == self && !own {
						continue
					}
					req := f.build(w, c, own)
					if !tokenSetByFixture(r.OperationID) {
						req.Token = c.token
					}
					want, n := expect(r, f, c, own)
					resp := e.Do(req)
					cells++
					where := fmt.Sprintf("%s %s as %s on the %s tenant", r.Method, r.Path, c.name, map[bool]string{true: "own", false: "other"}[own])
					if resp.Status != want {
						t.Errorf("%s: status %d, want %d: %s", where, resp.Status, want, resp.Body)
						continue
					}
					if n >= 0 && want < 300 {
						got := -1
						switch f.kind {
						case list:
							var l []any
							_ = json.Unmarshal(resp.Body, &l)
							got = len(l)
						case tally:
							var cnt struct{ Count int }
							_ = json.Unmarshal(resp.Body, &cnt)
							got = cnt.Count
						}
						if got != n {
							t.Errorf("%s: %d rows, want %d: %s", where, got, n, resp.Body)
						}
					}
				}
			}
		}
		t.Logf("%d routes, %d cells", len(routes), cells)
	})
}

// tokenSetByFixture names the fixtures that choose the token themselves (a fresh account of the
// caller's role), including none for the anonymous caller.
func tokenSetByFixture(op string) bool {
	return op == "sign-out" || op == "change-password" || op == "send-email-verification" || op == "confirm-email-code"
}
