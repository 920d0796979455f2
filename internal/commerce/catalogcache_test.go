package commerce_test

import (
	"context"
	"errors"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// The catalog cache answers repeated reads without the database, and never answers with rows
// the database no longer has: a change made by plain SQL (as another process would) shows at
// once, a change rolled back does not stick, and the caller's tenant scope still applies.
func TestCatalogCache(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := auth.System(context.Background())
		cm := e.App.Commerce
		cat, err := cm.SeedDemo(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		tea := cat.Variants["TR-DAO"]
		price := func(ctx context.Context) int64 {
			t.Helper()
			vs, err := cm.VariantsForQuote(ctx, cat.MerchantID, []id.ID{tea})
			if err != nil || len(vs) != 1 {
				t.Fatalf("VariantsForQuote: %v %v", vs, err)
			}
			return vs[tea].Price
		}
		if p := price(ctx); p != 45000 {
			t.Fatalf("price %d", p)
		}
		if _, err := cm.Merchant(ctx, cat.MerchantID); err != nil {
			t.Fatal(err)
		}
		reads := cm.CatalogReads()
		for range 3 {
			if p := price(ctx); p != 45000 {
				t.Fatalf("price %d", p)
			}
			if _, err := cm.Merchant(ctx, cat.MerchantID); err != nil {
				t.Fatal(err)
			}
		}
		if n := cm.CatalogReads() - reads; n != 0 {
			t.Fatalf("unchanged catalog read %d times", n)
		}

		// Another process changes the price: the next read sees it.
		exec := func(ctx context.Context, q string, args ...any) {
			t.Helper()
			if _, err := e.App.DB.Raw(ctx, true).ExecContext(ctx, e.App.DB.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(ctx, "UPDATE product_variants SET price = 46000 WHERE id = ?", int64(tea))
		if p := price(ctx); p != 46000 {
			t.Fatalf("after a change by SQL: price %d", p)
		}
		exec(ctx, "UPDATE merchants SET status = 'CLOSED' WHERE id = ?", int64(cat.MerchantID))
		if mi, err := cm.Merchant(ctx, cat.MerchantID); err != nil || mi.Open {
			t.Fatalf("closed merchant read as %+v %v", mi, err)
		}

		// A change read inside its own transaction and rolled back is not what the next reader gets.
		rollback := errors.New("roll back")
		err = e.App.DB.InTx(ctx, func(ctx context.Context) error {
			exec(ctx, "UPDATE product_variants SET price = 99000 WHERE id = ?", int64(tea))
			if p := price(ctx); p != 99000 {
				t.Fatalf("inside the transaction: price %d", p)
			}
			return rollback
		})
		if err != rollback {
			t.Fatal(err)
		}
		if p := price(ctx); p != 46000 {
			t.Fatalf("after a rollback: price %d", p)
		}

		// Cached or not, another organizer's caller sees neither the merchant nor its variants,
		// an employee limited to other merchants neither; the owner does.
		as := func(org id.ID, role auth.Role, merchants ...id.ID) context.Context {
			return auth.WithPrincipal(ctx, (&auth.Principal{UserID: 77, OrganizerID: org, Roles: []auth.Role{role}, MerchantIDs: merchants}).WithDirectory(cm))
		}
		for name, c := range map[string]context.Context{
			"other organizer": as(501, auth.OrganizerOwner),
			"other merchant":  as(500, auth.Employee, 12345),
		} {
			if vs, err := cm.VariantsForQuote(c, cat.MerchantID, []id.ID{tea}); err != nil || len(vs) != 0 {
				t.Fatalf("%s: variants %v %v", name, vs, err)
			}
			if _, err := cm.Merchant(c, cat.MerchantID); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("%s: merchant %v", name, err)
			}
		}
		if p := price(as(500, auth.OrganizerOwner)); p != 46000 {
			t.Fatalf("owner: price %d", p)
		}
	})
}
