package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/uptrace/bun"
)

// thing has the columns IGNIS's examples filter on: text, a JSON array and a JSON document.
type thing struct {
	bun.BaseModel `bun:"table:qt_things"`
	ID            id.ID           `bun:"id,pk" json:"id"`
	Name          string          `bun:"name" json:"name"`
	Price         int64           `bun:"price" json:"price"`
	Tags          []string        `bun:"tags,type:jsonb" json:"tags"`
	Meta          json.RawMessage `bun:"meta" json:"meta,omitempty"`
	Password      string          `bun:"password" json:"-"`
	CreatedAt     time.Time       `bun:"created_at" json:"createdAt"`
	UpdatedAt     time.Time       `bun:"updated_at" json:"updatedAt"`
	DeletedAt     *time.Time      `bun:"deleted_at" json:"deletedAt,omitempty"`
}

type piece struct {
	bun.BaseModel `bun:"table:qt_pieces"`
	ID            id.ID      `bun:"id,pk" json:"id"`
	ThingID       id.ID      `bun:"thing_id" json:"thingId"`
	Label         string     `bun:"label" json:"label"`
	DeletedAt     *time.Time `bun:"deleted_at" json:"deletedAt,omitempty"`
}

var thingMigrations = db.Migrations{Module: "qtj", FS: fstest.MapFS{"0001_init.sql": {Data: []byte(`-- +up
CREATE TABLE {{table "qt_things"}} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price BIGINT NOT NULL,
  tags {{json}}, meta {{json}}, password TEXT NOT NULL DEFAULT '', created_at {{ts}} NOT NULL, updated_at {{ts}} NOT NULL, deleted_at {{ts}});
CREATE TABLE {{table "qt_pieces"}} (id BIGINT PRIMARY KEY, thing_id BIGINT NOT NULL, label TEXT NOT NULL, deleted_at {{ts}});
-- +down
DROP TABLE {{table "qt_pieces"}};
DROP TABLE {{table "qt_things"}};
`)}}}

// ignisThings are the rows of IGNIS's examples (array-operators.md's products A to E among them).
var ignisThings = []thing{
	{Name: "Trà đào", Price: 45000, Tags: []string{"featured", "sale"},
		Meta: json.RawMessage(`{"user":{"id":123,"role":"admin"},"score":85,"tags":["urgent"],"level":"HIGH","enabled":true,"priority":3}`)},
	{Name: "TRÀ VẢI", Price: 45000, Tags: []string{"featured"},
		Meta: json.RawMessage(`{"score":"high","priority":1,"enabled":false,"user-id":"abc","labels":["x","y"]}`)},
	{Name: "Cà phê", Price: 29000, Tags: []string{"a", "b"},
		Meta: json.RawMessage(`{"score":null,"priority":2,"items":[{"name":"x"},{"name":"Cà"}]}`)},
	{Name: "Bánh mì", Price: 35000, Tags: []string{"premium"}, Meta: json.RawMessage(`{"score":50.5,"labels":["y"]}`)},
	{Name: "Đá", Price: 0, Tags: []string{}},
	{Name: "Sữa", Price: 20000, Meta: json.RawMessage(`{"score":90,"labels":"x"}`)},
}

// TestIgnisForms runs each form IGNIS documents against the same rows on both databases and
// checks the rows its meaning selects.
func TestIgnisForms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := auth.System(context.Background())
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		things := query.NewTable[thing]("thing", d, gen, query.Options{Order: []string{"id ASC"}})
		for i := range ignisThings {
			row := ignisThings[i]
			if err := things.Create(ctx, &row); err != nil {
				t.Fatal(err)
			}
		}
		find := func(raw string) ([]string, error) {
			f, err := query.ParseFilter(raw, "query.filter")
			if err != nil {
				return nil, err
			}
			if f.Limit == query.DefaultLimit {
				f.Limit = 100
			}
			rows, err := things.Find(ctx, f, query.ExcludeDeleted)
			var out []string
			for _, r := range rows {
				out = append(out, r.Name)
			}
			return out, err
		}
		all := []string{"Trà đào", "TRÀ VẢI", "Cà phê", "Bánh mì", "Đá", "Sữa"}
		cases := []struct {
			filter string
			want   []string // in order when ordered is set, else as a set
			order  bool
		}{
			// comparison-operators.md, null-operators.md, list-operators.md
			{`{"where":{"price":{"ne":45000}}}`, []string{"Cà phê", "Bánh mì", "Đá", "Sữa"}, false},
			{`{"where":{"price":{"is":0}}}`, []string{"Đá"}, false},
			{`{"where":{"price":{"isn":0},"name":{"nin":["Sữa"]}}}`, []string{"Trà đào", "TRÀ VẢI", "Cà phê", "Bánh mì"}, false},
			{`{"where":{"meta":{"is":null}}}`, []string{"Đá"}, false},
			{`{"where":{"deletedAt":{"is":null}}}`, all, false},
			{`{"where":{"deletedAt":{"isn":null}}}`, nil, false},
			{`{"where":{"price":[29000,35000]}}`, []string{"Cà phê", "Bánh mì"}, false},
			{`{"where":{"price":{"in":29000}}}`, []string{"Cà phê"}, false},
			{`{"where":{"price":{"nin":45000}}}`, []string{"Cà phê", "Bánh mì", "Đá", "Sữa"}, false},
			// pattern-matching.md: nlike, nilike; ilike folds Vietnamese letters on both.
			{`{"where":{"name":{"ilike":"%trà%"}}}`, []string{"Trà đào", "TRÀ VẢI"}, false},
			{`{"where":{"name":{"ilike":"%TRÀ%"}}}`, []string{"Trà đào", "TRÀ VẢI"}, false},
			{`{"where":{"name":{"ilike":"đá"}}}`, []string{"Đá"}, false},
			{`{"where":{"name":{"ilike":"%vải"}}}`, []string{"TRÀ VẢI"}, false},
			{`{"where":{"name":{"nilike":"%TRÀ%"}}}`, []string{"Cà phê", "Bánh mì", "Đá", "Sữa"}, false},
			{`{"where":{"name":{"nlike":"Trà%"}}}`, []string{"TRÀ VẢI", "Cà phê", "Bánh mì", "Đá", "Sữa"}, false},
			{`{"where":{"name":{"iregexp":"^trà"}}}`, []string{"Trà đào", "TRÀ VẢI"}, false},
			// logical-operators.md: empty groups are dropped.
			{`{"where":{"or":[]}}`, all, false},
			{`{"where":{"and":[],"price":0}}`, []string{"Đá"}, false},
			{`{"where":{"or":[{},{"price":0}]}}`, []string{"Đá"}, false},
			{`{"where":{"or":[{"price":{"nin":[]}},{"price":0}]}}`, all, false},
			// array-operators.md: the visual comparison, and the empty arrays.
			{`{"where":{"tags":{"contains":["featured"]}}}`, []string{"Trà đào", "TRÀ VẢI"}, false},
			{`{"where":{"tags":{"contains":["featured","sale"]}}}`, []string{"Trà đào"}, false},
			{`{"where":{"tags":{"contains":"sale"}}}`, []string{"Trà đào"}, false},
			{`{"where":{"tags":{"containedBy":["a","b","featured"]}}}`, []string{"TRÀ VẢI", "Cà phê", "Đá"}, false},
			{`{"where":{"tags":{"overlaps":["sale","premium"]}}}`, []string{"Trà đào", "Bánh mì"}, false},
			{`{"where":{"tags":{"contains":[]}}}`, all, false},
			{`{"where":{"tags":{"containedBy":[]}}}`, []string{"Đá"}, false},
			{`{"where":{"tags":{"overlaps":[]}}}`, nil, false},
			{`{"where":{"meta.labels":{"overlaps":["x"]}}}`, []string{"TRÀ VẢI"}, false},
			{`{"where":{"meta.labels":{"containedBy":["x","y"]}}}`, []string{"TRÀ VẢI", "Bánh mì"}, false},
			// json-filtering.md
			{`{"where":{"meta.user.id":123}}`, []string{"Trà đào"}, false},
			{`{"where":{"meta.user.role":"admin"}}`, []string{"Trà đào"}, false},
			{`{"where":{"meta.tags[0]":"urgent"}}`, []string{"Trà đào"}, false},
			{`{"where":{"meta.user-id":"abc"}}`, []string{"TRÀ VẢI"}, false},
			{`{"where":{"meta.items[1].name":{"ilike":"cà"}}}`, []string{"Cà phê"}, false},
			{`{"where":{"meta.score":{"gt":80}}}`, []string{"Trà đào", "Sữa"}, false},
			{`{"where":{"meta.score":{"between":[50,86]}}}`, []string{"Trà đào", "Bánh mì"}, false},
			{`{"where":{"meta.priority":{"gte":1,"lte":2}}}`, []string{"TRÀ VẢI", "Cà phê"}, false},
			{`{"where":{"meta.level":{"ilike":"%high%"}}}`, []string{"Trà đào"}, false},
			{`{"where":{"meta.score":{"in":["high","low"]}}}`, []string{"TRÀ VẢI"}, false},
			{`{"where":{"meta.enabled":true}}`, []string{"Trà đào"}, false},
			{`{"where":{"meta.enabled":false}}`, []string{"TRÀ VẢI"}, false},
			{`{"where":{"meta.score":null}}`, []string{"Cà phê", "Đá"}, false},
			{`{"where":{"meta.nonexistent.field":"value"}}`, nil, false},
			{`{"where":{"meta.score":{"isn":null}}}`, []string{"Trà đào", "TRÀ VẢI", "Bánh mì", "Sữa"}, false},
			// fields-order-pagination.md: order on a JSON path; skip wins over offset.
			{`{"where":{"meta.priority":{"isNotNull":true}},"order":["meta.priority DESC"]}`, []string{"Trà đào", "Cà phê", "TRÀ VẢI"}, true},
			{`{"where":{"meta.priority":{"isNotNull":true}},"order":"meta.priority"}`, []string{"TRÀ VẢI", "Cà phê", "Trà đào"}, true},
			{`{"order":["price DESC"],"limit":2,"skip":1,"offset":4}`, []string{"Trà đào", "Bánh mì"}, true}, // ties: id DESC
			{`{"order":["price DESC"],"limit":2,"offset":4,"skip":1}`, []string{"Trà đào", "Bánh mì"}, true},
		}
		for _, c := range cases {
			got, err := find(c.filter)
			if err != nil {
				t.Errorf("%s: %v", c.filter, err)
				continue
			}
			want := slices.Clone(c.want)
			if !c.order {
				sort.Strings(got)
				sort.Strings(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %q, want %q", c.filter, got, want)
			}
		}

		// PostgreSQL's regular expressions reach PostgreSQL; one it cannot compile is a 400
		// naming the field. SQLite checks Go's syntax before the query.
		if d.Dialect == db.Postgres {
			if got, err := find(`{"where":{"name":{"iregexp":"\\mtrà\\M"}}}`); err != nil || len(got) != 2 {
				t.Errorf("a PostgreSQL word boundary: %v %v", got, err)
			}
		}
		_, err := find(`{"where":{"name":{"regexp":"("}}}`)
		if e, ok := err.(*errs.E); !ok || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != "query.filter.where.name.regexp" {
			t.Errorf("an invalid regexp: %#v", err)
		}
		if _, err := things.Count(ctx, map[string]any{"name": map[string]any{"iregexp": "[z-a]"}}, query.ExcludeDeleted); errs.KindOf(err) != errs.Invalid {
			t.Errorf("an invalid regexp in count: %v", err)
		}

		// updateBy and deleteBy refuse a where with no condition left.
		for _, w := range []string{`{"and":[]}`, `{"or":[]}`, `{"or":[{}],"not":{}}`, `{"price":{"nin":[]}}`, `{"tags":{"contains":[]}}`} {
			where, _ := query.ParseWhere(w, "query.where")
			n, err := things.UpdateWhere(ctx, where, func(context.Context, *thing) error { return nil })
			if e, ok := err.(*errs.E); !ok || e.Kind != errs.Invalid || e.Fields[0].Location != "query.where" || n != 0 {
				t.Errorf("updateBy %s: %d rows, %v", w, n, err)
			}
			if n, err := things.DeleteWhere(ctx, where, false); errs.KindOf(err) != errs.Invalid || n != 0 {
				t.Errorf("deleteBy %s: %d rows, %v", w, n, err)
			}
		}
		where, _ := query.ParseWhere(`{"and":[{"or":[]},{"price":0}]}`, "query.where")
		if n, err := things.DeleteWhere(ctx, where, false); err != nil || n != 1 {
			t.Errorf("deleteBy with a condition beside an empty group: %d %v", n, err)
		}

		// fields with only false values: every field but those.
		f, _ := query.ParseFilter(`{"fields":{"meta":false,"tags":false,"password":false},"where":{"name":"Sữa"}}`, "query.filter")
		rows, err := things.FindRows(ctx, f, query.ExcludeDeleted)
		if err != nil || len(rows) != 1 {
			t.Fatalf("omit: %v %v", rows, err)
		}
		if _, ok := rows[0]["meta"]; ok || rows[0]["password"] != nil || rows[0]["name"] != "Sữa" || rows[0]["price"] == nil || rows[0]["createdAt"] == nil {
			t.Errorf("omit meta and tags: %v", rows[0])
		}
		f, _ = query.ParseFilter(`{"fields":{"nope":false}}`, "query.filter")
		if _, err := things.FindRows(ctx, f, query.ExcludeDeleted); errs.KindOf(err) != errs.Invalid {
			t.Errorf("omit an unknown field: %v", err)
		}
	}, thingMigrations)
}

// Includes nest (three levels), a scope's skip and limit apply to each parent, and
// shouldSkipDefaultFilter shows soft-deleted related rows to admins only.
func TestIncludeNestedAndPerParent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := auth.System(context.Background())
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		things := query.NewTable[thing]("thing", d, gen, query.Options{Order: []string{"id ASC"}})
		pieces := query.NewTable[piece]("piece", d, gen, query.Options{Order: []string{"label ASC"}})
		things.HasMany("pieces", pieces, "id", "thingId")
		pieces.BelongsTo("thing", things, "thingId", "id")
		var parents []thing
		for i := range 4 {
			row := thing{Name: fmt.Sprintf("thing %d", i), Tags: []string{}}
			if err := things.Create(ctx, &row); err != nil {
				t.Fatal(err)
			}
			parents = append(parents, row)
			for j := range 3 {
				if err := pieces.Create(ctx, &piece{ThingID: row.ID, Label: fmt.Sprintf("%d.%d", i, j)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		gone := piece{ThingID: parents[0].ID, Label: "0.9"}
		if err := pieces.Create(ctx, &gone); err != nil {
			t.Fatal(err)
		}
		if err := pieces.Delete(ctx, gone.ID, false); err != nil {
			t.Fatal(err)
		}
		shape := func(ctx context.Context, raw string) ([]query.Row, error) {
			f, err := query.ParseFilter(raw, "query.filter")
			if err != nil {
				return nil, err
			}
			return things.FindRows(ctx, f, query.ExcludeDeleted)
		}
		labels := func(r query.Row) string {
			var out []string
			for _, p := range r["pieces"].([]query.Row) {
				out = append(out, p["label"].(string))
			}
			return strings.Join(out, " ")
		}
		// limit 2 over four parents: two pieces for each, not two in all.
		rows, err := shape(ctx, `{"include":[{"relation":"pieces","scope":{"limit":2,"order":["label DESC"]}}]}`)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if want := fmt.Sprintf("%d.2 %d.1", i, i); labels(r) != want {
				t.Errorf("limit per parent, parent %d: %q, want %q", i, labels(r), want)
			}
		}
		// skip alone applies to each parent too (it was ignored).
		rows, err = shape(ctx, `{"include":[{"relation":"pieces","scope":{"skip":1}}]}`)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if want := fmt.Sprintf("%d.1 %d.2", i, i); labels(r) != want {
				t.Errorf("skip per parent, parent %d: %q, want %q", i, labels(r), want)
			}
		}
		// Nested: things -> pieces -> thing -> pieces, with fields at each level.
		rows, err = shape(ctx, `{"where":{"id":"`+parents[1].ID.String()+`"},"fields":["name"],"include":[{"relation":"pieces","scope":{"fields":["label"],"limit":1,`+
			`"include":[{"relation":"thing","scope":{"fields":{"meta":false},"include":[{"relation":"pieces","scope":{"where":{"label":{"ne":"1.0"}}}}]}}]}}]}`)
		if err != nil {
			t.Fatal(err)
		}
		p := rows[0]["pieces"].([]query.Row)
		if len(rows) != 1 || len(p) != 1 || p[0]["label"] != "1.0" || p[0]["id"] != nil {
			t.Fatalf("nested include: %v", rows)
		}
		back := p[0]["thing"].(query.Row)
		if back["name"] != "thing 1" || labels(back) != "1.1 1.2" {
			t.Fatalf("two levels down: %v", back)
		}
		if _, err := shape(ctx, `{"include":[{"relation":"pieces","scope":{"include":[{"relation":"nope"}]}}]}`); errs.KindOf(err) != errs.Invalid ||
			err.(*errs.E).Fields[0].Location != "query.filter.include[0].scope.include[0].relation" {
			t.Fatalf("an unknown nested relation: %v", err)
		}
		// shouldSkipDefaultFilter: the soft-deleted piece, for an admin; a 403 for others.
		skip := `{"where":{"id":"` + parents[0].ID.String() + `"},"include":[{"relation":"pieces","shouldSkipDefaultFilter":true}]}`
		rows, err = shape(ctx, skip)
		if err != nil || labels(rows[0]) != "0.0 0.1 0.2 0.9" {
			t.Fatalf("an admin skips the soft delete: %v %v", rows, err)
		}
		owner := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 5, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1})
		if _, err := shape(owner, skip); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("an owner skips the soft delete: %v", err)
		}
		if rows, err := shape(owner, strings.Replace(skip, "true", "false", 1)); err != nil || labels(rows[0]) != "0.0 0.1 0.2" {
			t.Fatalf("shouldSkipDefaultFilter false: %v %v", rows, err)
		}
	}, thingMigrations)
}
