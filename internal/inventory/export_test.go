package inventory

import (
	"context"

	"github.com/banapos/bana/internal/platform/id"
)

// What the tests outside the package drive as the module's routes and job workers do.

// CreateLocation creates a location as POST /inventory-locations does.
func (m *Module) CreateLocation(ctx context.Context, l *Location) error {
	return m.locations.Create(ctx, l)
}

// CreateItem creates a stock item with its opening stock as POST /inventories does.
func (m *Module) CreateItem(ctx context.Context, it *StockItem) error {
	return m.svc.createItem(ctx, it, m.items.Create)
}

// VariantRange is the Catalog of a test that runs the inventory without commerce: the merchant
// sells the variants From to To, and nothing else is anyone's.
type VariantRange struct{ Merchant, From, To id.ID }

// VariantsOf answers as commerce's catalog does.
func (c VariantRange) VariantsOf(_ context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]bool, error) {
	out := map[id.ID]bool{}
	for _, v := range variantIDs {
		if merchantID == c.Merchant && v >= c.From && v <= c.To {
			out[v] = true
		}
	}
	return out, nil
}

// Expire does the expiry job's work for the reservations.
func (s *Service) Expire(ctx context.Context, ids []id.ID) error {
	_, _, err := s.expire(ctx, ids)
	return err
}

// ApplyAdjustment does the adjustment job's work.
func (s *Service) ApplyAdjustment(ctx context.Context, adjID id.ID) (AdjustmentStatus, error) {
	return s.applyAdjustment(ctx, adjID)
}
