package query

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
)

var testFields = map[string]Field{
	"id":        {Name: "id", Column: "id", Kind: ID},
	"name":      {Name: "name", Column: "name", Kind: String},
	"status":    {Name: "status", Column: "status", Kind: String, Enum: []string{"ACTIVE", "INACTIVE"}},
	"price":     {Name: "price", Column: "price", Kind: Int},
	"weight":    {Name: "weight", Column: "weight", Kind: Float},
	"active":    {Name: "active", Column: "active", Kind: Bool},
	"createdAt": {Name: "createdAt", Column: "created_at", Kind: Time},
	"meta":      {Name: "meta", Column: "meta", Kind: JSON},
	"tags":      {Name: "tags", Column: "tags", Kind: Array, Elem: String},
	"scores":    {Name: "scores", Column: "scores", Kind: Array, Elem: Int},
	"secret":    {Name: "secret", Column: "secret", Kind: String, Hidden: true},
}

func TestCompileWhere(t *testing.T) {
	cases := []struct {
		where   string
		sqlite  string
		pg      string // when it differs
		args    int
		pgArgs  int        // when it differs from args and is not 0
		errPart string     // a substring of the error location or message
		errOn   db.Dialect // the only dialect that refuses it, when not both
	}{
		{where: `{"name":"Cà phê"}`, sqlite: `"name" = ?`, args: 1},
		{where: `{"name":null}`, sqlite: `"name" IS NULL`},
		{where: `{"price":{"gt":1000,"lte":5000}}`, sqlite: `"price" > ? AND "price" <= ?`, args: 2},
		{where: `{"price":{"between":[1,2]}}`, sqlite: `"price" BETWEEN ? AND ?`, args: 2},
		{where: `{"price":{"notBetween":[1,2]}}`, sqlite: `"price" NOT BETWEEN ? AND ?`, args: 2},
		{where: `{"id":{"inq":["1","2",3]}}`, sqlite: `"id" IN (?, ?, ?)`, args: 3},
		{where: `{"id":{"in":[]}}`, sqlite: `1=0`},
		{where: `{"id":{"nin":[]}}`, sqlite: `1=1`},
		{where: `{"id":{"notIn":["5"]}}`, sqlite: `"id" NOT IN (?)`, args: 1},
		{where: `{"status":{"neq":"ACTIVE"}}`, sqlite: `"status" <> ?`, args: 1},
		{where: `{"status":{"eq":null}}`, sqlite: `"status" IS NULL`},
		{where: `{"status":{"neq":null}}`, sqlite: `"status" IS NOT NULL`},
		{where: `{"name":{"like":"C%"}}`, sqlite: `"name" GLOB ?`, pg: `"name" LIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"ilike":"c%"}}`, sqlite: `bana_fold("name") LIKE bana_fold(?) ESCAPE '\'`, pg: `"name" ILIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"notLike":"C%"}}`, sqlite: `"name" NOT GLOB ?`, pg: `"name" NOT LIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"notILike":"c%"}}`, sqlite: `bana_fold("name") NOT LIKE bana_fold(?) ESCAPE '\'`, pg: `"name" NOT ILIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"startsWith":"Trà"}}`, sqlite: `"name" GLOB ?`, pg: `"name" LIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"endsWith":"đá"}}`, sqlite: `"name" GLOB ?`, pg: `"name" LIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"regexp":"^C.*"}}`, sqlite: `"name" REGEXP ?`, pg: `"name" ~ $1`, args: 1},
		{where: `{"name":{"iregexp":"^c"}}`, sqlite: `"name" REGEXP ?`, pg: `"name" ~* $1`, args: 1},
		{where: `{"meta":{"isNull":true}}`, sqlite: `"meta" IS NULL`},
		{where: `{"meta":{"isNotNull":true}}`, sqlite: `"meta" IS NOT NULL`},
		{where: `{"name":{"isNull":false}}`, sqlite: `"name" IS NOT NULL`},
		{where: `{"active":true}`, sqlite: `"active" = ?`, args: 1},
		{where: `{"weight":{"gte":1.5}}`, sqlite: `"weight" >= ?`, args: 1},
		{where: `{"createdAt":{"gte":"2026-01-01T00:00:00+07:00"}}`, sqlite: `"created_at" >= ?`, args: 1},
		{where: `{"createdAt":{"lt":"2026-01-02"}}`, sqlite: `"created_at" < ?`, args: 1},
		{where: `{"or":[{"name":"a"},{"price":1}]}`, sqlite: `("name" = ? OR "price" = ?)`, args: 2},
		{where: `{"and":[{"name":"a"},{"price":1}],"active":false}`, sqlite: `"active" = ? AND ("name" = ? AND "price" = ?)`, args: 3},
		{where: `{"not":{"name":"a"}}`, sqlite: `NOT ("name" = ?)`, args: 1},
		{where: `{}`, sqlite: `1=1`},
		// IGNIS's other names.
		{where: `{"status":{"ne":"ACTIVE"}}`, sqlite: `"status" <> ?`, args: 1},
		{where: `{"status":{"is":null}}`, sqlite: `"status" IS NULL`},
		{where: `{"status":{"is":"ACTIVE"}}`, sqlite: `"status" = ?`, args: 1},
		{where: `{"status":{"isn":null}}`, sqlite: `"status" IS NOT NULL`},
		{where: `{"status":{"isn":"ACTIVE"}}`, sqlite: `"status" <> ?`, args: 1},
		{where: `{"name":{"nlike":"C%"}}`, sqlite: `"name" NOT GLOB ?`, pg: `"name" NOT LIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"nilike":"c%"}}`, sqlite: `bana_fold("name") NOT LIKE bana_fold(?) ESCAPE '\'`, pg: `"name" NOT ILIKE $1 ESCAPE '\'`, args: 1},
		// The array shorthand is in; in and nin with one value are eq and ne.
		{where: `{"id":[1,2,"3"]}`, sqlite: `"id" IN (?, ?, ?)`, args: 3},
		{where: `{"id":[]}`, sqlite: `1=0`},
		{where: `{"status":{"in":"ACTIVE"}}`, sqlite: `"status" = ?`, args: 1},
		{where: `{"status":{"inq":null}}`, sqlite: `"status" IS NULL`},
		{where: `{"status":{"nin":"ACTIVE"}}`, sqlite: `"status" <> ?`, args: 1},
		{where: `{"price":{"inq":5}}`, sqlite: `"price" = ?`, args: 1},
		{where: `{"status":["ACTIVE","DELETED"]}`, errPart: "where.status[1]"},
		// Empty groups are dropped; a where with nothing left selects every row.
		{where: `{"or":[]}`, sqlite: `1=1`},
		{where: `{"and":[]}`, sqlite: `1=1`},
		{where: `{"and":[{"or":[]},{}],"not":{}}`, sqlite: `1=1`},
		{where: `{"or":[],"name":"a"}`, sqlite: `"name" = ?`, args: 1},
		{where: `{"or":[{},{"name":"a"}]}`, sqlite: `("name" = ?)`, args: 1},
		{where: `{"or":{"name":"a"}}`, sqlite: `("name" = ?)`, args: 1},
		{where: `{"or":[{"id":{"nin":[]}},{"name":"a"}]}`, sqlite: `1=1`},
		{where: `{"or":[{"id":{"in":[]}},{"name":"a"}]}`, sqlite: `(1=0 OR "name" = ?)`, args: 1},
		{where: `{"not":{"id":{"nin":[]}}}`, sqlite: `1=0`},
		{where: `{"id":{"nin":[],"gt":5}}`, sqlite: `"id" > ?`, args: 1},
		// JSON paths: text for text, numbers for numbers.
		{where: `{"meta.user.role":"admin"}`, sqlite: `CASE json_type("meta", '$."user"."role"') WHEN 'text' THEN json_extract("meta", '$."user"."role"') WHEN 'null' THEN NULL ELSE "meta" -> '$."user"."role"' END = ?`,
			pg: `jsonb_extract_path_text("meta", 'user', 'role') = $1`, args: 1},
		{where: `{"meta.user.id":123}`, sqlite: `CASE WHEN json_type("meta", '$."user"."id"') IN ('integer', 'real') THEN json_extract("meta", '$."user"."id"') END = ?`,
			pg: `CASE WHEN jsonb_typeof(jsonb_extract_path("meta", 'user', 'id')) = 'number' THEN jsonb_extract_path_text("meta", 'user', 'id')::numeric END = $1`, args: 1},
		{where: `{"meta.tags[0]":"urgent"}`, sqlite: `CASE json_type("meta", '$."tags"[0]') WHEN 'text' THEN json_extract("meta", '$."tags"[0]') WHEN 'null' THEN NULL ELSE "meta" -> '$."tags"[0]' END = ?`,
			pg: `jsonb_extract_path_text("meta", 'tags', '0') = $1`, args: 1},
		{where: `{"meta.items[2].name":{"ilike":"%cà%"}}`, pg: `jsonb_extract_path_text("meta", 'items', '2', 'name') ILIKE $1 ESCAPE '\'`, args: 1,
			sqlite: `bana_fold(CASE json_type("meta", '$."items"[2]."name"') WHEN 'text' THEN json_extract("meta", '$."items"[2]."name"') WHEN 'null' THEN NULL ELSE "meta" -> '$."items"[2]."name"' END) LIKE bana_fold(?) ESCAPE '\'`},
		{where: `{"meta.user-id":{"in":["a","b"]}}`, pg: `jsonb_extract_path_text("meta", 'user-id') IN ($1, $2)`, args: 2,
			sqlite: `CASE json_type("meta", '$."user-id"') WHEN 'text' THEN json_extract("meta", '$."user-id"') WHEN 'null' THEN NULL ELSE "meta" -> '$."user-id"' END IN (?, ?)`},
		{where: `{"meta.score":{"between":[70,90.5]}}`, args: 2,
			pg:     `CASE WHEN jsonb_typeof(jsonb_extract_path("meta", 'score')) = 'number' THEN jsonb_extract_path_text("meta", 'score')::numeric END BETWEEN $1 AND $2`,
			sqlite: `CASE WHEN json_type("meta", '$."score"') IN ('integer', 'real') THEN json_extract("meta", '$."score"') END BETWEEN ? AND ?`},
		{where: `{"meta.enabled":true}`, args: 1, pg: `jsonb_extract_path_text("meta", 'enabled') = $1`,
			sqlite: `CASE json_type("meta", '$."enabled"') WHEN 'text' THEN json_extract("meta", '$."enabled"') WHEN 'null' THEN NULL ELSE "meta" -> '$."enabled"' END = ?`},
		{where: `{"meta.gone":null}`, pg: `jsonb_extract_path_text("meta", 'gone') IS NULL`,
			sqlite: `CASE json_type("meta", '$."gone"') WHEN 'text' THEN json_extract("meta", '$."gone"') WHEN 'null' THEN NULL ELSE "meta" -> '$."gone"' END IS NULL`},
		{where: `{"meta.a":{"in":[1,"b"]}}`, errPart: "numbers and text"},
		{where: `{"meta.1st":1}`, errPart: "invalid JSON path component 1st"},
		{where: `{"meta.a;DROP TABLE x":1}`, errPart: "invalid JSON path component"},
		{where: `{"meta.a'b":1}`, errPart: "invalid JSON path component"},
		{where: `{"meta.":1}`, errPart: "not a JSON path"},
		{where: `{"name.first":"a"}`, errPart: "needs a JSON field"},
		{where: `{"nope.a":1}`, errPart: "unknown field"},
		{where: `{"meta.a":{"like":5}}`, errPart: "must be a string"},
		// Array operators on an array field, a JSON field, a path.
		{where: `{"tags":{"contains":["a","b"]}}`, args: 2, pgArgs: 1, pg: `(jsonb_typeof("tags") = 'array' AND "tags" @> $1::jsonb)`,
			sqlite: `(json_type("t"."tags") = 'array' AND EXISTS (SELECT 1 FROM json_each("t"."tags") e WHERE (e.type = 'text' AND e.atom = ?)) AND EXISTS (SELECT 1 FROM json_each("t"."tags") e WHERE (e.type = 'text' AND e.atom = ?)))`},
		{where: `{"tags":{"containedBy":["a"]}}`, args: 1, pg: `(jsonb_typeof("tags") = 'array' AND "tags" <@ $1::jsonb)`,
			sqlite: `(json_type("t"."tags") = 'array' AND NOT EXISTS (SELECT 1 FROM json_each("t"."tags") e WHERE NOT ((e.type = 'text' AND e.atom = ?))))`},
		{where: `{"tags":{"containedBy":[]}}`, pg: `(jsonb_typeof("tags") = 'array' AND "tags" <@ $1::jsonb)`, pgArgs: 1,
			sqlite: `(json_type("t"."tags") = 'array' AND NOT EXISTS (SELECT 1 FROM json_each("t"."tags") e WHERE NOT (1=0)))`},
		{where: `{"scores":{"overlaps":[1,2]}}`, args: 2, pg: `(jsonb_typeof("scores") = 'array' AND ("scores" @> $1::jsonb OR "scores" @> $2::jsonb))`,
			sqlite: `(json_type("t"."scores") = 'array' AND EXISTS (SELECT 1 FROM json_each("t"."scores") e WHERE (e.type IN ('integer', 'real') AND e.atom = ?) OR (e.type IN ('integer', 'real') AND e.atom = ?)))`},
		{where: `{"meta":{"contains":true}}`, pgArgs: 1, pg: `(jsonb_typeof("meta") = 'array' AND "meta" @> $1::jsonb)`,
			sqlite: `(json_type("t"."meta") = 'array' AND EXISTS (SELECT 1 FROM json_each("t"."meta") e WHERE e.type = 'true'))`},
		{where: `{"meta.labels":{"overlaps":["x"]}}`, args: 1, pg: `(jsonb_typeof(jsonb_extract_path("meta", 'labels')) = 'array' AND (jsonb_extract_path("meta", 'labels') @> $1::jsonb))`,
			sqlite: `(json_type("t"."meta", '$."labels"') = 'array' AND EXISTS (SELECT 1 FROM json_each("t"."meta", '$."labels"') e WHERE (e.type = 'text' AND e.atom = ?)))`},
		{where: `{"tags":{"contains":[]}}`, sqlite: `1=1`},
		{where: `{"tags":{"overlaps":[]}}`, sqlite: `1=0`},
		{where: `{"tags":{"isNull":true}}`, sqlite: `"tags" IS NULL`},
		{where: `{"tags":null}`, sqlite: `"tags" IS NULL`},
		{where: `{"tags":["a"]}`, errPart: "JSON field is tested with"},
		{where: `{"tags":{"eq":"a"}}`, errPart: "JSON field is tested with"},
		{where: `{"scores":{"contains":["x"]}}`, errPart: "where.scores.contains[0]"},
		{where: `{"meta":{"contains":[{"a":1}]}}`, errPart: "string, a number or a boolean"},
		{where: `{"name":{"contains":["a"]}}`, errPart: "needs an array or JSON field"},
		// Refusals name the place.
		{where: `{"nope":1}`, errPart: "where.nope"},
		{where: `{"secret":"x"}`, errPart: "where.secret"},
		{where: `{"price":"cheap"}`, errPart: "where.price"},
		{where: `{"price":1.5}`, errPart: "where.price"},
		{where: `{"price":{"between":[1]}}`, errPart: "where.price.between"},
		{where: `{"price":{"like":"5%"}}`, errPart: "where.price.like"},
		{where: `{"price":{"foo":1}}`, errPart: "unknown operator"},
		{where: `{"price":{}}`, errPart: "needs an operator"},
		{where: `{"status":"DELETED"}`, errPart: "must be one of"},
		{where: `{"active":"yes"}`, errPart: "where.active"},
		{where: `{"active":{"gt":true}}`, errPart: "cannot order"},
		{where: `{"createdAt":"soon"}`, errPart: "where.createdAt"},
		{where: `{"id":"abc"}`, errPart: "where.id"},
		{where: `{"meta":{"eq":1}}`, errPart: "JSON field"},
		{where: `{"meta":1}`, errPart: "JSON field"},
		{where: `{"name":{"regexp":"("}}`, errPart: "regular expression", errOn: db.SQLite, pg: `"name" ~ $1`, args: 1},
		// PostgreSQL's own syntax reaches PostgreSQL (one it cannot compile is its 400); SQLite
		// checks Go's.
		{where: `{"name":{"regexp":"\\mtrà\\M"}}`, errPart: "regular expression", errOn: db.SQLite, pg: `"name" ~ $1`, args: 1},
		{where: `{"name":{"iregexp":"[[:alpha:]]+"}}`, sqlite: `"name" REGEXP ?`, pg: `"name" ~* $1`, args: 1},
		// Text PostgreSQL would refuse with a 500 (22021, 22025) is a 400 on both dialects.
		{where: `{"name":"a\u0000b"}`, errPart: "must not contain a NUL character where.name"},
		{where: `{"name":{"inq":["a","\u0000"]}}`, errPart: "where.name.inq[1]"},
		{where: `{"name":{"like":"\\"}}`, errPart: "to match a backslash where.name.like"},
		{where: `{"name":{"ilike":"ab\\\\\\"}}`, errPart: "lone escape"},
		{where: `{"name":{"startsWith":"x\u0000"}}`, errPart: "NUL"},
		{where: `{"name":{"like":"a\\\\"}}`, sqlite: `"name" GLOB ?`, pg: `"name" LIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"or":"a"}`, errPart: "where.or"},
		{where: `{"or":[1]}`, errPart: "where.or[0]"},
		{where: `{"not":[]}`, errPart: "where.not"},
		{where: `{"name":{"isNull":"yes"}}`, errPart: "true or false"},
	}
	for _, c := range cases {
		for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
			w, err := ParseWhere(c.where, "where")
			if err != nil {
				t.Fatalf("%s: parse: %v", c.where, err)
			}
			cl, err := compileWhere(d, "t", testFields, w, "where")
			if c.errPart != "" && (c.errOn == "" || c.errOn == d) {
				if err == nil {
					t.Errorf("%s on %s: no error, want one about %q (got %s)", c.where, d, c.errPart, cl.SQL)
				} else if msg := errText(err); !strings.Contains(msg, c.errPart) {
					t.Errorf("%s on %s: error %q does not mention %q", c.where, d, msg, c.errPart)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s on %s: %v", c.where, d, err)
				continue
			}
			want := c.sqlite
			got := cl.SQL
			if d == db.Postgres {
				got = (&db.DB{Dialect: db.Postgres}).Rebind(got)
				if c.pg != "" {
					want = c.pg
				} else {
					want = (&db.DB{Dialect: db.Postgres}).Rebind(c.sqlite)
				}
			}
			if got != want {
				t.Errorf("%s on %s:\n got %s\nwant %s", c.where, d, got, want)
			}
			wantArgs := c.args
			if d == db.Postgres && c.pgArgs != 0 {
				wantArgs = c.pgArgs
			}
			if len(cl.Args) != wantArgs {
				t.Errorf("%s on %s: %d args, want %d", c.where, d, len(cl.Args), wantArgs)
			}
		}
	}
}

func errText(err error) string {
	s := err.Error()
	if e, ok := err.(interface{ Unwrap() error }); ok && e.Unwrap() != nil {
		s += " " + e.Unwrap().Error()
	}
	var b strings.Builder
	b.WriteString(s)
	if fe, ok := err.(*errs.E); ok {
		for _, f := range fe.Fields {
			b.WriteString(" " + f.Location)
		}
	}
	return b.String()
}

func TestLikeToGlob(t *testing.T) {
	cases := map[string]string{`C%`: `C*`, `a_c`: `a?c`, `\%x`: `%x`, `\_`: `_`, `*?[`: `[*][?][[]`, `\\`: `\`}
	for in, want := range cases {
		if got := likeToGlob(in); got != want {
			t.Errorf("likeToGlob(%q) = %q, want %q", in, got, want)
		}
	}
	if got := escapeLike(`50%_off\`); got != `50\%\_off\\` {
		t.Errorf("escapeLike = %q", got)
	}
}

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter(`{"where":{"a":1},"fields":{"a":true,"b":false},"order":"a DESC","limit":5,"offset":10,"include":["x",{"relation":"y","scope":{"limit":2}}]}`, "f")
	if err != nil {
		t.Fatal(err)
	}
	if f.Limit != 5 || f.Skip != 10 || len(f.Fields) != 1 || f.Order[0] != "a DESC" || len(f.Include) != 2 || f.Include[1].Scope.Limit != 2 {
		t.Fatalf("parsed %+v", f)
	}
	for _, bad := range []string{`[]`, `{"limit":0}`, `{"limit":1001}`, `{"limit":"5"}`, `{"skip":-1}`, `{"bogus":1}`,
		`{"fields":"a"}`, `{"include":[{"scope":{}}]}`, `{"where":[]}`, `{} {}`, `{"fields":{"a":1}}`,
		`{"include":[{"relation":"x","shouldSkipDefaultFilter":"yes"}]}`,
		// Includes nest three levels deep, not four.
		`{"include":[{"relation":"a","scope":{"include":[{"relation":"b","scope":{"include":[{"relation":"c","scope":{"include":["d"]}}]}}]}}]}`} {
		if _, err := ParseFilter(bad, "f"); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	if f, err := ParseFilter("", "f"); err != nil || f.Limit != DefaultLimit {
		t.Fatalf("empty filter: %+v %v", f, err)
	}
	cases := []struct {
		raw   string
		check func(f *Filter) bool
	}{
		// skip wins over offset whatever order the keys are read in (IGNIS: skip ?? offset).
		{`{"skip":3,"offset":7}`, func(f *Filter) bool { return f.Skip == 3 }},
		{`{"offset":7,"skip":3}`, func(f *Filter) bool { return f.Skip == 3 }},
		{`{"offset":7}`, func(f *Filter) bool { return f.Skip == 7 }},
		// A fields object with only false values keeps every field but those.
		{`{"fields":{"price":false,"name":false}}`, func(f *Filter) bool {
			return len(f.Fields) == 0 && slices.Equal(f.Omit, []string{"name", "price"}) && f.Shaped()
		}},
		{`{"fields":{"price":true,"name":false}}`, func(f *Filter) bool { return slices.Equal(f.Fields, []string{"price"}) && f.Omit == nil }},
		{`{"fields":{}}`, func(f *Filter) bool { return !f.Shaped() }},
		{`{"include":[{"relation":"a","scope":{"include":[{"relation":"b","scope":{"include":["c"]}}]}}]}`, func(f *Filter) bool {
			return f.Include[0].Scope.Include[0].Scope.Include[0].Relation == "c"
		}},
		{`{"include":[{"relation":"a","shouldSkipDefaultFilter":true,"scope":null}]}`, func(f *Filter) bool {
			return f.Include[0].SkipDefaultFilter && f.Include[0].Scope == nil
		}},
	}
	for _, c := range cases {
		for range 20 { // map order varies from run to run
			f, err := ParseFilter(c.raw, "f")
			if err != nil || !c.check(f) {
				t.Fatalf("%s: %+v %v", c.raw, f, err)
			}
		}
	}
}

// FuzzCompile feeds arbitrary filters to the compiler: it must never panic, and every value must
// reach the database as a bound argument, never as SQL text. The only literals in the SQL are
// the compiler's own words and JSON paths, whose components cannot hold a quote.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`{"where":{"name":"x"}}`, `{"where":{"or":[{"price":{"gt":1}},{"not":{"name":{"like":"%'; DROP TABLE x;--"}}}]}}`,
		`{"where":{"id":{"inq":["1",2]}},"order":["name DESC"],"limit":3}`, `{"where":{"createdAt":{"between":["2026-01-01","2026-02-01"]}}}`,
		`{"where":{"name":{"regexp":"^a"}}}`, `{"fields":["name"],"include":["x"]}`,
		`{"where":{"id":[1,2,3],"status":{"ne":"ACTIVE"},"name":{"nilike":"%TRÀ%"}}}`, `{"where":{"status":{"is":null},"price":{"isn":5}}}`,
		`{"where":{"meta.a.b":"x","meta.tags[0]":{"in":["a","b"]},"meta.score":{"gt":80}}}`, `{"where":{"meta.a'--":1}}`,
		`{"where":{"tags":{"contains":["a"]},"scores":{"overlaps":[1,2]},"meta":{"containedBy":["x",1,true]}}}`,
		`{"where":{"or":[],"and":[{}],"not":{"id":{"nin":[]}}}}`, `{"order":["meta.priority DESC","price"],"skip":1,"offset":2}`,
		`{"fields":{"price":false},"include":[{"relation":"a","shouldSkipDefaultFilter":true,"scope":{"include":["b"]}}]}`} {
		f.Add(s)
	}
	tables := map[db.Dialect]*Table[benchProduct]{}
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		tables[d] = NewTable[benchProduct]("bench", &db.DB{Dialect: d}, nil, Options{})
	}
	literal := regexp.MustCompile(`'[A-Za-z0-9_$."\[\]-]*'`)
	bare := func(sql string) string {
		return literal.ReplaceAllString(strings.ReplaceAll(sql, `ESCAPE '\'`, ""), "")
	}
	f.Fuzz(func(t *testing.T, raw string) {
		flt, err := ParseFilter(raw, "filter")
		if err != nil {
			return
		}
		for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
			if order, err := tables[d].orderBy(flt.Order, "filter.order"); err == nil && strings.ContainsAny(bare(order), "'`;?") {
				t.Fatalf("%s: literal, placeholder or statement separator in ORDER BY: %s", raw, order)
			}
			cl, err := compileWhere(d, "t", testFields, flt.Where, "filter.where")
			if err != nil {
				continue
			}
			if n := strings.Count(cl.SQL, "?"); n != len(cl.Args) {
				t.Fatalf("%s: %d placeholders for %d args in %s", raw, n, len(cl.Args), cl.SQL)
			}
			if strings.ContainsAny(bare(cl.SQL), "'`;") {
				t.Fatalf("%s: literal or statement separator in SQL: %s", raw, cl.SQL)
			}
		}
	})
}
