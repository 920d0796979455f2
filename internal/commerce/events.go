package commerce

import (
	"context"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
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

// RowChanged is published, in the writing transaction, on every write to a merchant, a
// category, a sale channel or a device (Collection names which, as the search module calls it),
// for the search module to index. Indexers read the row again: upsert it when it exists and is
// not deleted, else drop it. A new merchant's seeded rows come with CommerceInitialized instead.
type RowChanged struct {
	Collection  string `json:"collection" enum:"merchants,categories,sale-channels,devices"`
	OrganizerID id.ID  `json:"organizerId"`
	MerchantID  id.ID  `json:"merchantId"`
	ID          id.ID  `json:"id"`
	Action      string `json:"action" enum:"CREATED,UPDATED,DELETED"`
}

// Collections of RowChanged.
const (
	CollectionMerchants    = "merchants"
	CollectionCategories   = "categories"
	CollectionSaleChannels = "sale-channels"
	CollectionDevices      = "devices"
)

// EventName implements events.Event.
func (RowChanged) EventName() string { return "CommerceRowChanged" }

// EventVersion implements events.Event.
func (RowChanged) EventVersion() int { return 1 }

// rowChanged publishes RowChanged in the transaction of ctx (nothing without a bus).
func (m *Module) rowChanged(ctx context.Context, collection string, organizer, merchant, row id.ID, action string) error {
	if m.bus == nil {
		return nil
	}
	_, err := m.bus.Publish(ctx, RowChanged{Collection: collection, OrganizerID: organizer, MerchantID: merchant, ID: row, Action: action})
	return err
}

// announced returns h with every write also publishing RowChanged for the row, after h's own
// hook (which may refuse the write).
func announced[T any](m *Module, collection string, keys func(*T) (organizer, merchant, row id.ID), h query.Hooks[T]) query.Hooks[T] {
	wrap := func(action string, inner query.Hook[T]) query.Hook[T] {
		return func(ctx context.Context, before, after *T) error {
			if inner != nil {
				if err := inner(ctx, before, after); err != nil {
					return err
				}
			}
			row := after
			if row == nil || action == ActionDeleted {
				row = before
			}
			o, me, r := keys(row)
			return m.rowChanged(ctx, collection, o, me, r, action)
		}
	}
	return query.Hooks[T]{Create: wrap(ActionCreated, h.Create), Update: wrap(ActionUpdated, h.Update),
		Delete: wrap(ActionDeleted, h.Delete), Restore: wrap(ActionUpdated, h.Restore)}
}
