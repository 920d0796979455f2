package sale

import (
	"context"
	"encoding/json"
	"time"

	"github.com/banapos/bana/internal/platform/id"
)

// The narrow interfaces sale needs of other modules. internal/app adapts each module's service
// to them; in split mode an HTTP client satisfies the same interface.

// Merchant is what sale needs to know of a merchant.
type Merchant struct {
	ID          id.ID
	OrganizerID id.ID
	Name        string
	Type        string // DEFAULT, TICKET, FNB, THEATER
	Currency    string
	Open        bool
}

// Option is a modifier option of a variant.
type Option struct {
	ID      id.ID
	GroupID id.ID
	Name    string
	Price   int64
}

// Variant is what sale needs to know of a variant.
type Variant struct {
	ID           id.ID
	Name         string
	SKU          string
	CategoryCode string
	StationCode  string
	Active       bool
	TrackStock   bool  // the catalog's flag, kept on the order line; stock follows Stock.Tracked
	Price        int64 // catalog unit price before modifiers
	TaxRate      string
	Options      map[id.ID]Option
}

// Catalog reads the menu (commerce).
type Catalog interface {
	Merchant(ctx context.Context, merchantID id.ID) (Merchant, error)
	Variants(ctx context.Context, merchantID id.ID, ids []id.ID) (map[id.ID]Variant, error)
	// CheckModifiers validates chosen options against the variant's groups (min/max), naming
	// the group in its error.
	CheckModifiers(ctx context.Context, merchantID, variantID id.ID, optionIDs []id.ID) error
}

// PriceLine is one line to price.
type PriceLine struct {
	VariantID   id.ID
	Quantity    int64
	ModifierIDs []id.ID
}

// PriceRequest asks for a quote.
type PriceRequest struct {
	OrganizerID    id.ID
	MerchantID     id.ID
	Channel        string
	CustomerID     id.ID
	PromotionCodes []string
	At             time.Time
	Lines          []PriceLine
}

// PricedLine is one line of a quote.
type PricedLine struct {
	UnitPrice int64 // base unit price with modifiers
	Subtotal  int64 // UnitPrice x quantity
	Discount  int64 // rules and promotions, as a positive amount
	TaxRate   string
	Tax       int64
	Total     int64 // what the customer pays for the line
}

// Quote is a priced order.
type Quote struct {
	Lines    []PricedLine
	Subtotal int64
	Discount int64
	Tax      int64
	Total    int64
	// Explain is the pricing engine's full explanation, stored on the order.
	Explain json.RawMessage
	// RedeemedPromotions are the promotion ids to count as used when the order is paid.
	RedeemedPromotions []id.ID
}

// Pricer prices orders (pricing).
type Pricer interface {
	Quote(ctx context.Context, r PriceRequest) (Quote, error)
	// Redeem counts the promotions as used by the order (customerID 0: anonymous). It joins the
	// caller's transaction, and a repeat for the same order and promotion counts once.
	Redeem(ctx context.Context, merchantID, orderID, customerID id.ID, promotionIDs []id.ID) error
}

// StockLine is one variant and quantity to hold.
type StockLine struct {
	VariantID id.ID
	Quantity  int64
}

// Stock holds and takes stock (inventory). Every call joins the caller's transaction.
type Stock interface {
	// Tracked tells which of the merchant's variants the inventory tracks (it has stock of
	// them): only those lines are held, sold and restocked. The catalog's TrackStock does not
	// decide it (docs/inventory.md, "Tracked variants").
	Tracked(ctx context.Context, organizerID, merchantID id.ID, variantIDs []id.ID) (map[id.ID]bool, error)
	// Reserve holds every line for the order, all or nothing, until expiresAt.
	Reserve(ctx context.Context, organizerID, merchantID, orderID id.ID, lines []StockLine, expiresAt time.Time) error
	// Release frees the order's holds (cancel, expiry, reopen); releasing twice is a no-op.
	Release(ctx context.Context, organizerID, merchantID, orderID id.ID, reason string) error
	// Commit turns the order's holds into sales (on hand goes down).
	Commit(ctx context.Context, organizerID, merchantID, orderID id.ID) error
	// Sell takes the lines off the shelf at once, all or nothing, for an order paid in the
	// transaction that checks it out (Reserve and Commit in one, with nothing to expire).
	Sell(ctx context.Context, organizerID, merchantID, orderID id.ID, lines []StockLine) error
	// Return puts refunded units back on hand.
	Return(ctx context.Context, organizerID, merchantID, orderID id.ID, lines []StockLine) error
}
