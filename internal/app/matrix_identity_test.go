package app_test

// The identity module's cells of the authorization matrix, written by hand when identity had its
// own matrix: exact statuses, list and count answers, and rows made for each cell (a fresh
// account for the routes that end or change the caller's own session). They are kept as they
// were; matrix_test.go walks them with every other route.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
)

func q(s string) string { return url.QueryEscape(s) }

func rnd() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func token(s map[string]any) string { return s["token"].(string) }

// seller signs a seller up and returns its token and organizer.
func seller(t *testing.T, e *apptest.Env, username string) (string, string) {
	t.Helper()
	s := e.SignUp(map[string]any{"username": username, "password": "Trà đá vỉa hè " + rnd()})
	return token(s), s["user"].(map[string]any)["organizerId"].(string)
}

// employee creates an employee of the tenant (with a PIN at its merchant) and returns its id and
// user id.
func (w *matrix) employee(own bool) (string, string) {
	w.t.Helper()
	emp := w.do(201, apptest.Request{Method: "POST", Path: "/employees", Token: w.owner[own], Body: map[string]any{
		"displayName": w.name("nv"), "merchantIds": []string{w.merchant(own)}, "pin": "2580"}})
	return emp["id"].(string), emp["userId"].(string)
}

// deletedEmployee creates and soft-deletes an employee of the tenant.
func (w *matrix) deletedEmployee(own bool) string {
	eid, _ := w.employee(own)
	w.do(200, apptest.Request{Method: "DELETE", Path: "/employees/" + eid, Token: w.root})
	return eid
}

// organizer creates an organizer (admins create them; sellers get theirs at sign-up).
func (w *matrix) organizer() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/organizers", Token: w.root, Body: map[string]any{"name": w.name("org")}})["id"].(string)
}

// plainUser creates a user with no role.
func (w *matrix) plainUser() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/users", Token: w.root, Body: map[string]any{
		"identifiers": []map[string]any{{"scheme": "USERNAME", "value": w.name("u")}}, "password": "Xôi xéo đậu xanh " + rnd()}})["id"].(string)
}

func (w *matrix) customRole() string {
	n := w.next()
	return w.do(201, apptest.Request{Method: "POST", Path: "/roles", Token: w.root, Body: map[string]any{"code": n, "name": fmt.Sprintf("ROLE_%d", n)}})["id"].(string)
}

func (w *matrix) permission() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/permissions", Token: w.root, Body: map[string]any{"code": fmt.Sprintf("matrix%d.read", w.next())}})["id"].(string)
}

// fresh makes a new account of the role and signs it in: for routes that change or end the
// caller's own session (sign-out, change-password) or need an email (verification). A caller
// without a role keeps its own (absent or bad) token.
func (w *matrix) fresh(c *caller) (tok, password, email string) {
	w.t.Helper()
	if c.role == 0 {
		return c.token, "", ""
	}
	password, email = "Bánh cuốn Thanh Trì "+rnd(), w.name("m")+"@example.vn"
	switch c.role {
	case auth.Employee:
		w.do(201, apptest.Request{Method: "POST", Path: "/employees", Token: w.owner[c.home == tenantA], Body: map[string]any{
			"email": email, "password": password, "merchantIds": []string{w.merchant(c.home == tenantA)}}})
	default:
		w.do(201, apptest.Request{Method: "POST", Path: "/users", Token: w.root, Body: map[string]any{
			"identifiers": []map[string]any{{"scheme": "EMAIL", "value": email}}, "password": password, "roles": []string{c.role.String()}}})
	}
	return token(w.e.SignIn(email, password)), password, email
}

func where(field, value string) string { return q(fmt.Sprintf(`{%q:%q}`, field, value)) }

func filterID(value string) string { return q(fmt.Sprintf(`{"where":{"id":%q}}`, value)) }

// call is a hand-written fixture's request builder.
type call func(w *matrix, c *caller, own bool) apptest.Request

// hand turns a request builder into a fixture: a target of any kind but self belongs to a
// tenant.
func hand(k kind, ok int, b call) fixture {
	return fixture{kind: k, ok: ok, build: func(w *matrix, c *caller, own bool) built {
		return built{req: b(w, c, own), bound: k != self}
	}}
}

func crudFixtures(path string, target func(w *matrix, own bool) string, create func(w *matrix, own bool) map[string]any,
	replace func(w *matrix, own bool) (string, map[string]any), patch map[string]any, fresh func(w *matrix, own bool) string,
	restore func(w *matrix, own bool) string, singular string) map[string]fixture {
	f := map[string]fixture{
		"find-" + singular: hand(list, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "?filter=" + filterID(target(w, own))}
		}),
		"count-" + singular: hand(tally, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "/count?where=" + where("id", target(w, own))}
		}),
		"find-one-" + singular: hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "/find-one?filter=" + filterID(target(w, own))}
		}),
		"get-" + singular: hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: path + "/" + target(w, own)}
		}),
		"update-" + singular: hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "PATCH", Path: path + "/" + target(w, own), Body: patch}
		}),
		"update-by-" + singular: hand(tally, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "PATCH", Path: path + "?where=" + where("id", target(w, own)), Body: patch}
		}),
		"delete-" + singular: hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "DELETE", Path: path + "/" + fresh(w, own)}
		}),
		"delete-by-" + singular: hand(tally, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "DELETE", Path: path + "?where=" + where("id", fresh(w, own))}
		}),
	}
	if create != nil {
		f["create-"+singular] = hand(self, 201, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: path, Body: create(w, own)}
		})
	}
	if replace != nil {
		f["replace-"+singular] = hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			rid, body := replace(w, own)
			return apptest.Request{Method: "PUT", Path: path + "/" + rid, Body: body}
		})
	}
	if restore != nil {
		f["restore-"+singular] = hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: path + "/" + restore(w, own) + "/restore"}
		})
	}
	return f
}

// ownSession marks a fixture that signs in a fresh account of the caller's role itself.
func ownSession(f fixture) fixture { f.setsToken = true; return f }

func identityFixtures() map[string]fixture {
	all := map[string]fixture{
		// Auth.
		"sign-up": hand(self, 201, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/auth/sign-up", Body: map[string]any{"username": w.name("s"), "password": "Chả cá Lã Vọng " + rnd()}}
		}),
		"sign-in": hand(self, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/auth/sign-in", Body: map[string]any{"identifier": "matrix.signin", "password": "Bánh đa cua Hải Phòng"}}
		}),
		"sign-out": ownSession(hand(self, 204, func(w *matrix, c *caller, own bool) apptest.Request {
			tok, _, _ := w.fresh(c)
			return apptest.Request{Method: "POST", Path: "/auth/sign-out", Token: tok}
		})),
		"change-password": ownSession(hand(self, 204, func(w *matrix, c *caller, own bool) apptest.Request {
			tok, pw, _ := w.fresh(c)
			return apptest.Request{Method: "POST", Path: "/auth/change-password", Token: tok,
				Body: map[string]any{"currentPassword": pw, "newPassword": "Mì Quảng Đà Nẵng " + rnd()}}
		})),
		"who-am-i": hand(self, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: "/auth/who-am-i"}
		}),
		"pin-sign-in": hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/auth/pin-sign-in", Body: map[string]any{"merchantId": w.merchant(own), "employeeId": w.emp[own], "pin": "2580"}}
		}),
		"send-email-verification": ownSession(hand(self, 202, func(w *matrix, c *caller, own bool) apptest.Request {
			tok, _, _ := w.fresh(c)
			return apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: tok}
		})),
		// A wrong code is the farthest a test can go without the mail: 400 proves the caller
		// got past authorization.
		"confirm-email-code": ownSession(hand(self, 400, func(w *matrix, c *caller, own bool) apptest.Request {
			tok, _, _ := w.fresh(c)
			if c.role != 0 {
				w.do(202, apptest.Request{Method: "POST", Path: "/auth/verify-email/send", Token: tok})
			}
			return apptest.Request{Method: "POST", Path: "/auth/verify-email/confirm", Token: tok, Body: map[string]any{"code": "000000"}}
		})),
		"confirm-email-link": hand(self, 422, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "GET", Path: "/auth/verify-email?token=" + rnd()}
		}),
		// Users: platform staff only; users have no tenant, so own and other differ only by
		// whose account is the target.
		"create-user": hand(self, 201, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/users", Body: map[string]any{
				"identifiers": []map[string]any{{"scheme": "USERNAME", "value": w.name("op")}}, "password": "Cao lầu Hội An " + rnd(), "roles": []string{"OPERATOR"}}}
		}),
		// Employees beyond CRUD.
		"create-employee": hand(self, 201, func(w *matrix, c *caller, own bool) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/employees", Body: map[string]any{"displayName": w.name("nv"), "merchantIds": []string{w.merchant(own)}, "organizerId": w.tenant(own)}}
		}),
	}
	// The second merchant is beyond an employee's: an employee allowed to write employees is
	// refused it.
	merchants := hand(row, 200, func(w *matrix, c *caller, own bool) apptest.Request {
		eid, _ := w.employee(own)
		return apptest.Request{Method: "PUT", Path: "/employees/" + eid + "/merchants", Body: map[string]any{"merchantIds": []string{w.merchant(own), w.mer2[own]}}}
	})
	merchants.narrow = 400
	all["set-employee-merchants"] = merchants
	pin := hand(row, 204, func(w *matrix, c *caller, own bool) apptest.Request {
		eid, _ := w.employee(own)
		return apptest.Request{Method: "PUT", Path: "/employees/" + eid + "/pin", Body: map[string]any{"merchantId": w.merchant(own), "pin": "4826"}}
	})
	pin.needs = "employee.write"
	all["set-employee-pin"] = pin
	add := func(m map[string]fixture) {
		for k, v := range m {
			all[k] = v
		}
	}
	add(crudFixtures("/users", func(w *matrix, own bool) string { return w.user[own] }, nil,
		func(w *matrix, own bool) (string, map[string]any) {
			return w.user[own], map[string]any{"status": "ACTIVE"}
		},
		map[string]any{"status": "ACTIVE"},
		func(w *matrix, own bool) string { return w.plainUser() },
		func(w *matrix, own bool) string {
			uid := w.plainUser()
			w.do(200, apptest.Request{Method: "DELETE", Path: "/users/" + uid, Token: w.root})
			return uid
		}, "user"))
	add(crudFixtures("/roles", func(w *matrix, own bool) string { return "898" },
		func(w *matrix, own bool) map[string]any {
			n := w.next()
			return map[string]any{"code": n, "name": fmt.Sprintf("ROLE_%d", n)}
		},
		func(w *matrix, own bool) (string, map[string]any) {
			rid := w.customRole()
			n := w.next()
			return rid, map[string]any{"code": n, "name": fmt.Sprintf("ROLE_%d", n), "description": "replaced"}
		},
		map[string]any{"description": "Nhân viên"},
		func(w *matrix, own bool) string { return w.customRole() }, nil, "role"))
	delete(all, "update-by-role") // disabled: a bulk edit of fixed roles has no use
	delete(all, "delete-by-role") // disabled: fixed roles are guarded one by one
	add(crudFixtures("/permissions", func(w *matrix, own bool) string { return w.permission() },
		func(w *matrix, own bool) map[string]any {
			return map[string]any{"code": fmt.Sprintf("matrix%d.write", w.next())}
		},
		func(w *matrix, own bool) (string, map[string]any) {
			return w.permission(), map[string]any{"code": fmt.Sprintf("matrix%d.delete", w.next()), "description": "replaced"}
		},
		map[string]any{"description": "changed"},
		func(w *matrix, own bool) string { return w.permission() }, nil, "permission"))
	add(crudFixtures("/role-permissions", func(w *matrix, own bool) string { return w.rolePermission() },
		func(w *matrix, own bool) map[string]any {
			return map[string]any{"roleId": "898", "permissionId": w.permission()}
		},
		nil, nil, func(w *matrix, own bool) string { return w.rolePermission() }, nil, "role-permission"))
	for _, k := range []string{"update-role-permission", "update-by-role-permission"} {
		delete(all, k)
	}
	add(crudFixtures("/user-roles", func(w *matrix, own bool) string { return w.userRole() },
		func(w *matrix, own bool) map[string]any {
			return map[string]any{"userId": w.plainUser(), "roleId": "997"}
		},
		nil, nil, func(w *matrix, own bool) string { return w.userRole() }, nil, "user-role"))
	for _, k := range []string{"update-user-role", "update-by-user-role", "delete-by-user-role"} {
		delete(all, k)
	}
	add(crudFixtures("/organizers", func(w *matrix, own bool) string { return w.tenant(own) },
		func(w *matrix, own bool) map[string]any { return map[string]any{"name": w.name("org")} },
		func(w *matrix, own bool) (string, map[string]any) {
			return w.tenant(own), map[string]any{"name": "Tenant " + map[bool]string{true: "A", false: "B"}[own], "status": "ACTIVE"}
		},
		map[string]any{"status": "ACTIVE"},
		func(w *matrix, own bool) string { return w.organizer() },
		func(w *matrix, own bool) string {
			oid := w.organizer()
			w.do(200, apptest.Request{Method: "DELETE", Path: "/organizers/" + oid, Token: w.root})
			return oid
		}, "organizer"))
	add(crudFixtures("/employees", func(w *matrix, own bool) string { return w.emp[own] }, nil,
		func(w *matrix, own bool) (string, map[string]any) {
			return w.emp[own], map[string]any{"status": "ACTIVE", "title": "Cashier"}
		},
		map[string]any{"title": "Waiter"},
		func(w *matrix, own bool) string { eid, _ := w.employee(own); return eid },
		func(w *matrix, own bool) string { return w.deletedEmployee(own) }, "employee"))
	return all
}

func (w *matrix) rolePermission() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/role-permissions", Token: w.root, Body: map[string]any{"roleId": "898", "permissionId": w.permission()}})["id"].(string)
}

func (w *matrix) userRole() string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/user-roles", Token: w.root, Body: map[string]any{"userId": w.plainUser(), "roleId": "997"}})["id"].(string)
}
