package app_test

// The authorization matrix: every route the server serves, of every module, for every kind of
// caller (no credentials, a bad token, the platform's staff, the owner and employees of tenant A,
// the owner of tenant B), against a row of tenant A and of tenant B. The routes come from the
// server itself (api.Server.Operations: what api.Register enforced) and must be exactly the
// operations of the OpenAPI document, with the same requirement; so a new route of a new module
// is in the matrix without a line of test code. The expected status is not written per cell: it
// follows from the route's requirement, the caller's principal and the tenant rule (another
// tenant's row is a 404, or absent from a list, or counts 0; another tenant's merchant in a body
// is refused). A module's route that reaches a tenant's rows must declare a role or permission.
//
// Identity's routes keep the hand-written fixtures of the matrix that identity had
// (matrix_identity_test.go). Every other route is built from the OpenAPI document: rows of each
// collection are made through the collection's own POST route with a body made from the schema's
// required fields (matrix_rows_test.go), or found by listing the collection. A route whose row or
// call cannot be made that way is still checked for authentication, roles, permissions and the
// other tenant, and the test lists it with the reason under "auth only".

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
)

// tenant is whose rows a caller works with.
type tenant int

const (
	noTenant tenant = iota // anonymous callers and the platform's staff
	tenantA                // the callers' own tenant
	tenantB                // the other organizer
)

// tenantOf names the tenant of a target: own is A.
func tenantOf(own bool) tenant {
	if own {
		return tenantA
	}
	return tenantB
}

// caller is one column of the matrix.
type caller struct {
	name  string
	role  auth.Role // 0: no credentials that verify
	token string
	p     *auth.Principal
	home  tenant
	// legacy: a caller of identity's own matrix, whose cells of identity's routes are kept
	legacy bool
}

// kind says how a route's answer depends on the tenant of its target.
type kind int

const (
	self  kind = iota // no tenant target: only the caller's own tenant is asked
	row               // a row by id: another tenant's is a 404
	list              // a JSON array filtered to one row: another tenant's is absent
	tally             // {"count": n} of one row: another tenant's counts 0
	body              // a body naming a tenant's rows: another tenant's is refused (4xx)
)

// fixture builds the call of one route for a caller and a target tenant.
type fixture struct {
	kind kind
	// ok is the status when the caller is allowed and sees the target; 0 (generic routes):
	// any answer but a server error or a 401.
	ok int
	// needs is a permission the handler checks beyond the route's requirement.
	needs string
	// narrow, when set, is the status for a caller confined to some merchants (an employee):
	// the call names a merchant of its organizer beyond them.
	narrow int
	build  func(w *matrix, c *caller, own bool) built
	// setsToken: the request carries its own token (a fresh account of the caller's role).
	setsToken bool
	// why, when set, is why the route can be checked only for authorization and the other
	// tenant: its target or body could not be made whole.
	why string
}

// built is one cell's request.
type built struct {
	req   apptest.Request // Token empty: the caller's
	bound bool            // the target belongs to a tenant (false: reference data every caller sees)
	named []string        // ids of the target tenant the request names (its organizer, merchant, rows)
	// reused: the call may change its target, but the collection has no other row (no route
	// makes one), so an earlier cell may have changed it.
	reused bool
}

// route is one served operation with its fixture.
type route struct {
	api.Operation
	doc docOp
	fx  fixture
	// hand says the fixture is hand-written (identity's).
	hand bool
}

// want is the expected answer of one cell.
type want struct {
	status  int  // exact status; 0: any answer but a server error or a 401
	rows    int  // rows a list or tally must show; -1: not counted; -2: at most one
	refused bool // another tenant's: any 4xx but a 401
	// another tenant's row of a generic route: a 404 when the own tenant's call succeeds, or
	// else refused like it (its body may be refused before the row is looked up)
	notFound bool
}

// expect derives a cell's answer from the route's requirement, the caller and the tenant.
func expect(r *route, c *caller, own bool, b built) want {
	whole, bound := r.hand || r.fx.why == "", b.bound
	if !r.Requirement.Public {
		if c.p == nil {
			return want{status: http.StatusUnauthorized, rows: -1}
		}
		if r.Requirement.Check(c.p) != "" {
			return want{status: http.StatusForbidden, rows: -1}
		}
	}
	f := r.fx
	if f.needs != "" && (c.p == nil || !c.p.Can(f.needs)) {
		return want{status: http.StatusForbidden, rows: -1}
	}
	visible := !bound || c.p == nil || c.p.IsAdmin() || c.home == tenantOf(own)
	if f.narrow != 0 && visible && c.p != nil && !c.p.IsAdmin() && !c.p.HasRole(auth.OrganizerOwner) {
		return want{status: f.narrow, rows: -1}
	}
	switch f.kind {
	case row:
		if !visible && !whole {
			// The body could not be made whole: it may be refused before the row is looked up.
			return want{refused: true, rows: -1}
		}
		if !visible && !r.hand {
			return want{notFound: true, rows: -1}
		}
		if !visible {
			return want{status: http.StatusNotFound, rows: -1}
		}
	case list, tally:
		if !whole {
			return want{status: f.ok, rows: -1} // no row to look for
		}
		if !visible {
			return want{status: f.ok, rows: 0}
		}
		if b.reused || (!r.hand && c.p != nil && !c.p.IsAdmin() && !c.p.HasRole(auth.OrganizerOwner)) {
			// An earlier cell may have deleted the row; an employee sees only its merchants'
			// rows, and a generic row may be elsewhere.
			return want{status: f.ok, rows: -2}
		}
		return want{status: f.ok, rows: 1}
	case body:
		if !visible {
			return want{refused: true, rows: -1}
		}
	}
	return want{status: f.ok, rows: -1}
}

// matrix holds the two tenants, the callers and the row factory.
type matrix struct {
	t       *testing.T
	e       *apptest.Env
	callers []*caller
	root    string // a SUPER_ADMIN token used for setting up rows
	org     map[bool]string
	owner   map[bool]string // owner tokens by tenant (true: A)
	mer     map[bool]string // the tenant's merchant (A's is where the EMPLOYEE callers work)
	mer2    map[bool]string // a second merchant of the tenant
	emp     map[bool]string // employee with a PIN at the tenant's merchant
	user    map[bool]string // a user id in each tenant (the employees' users)
	seq     int
	rows    *rowFactory
	gaps    map[string]int // known gaps seen: cells per route
}

// knownGaps are routes where the matrix finds a tenant gap that is not fixed yet, with the
// cause. Their failing cells are logged instead of failed; a gap that no longer shows fails the
// test, so that the list only shrinks.
func knownGaps() map[string]string {
	// None: an owner's row that names another organizer's merchant is refused by auth.ActFor,
	// which looks the merchant up (issue 12, item 6). A gap found later is listed here with why.
	return map[string]string{}
}

// fail reports a cell that breaks the tenant rule, unless its route is a known gap.
func (w *matrix) fail(r *route, format string, args ...any) {
	w.t.Helper()
	key := r.Method + " " + r.Path
	if why, ok := knownGaps()[key]; ok {
		w.gaps[key]++
		w.t.Logf("known gap (%s): "+format, append([]any{why}, args...)...)
		return
	}
	w.t.Errorf(format, args...)
}

func (w *matrix) next() int { w.seq++; return w.seq }

func (w *matrix) name(prefix string) string { return fmt.Sprintf("%s%d%s", prefix, w.next(), rnd()) }

func (w *matrix) tenant(own bool) string { return w.org[own] }

func (w *matrix) merchant(own bool) string { return w.mer[own] }

// do sends a setup request that must succeed.
func (w *matrix) do(status int, r apptest.Request) map[string]any {
	w.t.Helper()
	resp := w.e.Must(status, r)
	var m map[string]any
	_ = json.Unmarshal(resp.Body, &m)
	return m
}

// cell is one answered cell, kept for the coverage report.
type cell struct {
	c     *caller
	own   bool
	bound bool
	w     want
	b     built
	resp  *apptest.Response
}

func TestAuthorizationMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		start := time.Now()
		w := newMatrix(t, e)
		routes := w.routes()
		w.rows.probe(routes)
		setup := time.Since(start)

		cells, legacy, full := 0, 0, 0
		var authOnly []string
		for _, r := range routes {
			var done []cell
			// Another tenant's target first: a call that wrongly succeeds there is seen before an
			// allowed call of the owner changes the row.
			for _, own := range []bool{false, true} {
				for _, c := range w.order(own) {
					if r.fx.kind == self && tenantOf(own) != max(c.home, tenantA) {
						continue
					}
					if c.home == tenantB && !own && r.fx.kind != self {
						continue // B asking for B's rows mirrors A asking for A's
					}
					b := r.fx.build(w, c, own)
					if !r.fx.setsToken {
						b.req.Token = c.token
					}
					wt := expect(r, c, own, b)
					resp := e.Do(b.req)
					cells++
					if r.hand && c.legacy {
						legacy++
					}
					done = append(done, cell{c: c, own: own, bound: b.bound, w: wt, b: b, resp: resp})
					if !wt.notFound {
						w.check(r, c, own, wt, b, resp)
					}
				}
			}
			why := coverage(r, done)
			w.declared(r, done)
			for _, d := range done {
				if d.w.notFound {
					if why == "" {
						d.w = want{status: http.StatusNotFound, rows: -1}
					} else {
						d.w = want{refused: true, rows: -1}
					}
					w.check(r, d.c, d.own, d.w, d.b, d.resp)
				}
			}
			if why != "" {
				authOnly = append(authOnly, fmt.Sprintf("%s %s (%s): %s", r.Method, r.Path, r.ID, why))
			} else {
				full++
			}
		}
		for key := range knownGaps() {
			if w.gaps[key] == 0 {
				t.Errorf("the known gap of %s no longer shows: remove it from knownGaps", key)
			}
		}
		sort.Strings(authOnly)
		t.Logf("%d routes (%d with identity's hand-written fixtures), %d callers, %d cells (%d of them identity's matrix's) in %s (setup %s)",
			len(routes), countHand(routes), len(w.callers), cells, legacy, time.Since(start).Round(time.Millisecond), setup.Round(time.Millisecond))
		t.Logf("fully covered (an allowed call of the own tenant succeeded): %d; checked for authorization and the other tenant only: %d",
			full, len(authOnly))
		for _, s := range authOnly {
			t.Logf("  auth only: %s", s)
		}
	})
}

// declared fails a route of a module (not identity's sign-in and self-service routes) that
// reaches a tenant's rows but asks of its caller only that it is signed in: every caller of
// every tenant passes such a route's requirement, so only its handler stands between a tenant
// and another's rows. A tenant's route declares the permission it needs.
func (w *matrix) declared(r *route, done []cell) {
	req := r.Requirement
	if r.hand || req.Public || len(req.Roles) > 0 || req.Permission != "" {
		return
	}
	for _, d := range done {
		if d.bound {
			w.t.Errorf("%s %s (%s) reaches a tenant's rows but requires no role or permission", r.Method, r.Path, r.ID)
			return
		}
	}
}

// order is the callers in the order they ask for the tenant's target: on the own tenant, its
// owner and employees first, so that a call that uses the row up (a shift's closing) is theirs.
func (w *matrix) order(own bool) []*caller {
	out := slices.Clone(w.callers)
	if own {
		sort.SliceStable(out, func(i, j int) bool { return out[i].home == tenantA && out[j].home != tenantA })
	}
	return out
}

func countHand(routes []*route) int {
	n := 0
	for _, r := range routes {
		if r.hand {
			n++
		}
	}
	return n
}

// check compares one cell's answer with what it should be.
func (w *matrix) check(r *route, c *caller, own bool, wt want, b built, resp *apptest.Response) {
	t := w.t
	t.Helper()
	where := fmt.Sprintf("%s %s as %s on the %s tenant (%s %s)", r.Method, r.Path, c.name,
		map[bool]string{true: "own", false: "other"}[own], b.req.Method, b.req.Path)
	switch {
	case wt.refused:
		// Refused, or done for the caller's own tenant: an owner's organizerId in a body is
		// the caller's whatever it sends. Never a row that names the other tenant's.
		if resp.Status >= 200 && resp.Status < 300 {
			for _, id := range b.named {
				if strings.Contains(string(resp.Body), `"`+id+`"`) {
					w.fail(r, "%s: status %d names the other tenant's %s: %s", where, resp.Status, id, excerpt(resp.Body))
					return
				}
			}
			return
		}
		if resp.Status < 400 || resp.Status >= 500 || resp.Status == http.StatusUnauthorized {
			t.Errorf("%s: status %d, want a refusal (4xx): %s", where, resp.Status, excerpt(resp.Body))
		}
		return
	case wt.status == 0:
		if resp.Status >= 500 || (resp.Status == http.StatusUnauthorized && !r.Requirement.Public) {
			t.Errorf("%s: status %d: %s", where, resp.Status, excerpt(resp.Body))
		}
		return
	case resp.Status != wt.status:
		t.Errorf("%s: status %d, want %d: %s", where, resp.Status, wt.status, excerpt(resp.Body))
		return
	}
	if wt.rows == -1 || wt.status >= 300 {
		return
	}
	got := -1
	switch r.fx.kind {
	case list:
		var l []any
		_ = json.Unmarshal(resp.Body, &l)
		got = len(l)
	case tally:
		var cnt struct{ Count int }
		_ = json.Unmarshal(resp.Body, &cnt)
		got = cnt.Count
	}
	if got != wt.rows && (wt.rows != -2 || got < 0 || got > 1) {
		t.Errorf("%s: %d rows, want %d: %s", where, got, wt.rows, excerpt(resp.Body))
	}
}

// coverage returns "" when an allowed call of the route's own tenant succeeded (so the refusals
// of the other tenant are refusals of a call that works), or why it did not. For a route only
// the platform's staff may call, or one whose target is no tenant's, an allowed call of anyone
// counts.
func coverage(r *route, done []cell) string {
	if r.fx.why != "" {
		return r.fx.why
	}
	var first *cell
	tenantCaller := false
	for i, d := range done {
		allowed := d.w.status != http.StatusUnauthorized && d.w.status != http.StatusForbidden && !d.w.refused && !d.w.notFound &&
			(d.w.status != http.StatusNotFound || r.fx.ok == http.StatusNotFound)
		if !allowed || (d.bound && d.c.home != noTenant && d.c.home != tenantOf(d.own)) {
			continue
		}
		if d.bound && d.c.home == noTenant && tenantCaller {
			continue
		}
		if d.bound && d.c.home != noTenant && !tenantCaller {
			tenantCaller, first = true, nil // a tenant's own call is the one that counts
		}
		if d.resp.Status >= 200 && d.resp.Status < 300 && (!tenantCaller || d.c.home != noTenant) {
			return ""
		}
		if first == nil {
			first = &done[i]
		}
	}
	if first == nil {
		return "no caller may call it"
	}
	return fmt.Sprintf("%s answered %d: %s", first.c.name, first.resp.Status, excerpt(first.resp.Body))
}

// excerpt shortens a response body for a message: the problem's detail when there is one.
func excerpt(b []byte) string {
	var p struct {
		Detail string `json:"detail"`
		Errors []struct {
			Message  string `json:"message"`
			Location string `json:"location"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &p) == nil && p.Detail != "" {
		s := p.Detail
		for _, e := range p.Errors {
			s += "; " + e.Location + " " + e.Message
		}
		return s
	}
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// routes lists every served operation, checks the list against the OpenAPI document, and gives
// each its fixture: identity's hand-written one, or one built from the document.
func (w *matrix) routes() []*route {
	t := w.t
	t.Helper()
	doc := w.rows.doc
	documented := map[string]docOp{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			m := strings.ToUpper(method)
			if !slices.Contains([]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}, m) {
				continue
			}
			var op docOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("OpenAPI %s %s: %v", m, path, err)
			}
			documented[m+" "+path] = op
		}
	}
	served := w.e.App.Server.Operations()
	var out []*route
	seen := map[string]bool{}
	for _, op := range served {
		key := op.Method + " " + op.Path
		if seen[key] {
			t.Errorf("%s is registered twice", key)
		}
		seen[key] = true
		d, ok := documented[key]
		if !ok {
			t.Errorf("%s (%s) is served but not in the OpenAPI document", key, op.ID)
			continue
		}
		if d.OperationID != op.ID {
			t.Errorf("%s: served as %s, documented as %s", key, op.ID, d.OperationID)
		}
		if got, want := requirementOf(d.Auth), op.Requirement; !sameRequirement(got, want) {
			t.Errorf("%s: the document says %+v, the server enforces %+v", key, got, want)
		}
		out = append(out, &route{Operation: op, doc: d})
	}
	for key, d := range documented {
		if !seen[key] {
			t.Errorf("%s (%s) is documented but not served through api.Register", key, d.OperationID)
		}
	}
	if len(out) < 400 {
		t.Fatalf("only %d routes", len(out))
	}

	// Identity's routes have hand-written fixtures; every route of identity's tags has one, and
	// every fixture has a route.
	hand := identityFixtures()
	identityTags := []string{"Auth", "Users", "Roles", "Permissions", "Organizers", "Employees"}
	nHand := 0
	for _, r := range out {
		if f, ok := hand[r.ID]; ok {
			r.fx, r.hand = f, true
			nHand++
			continue
		}
		if slices.ContainsFunc(r.Tags, func(tag string) bool { return slices.Contains(identityTags, tag) }) {
			t.Errorf("identity route %s %s (%s) has no matrix fixture", r.Method, r.Path, r.ID)
		}
		r.fx = w.rows.fixture(r)
	}
	for op := range hand {
		if !slices.ContainsFunc(out, func(r *route) bool { return r.ID == op }) {
			t.Errorf("fixture %s has no route", op)
		}
	}
	if nHand < 60 {
		t.Fatalf("only %d identity routes", nHand)
	}

	// Reads first, then writes that make rows, then writes to rows, then deletes: a row a
	// later route needs is not deleted before.
	phase := func(r *route) int {
		switch {
		case r.Method == http.MethodGet:
			return 0
		case r.Method == http.MethodDelete:
			return 3
		case strings.Contains(r.Path, "{"):
			return 2
		}
		return 1
	}
	sort.SliceStable(out, func(i, j int) bool {
		if pi, pj := phase(out[i]), phase(out[j]); pi != pj {
			return pi < pj
		}
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// requirementOf reads back what api.Register wrote into x-bana-auth.
func requirementOf(ext map[string]any) auth.Requirement {
	var r auth.Requirement
	r.Public, _ = ext["public"].(bool)
	r.Permission, _ = ext["permission"].(string)
	names, _ := ext["roles"].([]any)
	for _, n := range names {
		s, _ := n.(string)
		role, ok := auth.ParseRole(s)
		if !ok {
			role = -1
		}
		r.Roles = append(r.Roles, role)
	}
	return r
}

func sameRequirement(a, b auth.Requirement) bool {
	return a.Public == b.Public && a.Permission == b.Permission && slices.Equal(a.Roles, b.Roles)
}

// newMatrix makes the two tenants (each an owner, two merchants, an employee with a PIN) and
// the callers, all over HTTP.
func newMatrix(t *testing.T, e *apptest.Env) *matrix {
	t.Helper()
	w := &matrix{t: t, e: e, gaps: map[string]int{}, org: map[bool]string{}, owner: map[bool]string{}, mer: map[bool]string{}, mer2: map[bool]string{},
		emp: map[bool]string{}, user: map[bool]string{}}
	boot := e.AdminToken() // signs the platform's first staff in: no account behind it
	staff := func(username string, role auth.Role) string {
		pw := "Hủ tiếu Nam Vang " + rnd()
		w.do(201, apptest.Request{Method: "POST", Path: "/users", Token: boot, Body: map[string]any{
			"identifiers": []map[string]any{{"scheme": "USERNAME", "value": username}}, "password": pw, "roles": []string{role.String()}}})
		return token(e.SignIn(username, pw))
	}
	w.root = staff("matrix.root", auth.SuperAdmin)
	for _, own := range []bool{true, false} {
		tok, org := seller(t, e, w.name("owner"))
		w.owner[own], w.org[own] = tok, org
		w.mer[own], w.mer2[own] = w.newMerchant(own), w.newMerchant(own)
		w.emp[own], w.user[own] = w.employee(own)
	}
	e.SignUp(map[string]any{"username": "matrix.signin", "password": "Bánh đa cua Hải Phòng"})
	w.do(201, apptest.Request{Method: "POST", Path: "/employees", Token: w.owner[true], Body: map[string]any{
		"username": "matrix.employee", "password": "Bánh tráng trộn Sài Gòn", "merchantIds": []string{w.merchant(true)}}})
	employee := token(e.SignIn("matrix.employee", "Bánh tráng trộn Sài Gòn"))
	w.callers = []*caller{{name: "anonymous", legacy: true},
		{name: "a bad token", token: "eyJhbGciOiJIUzI1NiJ9.bm90IGEgdG9rZW4.c2lnbmF0dXJl"},
		{name: "SUPER_ADMIN", role: auth.SuperAdmin, token: w.root, legacy: true},
		{name: "ADMIN", role: auth.Admin, token: staff("matrix.admin", auth.Admin), legacy: true},
		{name: "OPERATOR", role: auth.Operator, token: staff("matrix.operator", auth.Operator), legacy: true},
		{name: "ORGANIZER_OWNER", role: auth.OrganizerOwner, token: w.owner[true], home: tenantA, legacy: true},
		{name: "EMPLOYEE", role: auth.Employee, token: employee, home: tenantA, legacy: true},
		{name: "EMPLOYEE with every permission", role: auth.Employee, home: tenantA},
		{name: "EMPLOYEE without permissions", role: auth.Employee, home: tenantA},
		{name: "ORGANIZER_OWNER of the other tenant", role: auth.OrganizerOwner, token: w.owner[false], home: tenantB}}
	for _, c := range w.callers {
		if c.role != 0 && c.token != "" {
			p, _, err := e.App.Tokens.Verify(c.token)
			if err != nil {
				t.Fatal(err)
			}
			c.p = p
		}
	}
	// The employee's account, claiming every permission or none: a token as identity would
	// sign it after an admin changed the employee role's permissions.
	for i, perms := range [][]string{{"*"}, {}} {
		real := *w.callers[6].p
		real.Permissions, real.TokenID = perms, ""
		c := w.callers[7+i]
		c.token = e.Token(&real)
		p, _, err := e.App.Tokens.Verify(c.token)
		if err != nil {
			t.Fatal(err)
		}
		c.p = p
	}
	// The cells follow from the principal, so a change of the role's defaults would change them
	// silently: the role is pinned here. A terminal sells (sale.write) and quotes the cart as it
	// is rung up (pricing.read, docs/pricing.md); it changes neither the menu nor the prices.
	if emp := w.callers[6].p; emp.Can("catalog.write") || emp.Can("pricing.write") || !emp.Can("sale.write") || !emp.Can("pricing.read") {
		t.Fatalf("the EMPLOYEE role's permissions changed: %v", emp.Permissions)
	}
	w.rows = newRowFactory(w)
	w.rows.prime()
	return w
}

// newMerchant onboards a merchant of the tenant through its owner.
func (w *matrix) newMerchant(own bool) string {
	return w.do(201, apptest.Request{Method: "POST", Path: "/merchants", Token: w.owner[own], Body: map[string]any{
		"name": "Quán " + w.name("m")}})["id"].(string)
}
