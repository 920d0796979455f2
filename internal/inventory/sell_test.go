package inventory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
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
		w.post(t, 201, "/inventory-reservations", map[string]any{"merchantId": w.mid, "reference": "order-held",
			"lines": []map[string]any{{"variantId": w.v(t, 501), "quantity": 2}}}, "")

		sell := func(ref string, lines ...inventory.StockLine) (inventory.Sold, error) {
			return svc.Sell(ctx, inventory.SellRequest{OrganizerID: 100, MerchantID: w.merchant, Reference: ref, Lines: lines})
		}
		// 2 coffees would eat into the reservation: refused, and the water of the same sale too.
		_, err := sell("order-1", inventory.StockLine{VariantID: w.vid(t, 502), Quantity: 1}, inventory.StockLine{VariantID: w.vid(t, 501), Quantity: 2})
		if errs.KindOf(err) != errs.Rule || !errors.Is(err, inventory.ErrInsufficientStock) || !strings.Contains(err.Error(), "only 1 available for variant "+w.v(t, 501)) {
			t.Fatalf("short sell: %v", err)
		}
		if oh, res, _ := w.stock(t, water); oh != 5 || res != 0 {
			t.Fatalf("water after a refused sell: %d %d", oh, res)
		}
		// 1 coffee, 2 waters and an untracked variant: sold, costed FIFO.
		out, err := sell("order-2", inventory.StockLine{VariantID: w.vid(t, 501), Quantity: 1}, inventory.StockLine{VariantID: w.vid(t, 502), Quantity: 2},
			inventory.StockLine{VariantID: w.vid(t, 9999), Quantity: 1})
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
		if out.Lines[0].LocationID.String() != w.store || out.Lines[1].LocationID.String() != w.store {
			t.Fatalf("sold at %v, want the default location %s", out.Lines, w.store)
		}

		// A named location: the warehouse, where 502 is stocked, sells there; 501 is not
		// stocked there and the line names the shortage at that location.
		w.item(t, w.warehouse, 502, 4, 4500)
		whID, _ := id.Parse(w.warehouse)
		at := func(ref string, loc id.ID, org id.ID, lines ...inventory.StockLine) (inventory.Sold, error) {
			return svc.Sell(ctx, inventory.SellRequest{OrganizerID: org, MerchantID: w.merchant, LocationID: loc, Reference: ref, Lines: lines})
		}
		out, err = at("order-3", whID, 100, inventory.StockLine{VariantID: w.vid(t, 502), Quantity: 1})
		if err != nil || out.Lines[0].LocationID != whID || out.CostOfGoods != 4500 {
			t.Fatalf("sold at the warehouse: %+v %v", out, err)
		}
		if _, err := at("order-4", whID, 100, inventory.StockLine{VariantID: w.vid(t, 501), Quantity: 1}); errs.KindOf(err) != errs.Rule || !errors.Is(err, inventory.ErrInsufficientStock) || !strings.Contains(err.Error(), "WH") {
			t.Fatalf("coffee at the warehouse: %v", err)
		}
		// Another organizer cannot sell from this merchant's locations, named or default.
		for _, loc := range []id.ID{0, whID} {
			if _, err := at("order-5", loc, 200, inventory.StockLine{VariantID: w.vid(t, 502), Quantity: 1}); err == nil {
				t.Fatalf("organizer 200 sold at location %d of organizer 100", loc)
			}
		}
		if oh, _, _ := w.stock(t, water); oh != 3 {
			t.Fatalf("water after refused sells: %d", oh)
		}
		// A merchant with no default location: an untracked line of its own passes; another
		// merchant's variant is refused, naming the line's variant.
		m2 := e.Merchant(100)
		tea, _ := id.Parse(newVariant(t, e, m2, "Trà đá"))
		other := func(lines ...inventory.StockLine) (inventory.Sold, error) {
			return svc.Sell(ctx, inventory.SellRequest{OrganizerID: 100, MerchantID: m2, Reference: "order-6", Lines: lines})
		}
		if out, err := other(inventory.StockLine{VariantID: tea, Quantity: 1}); err != nil || out.Lines[0].Tracked {
			t.Fatalf("untracked at a merchant without a location: %+v %v", out, err)
		}
		if _, err := other(inventory.StockLine{VariantID: tea, Quantity: 1}, inventory.StockLine{VariantID: w.vid(t, 502), Quantity: 1}); !errors.Is(err, inventory.ErrNotYourVariant) ||
			!strings.Contains(err.Error(), w.v(t, 502)) || errs.KindOf(err) != errs.Invalid {
			t.Fatalf("another merchant's variant sold at m2: %v", err)
		}
		w.reconciled(t)
	})
}
