package inventory

import (
	"context"

	"github.com/banapos/bana/internal/platform/id"
)

// The narrow interface the inventory needs of another module. internal/app adapts commerce's
// catalog to it (wire_inventory.go); in split mode an HTTP client satisfies the same interface.

// Catalog tells the inventory which variants a merchant sells (commerce), so that stock is only
// ever kept of a merchant's own variants: an adjustment, transfer, count, purchase order line,
// stock item or reservation that names another organizer's variant (or none) is refused with a
// 400 naming the field.
type Catalog interface {
	// VariantsOf returns which of variantIDs are live variants of the merchant, as the caller
	// of ctx may see them: another merchant's, a deleted or an unknown variant is absent.
	VariantsOf(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]bool, error)
}
