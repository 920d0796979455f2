package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/module"
	"github.com/banapos/bana/internal/pricing"
	"github.com/banapos/bana/internal/sale"
)

// saleWiring holds the sale module.
type saleWiring struct {
	Sale *sale.Module
}

// buildSale builds sale over commerce (menu), pricing (quotes) and inventory (reservations).
func (a *App) buildSale() (module.Module, error) {
	a.Sale = sale.New(sale.Deps{Platform: a.Platform(),
		Catalog: saleCatalog{a.Commerce}, Pricer: salePricer{a.Pricing}, Stock: saleStock{a.Inventory.Service()},
		Expiry: a.Cfg.Sale.OrderExpiry})
	return a.Sale, nil
}

type saleCatalog struct{ c *commerce.Module }

func (s saleCatalog) Merchant(ctx context.Context, merchantID id.ID) (sale.Merchant, error) {
	m, err := s.c.Merchant(ctx, merchantID)
	if err != nil {
		return sale.Merchant{}, err
	}
	return sale.Merchant{ID: m.ID, OrganizerID: m.OrganizerID, Name: m.Name, Type: m.Type, Currency: m.Currency, Open: m.Open}, nil
}

func (s saleCatalog) Variants(ctx context.Context, merchantID id.ID, ids []id.ID) (map[id.ID]sale.Variant, error) {
	vs, err := s.c.VariantsForQuote(ctx, merchantID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[id.ID]sale.Variant, len(vs))
	for vid, v := range vs {
		opts := map[id.ID]sale.Option{}
		for _, g := range v.ModifierGroups {
			for _, o := range g.Options {
				opts[o.ID] = sale.Option{ID: o.ID, GroupID: g.ID, Name: o.Name, Price: o.Price}
			}
		}
		out[vid] = sale.Variant{ID: v.VariantID, Name: v.Name, SKU: v.SKU, CategoryCode: v.CategoryCode, StationCode: v.StationCode,
			Active: v.Active, TrackStock: v.TrackStock, Price: v.Price, TaxRate: v.TaxRate, Options: opts}
	}
	return out, nil
}

func (s saleCatalog) CheckModifiers(ctx context.Context, merchantID, variantID id.ID, optionIDs []id.ID) error {
	return s.c.CheckModifiers(ctx, merchantID, variantID, optionIDs)
}

type salePricer struct{ p *pricing.Module }

func (s salePricer) Quote(ctx context.Context, r sale.PriceRequest) (sale.Quote, error) {
	in := pricing.QuoteInput{MerchantID: r.MerchantID, Channel: r.Channel, CustomerID: r.CustomerID, PromotionCodes: r.PromotionCodes, At: r.At}
	for _, l := range r.Lines {
		in.Lines = append(in.Lines, pricing.QuoteLine{VariantID: l.VariantID, Quantity: l.Quantity, ModifierIDs: l.ModifierIDs})
	}
	q, err := s.p.Quote(ctx, in)
	if err != nil {
		return sale.Quote{}, err
	}
	out := sale.Quote{Subtotal: q.ListTotal, Discount: q.Discount(), Tax: q.TaxTotal, Total: q.GrandTotal}
	for _, l := range q.Lines {
		out.Lines = append(out.Lines, sale.PricedLine{UnitPrice: l.ListUnitPrice(), Subtotal: l.ListAmount,
			Discount: l.Discount(), TaxRate: string(l.Tax.Type), Tax: l.Tax.Tax, Total: l.Total})
	}
	for _, p := range q.Promotions {
		out.RedeemedPromotions = append(out.RedeemedPromotions, p.PromotionID)
	}
	out.Explain, _ = json.Marshal(q)
	return out, nil
}

// Redeem records the promotions as used by the order, in the caller's transaction.
func (s salePricer) Redeem(ctx context.Context, merchantID, orderID, customerID id.ID, promotionIDs []id.ID) error {
	return s.p.Redeem(ctx, merchantID, orderID, customerID, promotionIDs)
}

type saleStock struct{ s *inventory.Service }

func lines(ls []sale.StockLine) []inventory.StockLine {
	out := make([]inventory.StockLine, len(ls))
	for i, l := range ls {
		out[i] = inventory.StockLine{VariantID: l.VariantID, Quantity: l.Quantity}
	}
	return out
}

func (s saleStock) Tracked(ctx context.Context, organizerID, merchantID id.ID, variantIDs []id.ID) (map[id.ID]bool, error) {
	return s.s.Tracked(ctx, organizerID, merchantID, variantIDs)
}

func (s saleStock) Reserve(ctx context.Context, organizerID, merchantID, orderID id.ID, ls []sale.StockLine, expiresAt time.Time) error {
	_, err := s.s.Reserve(ctx, inventory.ReserveRequest{OrganizerID: organizerID, MerchantID: merchantID, Lines: lines(ls),
		Reference: orderID.String(), ExpiresAt: expiresAt})
	return err
}

func (s saleStock) Release(ctx context.Context, organizerID, merchantID, orderID id.ID, reason string) error {
	_, err := s.s.Release(ctx, inventory.ReleaseRequest{OrganizerID: organizerID, MerchantID: merchantID, Reference: orderID.String(), Reason: reason})
	return err
}

func (s saleStock) Commit(ctx context.Context, organizerID, merchantID, orderID id.ID) error {
	_, err := s.s.Commit(ctx, inventory.CommitRequest{OrganizerID: organizerID, MerchantID: merchantID, Reference: orderID.String()})
	return err
}

func (s saleStock) Sell(ctx context.Context, organizerID, merchantID, orderID id.ID, ls []sale.StockLine) error {
	_, err := s.s.Sell(ctx, inventory.SellRequest{OrganizerID: organizerID, MerchantID: merchantID, Lines: lines(ls), Reference: orderID.String()})
	return err
}

func (s saleStock) Return(ctx context.Context, organizerID, merchantID, orderID id.ID, ls []sale.StockLine) error {
	adj := inventory.AdjustmentRequest{OrganizerID: organizerID, MerchantID: merchantID, Reason: "refund of order " + orderID.String()}
	for _, l := range ls {
		adj.Lines = append(adj.Lines, inventory.StockAdjustmentLine{VariantID: l.VariantID, Type: inventory.TrackingReturnFromCustomer, Quantity: l.Quantity})
	}
	_, err := s.s.RequestAdjustment(ctx, adj)
	return err
}
