package app_test

// Rows and requests of the authorization matrix, made from the OpenAPI document alone: a row of
// a collection is made through the collection's POST route, with a body of the schema's required
// fields (and organizerId and merchantId, which anchor it in a tenant); an id field is filled
// with a row of the collection its name names (variantId: a product-variant, fromLocationId: an
// inventory-location), made the same way. What the schema does not say, the server's answer
// does: a 400 or 422 naming a field the body lacks ("body.tableCode: a dine-in order needs a
// table") adds it, one naming a value ("must be OPEN or CLOSED") picks another, a 409 asks for
// fresh rows; the factory keeps these lessons per operation for every later call. A collection
// that no route makes is read: its newest row, after every POST route of each tenant has run
// twice (an order, a shift, a stock count...).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
)

// apiDoc is the part of the OpenAPI document the matrix reads.
type apiDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

type docParam struct {
	Name     string         `json:"name"`
	In       string         `json:"in"`
	Required bool           `json:"required"`
	Schema   map[string]any `json:"schema"`
}

type docContent map[string]struct {
	Schema map[string]any `json:"schema"`
}

// docOp is one operation of the document.
type docOp struct {
	OperationID string     `json:"operationId"`
	Tags        []string   `json:"tags"`
	Parameters  []docParam `json:"parameters"`
	RequestBody *struct {
		Content docContent `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content docContent `json:"content"`
	} `json:"responses"`
	Auth map[string]any `json:"x-bana-auth"`
}

func (d docOp) param(name string) (docParam, bool) {
	for _, p := range d.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return docParam{}, false
}

// made is a row the factory made or found.
type made struct {
	id     string
	tenant tenant // noTenant: reference data every caller sees
	made   bool   // made through a route, so another can be made
	reused bool   // a fresh row was asked for, but this is the only one
	why    string // when id is empty: why there is no row
}

// op is a served operation with its documentation.
type op struct {
	api.Operation
	doc docOp
}

// lesson is what the server's answers taught about an operation's body.
type lesson struct {
	add   map[string]bool     // body paths to fill although the schema does not require them
	opts  map[string][]string // values a message offered for a path ("must be A, B or C")
	pick  map[string]int      // which of a path's values (enum or offered) to send
	fresh bool                // a conflict: name fresh rows
}

// rowFactory makes rows of any collection for a tenant.
type rowFactory struct {
	w           *matrix
	doc         apiDoc
	ops         []op
	collections map[string]string // singular ("product-variant") -> collection ("/product-variants")
	makers      map[string]op     // collection -> its POST route
	lists       map[string]op     // collection -> its list route
	shared      map[string]made   // collection and tenant -> the row most cells use
	lessons     map[string]*lesson
	seq         int // numbers the codes it makes
}

func newRowFactory(w *matrix) *rowFactory {
	f := &rowFactory{w: w, collections: map[string]string{}, makers: map[string]op{}, lists: map[string]op{},
		shared: map[string]made{}, lessons: map[string]*lesson{}}
	w.e.Must(200, apptest.Request{Method: "GET", Path: "/doc/openapi.json"}).JSON(w.t, &f.doc)
	for _, o := range w.e.App.Server.Operations() {
		var d docOp
		if raw, ok := f.doc.Paths[o.Path][strings.ToLower(o.Method)]; ok {
			if err := json.Unmarshal(raw, &d); err != nil {
				w.t.Fatal(err)
			}
		}
		f.ops = append(f.ops, op{Operation: o, doc: d})
		if coll, ok := strings.CutSuffix(o.Path, "/{id}"); ok && o.Method == http.MethodGet && !strings.Contains(coll, "{") {
			if s, ok := strings.CutPrefix(o.ID, "get-"); ok {
				f.collections[s] = coll
			}
		}
	}
	for _, o := range f.ops {
		if strings.Contains(o.Path, "{") {
			continue
		}
		switch {
		case o.Method == http.MethodPost:
			f.makers[o.Path] = o
		case o.Method == http.MethodGet && isArray(f.response(o.doc)):
			f.lists[o.Path] = o
		}
	}
	// The tenants' own rows: their merchants, organizers, employees and the employees' users.
	for _, own := range []bool{true, false} {
		ten := tenantOf(own)
		f.shared[rowKey("/merchants", own)] = made{id: w.mer[own], tenant: ten, made: true}
		f.shared[rowKey("/organizers", own)] = made{id: w.org[own], tenant: ten}
		f.shared[rowKey("/employees", own)] = made{id: w.emp[own], tenant: ten}
		f.shared[rowKey("/users", own)] = made{id: w.user[own], tenant: ten}
	}
	return f
}

func rowKey(coll string, own bool) string { return fmt.Sprint(coll, "|", own) }

// resolve follows a $ref.
func (f *rowFactory) resolve(sc map[string]any) map[string]any {
	for range 10 {
		ref, ok := sc["$ref"].(string)
		if !ok {
			return sc
		}
		sc = f.doc.Components.Schemas[ref[strings.LastIndex(ref, "/")+1:]]
	}
	return sc
}

func (f *rowFactory) response(d docOp) map[string]any {
	for _, code := range []string{"200", "201"} {
		if r, ok := d.Responses[code]; ok {
			return f.resolve(r.Content["application/json"].Schema)
		}
	}
	return nil
}

func typeOf(sc map[string]any) string {
	switch t := sc["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, _ := x.(string); s != "null" {
				return s
			}
		}
	}
	return ""
}

func isArray(sc map[string]any) bool { return typeOf(sc) == "array" }

// fixture builds a route's fixture from the document: the kind follows from the path (an {id}),
// the parameters (filter, where) and the answer (a list).
func (f *rowFactory) fixture(r *route) fixture {
	fx := fixture{kind: self}
	coll := ""
	for _, p := range pathParams(r.Path) {
		if p != "id" {
			fx.why = fmt.Sprintf("the path parameter {%s} is no collection's row", p)
		}
	}
	_, filter := r.doc.param("filter")
	_, where := r.doc.param("where")
	switch {
	case strings.Contains(r.Path, "{id}"):
		fx.kind, coll = row, r.Path[:strings.Index(r.Path, "/{id}")]
	case where:
		fx.kind, fx.ok, coll = tally, http.StatusOK, strings.TrimSuffix(r.Path, "/count")
	case filter && r.Method == http.MethodGet && isArray(f.response(r.doc)):
		fx.kind, fx.ok, coll = list, http.StatusOK, r.Path
	case filter && r.Method == http.MethodGet:
		fx.kind, coll = row, strings.TrimSuffix(r.Path, "/find-one")
	default:
		// A call that names a tenant's rows in its body or query is another tenant's when it
		// names the other's.
		s := f.synth(r.ID, true)
		s.dry = true
		s.request(op{Operation: r.Operation, doc: r.doc}, "")
		if s.refs {
			fx.kind = body
		}
	}
	findOne := fx.kind == row && !strings.Contains(r.Path, "{id}")
	fx.build = func(w *matrix, c *caller, own bool) built {
		b, why := f.request(r, coll, findOne, c, own)
		if why != "" && r.fx.why == "" {
			r.fx.why = why
		}
		return b
	}
	return fx
}

func pathParams(path string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

// request builds the route's call by the caller for the target tenant: a fresh row when the
// caller may write to it, and a body made from the schema. It reports why the call could not be
// made whole.
func (f *rowFactory) request(r *route, coll string, findOne bool, c *caller, own bool) (built, string) {
	// A call that may change its row gets a fresh one: one its caller may call and see.
	// Another tenant's caller gets the shared row, which it must not find.
	fresh := r.Requirement.Check(c.p) == "" && r.Method != http.MethodGet &&
		(c.p == nil || c.p.IsAdmin() || c.home == tenantOf(own))
	s := f.synth(r.ID, own)
	why, bound, reused := "", false, false
	target := "1"
	if coll != "" {
		m := f.row(coll, own, fresh)
		if m.id == "" {
			why = m.why
		} else {
			target, bound, reused = m.id, m.tenant != noTenant, m.reused
			s.used[coll]++
			if strings.HasSuffix(r.Path, "/{id}/restore") && fresh {
				if resp := f.w.e.Do(apptest.Request{Method: http.MethodDelete, Path: coll + "/" + m.id, Token: f.w.root}); resp.Status >= 300 {
					why = fmt.Sprintf("a row of %s to restore could not be deleted: %d %s", coll, resp.Status, excerpt(resp.Body))
				}
			}
		}
	}
	path := r.Path
	switch {
	case findOne, r.fx.kind == list:
		path += "?filter=" + filterID(target)
	case r.fx.kind == row:
		path = at(path, target)
	case r.fx.kind == tally:
		path += "?where=" + where("id", target)
	}
	b := built{req: s.request(op{Operation: r.Operation, doc: r.doc}, path), bound: bound || s.refs, named: s.named, reused: reused}
	if bound {
		b.named = append(b.named, target)
	}
	return b, why
}

// at puts the row in the route's path ({id}; other parameters name no row: 1).
func at(path, id string) string {
	path = strings.ReplaceAll(path, "{id}", id)
	return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
}

// row returns a row of the collection for the tenant: the shared one, or a fresh one when fresh
// (a call may change or delete it). A collection that no route makes has only the row found in
// it (reused); one whose POST route made a row but fails now has none: a shared row is never
// handed to a call that may delete it.
func (f *rowFactory) row(coll string, own, fresh bool) made {
	k := rowKey(coll, own)
	s, ok := f.shared[k]
	switch {
	case ok && !fresh:
		return s
	case ok && !s.made:
		s.reused = s.id != ""
		return s
	}
	m := f.make(coll, own)
	switch {
	case m.id != "":
		if !ok {
			f.shared[k] = m
		}
		return m
	case ok:
		return m
	}
	found := f.find(coll, own)
	if found.id == "" {
		found.why = m.why + "; " + found.why
	}
	f.shared[k] = found
	found.reused = fresh && found.id != ""
	return found
}

func (f *rowFactory) isCollection(path string) bool {
	for _, coll := range f.collections {
		if coll == path {
			return true
		}
	}
	return false
}

// owner is the owner caller of the tenant.
func (f *rowFactory) owner(own bool) *caller {
	for _, c := range f.w.callers {
		if c.role == auth.OrganizerOwner && c.home == tenantOf(own) {
			return c
		}
	}
	f.w.t.Fatal("no owner caller")
	return nil
}

// as returns the token that may call o for the tenant: its owner's, or a SUPER_ADMIN's when
// the route is not for owners (the row then belongs to no tenant unless its body names one).
func (f *rowFactory) as(o op, own bool) (string, bool) {
	if c := f.owner(own); o.Requirement.Check(c.p) == "" {
		return c.token, true
	}
	return f.w.root, false
}

// make makes a row through the collection's POST route.
func (f *rowFactory) make(coll string, own bool) made {
	o, ok := f.makers[coll]
	if !ok {
		return made{why: "no POST " + coll}
	}
	tok, owner := f.as(o, own)
	resp, s := f.call(o, own, tok, o.Path, coll)
	var out struct {
		ID json.Number `json:"id"`
	}
	if resp.Status >= 300 || decode(resp.Body, &out) != nil || out.ID == "" {
		return made{why: fmt.Sprintf("POST %s answered %d: %s", coll, resp.Status, excerpt(resp.Body))}
	}
	ten := noTenant
	if owner || s.refs {
		ten = tenantOf(own)
	}
	return made{id: out.ID.String(), tenant: ten, made: true}
}

func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// find reads the newest row of the collection that the tenant's owner sees (or a SUPER_ADMIN,
// when owners may not list it). A row with an organizerId or merchantId belongs to the tenant.
func (f *rowFactory) find(coll string, own bool) made {
	o, ok := f.lists[coll]
	if !ok {
		return made{why: "no list of " + coll}
	}
	tok, owner := f.as(o, own)
	path := coll
	if _, ok := o.doc.param("filter"); ok {
		path += "?filter=" + q(`{"limit":1}`)
	}
	resp := f.w.e.Do(apptest.Request{Method: http.MethodGet, Path: path, Token: tok})
	var rows []map[string]any
	if resp.Status != http.StatusOK || decode(resp.Body, &rows) != nil {
		return made{why: fmt.Sprintf("GET %s answered %d: %s", coll, resp.Status, excerpt(resp.Body))}
	}
	if len(rows) == 0 {
		return made{why: "no row of " + coll + " after every POST route ran"}
	}
	m := made{id: fmt.Sprint(rows[0]["id"]), tenant: noTenant}
	if owner && (rows[0]["organizerId"] != nil || rows[0]["merchantId"] != nil) {
		m.tenant = tenantOf(own)
	}
	return m
}

// prime runs every POST route that owners may call and that is not identity's, twice for each
// tenant, so that rows only those routes make (shifts, orders, stock...) exist, and the bodies
// they need are learnt.
func (f *rowFactory) prime() {
	hand := identityFixtures()
	for range 2 {
		for _, own := range []bool{true, false} {
			for _, o := range f.ops {
				if _, ok := hand[o.ID]; ok || o.Method != http.MethodPost || strings.Contains(o.Path, "{") {
					continue
				}
				tok, owner := f.as(o, own)
				if !owner {
					continue
				}
				// The first row a collection's POST makes is the one its cells share (the first
				// stock location is the merchant's default, where stock is counted).
				resp, _ := f.call(o, own, tok, o.Path, "")
				var out struct {
					ID json.Number `json:"id"`
				}
				k := rowKey(o.Path, own)
				if _, ok := f.shared[k]; !ok && f.isCollection(o.Path) && resp.Status < 300 && decode(resp.Body, &out) == nil && out.ID != "" {
					f.shared[k] = made{id: out.ID.String(), tenant: tenantOf(own), made: true}
				}
			}
		}
	}
}

// probe learns the body of every call to a row (an order's payment, a shift's cash movement) on
// a fresh row of tenant A, before the matrix sends it.
func (f *rowFactory) probe(routes []*route) {
	for _, r := range routes {
		coll, _, ok := strings.Cut(r.Path, "/{id}")
		if r.hand || !ok || r.doc.RequestBody == nil || r.Method == http.MethodPatch || f.makers[coll].ID == "" {
			continue
		}
		o := op{Operation: r.Operation, doc: r.doc}
		if m := f.row(coll, true, true); m.made && m.id != "" {
			tok, _ := f.as(o, true)
			f.call(o, true, tok, at(r.Path, m.id), coll)
		}
	}
}

// call sends o for the tenant at path, learning from each refusal of its body, and returns the
// last answer and the synth that made it. coll is a collection the path already names a row of.
func (f *rowFactory) call(o op, own bool, tok, path, coll string) (*apptest.Response, *synth) {
	for try := 0; ; try++ {
		s := f.synth(o.ID, own)
		if coll != "" {
			s.used[coll]++
		}
		req := s.request(o, path)
		req.Token = tok
		resp := f.w.e.Do(req)
		if try == 12 || !f.learn(o.ID, s, resp) {
			return resp, s
		}
	}
}

// optionsRE read the values a message offers: "must be OVERRIDE, DISCOUNT or MARKUP", "must be
// an IANA time zone such as Asia/Ho_Chi_Minh", "provider SYSTEM takes [CASH CARD_EXTERNAL]".
var optionsRE = []*regexp.Regexp{
	regexp.MustCompile(`must be ((?:[A-Z][A-Z0-9_]*, )*[A-Z][A-Z0-9_]*(?: or [A-Z][A-Z0-9_]*)?)\b`),
	regexp.MustCompile(`such as ([^\s;,]+)`),
	regexp.MustCompile(`takes \[([^\]]+)\]`),
}

// options returns the values a message offers, or nil.
func options(msg string) []string {
	for _, re := range optionsRE {
		if m := re.FindStringSubmatch(msg); m != nil {
			return strings.Fields(strings.NewReplacer(",", " ", " or ", " ").Replace(m[1]))
		}
	}
	return nil
}

// learn reads a refusal of the body s made and changes the operation's lesson; it reports
// whether there is something new to try.
func (f *rowFactory) learn(opID string, s *synth, resp *apptest.Response) bool {
	les := f.lesson(opID)
	if resp.Status == http.StatusConflict && !les.fresh {
		les.fresh = true
		return true
	}
	// A 400 is about the body; a 422 about the state of things (no open shift, no stock),
	// which another body does not change.
	if resp.Status != http.StatusBadRequest {
		return false
	}
	var p struct {
		Errors []struct {
			Message  string `json:"message"`
			Location string `json:"location"`
		} `json:"errors"`
	}
	if json.Unmarshal(resp.Body, &p) != nil {
		return false
	}
	changed := false
	for _, e := range p.Errors {
		loc, ok := strings.CutPrefix(e.Location, "body.")
		if !ok {
			continue
		}
		path := regexp.MustCompile(`\[\d+\]`).ReplaceAllString(loc, "")
		if !s.paths[path] {
			if !les.add[path] {
				les.add[path], changed = true, true
			}
			continue
		}
		if opts := options(e.Message); opts != nil {
			if !slices.Equal(les.opts[path], opts) {
				les.opts[path], les.pick[path], changed = opts, 0, true
				continue
			}
		}
		if n := s.choices[path]; les.pick[path]+1 < n {
			les.pick[path]++
			changed = true
			continue
		}
		// "an EAN-13 has 13 digits" of a code: another value of a field beside it (its type).
		if next := s.sibling(path); next != "" {
			les.pick[next]++
			changed = true
			continue
		}
		// "name the purchaseOrderItemId or the variantId": a field of the object the message
		// names.
		for _, name := range s.props[path] {
			sub := path + "." + name
			if strings.Contains(e.Message, name) && !s.paths[sub] && !les.add[sub] {
				les.add[sub], changed = true, true
				break
			}
		}
	}
	return changed
}

// sibling returns a field beside path (in the same object) whose value the synth chose among
// several and that has others left, or "".
func (s *synth) sibling(path string) string {
	parent := ""
	if i := strings.LastIndex(path, "."); i >= 0 {
		parent = path[:i]
	}
	for _, name := range s.props[parent] {
		sub := join(parent, name)
		if sub != path && s.les.pick[sub]+1 < s.choices[sub] {
			return sub
		}
	}
	return ""
}

func (f *rowFactory) lesson(opID string) *lesson {
	les, ok := f.lessons[opID]
	if !ok {
		les = &lesson{add: map[string]bool{}, opts: map[string][]string{}, pick: map[string]int{}}
		f.lessons[opID] = les
	}
	return les
}

// synth makes the values of one request from its schema and the operation's lesson.
func (f *rowFactory) synth(opID string, own bool) *synth {
	return &synth{f: f, les: f.lesson(opID), own: own, used: map[string]int{}, paths: map[string]bool{},
		choices: map[string]int{}, props: map[string][]string{}}
}

// synth makes the values of a request.
type synth struct {
	f       *rowFactory
	les     *lesson
	own     bool
	dry     bool                // only find out whether the request names a tenant's rows
	refs    bool                // the request names a tenant's rows
	named   []string            // the tenant's ids it names
	used    map[string]int      // rows named per collection: a second is another row
	paths   map[string]bool     // body paths it filled ("lines.variantId")
	choices map[string]int      // how many values a path could take
	props   map[string][]string // the properties of each object it filled
}

// request makes the operation's call at path (empty: as documented): query, headers and body.
func (s *synth) request(o op, path string) apptest.Request {
	if path == "" {
		path = o.Path
	}
	req := apptest.Request{Method: o.Method, Path: path, Headers: map[string]string{}}
	var query []string
	for _, p := range o.doc.Parameters {
		switch {
		case p.In == "header" && strings.EqualFold(p.Name, "Idempotency-Key"):
			req.Headers[p.Name] = "matrix-" + rnd() + rnd()
		case p.In == "query" && (p.Required || p.Name == "merchantId" || p.Name == "organizerId"):
			if v, ok := s.value("query."+p.Name, p.Name, p.Schema, 0); ok {
				query = append(query, p.Name+"="+q(fmt.Sprint(v)))
			}
		}
	}
	if len(query) > 0 {
		req.Path += map[bool]string{true: "&", false: "?"}[strings.Contains(req.Path, "?")] + strings.Join(query, "&")
	}
	if o.doc.RequestBody != nil {
		if o.Method == http.MethodPatch {
			req.Body = map[string]any{} // a change of nothing: the call is what is checked
		} else if v, ok := s.value("", "body", o.doc.RequestBody.Content["application/json"].Schema, 0); ok {
			req.Body = v
		}
	}
	return req
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (s *synth) object(path string, sc map[string]any, depth int) map[string]any {
	props, _ := sc["properties"].(map[string]any)
	want := map[string]bool{"organizerId": true, "merchantId": true}
	req, _ := sc["required"].([]any)
	for _, r := range req {
		want[fmt.Sprint(r)] = true
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	s.props[path] = names
	out := map[string]any{}
	for _, name := range names {
		p, _ := props[name].(map[string]any)
		sub := join(path, name)
		if ro, _ := p["readOnly"].(bool); (!want[name] && !s.les.add[sub]) || ro {
			continue
		}
		if v, ok := s.value(sub, name, p, depth+1); ok {
			out[name] = v
			s.paths[sub] = true
		}
	}
	return out
}

func (s *synth) value(path, name string, sc map[string]any, depth int) (any, bool) {
	sc = s.f.resolve(sc)
	if depth > 6 || sc == nil {
		return nil, false
	}
	switch typeOf(sc) {
	case "object":
		return s.object(path, sc, depth), true
	case "array":
		items, _ := sc["items"].(map[string]any)
		n := 1
		if m, ok := sc["minItems"].(float64); ok && int(m) > n {
			n = int(m)
		}
		out := []any{}
		for range n {
			v, ok := s.value(path, strings.TrimSuffix(name, "s"), items, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case "integer", "number":
		v := 1.0
		if m, ok := sc["minimum"].(float64); ok && m > v {
			v = m
		}
		if m, ok := sc["maximum"].(float64); ok && m < v {
			v = m
		}
		if typeOf(sc) == "integer" {
			return int64(v), true
		}
		return v, true
	case "boolean":
		return false, true
	}
	return s.text(path, name, sc)
}

// text makes a string: a row's id for an id field, one of the values the schema or the server
// offers, or a new code that fits the schema.
func (s *synth) text(path, name string, sc map[string]any) (any, bool) {
	w := s.f.w
	switch {
	case name == "organizerId":
		s.refs, s.named = true, append(s.named, w.org[s.own])
		return w.org[s.own], true
	case name == "merchantId":
		s.refs, s.named = true, append(s.named, w.mer[s.own])
		return w.mer[s.own], true
	case strings.HasSuffix(name, "Id"):
		coll := s.f.collectionOf(name)
		if coll == "" {
			return nil, false
		}
		if s.dry {
			s.refs = true
			return "1", true
		}
		s.used[coll]++
		m := s.f.row(coll, s.own, s.les.fresh || s.used[coll] > 1)
		if m.id == "" {
			return nil, false
		}
		if m.tenant != noTenant {
			s.refs, s.named = true, append(s.named, m.id)
		}
		return m.id, true
	}
	var offered []string
	if enum, ok := sc["enum"].([]any); ok {
		for _, v := range enum {
			if x := fmt.Sprint(v); x != "" {
				offered = append(offered, x)
			}
		}
	}
	if opts := s.les.opts[path]; len(opts) > 0 {
		offered = opts
	}
	if len(offered) > 0 {
		s.choices[path] = len(offered)
		return offered[s.les.pick[path]%len(offered)], true
	}
	s.f.seq++
	n := s.f.seq
	switch sc["format"] {
	case "date-time":
		return time.Now().UTC().Format(time.RFC3339), true
	case "date":
		return time.Now().UTC().Format(time.DateOnly), true
	}
	var candidates []string
	switch lname := strings.ToLower(name); {
	case strings.Contains(lname, "email") || sc["format"] == "email":
		candidates = []string{fmt.Sprintf("mx%d@example.vn", n)}
	case strings.Contains(lname, "password"):
		candidates = []string{fmt.Sprintf("Bún bò Huế %d %s", n, rnd())}
	case lname == "pin":
		candidates = []string{"2580"}
	case strings.Contains(lname, "phone"):
		candidates = []string{fmt.Sprintf("09%08d", n)}
	}
	candidates = append(candidates, fmt.Sprintf("MX%d", n), fmt.Sprintf("mx%d", n), fmt.Sprint(1000+n), fmt.Sprintf("mx-%d", n))
	pattern, _ := sc["pattern"].(string)
	for _, c := range candidates {
		if m, ok := sc["minLength"].(float64); ok {
			for len(c) < int(m) {
				c += "0"
			}
		}
		if m, ok := sc["maxLength"].(float64); ok && len(c) > int(m) {
			c = c[:int(m)]
		}
		if pattern == "" || regexp.MustCompile(pattern).MatchString(c) {
			return c, true
		}
	}
	return nil, false
}

// collectionOf names the collection an id field refers to: the collection whose singular ends
// with the field's words ("fromLocationId": inventory-location), the shortest when several do
// ("groupId": modifier-group, not variant-modifier-group).
func (f *rowFactory) collectionOf(field string) string {
	words := splitCamel(strings.TrimSuffix(field, "Id"))
	for i := range words {
		suffix := strings.Join(words[i:], "-")
		best := ""
		for s := range f.collections {
			if (s == suffix || strings.HasSuffix(s, "-"+suffix)) && (best == "" || len(s) < len(best) || (len(s) == len(best) && s < best)) {
				best = s
			}
		}
		if best != "" {
			return f.collections[best]
		}
	}
	return ""
}

func splitCamel(s string) []string {
	var words []string
	start := 0
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			words = append(words, strings.ToLower(s[start:i]))
			start = i
		}
	}
	if start < len(s) {
		words = append(words, strings.ToLower(s[start:]))
	}
	return words
}
