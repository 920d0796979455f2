package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/platform/auth"
)

// staff creates a platform user with a role through the UserService and signs it in.
func staff(t *testing.T, e *apptest.Env, username string, role auth.Role) string {
	t.Helper()
	pw := "Hủ tiếu Nam Vang " + rnd()
	_, err := e.App.Identity.CreateUser(auth.System(context.Background()), identity.NewUser{
		Identifiers: []identity.IdentifierInput{{Scheme: identity.Username, Value: username}}, Password: pw, Roles: []auth.Role{role}})
	if err != nil {
		t.Fatal(err)
	}
	return token(e.SignIn(username, pw))
}

func testRolesAndPermissions(t *testing.T, e *apptest.Env) {
	super := staff(t, e, "root", auth.SuperAdmin)
	admin := staff(t, e, "admin", auth.Admin)
	operator := staff(t, e, "operator", auth.Operator)
	owner, org := seller(t, e, "chu.quan")

	// The five fixed roles, highest first, with the document's codes.
	var roles []map[string]any
	e.Must(200, apptest.Request{Method: "GET", Path: "/roles", Token: operator}).JSON(t, &roles)
	if len(roles) != 5 || roles[0]["name"] != "SUPER_ADMIN" || roles[0]["code"].(float64) != 999 || roles[4]["name"] != "EMPLOYEE" || roles[4]["code"].(float64) != 898 {
		t.Fatalf("roles: %v", roles)
	}
	e.Must(403, apptest.Request{Method: "GET", Path: "/roles", Token: owner})
	e.Must(403, apptest.Request{Method: "POST", Path: "/roles", Token: operator, Body: map[string]any{"code": 500, "name": "CASHIER_LEAD"}})

	// Fixed roles cannot be deleted or renamed; their description can change.
	e.Must(409, apptest.Request{Method: "DELETE", Path: "/roles/898", Token: admin})
	e.Must(400, apptest.Request{Method: "PATCH", Path: "/roles/898", Token: admin, Body: map[string]any{"name": "STAFF"}})
	e.Must(400, apptest.Request{Method: "PATCH", Path: "/roles/898", Token: admin, Body: map[string]any{"code": 1}})
	e.Must(200, apptest.Request{Method: "PATCH", Path: "/roles/898", Token: admin, Body: map[string]any{"description": "Nhân viên"}})
	// Roles an admin adds sit below the fixed ones.
	e.Must(400, apptest.Request{Method: "POST", Path: "/roles", Token: admin, Body: map[string]any{"code": 900, "name": "BOSS"}})
	e.Must(400, apptest.Request{Method: "POST", Path: "/roles", Token: admin, Body: map[string]any{"code": 500, "name": "ADMIN"}})
	lead := e.Must(201, apptest.Request{Method: "POST", Path: "/roles", Token: admin, Body: map[string]any{"code": 500, "name": "cashier_lead"}}).Map(t)
	if lead["name"] != "CASHIER_LEAD" {
		t.Fatalf("role: %v", lead)
	}
	e.Must(409, apptest.Request{Method: "POST", Path: "/roles", Token: admin, Body: map[string]any{"code": 500, "name": "OTHER"}})
	e.Must(200, apptest.Request{Method: "DELETE", Path: "/roles/" + lead["id"].(string), Token: admin})

	// A permission granted to EMPLOYEE reaches employees at their next sign-in.
	perm := e.Must(201, apptest.Request{Method: "POST", Path: "/permissions", Token: admin, Body: map[string]any{"code": "report.read", "description": "Reports"}}).Map(t)
	e.Must(400, apptest.Request{Method: "POST", Path: "/permissions", Token: admin, Body: map[string]any{"code": "Report.Read"}})
	e.Must(409, apptest.Request{Method: "POST", Path: "/permissions", Token: admin, Body: map[string]any{"code": "report.read"}})
	e.Must(201, apptest.Request{Method: "POST", Path: "/employees", Token: owner, Body: map[string]any{"username": "ke.toan", "password": "Bò bía ngọt ngào", "merchantIds": []string{merchant(t, e, org)}}})
	before := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: token(e.SignIn("ke.toan", "Bò bía ngọt ngào"))}).Map(t)
	if contains(toStrings(before["permissions"]), "report.read") {
		t.Fatalf("before: %v", before["permissions"])
	}
	e.Must(201, apptest.Request{Method: "POST", Path: "/role-permissions", Token: admin, Body: map[string]any{"roleId": "898", "permissionId": perm["id"]}})
	e.Must(409, apptest.Request{Method: "POST", Path: "/role-permissions", Token: admin, Body: map[string]any{"roleId": "898", "permissionId": perm["id"]}})
	e.Must(422, apptest.Request{Method: "POST", Path: "/role-permissions", Token: admin, Body: map[string]any{"roleId": "898", "permissionId": "4242"}})
	after := e.Must(200, apptest.Request{Method: "GET", Path: "/auth/who-am-i", Token: token(e.SignIn("ke.toan", "Bò bía ngọt ngào"))}).Map(t)
	if !contains(toStrings(after["permissions"]), "report.read") {
		t.Fatalf("after: %v", after["permissions"])
	}

	// Users: admins create them with roles; only a SUPER_ADMIN hands out ADMIN or SUPER_ADMIN.
	body := func(name, role string) map[string]any {
		return map[string]any{"identifiers": []map[string]any{{"scheme": "USERNAME", "value": name}}, "password": "Nem rán Hà Nội 1", "roles": []string{role}}
	}
	r := e.Must(403, apptest.Request{Method: "POST", Path: "/users", Token: admin, Body: body("new.admin", "ADMIN")})
	if !strings.Contains(string(r.Body), "only a SUPER_ADMIN may grant ADMIN") {
		t.Fatalf("escalation: %s", r.Body)
	}
	op := e.Must(201, apptest.Request{Method: "POST", Path: "/users", Token: admin, Body: body("new.operator", "OPERATOR")}).Map(t)
	if toStrings(op["roles"])[0] != "OPERATOR" {
		t.Fatalf("user: %v", op)
	}
	e.Must(201, apptest.Request{Method: "POST", Path: "/users", Token: super, Body: body("new.admin", "ADMIN")})
	e.Must(400, apptest.Request{Method: "POST", Path: "/users", Token: admin, Body: body("x.y", "PRESIDENT")})
	e.Must(403, apptest.Request{Method: "POST", Path: "/users", Token: owner, Body: body("x.z", "EMPLOYEE")})
	e.Must(201, apptest.Request{Method: "POST", Path: "/users", Token: admin, Body: map[string]any{
		"identifiers": []map[string]any{{"scheme": "NX_AUTH", "value": "google-oauth2|1098"}}}})
	e.Must(400, apptest.Request{Method: "POST", Path: "/users", Token: admin, Body: map[string]any{
		"identifiers": []map[string]any{{"scheme": "USER_NUMBER", "value": "12345678"}}, "password": "Nem rán Hà Nội 1"}})
	// ... and through user-roles, the same rule.
	opID := op["id"].(string)
	e.Must(403, apptest.Request{Method: "POST", Path: "/user-roles", Token: admin, Body: map[string]any{"userId": opID, "roleId": "999"}})
	ur := e.Must(201, apptest.Request{Method: "POST", Path: "/user-roles", Token: super, Body: map[string]any{"userId": opID, "roleId": "999"}}).Map(t)
	e.Must(403, apptest.Request{Method: "DELETE", Path: "/user-roles/" + ur["id"].(string), Token: admin})
	e.Must(200, apptest.Request{Method: "DELETE", Path: "/user-roles/" + ur["id"].(string), Token: super})
	// Users are platform data: the operator reads them, owners do not.
	var users []map[string]any
	e.Must(200, apptest.Request{Method: "GET", Path: "/users?filter=" + q(`{"include":[{"relation":"identifiers"},{"relation":"profile"},{"relation":"roles"}],"limit":100}`), Token: operator}).JSON(t, &users)
	if len(users) < 6 {
		t.Fatalf("users: %d", len(users))
	}
	e.Must(403, apptest.Request{Method: "GET", Path: "/users", Token: owner})
	e.Must(403, apptest.Request{Method: "PATCH", Path: "/users/" + opID, Token: operator, Body: map[string]any{"status": "BLOCKED"}})
}
