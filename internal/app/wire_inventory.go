package app

import (
	"context"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
)

// inventoryWiring holds the inventory module.
type inventoryWiring struct {
	Inventory *inventory.Module
}

// buildInventory builds the inventory module (stock, reservations, purchasing) over the platform
// and commerce's catalog, which says which variants a merchant sells.
func (a *App) buildInventory() (module.Module, error) {
	a.Inventory = inventory.New(inventory.Deps{Platform: a.Platform(), Catalog: inventoryCatalog{a.Commerce}})
	return a.Inventory, nil
}

// inventoryCatalog answers the inventory's Catalog from commerce's catalog cache (the reads
// sale and pricing use): within an operation that already read the merchant's catalog, it costs
// no statement.
type inventoryCatalog struct{ c *commerce.Module }

func (x inventoryCatalog) VariantsOf(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]bool, error) {
	vs, err := x.c.VariantsForQuote(ctx, merchantID, variantIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[id.ID]bool, len(vs))
	for v := range vs {
		out[v] = true
	}
	return out, nil
}
