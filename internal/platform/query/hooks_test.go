package query_test

import (
	"context"
	"errors"
	"testing"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// Code without a caller (a job, an event handler) reaches no tenant row, for reading or for
// writing, unless it says it is the system; rows without a tenant stay reachable.
func TestTenancyFailsClosed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		bare := context.Background()
		sys := auth.System(bare)
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		items := query.NewTable[item]("item", d, gen, query.Options{Tenant: query.Tenant{Organizer: "organizerId", Merchant: "merchantId"}})
		parts := query.NewTable[part]("part", d, gen, query.Options{})
		m := id.ID(11)
		row := item{OrganizerID: 1, MerchantID: &m, Name: "Cà phê", Price: 35000, Active: true}
		if err := items.Create(sys, &row); err != nil {
			t.Fatal(err)
		}
		noCaller := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, auth.ErrNoPrincipal) {
				t.Errorf("%s without a caller: %v, want auth.ErrNoPrincipal", what, err)
			}
		}
		_, err := items.Find(bare, nil, query.ExcludeDeleted)
		noCaller("Find", err)
		_, err = items.Get(bare, row.ID, query.ExcludeDeleted)
		noCaller("Get", err)
		_, err = items.Count(bare, nil, query.ExcludeDeleted)
		noCaller("Count", err)
		noCaller("Create", items.Create(bare, &item{OrganizerID: 1, Name: "x"}))
		_, err = items.Update(bare, row.ID, func(_ context.Context, r *item) error { r.Price = 1; return nil })
		noCaller("Update", err)
		noCaller("Delete", items.Delete(bare, row.ID, false))
		_, err = items.DeleteWhere(bare, map[string]any{"name": "Cà phê"}, true)
		noCaller("DeleteWhere", err)
		_, err = items.Restore(bare, row.ID)
		noCaller("Restore", err)

		got, err := items.Get(sys, row.ID, query.ExcludeDeleted)
		if err != nil || got.Price != 35000 {
			t.Fatalf("the system reads the untouched row: %+v %v", got, err)
		}
		// A caller of another organizer sees nothing of it; a row without a tenant is anyone's.
		other := auth.WithPrincipal(bare, &auth.Principal{UserID: 9, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 2})
		if _, err := items.Get(other, row.ID, query.ExcludeDeleted); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organizer's Get: %v, want not found", err)
		}
		if err := parts.Create(bare, &part{ItemID: row.ID, Label: "lid"}); err != nil {
			t.Errorf("a table without tenant needs no caller: %v", err)
		}
	}, migrations)
}

// The hooks run inside the write's transaction and see the row before and after it: an error
// from a hook rolls the write back, and a hook may set fields the caller may never set.
func TestHooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := auth.System(context.Background())
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		type seen struct {
			op            string
			before, after string
			inTx          bool
		}
		var log []seen
		name := func(r *item) string {
			if r == nil {
				return "-"
			}
			return r.Name
		}
		refuse := errs.New(errs.Rule, "refused by hook")
		items := query.NewTable[item]("item", d, gen, query.Options{Computed: []string{"secret"}})
		hook := func(op string) query.Hook[item] {
			return func(ctx context.Context, before, after *item) error {
				log = append(log, seen{op, name(before), name(after), db.InTransaction(ctx)})
				if after != nil && after.Name == "refuse" {
					return refuse
				}
				if after != nil {
					after.Secret = "set by " + op
				}
				return nil
			}
		}
		items.SetHooks(query.Hooks[item]{Create: hook("create"), Update: hook("update"), Delete: hook("delete"), Restore: hook("restore")})

		row := item{OrganizerID: 1, Name: "Trà", Price: 20000, Secret: "from the client"}
		items.ClearComputed(&row)
		if row.Secret != "" {
			t.Fatalf("ClearComputed left %q", row.Secret)
		}
		if err := items.Create(ctx, &row); err != nil {
			t.Fatal(err)
		}
		if _, err := items.Update(ctx, row.ID, func(_ context.Context, r *item) error { r.Name = "Trà đào"; r.Secret = "client"; return nil }); err != nil {
			t.Fatal(err)
		}
		got, _ := items.Get(ctx, row.ID, query.ExcludeDeleted)
		if got.Secret != "set by update" || got.Name != "Trà đào" {
			t.Fatalf("after update: %+v", got)
		}
		if err := items.Delete(ctx, row.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := items.Restore(ctx, row.ID); err != nil {
			t.Fatal(err)
		}
		// A refusal rolls the write back.
		if _, err := items.Update(ctx, row.ID, func(_ context.Context, r *item) error { r.Name = "refuse"; return nil }); !errors.Is(err, refuse) {
			t.Fatalf("refused update: %v", err)
		}
		if err := items.Create(ctx, &item{OrganizerID: 1, Name: "refuse"}); !errors.Is(err, refuse) {
			t.Fatalf("refused create: %v", err)
		}
		if n, _ := items.Count(ctx, nil, query.IncludeDeleted); n != 1 {
			t.Fatalf("%d rows: a refused create was stored", n)
		}
		got, _ = items.Get(ctx, row.ID, query.ExcludeDeleted)
		if got.Name != "Trà đào" {
			t.Fatalf("a refused update was stored: %+v", got)
		}
		// A hard delete shows no after; a batch delete runs the hook row by row.
		if err := items.Create(ctx, &item{OrganizerID: 1, Name: "Bánh"}); err != nil {
			t.Fatal(err)
		}
		if n, err := items.DeleteWhere(ctx, map[string]any{"name": "Bánh"}, true); err != nil || n != 1 {
			t.Fatalf("hard delete: %d %v", n, err)
		}
		want := []seen{
			{"create", "-", "Trà", true},
			{"update", "Trà", "Trà đào", true},
			{"delete", "Trà đào", "Trà đào", true}, // a soft delete: after is the row with deletedAt
			{"restore", "Trà đào", "Trà đào", true},
			{"update", "Trà đào", "refuse", true},
			{"create", "-", "refuse", true},
			{"create", "-", "Bánh", true},
			{"delete", "Bánh", "-", true},
		}
		if len(log) != len(want) {
			t.Fatalf("hooks ran %+v, want %+v", log, want)
		}
		for i := range want {
			if log[i] != want[i] {
				t.Errorf("hook %d: %+v, want %+v", i, log[i], want[i])
			}
		}
	}, migrations)
}

// A PATCH decodes each field it names into new memory: a read-only field held by pointer keeps
// its stored value (it was once written through the pointer the stored copy shared).
func TestMergeDoesNotWriteThroughTheStoredRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := auth.System(context.Background())
		gen, _ := id.NewGenerator(1, id.DefaultEpoch)
		items := query.NewTable[item]("item", d, gen, query.Options{ReadOnly: []string{"merchantId"}})
		m := id.ID(11)
		row := item{OrganizerID: 1, MerchantID: &m, Name: "Trà", Price: 20000}
		if err := items.Create(ctx, &row); err != nil {
			t.Fatal(err)
		}
		out, err := items.Update(ctx, row.ID, func(_ context.Context, r *item) error {
			return items.Merge(r, []byte(`{"merchantId":"99","name":"Trà sen"}`))
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := items.Get(ctx, row.ID, query.ExcludeDeleted)
		if *out.MerchantID != 11 || *got.MerchantID != 11 || got.Name != "Trà sen" {
			t.Fatalf("answered merchant %d, stored %d (%s): a read-only pointer field changed", *out.MerchantID, *got.MerchantID, got.Name)
		}
	}, migrations)
}
