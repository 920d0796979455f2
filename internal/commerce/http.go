package commerce

import (
	"context"
	"net/http"
	"strings"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

// ownerRoles may onboard merchants and issue device enrolment codes.
var ownerRoles = []auth.Role{auth.SuperAdmin, auth.Admin, auth.OrganizerOwner}

// catalogRoutes registers the CRUD routes of the catalog tables. Creates go through the
// module's create functions (which place a row in its parent's merchant); every update, delete
// and restore runs the table's hooks (New).
func (m *Module) catalogRoutes(s *api.Server) {
	authenticated := auth.Requirement{}
	admins := auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin}}
	readOnly := func(perm auth.Requirement) map[api.Route]auth.Requirement {
		return map[api.Route]auth.Requirement{api.RouteFind: perm, api.RouteCount: perm, api.RouteFindOne: perm, api.RouteGet: perm}
	}
	api.RegisterCRUD(s, api.CRUD[MerchantType]{Table: m.merchantTypes, Path: "/merchant-types", Tag: "Merchants",
		Singular: "merchant-type", Auth: readOnly(authenticated),
		Disable: []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}})
	// Templates are read by anyone signed in and written by admins.
	tplAuth := readOnly(authenticated)
	for _, r := range []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy} {
		tplAuth[r] = admins
	}
	api.RegisterCRUD(s, api.CRUD[CategoryTemplate]{Table: m.templates, Path: "/category-templates", Tag: "Merchants",
		Singular: "category-template", Permission: PermCatalog, Auth: tplAuth, Create: m.createTemplate})
	api.RegisterCRUD(s, api.CRUD[Station]{Table: m.stations, Path: "/stations", Tag: "Catalog", Singular: "station",
		Permission: PermCatalog, Create: m.createStation})
	api.RegisterCRUD(s, api.CRUD[Category]{Table: m.categories, Path: "/categories", Tag: "Catalog", Singular: "category",
		Permission: PermCatalog, Create: m.createCategory})
	api.RegisterCRUD(s, api.CRUD[SaleChannel]{Table: m.channels, Path: "/sale-channels", Tag: "Catalog", Singular: "sale-channel",
		Permission: PermCatalog, Create: m.createChannel})
	api.RegisterCRUD(s, api.CRUD[ModifierGroup]{Table: m.groups, Path: "/modifier-groups", Tag: "Catalog", Singular: "modifier-group",
		Permission: PermCatalog, Create: m.createGroup})
	api.RegisterCRUD(s, api.CRUD[ModifierOption]{Table: m.options, Path: "/modifier-options", Tag: "Catalog", Singular: "modifier-option",
		Permission: PermCatalog, Create: m.createOption})
	api.RegisterCRUD(s, api.CRUD[VariantModifierGroup]{Table: m.links, Path: "/variant-modifier-groups", Tag: "Catalog",
		Singular: "variant-modifier-group", Permission: PermCatalog, Create: m.createLink})
}

// MerchantOnboardingInput is a new merchant (POST /merchants).
type MerchantOnboardingInput struct {
	OrganizerID      id.ID          `json:"organizerId,omitempty" doc:"Admins: the organizer. Owners onboard into their own."`
	Name             string         `json:"name"`
	Type             string         `json:"type,omitempty" enum:"DEFAULT,TICKET,FNB,THEATER" doc:"Default FNB"`
	Status           string         `json:"status,omitempty" enum:"OPEN,CLOSED"`
	Currency         string         `json:"currency,omitempty" doc:"Default VND"`
	Timezone         string         `json:"timezone,omitempty" doc:"Default Asia/Ho_Chi_Minh"`
	PriceIncludesTax *bool          `json:"priceIncludesTax,omitempty" doc:"Default true"`
	VATRate          string         `json:"vatRate,omitempty" enum:"VAT0,VAT5,VAT8,VAT10,KCT,KKKNT" doc:"Default VAT10"`
	TaxCode          string         `json:"taxCode,omitempty"`
	Address          string         `json:"address,omitempty"`
	Phone            string         `json:"phone,omitempty"`
	Email            string         `json:"email,omitempty"`
	BarcodeConfig    *BarcodeConfig `json:"barcodeConfig,omitempty"`
}

type statusRow struct {
	Status int
	Body   query.Row
}

type rowBody struct {
	Body query.Row
}

var onboardedIncludes = []query.Include{{Relation: "stations"}, {Relation: "categories"}, {Relation: "saleChannels"}}

// merchantRoutes registers the merchants' routes: onboarding makes them (POST), the CRUD routes
// do the rest.
func (m *Module) merchantRoutes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Merchant]{Table: m.merchants, Path: "/merchants", Tag: "Merchants", Singular: "merchant",
		Permission: PermMerchant, Disable: []api.Route{api.RouteCreate}})
	api.Register(s, huma.Operation{OperationID: "create-merchant", Method: http.MethodPost, Path: "/merchants", Tags: []string{"Merchants"},
		Summary:     "Onboard a merchant",
		Description: "Creates the merchant with the categories of its type's templates, its sale channels and (FNB) a default station, in one transaction, and publishes CommerceInitialized. With an Idempotency-Key, a repeat returns the first merchant (200); the same key with another name or type is a 409.",
		Errors:      []int{409}, DefaultStatus: http.StatusCreated},
		auth.Requirement{Roles: ownerRoles, Permission: PermMerchantWrite},
		func(ctx context.Context, in *struct {
			IdempotencyKey string `header:"Idempotency-Key" doc:"Makes a retried onboarding return the first merchant"`
			Body           MerchantOnboardingInput
		}) (*statusRow, error) {
			b := in.Body
			oi := OnboardInput{OrganizerID: b.OrganizerID, Name: b.Name, Type: b.Type, Status: b.Status, Currency: b.Currency,
				Timezone: b.Timezone, VATRate: b.VATRate, PriceIncludesTax: b.PriceIncludesTax, TaxCode: b.TaxCode, Address: b.Address,
				Phone: b.Phone, Email: b.Email, BarcodeConfig: b.BarcodeConfig}
			if k := strings.TrimSpace(in.IdempotencyKey); k != "" {
				if len(k) > 200 {
					return nil, errs.Field("header.Idempotency-Key", "is longer than 200 characters", nil)
				}
				oi.Key = "IDEMPOTENCY:" + k
			}
			res, err := m.Onboard(ctx, oi)
			if err != nil {
				return nil, err
			}
			out := &statusRow{Status: http.StatusCreated}
			if !res.Created {
				want := Merchant{Name: oi.Name, Type: oi.Type}
				if want.Type == "" {
					want.Type = TypeFNB
				}
				want.Name, _ = cleanName("body.name", want.Name, 200)
				if res.Merchant.Name != want.Name || res.Merchant.Type != want.Type {
					return nil, ErrOnboardingKeyReused
				}
				out.Status = http.StatusOK
			}
			rows, err := m.merchants.Shape(ctx, []Merchant{res.Merchant}, &query.Filter{Include: onboardedIncludes})
			if err != nil {
				return nil, err
			}
			out.Body = rows[0]
			return out, nil
		})
}

// productRoutes registers the scan lookup, the product aggregate's create, and the CRUD routes
// of products, variants and identifiers.
func (m *Module) productRoutes(s *api.Server) {
	// The lookup is registered before the generic routes; net/http prefers the literal segment
	// over {id} anyway.
	api.Register(s, huma.Operation{OperationID: "lookup-product", Method: http.MethodGet, Path: "/products/lookup", Tags: []string{"Catalog"},
		Summary:     "Find the variant a scanned code identifies",
		Description: "Looks a code up among the merchant's identifiers: SKU, EAN-13, UPC-A, EAN-8, PLU, custom, and weighed-item barcodes of the merchant's barcodeConfig (their item code is looked up as a PLU; the label's price or weight is returned). A GS1 code with a bad check digit is a 400.",
		Errors:      []int{404}},
		auth.Requirement{Permission: PermCatalogRead},
		func(ctx context.Context, in *struct {
			Code       string `query:"code" required:"true" doc:"The scanned or typed code"`
			MerchantID string `query:"merchantId" doc:"The merchant; optional for a caller of exactly one merchant (a device)"`
		}) (*struct{ Body *ProductLookup }, error) {
			mid, err := merchantParam(ctx, in.MerchantID)
			if err != nil {
				return nil, err
			}
			res, err := m.Lookup(ctx, mid, in.Code)
			if err != nil {
				return nil, err
			}
			return &struct{ Body *ProductLookup }{Body: res}, nil
		})
	api.RegisterCRUD(s, api.CRUD[Product]{Table: m.products, Path: "/products", Tag: "Catalog", Singular: "product",
		Permission: PermCatalog, Disable: []api.Route{api.RouteCreate}})
	api.Register(s, huma.Operation{OperationID: "create-product", Method: http.MethodPost, Path: "/products", Tags: []string{"Catalog"},
		Summary:     "Create a product with its variants, identifiers and info",
		Description: "One transaction: the product, its info, its variants (with options, price, SKU, identifiers and modifier groups) and its identifiers; publishes ProductChanged CREATED. A bad EAN/UPC check digit is a 400; a code another product of the merchant has is a 409.",
		Errors:      []int{409, 422}, DefaultStatus: http.StatusCreated},
		auth.Requirement{Permission: PermCatalogWrite},
		func(ctx context.Context, in *struct{ Body ProductInput }) (*rowBody, error) {
			p, err := m.CreateProduct(ctx, &in.Body)
			if err != nil {
				return nil, err
			}
			rows, err := m.products.Shape(ctx, []Product{*p}, &query.Filter{Include: []query.Include{
				{Relation: "variants"}, {Relation: "identifiers"}, {Relation: "info"}}})
			if err != nil {
				return nil, err
			}
			return &rowBody{Body: rows[0]}, nil
		})
	// Variants and identifiers are not restored on their own: they come back with their product.
	api.RegisterCRUD(s, api.CRUD[ProductVariant]{Table: m.variants, Path: "/product-variants", Tag: "Catalog", Singular: "product-variant",
		Permission: PermCatalog, Create: m.createVariant, Disable: []api.Route{api.RouteRestore}})
	api.RegisterCRUD(s, api.CRUD[ProductIdentifier]{Table: m.identifiers, Path: "/product-identifiers", Tag: "Catalog",
		Singular: "product-identifier", Permission: PermCatalog, Create: m.createIdentifier, Disable: []api.Route{api.RouteRestore}})
}

// merchantParam reads ?merchantId=, defaulting to the caller's only merchant.
func merchantParam(ctx context.Context, s string) (id.ID, error) {
	if s != "" {
		return api.ParseID("query.merchantId", s)
	}
	if p := auth.From(ctx); p != nil && len(p.MerchantIDs) == 1 {
		return p.MerchantIDs[0], nil
	}
	return 0, errs.Field("query.merchantId", "is required", nil)
}

// deviceRoutes registers terminals and devices: enrolment makes devices (no create route), a
// deleted device is not restored (its token stays revoked).
func (m *Module) deviceRoutes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Terminal]{Table: m.terminals, Path: "/terminals", Tag: "Devices", Singular: "terminal",
		Permission: PermDevice, Create: m.createTerminal})
	api.RegisterCRUD(s, api.CRUD[Device]{Table: m.devices, Path: "/devices", Tag: "Devices", Singular: "device",
		Permission: PermDevice, Disable: []api.Route{api.RouteCreate, api.RouteRestore}})
	api.Register(s, huma.Operation{OperationID: "create-device-enrollment-code", Method: http.MethodPost, Path: "/devices/enrollment-codes",
		Tags: []string{"Devices"}, Summary: "Issue a one-time device enrolment code",
		Description:   "An 8-character code, valid for 15 minutes and once, that a device sends to POST /devices/enroll. Only its hash is stored.",
		DefaultStatus: http.StatusCreated},
		auth.Requirement{Roles: ownerRoles, Permission: PermDeviceWrite},
		func(ctx context.Context, in *struct{ Body DeviceEnrollmentCodeInput }) (*struct{ Body *DeviceEnrollmentCode }, error) {
			c, err := m.IssueEnrollmentCode(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &struct{ Body *DeviceEnrollmentCode }{Body: c}, nil
		})
	api.Register(s, huma.Operation{OperationID: "enroll-device", Method: http.MethodPost, Path: "/devices/enroll",
		Tags: []string{"Devices"}, Summary: "Enrol a device with a one-time code",
		Description:   "Consumes the code and returns the device and its bearer token (kind device, scoped to the code's merchant, valid a year unless revoked). An unknown, used or expired code is a 401.",
		DefaultStatus: http.StatusCreated},
		auth.Requirement{Public: true},
		func(ctx context.Context, in *struct{ Body DeviceEnrollInput }) (*struct{ Body *DeviceEnrolled }, error) {
			e, err := m.Enroll(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &struct{ Body *DeviceEnrolled }{Body: e}, nil
		})
	api.Register(s, huma.Operation{OperationID: "revoke-device", Method: http.MethodPost, Path: "/devices/{id}/revoke",
		Tags: []string{"Devices"}, Summary: "Revoke a device: its token fails from now on", Errors: []int{404}},
		auth.Requirement{Permission: PermDeviceWrite},
		func(ctx context.Context, in *api.IDParam) (*rowBody, error) {
			rid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			d, err := m.RevokeDevice(ctx, rid)
			if err != nil {
				return nil, err
			}
			rows, err := m.devices.Shape(ctx, []Device{*d}, nil)
			if err != nil {
				return nil, err
			}
			return &rowBody{Body: rows[0]}, nil
		})
}
