package query_test

import (
	"context"
	"sort"
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

type item struct {
	bun.BaseModel `bun:"table:qt_items"`
	ID            id.ID      `bun:"id,pk" json:"id"`
	OrganizerID   id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID    *id.ID     `bun:"merchant_id" json:"merchantId,omitempty"`
	Name          string     `bun:"name" json:"name"`
	Price         int64      `bun:"price" json:"price"`
	Active        bool       `bun:"active" json:"active"`
	Secret        string     `bun:"secret" json:"-"`
	SoldAt        *time.Time `bun:"sold_at" json:"soldAt,omitempty"`
	CreatedAt     time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt     time.Time  `bun:"updated_at" json:"updatedAt"`
	DeletedAt     *time.Time `bun:"deleted_at" json:"deletedAt,omitempty"`
}

type part struct {
	bun.BaseModel `bun:"table:qt_parts"`
	ID            id.ID  `bun:"id,pk" json:"id"`
	ItemID        id.ID  `bun:"item_id" json:"itemId"`
	Label         string `bun:"label" json:"label"`
}

var migrations = db.Migrations{Module: "qt", FS: fstest.MapFS{"0001_init.sql": {Data: []byte(`-- +up
CREATE TABLE {{table "qt_items"}} (id BIGINT PRIMARY KEY, organizer_id BIGINT NOT NULL, merchant_id BIGINT,
  name TEXT NOT NULL, price BIGINT NOT NULL, active BOOLEAN NOT NULL, secret TEXT NOT NULL DEFAULT '',
  sold_at {{ts}}, created_at {{ts}} NOT NULL, updated_at {{ts}} NOT NULL, deleted_at {{ts}});
CREATE TABLE {{table "qt_parts"}} (id BIGINT PRIMARY KEY, item_id BIGINT NOT NULL, label TEXT NOT NULL);
-- +down
DROP TABLE {{table "qt_parts"}};
DROP TABLE {{table "qt_items"}};
`)}}}

func names(rows []item) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

func TestTableOnBothDatabases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := auth.System(context.Background())
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		items := query.NewTable[item]("item", d, gen, query.Options{Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}})
		parts := query.NewTable[part]("part", d, gen, query.Options{})
		items.HasMany("parts", parts, "id", "itemId")
		parts.BelongsTo("item", items, "itemId", "id")

		m1, m2 := id.ID(11), id.ID(12)
		sold := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		seed := []item{
			{OrganizerID: 1, MerchantID: &m1, Name: "Cà phê sữa đá", Price: 35000, Active: true, SoldAt: &sold},
			{OrganizerID: 1, MerchantID: &m1, Name: "cà phê đen", Price: 29000, Active: true},
			{OrganizerID: 1, MerchantID: &m2, Name: "Trà đào 50%_off", Price: 45000, Active: false},
			{OrganizerID: 2, Name: "Bánh mì", Price: 35000, Active: true},
		}
		for i := range seed {
			if err := items.Create(ctx, &seed[i]); err != nil {
				t.Fatal(err)
			}
			if err := parts.Create(ctx, &part{ItemID: seed[i].ID, Label: "p" + seed[i].Name}); err != nil {
				t.Fatal(err)
			}
		}
		find := func(where string) []string {
			t.Helper()
			w, err := query.ParseWhere(where, "w")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := items.Find(ctx, &query.Filter{Where: w, Limit: 100}, query.ExcludeDeleted)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			return names(rows)
		}
		cases := []struct {
			where string
			want  int
		}{
			{`{"price":35000}`, 2},
			{`{"price":{"between":[29000,35000]}}`, 3},
			{`{"name":{"like":"C%"}}`, 1}, // case-sensitive
			{`{"name":{"ilike":"c%"}}`, 2},
			{`{"name":{"startsWith":"cà"}}`, 1},
			{`{"name":{"endsWith":"50%_off"}}`, 1},
			{`{"name":{"like":"%\\%\\_%"}}`, 1}, // escaped % and _ are literal
			{`{"name":{"regexp":"^C"}}`, 1},
			{`{"name":{"iregexp":"^b"}}`, 1},
			{`{"soldAt":{"gte":"2026-03-01T17:00:00+07:00"}}`, 1},
			{`{"soldAt":{"gt":"2026-03-01T10:00:00.000001Z"}}`, 0},
			{`{"soldAt":null}`, 3},
			{`{"active":false}`, 1},
			{`{"merchantId":{"inq":["11"]}}`, 2},
			{`{"or":[{"price":{"lt":30000}},{"active":false}]}`, 2},
			{`{"not":{"organizerId":"1"}}`, 1},
		}
		for _, c := range cases {
			if got := find(c.where); len(got) != c.want {
				t.Errorf("%s: %v, want %d rows", c.where, got, c.want)
			}
		}

		// Tenant scope: an owner of organizer 1 sees 3, an employee of merchant 11 sees 2.
		owner := auth.WithPrincipal(ctx, &auth.Principal{UserID: 5, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1})
		clerk := auth.WithPrincipal(ctx, &auth.Principal{UserID: 6, Roles: []auth.Role{auth.Employee}, OrganizerID: 1, MerchantIDs: []id.ID{11}})
		if n, _ := items.Count(owner, nil, query.ExcludeDeleted); n != 3 {
			t.Errorf("owner sees %d", n)
		}
		if n, _ := items.Count(clerk, nil, query.ExcludeDeleted); n != 2 {
			t.Errorf("clerk sees %d", n)
		}
		if _, err := items.Get(clerk, seed[2].ID, query.ExcludeDeleted); errs.KindOf(err) != errs.NotFound {
			t.Errorf("clerk reads merchant 12's row: %v", err)
		}
		// A clerk cannot create for another merchant.
		if err := items.Create(clerk, &item{MerchantID: &m2, Name: "x"}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("clerk created for merchant 12: %v", err)
		}

		// Include both ways, with fields.
		f, _ := query.ParseFilter(`{"where":{"organizerId":"1"},"order":["price ASC"],"include":[{"relation":"parts","scope":{"fields":["label"]}}],"fields":["name","id"]}`, "f")
		rows, err := items.FindRows(ctx, f, query.ExcludeDeleted)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0]["name"] != "cà phê đen" || len(rows[0]["parts"].([]query.Row)) != 1 {
			t.Fatalf("include: %v", rows)
		}
		pf, _ := query.ParseFilter(`{"include":["item"]}`, "f")
		prow, err := parts.FindRows(ctx, pf, query.ExcludeDeleted)
		if err != nil || len(prow) != 4 || prow[0]["item"] == nil {
			t.Fatalf("belongsTo: %v %v", prow, err)
		}
		if _, hidden := rows[0]["secret"]; hidden {
			t.Fatal("hidden field returned")
		}

		// Update closure, soft delete, restore.
		up, err := items.Update(ctx, seed[0].ID, func(_ context.Context, r *item) error { r.Price = 36000; r.OrganizerID = 9; return nil })
		if err != nil || up.Price != 36000 || up.OrganizerID != 1 {
			t.Fatalf("update: %+v %v", up, err)
		}
		if err := items.Delete(ctx, seed[0].ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := items.Get(ctx, seed[0].ID, query.ExcludeDeleted); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("deleted row visible: %v", err)
		}
		if err := items.Delete(ctx, seed[0].ID, false); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := items.Restore(ctx, seed[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := items.Delete(ctx, seed[0].ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := items.Get(ctx, seed[0].ID, query.IncludeDeleted); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("hard-deleted row visible: %v", err)
		}

		// A transaction that fails leaves nothing behind.
		boom := errs.New(errs.Rule, "boom")
		err = d.InTx(ctx, func(ctx context.Context) error {
			if err := items.Create(ctx, &item{OrganizerID: 3, Name: "ghost"}); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("InTx returned %v", err)
		}
		if got := find(`{"name":"ghost"}`); len(got) != 0 {
			t.Fatal("rolled-back row exists")
		}
	}, migrations)
}

func TestMigrateDownAndStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m, err := db.NewMigrator(d, migrations)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := m.Status(ctx)
		if len(st) != 1 || st[0].AppliedAt == nil {
			t.Fatalf("status %+v", st)
		}
		if again, err := m.Up(ctx); err != nil || len(again) != 0 {
			t.Fatalf("second up: %v %v", again, err)
		}
		if rev, err := m.Down(ctx, 1); err != nil || len(rev) != 1 {
			t.Fatalf("down: %v %v", rev, err)
		}
		if _, err := d.W.ExecContext(ctx, "SELECT 1 FROM qt_items"); err == nil {
			t.Fatal("table still exists after down")
		}
		st, _ = m.Status(ctx)
		if st[0].AppliedAt != nil {
			t.Fatal("still applied")
		}
		if up, err := m.Up(ctx); err != nil || len(up) != 1 {
			t.Fatalf("up again: %v %v", up, err)
		}
	}, migrations)
}

// UpdateHeld saves a row the transaction holds without reading it again: refused outside a
// transaction, read-only fields kept, the held row left as it was, the change stored.
func TestUpdateHeld(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		items := query.NewTable[item]("item", d, gen, query.Options{ReadOnly: []string{"price"}})
		m := id.ID(11)
		row := item{OrganizerID: 1, MerchantID: &m, Name: "Cà phê", Price: 35000, Active: true}
		if err := items.Create(ctx, &row); err != nil {
			t.Fatal(err)
		}
		rename := func(_ context.Context, it *item) error { it.Name, it.Price = "Cà phê muối", 1; return nil }
		if _, err := items.UpdateHeld(ctx, &row, rename); err == nil {
			t.Fatal("UpdateHeld outside a transaction")
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			held, err := items.Get(ctx, row.ID, query.ExcludeDeleted)
			if err != nil {
				return err
			}
			n0 := d.Statements()
			out, err := items.UpdateHeld(ctx, held, rename)
			if err != nil {
				return err
			}
			if n := d.Statements() - n0; n != 1 {
				t.Fatalf("UpdateHeld sent %d statements; the row must not be read again", n)
			}
			if out.Name != "Cà phê muối" || out.Price != 35000 || held.Name != "Cà phê" || !out.UpdatedAt.After(held.UpdatedAt) {
				t.Fatalf("saved %+v from held %+v", out, held)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := items.Get(ctx, row.ID, query.ExcludeDeleted)
		if err != nil || got.Name != "Cà phê muối" || got.Price != 35000 {
			t.Fatalf("stored %+v %v", got, err)
		}
	}, migrations)
}
