package commerce

import (
	"context"
	"fmt"

	"github.com/banapos/bana/internal/demo"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// DemoKey is the onboarding key of the demo café: SeedDemo makes it once per organizer.
const DemoKey = "DEMO_CAFE"

// DemoCatalog holds the ids of the demo café's catalog, by code, SKU and name.
type DemoCatalog struct {
	OrganizerID  id.ID            `json:"organizerId"`
	MerchantID   id.ID            `json:"merchantId"`
	Created      bool             `json:"created"`      // false when the café already existed
	Stations     map[string]id.ID `json:"stations"`     // by code (BAR, KITCHEN)
	Categories   map[string]id.ID `json:"categories"`   // by code (CAFE, TRA, NUOC, BANH)
	SaleChannels map[string]id.ID `json:"saleChannels"` // by code (DINE_IN, TAKE_AWAY, DELIVERY)
	Groups       map[string]id.ID `json:"groups"`       // modifier groups by code (SIZE, SUGAR, ICE, TOPPING)
	// Options are the modifier options by group code, then option name ("SIZE" -> "Lớn (L)").
	Options  map[string]map[string]id.ID `json:"options"`
	Products map[string]id.ID            `json:"products"` // by SKU
	Variants map[string]id.ID            `json:"variants"` // by SKU
}

// SeedDemo creates the demo café of internal/demo for an organizer: the merchant (FNB, VAT 8%
// included in prices), its stations, categories, modifier groups and products. It runs as the
// system and is idempotent: a second call returns the ids of the first.
func (m *Module) SeedDemo(ctx context.Context, organizerID id.ID) (*DemoCatalog, error) {
	cafe, err := demo.Load()
	if err != nil {
		return nil, err
	}
	ctx = auth.System(ctx)
	out := &DemoCatalog{OrganizerID: organizerID, Groups: map[string]id.ID{}, Options: map[string]map[string]id.ID{},
		Products: map[string]id.ID{}, Variants: map[string]id.ID{}}
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		in := OnboardInput{OrganizerID: organizerID, Name: cafe.Merchant.Name, Type: cafe.Merchant.Type, Currency: cafe.Merchant.Currency,
			VATRate: fmt.Sprintf("VAT%d", cafe.Merchant.VATRatePercent), PriceIncludesTax: &cafe.Merchant.PriceIncludesTax,
			TaxCode: cafe.Organizer.TaxCode, Address: cafe.Organizer.Address, Phone: cafe.Organizer.Phone, Key: DemoKey,
			Stations: []StationSeed{}, Categories: []CategorySeed{}}
		for _, s := range cafe.Stations {
			in.Stations = append(in.Stations, StationSeed{Code: s.Code, Name: s.Name})
		}
		for _, c := range cafe.Categories {
			in.Categories = append(in.Categories, CategorySeed{Code: c.Code, Name: c.Name, StationCode: c.Station})
		}
		ob, err := m.Onboard(ctx, in)
		if err != nil {
			return err
		}
		out.MerchantID, out.Created = ob.Merchant.ID, ob.Created
		out.Stations, out.Categories, out.SaleChannels = ob.Stations, ob.Categories, ob.SaleChannels
		if !ob.Created {
			return m.loadDemo(ctx, out)
		}
		for i, g := range cafe.ModifierGroups {
			row := ModifierGroup{MerchantID: out.MerchantID, Code: g.Code, Name: g.Name, Min: g.Min, Max: g.Max, Position: i + 1}
			for j, o := range g.Options {
				row.Options = append(row.Options, ModifierOption{Name: o.Name, Price: o.Price, Position: j + 1})
			}
			if err := m.createGroup(ctx, &row); err != nil {
				return fmt.Errorf("demo modifier group %s: %w", g.Code, err)
			}
			out.Groups[row.Code] = row.ID
			out.Options[row.Code] = map[string]id.ID{}
			for _, o := range row.Options {
				out.Options[row.Code][o.Name] = o.ID
			}
		}
		for ci, c := range cafe.Categories {
			cid := out.Categories[c.Code]
			for ii, item := range c.Items {
				v := ProductVariantInput{Name: item.Name, SKU: item.SKU, Price: item.Price, TrackStock: item.Stock != nil}
				for _, g := range item.Modifiers {
					v.ModifierGroupIDs = append(v.ModifierGroupIDs, out.Groups[g])
				}
				if item.EAN13 != "" {
					v.Identifiers = []ProductCodeInput{{Type: IDEAN13, Code: item.EAN13}}
				}
				p, err := m.CreateProduct(ctx, &ProductInput{MerchantID: out.MerchantID, CategoryID: &cid, Name: item.Name,
					Position: (ci+1)*100 + ii + 1, Variants: []ProductVariantInput{v}})
				if err != nil {
					return fmt.Errorf("demo product %s: %w", item.SKU, err)
				}
				out.Products[item.SKU] = p.ID
			}
		}
		return m.loadDemoVariants(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// loadDemo fills the ids of a café seeded before.
func (m *Module) loadDemo(ctx context.Context, out *DemoCatalog) error {
	groups, err := m.groups.Find(ctx, &query.Filter{Where: map[string]any{"merchantId": out.MerchantID.String()}, Limit: query.MaxLimit}, query.ExcludeDeleted)
	if err != nil {
		return err
	}
	for _, g := range groups {
		out.Groups[g.Code] = g.ID
		out.Options[g.Code] = map[string]id.ID{}
		opts, err := m.options.Find(ctx, &query.Filter{Where: map[string]any{"groupId": g.ID.String()}, Limit: query.MaxLimit}, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		for _, o := range opts {
			out.Options[g.Code][o.Name] = o.ID
		}
	}
	if err := m.loadDemoVariants(ctx, out); err != nil {
		return err
	}
	return nil
}

func (m *Module) loadDemoVariants(ctx context.Context, out *DemoCatalog) error {
	for skip := 0; ; skip += query.MaxLimit {
		vs, err := m.variants.Find(ctx, &query.Filter{Where: map[string]any{"merchantId": out.MerchantID.String()}, Order: []string{"id ASC"},
			Limit: query.MaxLimit, Skip: skip}, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if v.SKU != "" {
				out.Variants[string(v.SKU)] = v.ID
				out.Products[string(v.SKU)] = v.ProductID
			}
		}
		if len(vs) < query.MaxLimit {
			return nil
		}
	}
}
