package commerce

import (
	"encoding/json"
	"github.com/banapos/bana/internal/platform/db"
	"time"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// The document's MerchantTypes.
const (
	TypeDefault = "DEFAULT"
	TypeTicket  = "TICKET"
	TypeFNB     = "FNB"
	TypeTheater = "THEATER"
)

// MerchantTypes lists the merchant types in the document's order.
var MerchantTypes = []string{TypeDefault, TypeTicket, TypeFNB, TypeTheater}

// Merchant statuses: an OPEN merchant sells, a CLOSED one refuses new orders (sale checks
// MerchantInfo.Open).
const (
	Open   = "OPEN"
	Closed = "CLOSED"
)

// Statuses of catalog rows (categories, sale channels, terminals, modifier options, products,
// variants): an INACTIVE row stays in the catalog but is not sold.
const (
	Active   = "ACTIVE"
	Inactive = "INACTIVE"
)

// Device statuses: a device is ACTIVE from its enrolment until it is revoked (or its merchant
// deleted); a REVOKED device's token fails.
const (
	DeviceActive = Active
	Revoked      = "REVOKED"
)

// Device kinds.
const (
	DevicePOS     = "POS"
	DeviceKDS     = "KDS"
	DeviceKiosk   = "KIOSK"
	DevicePrinter = "PRINTER"
	DeviceOther   = "OTHER"
)

// deviceKinds lists the device kinds in the order of the API's enum.
var deviceKinds = []string{DevicePOS, DeviceKDS, DeviceKiosk, DevicePrinter, DeviceOther}

// Defaults of a new merchant.
const (
	DefaultCurrency = "VND"
	DefaultTimezone = "Asia/Ho_Chi_Minh"
	DefaultVATRate  = "VAT10"
)

// TaxRates are the VAT codes a variant or merchant may carry (the TSuat of e-invoices): 0%, 5%,
// 8%, 10%, not subject (KCT) and not declared (KKKNT).
var TaxRates = []string{"VAT0", "VAT5", "VAT8", "VAT10", "KCT", "KKKNT"}

// TaxRateBP returns the rate of a tax code in basis points (8% = 800).
func TaxRateBP(code string) int64 {
	switch code {
	case "VAT5":
		return 500
	case "VAT8":
		return 800
	case "VAT10":
		return 1000
	}
	return 0
}

// MerchantType is a row of the document's MerchantType table.
type MerchantType struct {
	bun.BaseModel `bun:"table:merchant_types" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	Code        string     `bun:"code" json:"code" enum:"DEFAULT,TICKET,FNB,THEATER"`
	Name        string     `bun:"name" json:"name"`
	Description db.OptText `bun:"description" json:"description,omitempty"`
	Position    int        `bun:"position" json:"position"`
}

// Merchant is a shop, café, box office or theatre of an organizer.
type Merchant struct {
	bun.BaseModel `bun:"table:merchants" json:"-"`

	ID               id.ID          `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID      id.ID          `bun:"organizer_id" json:"organizerId" required:"false" doc:"Owner organizer; set from the caller unless an admin"`
	Name             string         `bun:"name" json:"name" doc:"Display name, with its Vietnamese diacritics"`
	Type             string         `bun:"type" json:"type" required:"false" enum:"DEFAULT,TICKET,FNB,THEATER" doc:"The document's MerchantTypes; fixed once onboarded"`
	Status           string         `bun:"status" json:"status" required:"false" enum:"OPEN,CLOSED" doc:"OPEN sells; CLOSED refuses new orders"`
	Currency         string         `bun:"currency" json:"currency" required:"false" doc:"ISO 4217; VND"`
	Timezone         string         `bun:"timezone" json:"timezone" required:"false" doc:"IANA zone, Asia/Ho_Chi_Minh by default"`
	PriceIncludesTax bool           `bun:"price_includes_tax" json:"priceIncludesTax" required:"false" doc:"Whether variant prices include VAT"`
	VATRate          string         `bun:"vat_rate" json:"vatRate" required:"false" enum:"VAT0,VAT5,VAT8,VAT10,KCT,KKKNT" doc:"Default VAT of the merchant's variants"`
	TaxCode          db.OptText     `bun:"tax_code" json:"taxCode,omitempty" doc:"Mã số thuế of the merchant, when it has its own"`
	Address          db.OptText     `bun:"address" json:"address,omitempty"`
	Phone            db.OptText     `bun:"phone" json:"phone,omitempty"`
	Email            db.OptText     `bun:"email" json:"email,omitempty"`
	BarcodeConfig    *BarcodeConfig `bun:"barcode_config,type:jsonb" json:"barcodeConfig,omitempty" doc:"Weighed-item barcode formats of the merchant's scales"`
	OnboardingKey    *string        `bun:"onboarding_key" json:"onboardingKey,omitempty" readOnly:"true" doc:"Natural key of the onboarding that created it (SELLER_REGISTERED, an Idempotency-Key)"`
	CreatedAt        time.Time      `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt        time.Time      `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt        *time.Time     `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// CategoryTemplate is a category a merchant of a type starts with.
type CategoryTemplate struct {
	bun.BaseModel `bun:"table:category_templates" json:"-"`

	ID           id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	MerchantType string     `bun:"merchant_type" json:"merchantType" enum:"DEFAULT,TICKET,FNB,THEATER"`
	Code         string     `bun:"code" json:"code" required:"false"`
	Name         string     `bun:"name" json:"name"`
	ParentCode   db.OptText `bun:"parent_code" json:"parentCode,omitempty" doc:"Code of the parent template of the same type"`
	StationCode  db.OptText `bun:"station_code" json:"stationCode,omitempty" doc:"Station its items go to; empty: the merchant's default station"`
	Position     int        `bun:"position" json:"position" required:"false"`
	CreatedAt    time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt    time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// Station is a kitchen or bar station: where the sale module sends the tickets of a category.
type Station struct {
	bun.BaseModel `bun:"table:stations" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	Code        string     `bun:"code" json:"code" required:"false" doc:"Upper-case code, e.g. BAR, KITCHEN; derived from the name when absent"`
	Name        string     `bun:"name" json:"name"`
	Position    int        `bun:"position" json:"position" required:"false"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// Category is a node of a merchant's category tree.
type Category struct {
	bun.BaseModel `bun:"table:categories" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	ParentID    *id.ID     `bun:"parent_id" json:"parentId,omitempty" doc:"Parent category of the same merchant; absent at the root"`
	Code        string     `bun:"code" json:"code" required:"false" doc:"Upper-case code, unique per merchant; derived from the name when absent (Cà phê: CA_PHE)"`
	Name        string     `bun:"name" json:"name"`
	Description db.OptText `bun:"description" json:"description,omitempty"`
	StationID   *id.ID     `bun:"station_id" json:"stationId,omitempty" doc:"Station the category's items are prepared at"`
	StationCode db.OptText `bun:"station_code" json:"stationCode,omitempty" readOnly:"true" doc:"Code of the station, kept with the category for ticket routing"`
	Status      string     `bun:"status" json:"status" required:"false" enum:"ACTIVE,INACTIVE"`
	Position    int        `bun:"position" json:"position" required:"false"`
	TemplateID  *id.ID     `bun:"template_id" json:"templateId,omitempty" readOnly:"true" doc:"The template it was copied from at onboarding"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// SaleChannel is a way a merchant sells: dine-in, take-away, delivery, online...
type SaleChannel struct {
	bun.BaseModel `bun:"table:sale_channels" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	Code        string     `bun:"code" json:"code" required:"false" doc:"Upper-case code, e.g. DINE_IN, TAKE_AWAY, DELIVERY, POS, ONLINE; derived from the name when absent"`
	Name        string     `bun:"name" json:"name"`
	Status      string     `bun:"status" json:"status" required:"false" enum:"ACTIVE,INACTIVE"`
	Position    int        `bun:"position" json:"position" required:"false"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// Terminal is a checkout point of a merchant (a till, a kiosk); devices may be assigned to one.
type Terminal struct {
	bun.BaseModel `bun:"table:terminals" json:"-"`

	ID              id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID     id.ID      `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID      id.ID      `bun:"merchant_id" json:"merchantId"`
	Code            string     `bun:"code" json:"code" required:"false" doc:"Upper-case code, e.g. QUAY_1; derived from the name when absent"`
	Name            string     `bun:"name" json:"name"`
	SaleChannelCode db.OptText `bun:"sale_channel_code" json:"saleChannelCode,omitempty" doc:"The sale channel its orders default to"`
	Status          string     `bun:"status" json:"status" required:"false" enum:"ACTIVE,INACTIVE"`
	CreatedAt       time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt       time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt       *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// Device is an enrolled POS, kitchen display, kiosk or printer. It holds a device token until it
// is revoked.
type Device struct {
	bun.BaseModel `bun:"table:devices" json:"-"`

	ID             id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID    id.ID      `bun:"organizer_id" json:"organizerId" readOnly:"true"`
	MerchantID     id.ID      `bun:"merchant_id" json:"merchantId" readOnly:"true"`
	TerminalID     *id.ID     `bun:"terminal_id" json:"terminalId,omitempty" doc:"The terminal the device serves"`
	Name           string     `bun:"name" json:"name"`
	Kind           string     `bun:"kind" json:"kind" required:"false" enum:"POS,KDS,KIOSK,PRINTER,OTHER"`
	Platform       db.OptText `bun:"platform" json:"platform,omitempty"`
	Serial         db.OptText `bun:"serial" json:"serial,omitempty"`
	AppVersion     db.OptText `bun:"app_version" json:"appVersion,omitempty"`
	Status         string     `bun:"status" json:"status" readOnly:"true" enum:"ACTIVE,REVOKED"`
	Permissions    []string   `bun:"permissions,type:jsonb" json:"permissions" readOnly:"true" doc:"Permissions its token carries"`
	TokenID        string     `bun:"token_id" json:"-"`
	TokenExpiresAt time.Time  `bun:"token_expires_at" json:"tokenExpiresAt" readOnly:"true"`
	EnrolledAt     time.Time  `bun:"enrolled_at" json:"enrolledAt" readOnly:"true"`
	RevokedAt      *time.Time `bun:"revoked_at" json:"revokedAt,omitempty" readOnly:"true"`
	CreatedAt      time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt      time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt      *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// DeviceEnrollment is a one-time enrolment code (only its hash is kept).
type DeviceEnrollment struct {
	bun.BaseModel `bun:"table:device_enrollments" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	CodeHash    string     `bun:"code_hash" json:"-"`
	Name        db.OptText `bun:"name" json:"name,omitempty"`
	Kind        string     `bun:"kind" json:"kind"`
	TerminalID  *id.ID     `bun:"terminal_id" json:"terminalId,omitempty"`
	Permissions []string   `bun:"permissions,type:jsonb" json:"permissions"`
	CreatedBy   id.ID      `bun:"created_by" json:"createdBy"`
	ExpiresAt   time.Time  `bun:"expires_at" json:"expiresAt"`
	UsedAt      *time.Time `bun:"used_at" json:"usedAt,omitempty"`
	DeviceID    *id.ID     `bun:"device_id" json:"deviceId,omitempty"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt"`
}

// ModifierGroup is a choice offered with variants: size, sugar, ice, toppings. A variant's line
// must carry between Min and Max of its options.
type ModifierGroup struct {
	bun.BaseModel `bun:"table:modifier_groups" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	Code        string     `bun:"code" json:"code" required:"false" doc:"Upper-case code, unique per merchant (SIZE, TOPPING); derived from the name when absent"`
	Name        string     `bun:"name" json:"name"`
	Min         int        `bun:"min_select" json:"min" required:"false" doc:"Fewest options a line must choose (0: optional)"`
	Max         int        `bun:"max_select" json:"max" required:"false" doc:"Most options a line may choose (default 1)"`
	Position    int        `bun:"position" json:"position" required:"false"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`

	// Options are created with the group (POST only); read them with include "options".
	Options []ModifierOption `bun:"-" json:"options,omitempty" doc:"POST only: options created with the group"`
}

// ModifierOption is one option of a modifier group, at its price per unit of the line.
type ModifierOption struct {
	bun.BaseModel `bun:"table:modifier_options" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId" required:"false" doc:"Set from the group"`
	GroupID     id.ID      `bun:"group_id" json:"groupId" required:"false" doc:"Required, except in the options of a new group"`
	Code        string     `bun:"code" json:"code" required:"false" doc:"Upper-case code, unique in the group; derived from the name when absent"`
	Name        string     `bun:"name" json:"name"`
	Price       int64      `bun:"price" json:"price" required:"false" doc:"Whole VND added per unit of the line"`
	Status      string     `bun:"status" json:"status" required:"false" enum:"ACTIVE,INACTIVE"`
	Position    int        `bun:"position" json:"position" required:"false"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// VariantModifierGroup offers a modifier group with a variant, optionally with its own min/max.
type VariantModifierGroup struct {
	bun.BaseModel `bun:"table:variant_modifier_groups" json:"-"`

	ID          id.ID     `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID     `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID     `bun:"merchant_id" json:"merchantId" required:"false" doc:"Set from the variant"`
	VariantID   id.ID     `bun:"variant_id" json:"variantId"`
	GroupID     id.ID     `bun:"group_id" json:"groupId"`
	Min         *int      `bun:"min_select" json:"min,omitempty" doc:"Overrides the group's min for this variant"`
	Max         *int      `bun:"max_select" json:"max,omitempty" doc:"Overrides the group's max for this variant"`
	Position    int       `bun:"position" json:"position" required:"false"`
	CreatedAt   time.Time `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// Product is the document's Product: what a merchant sells, with its variants, identifiers and
// info (ProductService creates them together).
type Product struct {
	bun.BaseModel `bun:"table:products" json:"-"`

	ID          id.ID      `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID      `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID      `bun:"merchant_id" json:"merchantId"`
	CategoryID  *id.ID     `bun:"category_id" json:"categoryId,omitempty"`
	Name        string     `bun:"name" json:"name"`
	Description db.OptText `bun:"description" json:"description,omitempty"`
	Status      string     `bun:"status" json:"status" required:"false" enum:"ACTIVE,INACTIVE"`
	Position    int        `bun:"position" json:"position" required:"false"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`

	// Info, when sent to PUT or PATCH, replaces the product's info; read it with include "info".
	Info *ProductInfoInput `bun:"-" json:"info,omitempty" doc:"PUT/PATCH: replaces the product's info"`
}

// ProductInfo is the document's ProductInfo: the descriptive side of a product.
type ProductInfo struct {
	bun.BaseModel `bun:"table:product_infos" json:"-"`

	ID          id.ID             `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID             `bun:"organizer_id" json:"organizerId" readOnly:"true"`
	MerchantID  id.ID             `bun:"merchant_id" json:"merchantId" readOnly:"true"`
	ProductID   id.ID             `bun:"product_id" json:"productId" readOnly:"true"`
	Unit        db.OptText        `bun:"unit" json:"unit,omitempty" doc:"Selling unit: ly, cái, kg, vé..."`
	Content     db.OptText        `bun:"content" json:"content,omitempty" doc:"Long description"`
	Origin      db.OptText        `bun:"origin" json:"origin,omitempty" doc:"Xuất xứ"`
	Images      []string          `bun:"images,type:jsonb" json:"images,omitempty"`
	Attributes  map[string]string `bun:"attributes,type:jsonb" json:"attributes,omitempty"`
	CreatedAt   time.Time         `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time         `bun:"updated_at" json:"updatedAt" readOnly:"true"`
}

// ProductVariant is the document's ProductVariant: a sellable form of a product (size, colour)
// with its base price. Pricing computes quotes from it.
type ProductVariant struct {
	bun.BaseModel `bun:"table:product_variants" json:"-"`

	ID          id.ID          `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID          `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID          `bun:"merchant_id" json:"merchantId" required:"false" doc:"Set from the product"`
	ProductID   id.ID          `bun:"product_id" json:"productId"`
	Name        string         `bun:"name" json:"name" required:"false" doc:"Default: the option values (L / Đỏ), or the product's name"`
	SKU         db.OptText     `bun:"sku" json:"sku,omitempty" doc:"Stock keeping unit, unique per merchant among all identifiers"`
	Options     VariantOptions `bun:"options,type:jsonb" json:"options,omitempty" doc:"What sets it apart: {\"size\":\"L\",\"colour\":\"Đỏ\"}"`
	Price       int64          `bun:"price" json:"price" doc:"Base price in whole VND (tax as the merchant's priceIncludesTax says)"`
	Currency    string         `bun:"currency" json:"currency" required:"false" doc:"The merchant's currency (VND)"`
	TaxRate     db.OptText     `bun:"tax_rate" json:"taxRate,omitempty" enum:"VAT0,VAT5,VAT8,VAT10,KCT,KKKNT" doc:"VAT code; absent: the merchant's vatRate"`
	Status      string         `bun:"status" json:"status" required:"false" enum:"ACTIVE,INACTIVE"`
	TrackStock  bool           `bun:"track_stock" json:"trackStock" required:"false"`
	Position    int            `bun:"position" json:"position" required:"false"`
	CreatedAt   time.Time      `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time      `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time     `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// VariantOptions are what sets a variant apart from its product's others ({"size": "L"}). A
// write that sends them replaces them as a whole: decoding into a variant's options does not
// merge into the ones it had (a PATCH of {"options": {"colour": "Đỏ"}} leaves no size).
type VariantOptions map[string]string

// UnmarshalJSON replaces o with the object read.
func (o *VariantOptions) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*o = m
	return nil
}

// ProductIdentifier is the document's ProductIdentifier: a code the product (or one variant of
// it) is found by.
type ProductIdentifier struct {
	bun.BaseModel `bun:"table:product_identifiers" json:"-"`

	ID          id.ID          `bun:"id,pk" json:"id" readOnly:"true"`
	OrganizerID id.ID          `bun:"organizer_id" json:"organizerId" required:"false"`
	MerchantID  id.ID          `bun:"merchant_id" json:"merchantId" required:"false" doc:"Set from the product"`
	ProductID   id.ID          `bun:"product_id" json:"productId"`
	VariantID   *id.ID         `bun:"variant_id" json:"variantId,omitempty" doc:"The variant it names; absent: the product (its first variant)"`
	Type        IdentifierType `bun:"type" json:"type" enum:"SKU,EAN13,UPCA,EAN8,PLU,CUSTOM"`
	Code        string         `bun:"code" json:"code" doc:"Stored normalised: a UPC-A as its EAN-13, a PLU without leading zeros"`
	CreatedAt   time.Time      `bun:"created_at" json:"createdAt" readOnly:"true"`
	UpdatedAt   time.Time      `bun:"updated_at" json:"updatedAt" readOnly:"true"`
	DeletedAt   *time.Time     `bun:"deleted_at" json:"deletedAt,omitempty" readOnly:"true"`
}

// ProductInfoInput is the writable part of a ProductInfo.
type ProductInfoInput struct {
	Unit       string            `json:"unit,omitempty"`
	Content    string            `json:"content,omitempty"`
	Origin     string            `json:"origin,omitempty"`
	Images     []string          `json:"images,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}
