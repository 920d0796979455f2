package app

import (
	"context"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/pricing"
)

// pricingWiring holds the pricing module.
type pricingWiring struct {
	Pricing *pricing.Module
}

// wirePricing builds pricing over commerce's catalog.
func (a *App) wirePricing(context.Context) error {
	a.Pricing = pricing.New(pricing.Deps{DB: a.DB, IDs: a.IDs, Catalog: pricingCatalog{a.Commerce}, Log: a.Log})
	a.Pricing.Routes(a.Server)
	a.migrations = append(a.migrations, a.Pricing.Migrations())
	return nil
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

func (p pricingCatalog) MerchantForQuote(ctx context.Context, merchantID id.ID) (pricing.CatalogMerchant, error) {
	m, err := p.c.Merchant(ctx, merchantID)
	if err != nil {
		return pricing.CatalogMerchant{}, err
	}
	return pricing.CatalogMerchant{OrganizerID: m.OrganizerID, Currency: m.Currency, PricesIncludeTax: m.PriceIncludesTax,
		VATRate: m.VATRate, TimeZone: m.Timezone}, nil
}
