package pricing

import (
	"github.com/banapos/bana/internal/platform/db"
	"time"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// The stored rows of the pricing schema, as the CRUD routes read and write them. The engine's
// types (Fare, Rule, Promotion, Tax) are what a quote computes with; each row converts to one.
//
// Enumerations are listed in doc rather than enum tags: the engine's validation refuses a bad
// value with a 400 naming the field and saying what is allowed, the same answer as for every
// other field it checks (a schema enum would answer 422 before the engine sees the row).

// FareSet is the document's FareSet: a named price list of a merchant. Its fares price the
// variants it lists; a set may be limited to sale channels. A quote tries the ACTIVE sets of the
// merchant, those naming the quote's channel first, then those for every channel, each group by
// priority (highest first) then id: the first set with a fare in force for a variant prices it.
// A variant no set prices keeps the catalog's price.
type FareSet struct {
	bun.BaseModel `bun:"table:pricing_fare_sets" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer: the caller's, or the merchant's for admins"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId" doc:"The merchant whose prices these are"`
	Code        string     `bun:"code" json:"code" doc:"Unique per merchant: 1-50 of A-Z 0-9 _ . -"`
	Name        string     `bun:"name" json:"name" doc:"At most 200 bytes"`
	Description db.OptText `bun:"description" json:"description,omitempty"`
	Channels    []string   `bun:"channels,type:jsonb" json:"channels" required:"false" doc:"Sale channels the set prices (DINE_IN, TAKE_AWAY, DELIVERY, ...); empty: every channel"`
	Priority    int        `bun:"priority" json:"priority" required:"false" doc:"Among sets of the same reach, higher is tried first; ties in id order"`
	Status      Status     `bun:"status" json:"status" required:"false" openapi:"enum=ACTIVE,INACTIVE" doc:"ACTIVE (default) or INACTIVE"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// FareRow is a stored Fare: the price of a variant in a fare set, on or off, optionally for a
// period (a scheduled price change is a second fare that starts later).
type FareRow struct {
	bun.BaseModel `bun:"table:pricing_fares" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer: the caller's, or the merchant's for admins"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	FareSetID   id.ID      `bun:"fare_set_id" json:"fareSetId" doc:"A fare set of the same merchant"`
	VariantID   id.ID      `bun:"variant_id" json:"variantId" doc:"A variant of the merchant's catalog"`
	Amount      int64      `bun:"amount" json:"amount" doc:"Unit price in whole dong, tax as the merchant's prices (included or not)"`
	Currency    string     `bun:"currency" json:"currency" required:"false" doc:"The merchant's currency (the default)"`
	Status      Status     `bun:"status" json:"status" required:"false" openapi:"enum=ACTIVE,INACTIVE" doc:"ACTIVE (default) or INACTIVE"`
	ActiveFrom  *time.Time `bun:"active_from" json:"activeFrom,omitempty" doc:"Inclusive; absent: the standing price"`
	ActiveTo    *time.Time `bun:"active_to" json:"activeTo,omitempty" doc:"Exclusive; absent: open-ended"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

func (r *FareRow) fare() Fare {
	return Fare{ID: r.ID, VariantID: r.VariantID, Amount: r.Amount, Currency: r.Currency, Status: r.Status,
		ActiveFrom: r.ActiveFrom, ActiveTo: r.ActiveTo}
}

// FareRule is the document's FareRule, stored: a Rule of the engine plus its status.
type FareRule struct {
	bun.BaseModel `bun:"table:pricing_fare_rules" json:"-"`

	ID          id.ID       `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID       `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer: the caller's, or the merchant's for admins"`
	MerchantID  id.ID       `bun:"merchant_id" json:"merchantId"`
	Name        string      `bun:"name" json:"name" doc:"Shown on the quote as the reason for the change; at most 200 bytes"`
	Description db.OptText  `bun:"description" json:"description,omitempty"`
	Type        RuleType    `bun:"type" json:"type" openapi:"enum=OVERRIDE,DISCOUNT,MARKUP" doc:"OVERRIDE (sets the unit price; the first matching one ends evaluation), DISCOUNT or MARKUP"`
	Mode        Mode        `bun:"mode" json:"mode" openapi:"enum=PERCENT,AMOUNT" doc:"PERCENT (value in basis points, 10% = 1000) or AMOUNT (dong per unit; for OVERRIDE the new unit price)"`
	Value       int64       `bun:"value" json:"value"`
	Priority    int         `bun:"priority" json:"priority" required:"false" doc:"Higher runs first; ties in id order"`
	Conditions  []Condition `bun:"conditions,type:jsonb" json:"conditions" required:"false" doc:"ANDed; none: every line. Operators EQ NE GT GTE LT LTE IN NIN"`
	Status      Status      `bun:"status" json:"status" required:"false" openapi:"enum=ACTIVE,INACTIVE" doc:"ACTIVE (default) or INACTIVE"`
	CreatedAt   time.Time   `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time   `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time  `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

func (r *FareRule) rule() Rule {
	return Rule{ID: r.ID, Name: r.Name, Type: r.Type, Mode: r.Mode, Value: r.Value, Priority: r.Priority,
		Conditions: r.Conditions}
}

// Cost is the document's Cost: what a variant costs the merchant (its purchase or production
// cost), optionally for a period, for margin reports. Quotes do not read it; the cost of goods
// actually sold comes from inventory's FIFO layers.
type Cost struct {
	bun.BaseModel `bun:"table:pricing_costs" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer: the caller's, or the merchant's for admins"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	VariantID   id.ID      `bun:"variant_id" json:"variantId" doc:"A variant of the merchant's catalog"`
	Amount      int64      `bun:"amount" json:"amount" doc:"Unit cost in whole dong"`
	Currency    string     `bun:"currency" json:"currency" required:"false" doc:"The merchant's currency (the default)"`
	ActiveFrom  *time.Time `bun:"active_from" json:"activeFrom,omitempty" doc:"Inclusive"`
	ActiveTo    *time.Time `bun:"active_to" json:"activeTo,omitempty" doc:"Exclusive"`
	Note        db.OptText `bun:"note" json:"note,omitempty"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// TaxTypeRow is the document's TaxType: one kind of output VAT, as e-invoices declare it. The
// seven rows are reference data, the same for every tenant.
type TaxTypeRow struct {
	bun.BaseModel `bun:"table:pricing_tax_types" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id"`
	Code        TaxType    `bun:"code" json:"code" openapi:"enum=VAT0,VAT5,VAT8,VAT10,KCT,KKKNT,OTHER" doc:"VAT0, VAT5, VAT8, VAT10, KCT, KKKNT or OTHER"`
	Name        string     `bun:"name" json:"name"`
	RateBP      *int64     `bun:"rate_bp" json:"rateBp,omitempty" doc:"The type's fixed rate in basis points; absent for OTHER"`
	InvoiceRate string     `bun:"invoice_rate" json:"invoiceRate" doc:"TSuat on e-invoices"`
	Description db.OptText `bun:"description" json:"description,omitempty"`
}

// TaxRow is the document's Tax, stored: a tax the merchant charges, of a type at its rate.
type TaxRow struct {
	bun.BaseModel `bun:"table:pricing_taxes" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer: the caller's, or the merchant's for admins"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	Code        string     `bun:"code" json:"code" doc:"Unique per merchant: 1-50 of A-Z 0-9 _ . -"`
	Name        string     `bun:"name" json:"name"`
	Type        TaxType    `bun:"type" json:"type" openapi:"enum=VAT0,VAT5,VAT8,VAT10,KCT,KKKNT,OTHER" doc:"VAT0, VAT5, VAT8, VAT10, KCT, KKKNT or OTHER (see /pricing-tax-types)"`
	RateBP      int64      `bun:"rate_bp" json:"rateBp" required:"false" doc:"Basis points (8% = 800); fixed by the type (filled in when absent) except for OTHER"`
	Description db.OptText `bun:"description" json:"description,omitempty"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

func (r *TaxRow) tax() Tax { return Tax{Type: r.Type, RateBP: r.RateBP} }

// TaxSet is the document's TaxSet: the tax of the variants and categories it lists. A line takes
// the tax of the first ACTIVE set that lists its variant or one of its categories (priority,
// highest first, then id); a set that lists nothing covers every line. A line no set covers takes
// the catalog's rate for the variant, else the merchant's.
type TaxSet struct {
	bun.BaseModel `bun:"table:pricing_tax_sets" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer: the caller's, or the merchant's for admins"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	Code        string     `bun:"code" json:"code" doc:"Unique per merchant: 1-50 of A-Z 0-9 _ . -"`
	Name        string     `bun:"name" json:"name"`
	TaxID       id.ID      `bun:"tax_id" json:"taxId" doc:"A tax of the same merchant"`
	VariantIDs  []id.ID    `bun:"variant_ids,type:jsonb" json:"variantIds" required:"false" doc:"Variants of the merchant's catalog"`
	Categories  []string   `bun:"categories,type:jsonb" json:"categories" required:"false" doc:"Category codes; a line is in its category and the category's parents"`
	Priority    int        `bun:"priority" json:"priority" required:"false" doc:"Higher is tried first; ties in id order"`
	Status      Status     `bun:"status" json:"status" required:"false" openapi:"enum=ACTIVE,INACTIVE" doc:"ACTIVE (default) or INACTIVE"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// PromotionRow is a stored Promotion.
type PromotionRow struct {
	bun.BaseModel `bun:"table:pricing_promotions" json:"-"`

	ID               id.ID         `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID      id.ID         `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer: the caller's, or the merchant's for admins"`
	MerchantID       id.ID         `bun:"merchant_id" json:"merchantId"`
	Code             db.OptText    `bun:"code" json:"code,omitempty" doc:"Empty for an automatic promotion; else 2-32 of A-Z 0-9 _ -, stored upper case, unique per merchant"`
	Name             string        `bun:"name" json:"name"`
	Description      db.OptText    `bun:"description" json:"description,omitempty"`
	Kind             PromotionKind `bun:"kind" json:"kind" openapi:"enum=PERCENT,FIXED,BUY_X_GET_Y" doc:"PERCENT, FIXED or BUY_X_GET_Y"`
	Level            Level         `bun:"level" json:"level" openapi:"enum=ITEM,ORDER" doc:"ITEM (the lines its conditions match) or ORDER (the whole order)"`
	Value            int64         `bun:"value" json:"value" doc:"PERCENT and BUY_X_GET_Y: basis points (10000 = free); FIXED: dong per unit (ITEM) or per order (ORDER)"`
	Buy              *Target       `bun:"buy_target,type:jsonb" json:"buy,omitempty" doc:"BUY_X_GET_Y: the units that must be bought"`
	Get              *Target       `bun:"get_target,type:jsonb" json:"get,omitempty" doc:"BUY_X_GET_Y: the units that get the discount, cheapest first"`
	Conditions       []Condition   `bun:"conditions,type:jsonb" json:"conditions" required:"false" doc:"ITEM: select the lines (line and order keys); ORDER: qualify the order (order keys)"`
	MinSubtotal      int64         `bun:"min_subtotal" json:"minSubtotal,omitempty"`
	MaxDiscount      int64         `bun:"max_discount" json:"maxDiscount,omitempty" doc:"0: no cap"`
	ActiveFrom       *time.Time    `bun:"active_from" json:"activeFrom,omitempty" doc:"Inclusive"`
	ActiveTo         *time.Time    `bun:"active_to" json:"activeTo,omitempty" doc:"Exclusive"`
	Status           Status        `bun:"status" json:"status" required:"false" openapi:"enum=ACTIVE,INACTIVE" doc:"ACTIVE (default) or INACTIVE"`
	TotalLimit       int64         `bun:"total_limit" json:"totalLimit,omitempty" doc:"Redemptions over all customers; 0: no limit"`
	PerCustomerLimit int64         `bun:"per_customer_limit" json:"perCustomerLimit,omitempty" doc:"Redemptions per customer; 0: no limit. A quote without a customer cannot use a promotion with one"`
	Stackable        bool          `bun:"stackable" json:"stackable" required:"false" doc:"Whether it combines with other promotions on one order"`
	Priority         int           `bun:"priority" json:"priority" required:"false" doc:"Higher is tried first; ties in id order"`
	CreatedAt        time.Time     `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt        time.Time     `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt        *time.Time    `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

func (r *PromotionRow) promotion() Promotion {
	return Promotion{ID: r.ID, Code: string(r.Code), Name: r.Name, Kind: r.Kind, Level: r.Level, Value: r.Value,
		Buy: r.Buy, Get: r.Get, Conditions: r.Conditions, MinSubtotal: r.MinSubtotal, MaxDiscount: r.MaxDiscount,
		ActiveFrom: r.ActiveFrom, ActiveTo: r.ActiveTo, Status: r.Status, TotalLimit: r.TotalLimit,
		PerCustomerLimit: r.PerCustomerLimit, Stackable: r.Stackable, Priority: r.Priority}
}

// PromotionUsage is one redemption of a promotion by an order, recorded by Module.Redeem when the
// order is paid. A promotion's limits count these rows.
type PromotionUsage struct {
	bun.BaseModel `bun:"table:pricing_promotion_usages" json:"-"`

	ID          id.ID     `bun:"id,pk" json:"id"`
	OrganizerID id.ID     `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID     `bun:"merchant_id" json:"merchantId"`
	PromotionID id.ID     `bun:"promotion_id" json:"promotionId"`
	CustomerID  *id.ID    `bun:"customer_id" json:"customerId,omitempty" doc:"Absent for an anonymous order"`
	OrderID     id.ID     `bun:"order_id" json:"orderId"`
	UsedAt      time.Time `bun:"used_at" json:"usedAt"`
}
