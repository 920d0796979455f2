package commerce_test

import (
	"context"
	"errors"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// The catalog's rules live in the tables' hooks, so they hold for every write, not only for the
// CRUD routes': here the module's own tables are written directly, as a service or a job would.
// A variant's new SKU is checked and moves its identifier, with ProductChanged; the last variant
// stays; a product's delete takes its variants and codes along and its restore brings them back.
// Without a caller, nothing is reached (tenancy fails closed).
func TestHooksRunForWritesOutsideTheRoutes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		owner := e.OwnerToken(100)
		mid := onboard(e, owner, "Cà phê Hồ Gươm", "")
		p := product(e, owner, mid, map[string]any{"name": "Cà phê sữa đá", "variants": []any{map[string]any{"price": 30000, "sku": "CF-SUA"}}})
		pid, vid := mustID(t, p["id"]), mustID(t, variants(p)[0]["id"])
		ctx := auth.System(t.Context())
		vt, pt := commerce.VariantTable(e.App.Commerce), commerce.ProductTable(e.App.Commerce)
		updated := func() int {
			return eventCount(t, e, "ProductChanged", map[string]string{"productId": pid.String(), "action": commerce.ActionUpdated})
		}
		sku := func(code string) int {
			return count(t, e, `SELECT count(*) FROM product_identifiers WHERE variant_id = ? AND type = 'SKU' AND code = ? AND deleted_at IS NULL`, vid, code)
		}

		n := updated()
		v, err := vt.Update(ctx, vid, func(_ context.Context, v *commerce.ProductVariant) error {
			v.SKU = " cf-sua-da "
			return nil
		})
		if err != nil || v.SKU != "CF-SUA-DA" {
			t.Fatalf("update: %+v %v", v, err)
		}
		if sku("CF-SUA-DA") != 1 || sku("CF-SUA") != 0 || updated() != n+1 {
			t.Fatalf("after the SKU change: new %d, old %d, events %d -> %d", sku("CF-SUA-DA"), sku("CF-SUA"), n, updated())
		}
		if _, err := vt.Update(ctx, vid, func(_ context.Context, v *commerce.ProductVariant) error {
			v.Price = -1
			return nil
		}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("a negative price: %v", err)
		}
		if err := vt.Delete(ctx, vid, false); !errors.Is(err, commerce.ErrLastVariant) {
			t.Fatalf("deleting the last variant: %v", err)
		}

		if err := pt.Delete(ctx, pid, false); err != nil {
			t.Fatal(err)
		}
		get(e, 404, owner, "/product-variants/"+vid.String())
		get(e, 404, owner, "/products/lookup?merchantId="+mid.String()+"&code=CF-SUA-DA")
		if n := eventCount(t, e, "ProductChanged", map[string]string{"productId": pid.String(), "action": commerce.ActionDeleted}); n != 1 {
			t.Fatalf("ProductChanged DELETED: %d", n)
		}
		if _, err := pt.Restore(ctx, pid); err != nil {
			t.Fatal(err)
		}
		get(e, 200, owner, "/product-variants/"+vid.String())
		get(e, 200, owner, "/products/lookup?merchantId="+mid.String()+"&code=CF-SUA-DA")

		// The rules a caller branches on are typed: a code another product has is ErrCodeTaken.
		if _, err := e.App.Commerce.CreateProduct(ctx, &commerce.ProductInput{MerchantID: mid, Name: "Cà phê muối",
			Variants: []commerce.ProductVariantInput{{Price: 35000, SKU: "cf-sua-da"}}}); !errors.Is(err, commerce.ErrCodeTaken) || errs.KindOf(err) != errs.Conflict {
			t.Fatalf("a taken SKU: %v", err)
		}

		// No caller and no auth.System: the tables and the service API refuse.
		bare := context.Background()
		if _, err := vt.Update(bare, vid, func(context.Context, *commerce.ProductVariant) error { return nil }); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("update without a caller: %v", err)
		}
		if _, err := e.App.Commerce.VariantsForQuote(bare, mid, []id.ID{vid}); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("VariantsForQuote without a caller: %v", err)
		}
		if _, err := e.App.Commerce.Merchant(bare, mid); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("Merchant without a caller: %v", err)
		}
		if _, err := e.App.Commerce.Onboard(bare, commerce.OnboardInput{OrganizerID: 100, Name: "Không ai"}); !errors.Is(err, auth.ErrNoPrincipal) {
			t.Fatalf("Onboard without a caller: %v", err)
		}
	})
}
