package query_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// seedParents writes n items with perParent parts each, in multi-row statements.
func seedParents(t *testing.T, d *db.DB, n, perParent int) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(ctx context.Context) error {
		for start := 0; start < n; start += 200 {
			var items, parts []string
			var itemArgs, partArgs []any
			for i := start; i < min(n, start+200); i++ {
				items = append(items, "(?, 1, ?, 100, TRUE, ?, ?)")
				itemArgs = append(itemArgs, 1+i, fmt.Sprintf("item %04d", i), "2026-12-01 00:00:00", "2026-12-01 00:00:00")
				for j := 0; j < perParent; j++ {
					parts = append(parts, "(?, ?, ?)")
					partArgs = append(partArgs, 1_000_000+i*100+j, 1+i, fmt.Sprintf("part %d.%d", i, j))
				}
			}
			if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("INSERT INTO qt_items (id, organizer_id, name, price, active, created_at, updated_at) VALUES "+strings.Join(items, ", ")), itemArgs...); err != nil {
				return err
			}
			if len(parts) > 0 {
				if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("INSERT INTO qt_parts (id, item_id, label) VALUES "+strings.Join(parts, ", ")), partArgs...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An include returns every related row of every parent (it once fetched at most 1,000 related
// rows for the whole page, so 1,000 orders of two lines came back with one line each); a scope's
// limit applies to each parent; a page whose related rows exceed the bound is refused, not cut.
func TestIncludeIsComplete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := auth.System(context.Background())
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		items := query.NewTable[item]("item", d, gen, query.Options{Tenant: query.Tenant{Organizer: "organizerId"}})
		parts := query.NewTable[part]("part", d, gen, query.Options{Order: []string{"label ASC"}})
		items.HasMany("parts", parts, "id", "itemId")
		seedParents(t, d, query.MaxLimit, 2)

		shape := func(filter string) ([]query.Row, error) {
			f, err := query.ParseFilter(filter, "query.filter")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := items.Find(ctx, f, query.ExcludeDeleted)
			if err != nil {
				t.Fatal(err)
			}
			return items.Shape(ctx, rows, f)
		}
		count := func(out []query.Row) (parents, related int, short []any) {
			for _, r := range out {
				n := len(r["parts"].([]query.Row))
				related += n
				if n != 2 {
					short = append(short, r["id"])
				}
			}
			return len(out), related, short
		}
		out, err := shape(`{"limit":1000,"include":["parts"]}`)
		if err != nil {
			t.Fatal(err)
		}
		if p, r, short := count(out); p != 1000 || r != 2000 {
			t.Fatalf("%d parents with %d related rows (want 1000 and 2000); %d parents short", p, r, len(short))
		}
		// The scope's limit and order apply to each parent.
		out, err = shape(`{"limit":1000,"include":[{"relation":"parts","scope":{"limit":1,"order":["label DESC"]}}]}`)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out {
			ps := r["parts"].([]query.Row)
			if len(ps) != 1 || !strings.HasSuffix(ps[0]["label"].(string), ".1") {
				t.Fatalf("parent %v: parts %v, want its last part only", r["id"], ps)
			}
		}
		out, err = shape(`{"limit":3,"include":[{"relation":"parts","scope":{"limit":1,"skip":1,"order":["label ASC"]}}]}`)
		if err != nil || len(out) != 3 {
			t.Fatalf("%v %v", out, err)
		}
		for _, r := range out {
			if ps := r["parts"].([]query.Row); len(ps) != 1 || !strings.HasSuffix(ps[0]["label"].(string), ".1") {
				t.Fatalf("skip per parent: %v", ps)
			}
		}
		// Past the bound: a 400 naming the include, never a partial answer.
		seedMore := func() {
			err := d.InTx(context.Background(), func(ctx context.Context) error {
				var vals []string
				var args []any
				for i := 0; i < query.MaxLimit; i++ {
					for j := 2; j < 12; j++ {
						vals = append(vals, "(?, ?, ?)")
						args = append(args, 1_000_000+i*100+j, 1+i, fmt.Sprintf("part %d.%d", i, j))
					}
					if len(vals) >= 500 || i == query.MaxLimit-1 {
						if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind("INSERT INTO qt_parts (id, item_id, label) VALUES "+strings.Join(vals, ", ")), args...); err != nil {
							return err
						}
						vals, args = nil, nil
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		seedMore() // 12 parts per item: 12,000 related rows for a page of 1,000
		_, err = shape(`{"limit":1000,"include":["parts"]}`)
		if e, ok := err.(*errs.E); !ok || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != "query.filter.include[0]" {
			t.Fatalf("an include past %d rows: %v, want a 400 naming query.filter.include[0]", query.MaxIncluded, err)
		}
		if out, err := shape(`{"limit":100,"include":["parts"]}`); err != nil || len(out[0]["parts"].([]query.Row)) != 12 {
			t.Fatalf("a smaller page: %v", err)
		}
	}, migrations)
}
