package app

import (
	"context"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/pricing"
)

// pricingWiring holds the pricing module.
type pricingWiring struct {
	Pricing *pricing.Module
}

// buildPricing builds pricing over commerce's catalog.
func (a *App) buildPricing() (module.Module, error) {
	a.Pricing = pricing.New(pricing.Deps{Platform: a.Platform(), Catalog: pricingCatalog{a.Commerce}})
	return a.Pricing, nil
}

// pricingCatalog adapts commerce to pricing's Catalog.
type pricingCatalog struct{ c *commerce.Module }

func (p pricingCatalog) VariantsForQuote(ctx context.Context, merchantID id.ID, ids []id.ID) (map[id.ID]pricing.CatalogVariant, error) {
	vs, err := p.c.VariantsForQuote(ctx, merchantID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[id.ID]pricing.CatalogVariant, len(vs))
	for vid, v := range vs {
		cats := v.CategoryCodes
		if len(cats) == 0 && v.CategoryCode != "" {
			cats = []string{v.CategoryCode}
		}
		opts := map[id.ID]pricing.CatalogOption{}
		for _, g := range v.ModifierGroups {
			for _, o := range g.Options {
				if o.Active {
					opts[o.ID] = pricing.CatalogOption{Name: o.Name, Price: o.Price}
				}
			}
		}
		out[vid] = pricing.CatalogVariant{VariantID: v.VariantID, SKU: v.SKU, Categories: cats, Price: v.Price,
			TaxRate: v.TaxRate, Active: v.Active, Options: opts}
	}
	return out, nil
}

// CheckModifiers is commerce's rule of a line's modifiers, the one sale's order creation applies
// (saleCatalog.CheckModifiers): a quote and an order accept and refuse the same lines.
func (p pricingCatalog) CheckModifiers(ctx context.Context, merchantID, variantID id.ID, optionIDs []id.ID) error {
	return p.c.CheckModifiers(ctx, merchantID, variantID, optionIDs)
}

func (p pricingCatalog) MerchantForQuote(ctx context.Context, merchantID id.ID) (pricing.CatalogMerchant, error) {
	m, err := p.c.Merchant(ctx, merchantID)
	if err != nil {
		return pricing.CatalogMerchant{}, err
	}
	return pricing.CatalogMerchant{OrganizerID: m.OrganizerID, Currency: m.Currency, PricesIncludeTax: m.PriceIncludesTax,
		VATRate: m.VATRate, TimeZone: m.Timezone}, nil
}
