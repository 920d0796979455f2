package commerce

import (
	"context"

	"github.com/banapos/bana/internal/platform/id"
)

// ProductChanged is published, in the writing transaction, on every write to a product, its
// variants, identifiers, info or modifier links, for the search module to index. Indexers upsert
// the product on CREATED and UPDATED and drop it on DELETED.
type ProductChanged struct {
	OrganizerID id.ID  `json:"organizerId"`
	MerchantID  id.ID  `json:"merchantId"`
	ProductID   id.ID  `json:"productId"`
	VariantID   id.ID  `json:"variantId,omitempty"`
	Action      string `json:"action" enum:"CREATED,UPDATED,DELETED"`
}

// ProductChanged actions.
const (
	ActionCreated = "CREATED"
	ActionUpdated = "UPDATED"
	ActionDeleted = "DELETED"
)

// EventName implements events.Event.
func (ProductChanged) EventName() string { return "ProductChanged" }

// EventVersion implements events.Event.
func (ProductChanged) EventVersion() int { return 1 }

// productChanged publishes ProductChanged in the transaction of ctx.
func (m *Module) productChanged(ctx context.Context, organizer, merchant, product, variant id.ID, action string) error {
	_, err := m.bus.Publish(ctx, ProductChanged{OrganizerID: organizer, MerchantID: merchant, ProductID: product, VariantID: variant, Action: action})
	return err
}
