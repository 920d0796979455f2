package query

import (
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
	"secret":    {Name: "secret", Column: "secret", Kind: String, Hidden: true},
}

func TestCompileWhere(t *testing.T) {
	cases := []struct {
		where   string
		sqlite  string
		pg      string // when it differs
		args    int
		errPart string // a substring of the error location or message
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
		{where: `{"name":{"ilike":"c%"}}`, sqlite: `lower("name") LIKE lower(?) ESCAPE '\'`, pg: `"name" ILIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"notLike":"C%"}}`, sqlite: `"name" NOT GLOB ?`, pg: `"name" NOT LIKE $1 ESCAPE '\'`, args: 1},
		{where: `{"name":{"notILike":"c%"}}`, sqlite: `lower("name") NOT LIKE lower(?) ESCAPE '\'`, pg: `"name" NOT ILIKE $1 ESCAPE '\'`, args: 1},
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
		{where: `{"or":[]}`, sqlite: `1=0`},
		{where: `{}`, sqlite: `1=1`},
		// Refusals name the place.
		{where: `{"nope":1}`, errPart: "where.nope"},
		{where: `{"secret":"x"}`, errPart: "where.secret"},
		{where: `{"price":"cheap"}`, errPart: "where.price"},
		{where: `{"price":1.5}`, errPart: "where.price"},
		{where: `{"price":{"between":[1]}}`, errPart: "where.price.between"},
		{where: `{"price":{"inq":5}}`, errPart: "where.price.inq"},
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
		{where: `{"name":{"regexp":"("}}`, errPart: "regular expression"},
		{where: `{"or":{"name":"a"}}`, errPart: "where.or"},
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
			cl, err := compileWhere(d, testFields, w, "where")
			if c.errPart != "" {
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
			if len(cl.Args) != c.args {
				t.Errorf("%s on %s: %d args, want %d", c.where, d, len(cl.Args), c.args)
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
		`{"fields":"a"}`, `{"include":[{"scope":{}}]}`, `{"include":[{"relation":"x","scope":{"include":["z"]}}]}`, `{"where":[]}`, `{} {}`} {
		if _, err := ParseFilter(bad, "f"); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	if f, err := ParseFilter("", "f"); err != nil || f.Limit != DefaultLimit {
		t.Fatalf("empty filter: %+v %v", f, err)
	}
}

// FuzzCompile feeds arbitrary filters to the compiler: it must never panic, and every value must
// reach the database as a bound argument, never as SQL text.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`{"where":{"name":"x"}}`, `{"where":{"or":[{"price":{"gt":1}},{"not":{"name":{"like":"%'; DROP TABLE x;--"}}}]}}`,
		`{"where":{"id":{"inq":["1",2]}},"order":["name DESC"],"limit":3}`, `{"where":{"createdAt":{"between":["2026-01-01","2026-02-01"]}}}`,
		`{"where":{"name":{"regexp":"^a"}}}`, `{"fields":["name"],"include":["x"]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		flt, err := ParseFilter(raw, "filter")
		if err != nil {
			return
		}
		for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
			cl, err := compileWhere(d, testFields, flt.Where, "filter.where")
			if err != nil {
				continue
			}
			if n := strings.Count(cl.SQL, "?"); n != len(cl.Args) {
				t.Fatalf("%s: %d placeholders for %d args in %s", raw, n, len(cl.Args), cl.SQL)
			}
			if rest := strings.ReplaceAll(cl.SQL, `ESCAPE '\'`, ""); strings.ContainsAny(rest, "'`;") {
				t.Fatalf("%s: literal or statement separator in SQL: %s", raw, cl.SQL)
			}
		}
	})
}
