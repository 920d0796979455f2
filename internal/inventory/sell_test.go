package inventory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
)

// Sell takes stock at once for a counter sale: it leaves what others hold reserved alone, costs
// the units FIFO, refuses all lines when one is short, skips untracked variants, and keeps the
// books reconciled.
func TestSell(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newWorld(t, e)
		svc := e.App.Inventory.Service()
		ctx := auth.System(context.Background())
		coffee := w.item(t, w.store, 501, 3, 12000)
		water := w.item(t, w.store, 502, 5, 4000)
		// Someone holds 2 of the 3 coffees.
		w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": "11", "reference": "order-held",
			"lines": []map[string]any{{"variantId": "501", "quantity": 2}}}, "")

		sell := func(ref string, lines ...inventory.StockLine) (inventory.Sold, error) {
			return svc.Sell(ctx, inventory.SellRequest{OrganizerID: 100, MerchantID: 11, Reference: ref, Lines: lines})
		}
		// 2 coffees would eat into the reservation: refused, and the water of the same sale too.
		_, err := sell("order-1", inventory.StockLine{VariantID: 502, Quantity: 1}, inventory.StockLine{VariantID: 501, Quantity: 2})
		if errs.KindOf(err) != errs.Rule || !strings.Contains(err.Error(), "only 1 available for variant 501") {
			t.Fatalf("short sell: %v", err)
		}
		if oh, res, _ := w.stock(t, water); oh != 5 || res != 0 {
			t.Fatalf("water after a refused sell: %d %d", oh, res)
		}
		// 1 coffee, 2 waters and an untracked variant: sold, costed FIFO.
		out, err := sell("order-2", inventory.StockLine{VariantID: 501, Quantity: 1}, inventory.StockLine{VariantID: 502, Quantity: 2},
			inventory.StockLine{VariantID: 9999, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		if out.CostOfGoods != 12000+2*4000 || !out.Lines[0].Tracked || out.Lines[2].Tracked {
			t.Fatalf("sold: %+v", out)
		}
		if oh, res, av := w.stock(t, coffee); oh != 2 || res != 2 || av != 0 {
			t.Fatalf("coffee after the sale: on hand %d reserved %d available %d", oh, res, av)
		}
		if oh, _, _ := w.stock(t, water); oh != 3 {
			t.Fatalf("water after the sale: %d", oh)
		}
		rows := w.list(t, `/inventory-trackings?filter={"where":{"reference":"order-2"}}`)
		if len(rows) != 2 || rows[0]["type"] != "SALE" || rows[0]["documentType"] != "ORDER" {
			t.Fatalf("tracking rows of the sale: %v", rows)
		}
		w.reconciled(t)
	})
}
