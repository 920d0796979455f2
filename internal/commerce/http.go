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

// Permissions: catalog.read / catalog.write / catalog.delete for the catalog (products,
// variants, identifiers, categories, stations, sale channels, modifiers); merchant.read /
// merchant.write / merchant.delete for merchants (onboarding also needs the role of an organizer
// owner or admin); device.read / device.write / device.delete for devices, terminals and
// enrolment codes (codes: owners and admins).
var ownerRoles = []auth.Role{auth.SuperAdmin, auth.Admin, auth.OrganizerOwner}

// Routes registers the module's HTTP operations.
func (m *Module) Routes(s *api.Server) {
	authenticated := auth.Requirement{}
	admins := auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin}}
	readOnly := func(perm auth.Requirement) map[api.Route]auth.Requirement {
		return map[api.Route]auth.Requirement{api.RouteFind: perm, api.RouteCount: perm, api.RouteFindOne: perm, api.RouteGet: perm}
	}

	api.RegisterCRUD(s, api.CRUD[MerchantType]{Table: m.merchantTypes, Path: "/merchant-types", Tag: "Merchants",
		Singular: "merchant-type", Auth: readOnly(authenticated),
		Disable: []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}})
	tplAuth := readOnly(authenticated)
	for _, r := range []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy} {
		tplAuth[r] = admins
	}
	(&resource[CategoryTemplate]{db: m.db, table: m.templates, path: "/category-templates", tag: "Merchants", name: "category-template",
		perm: "catalog", auth: tplAuth, create: m.createTemplate, update: m.updateTemplate}).register(s)

	m.merchantRoutes(s)
	(&resource[Station]{db: m.db, table: m.stations, path: "/stations", tag: "Catalog", name: "station", perm: "catalog",
		fixed: tenantFixed, create: m.createStation, update: m.updateStation, remove: m.deleteStation}).register(s)
	(&resource[Category]{db: m.db, table: m.categories, path: "/categories", tag: "Catalog", name: "category", perm: "catalog",
		system: categorySystem, fixed: tenantFixed, create: m.createCategory, update: m.updateCategory}).register(s)
	(&resource[SaleChannel]{db: m.db, table: m.channels, path: "/sale-channels", tag: "Catalog", name: "sale-channel", perm: "catalog",
		fixed: tenantFixed, create: m.createChannel, update: m.updateChannel}).register(s)
	(&resource[ModifierGroup]{db: m.db, table: m.groups, path: "/modifier-groups", tag: "Catalog", name: "modifier-group", perm: "catalog",
		fixed: tenantFixed, create: m.createGroup, update: m.updateGroup}).register(s)
	(&resource[ModifierOption]{db: m.db, table: m.options, path: "/modifier-options", tag: "Catalog", name: "modifier-option", perm: "catalog",
		fixed: optionFixed, create: m.createOption, update: m.updateOption}).register(s)
	(&resource[VariantModifierGroup]{db: m.db, table: m.links, path: "/variant-modifier-groups", tag: "Catalog", name: "variant-modifier-group",
		perm: "catalog", fixed: linkFixed, create: m.createLink, update: m.updateLink, remove: m.deleteLink}).register(s)
	m.productRoutes(s)
	(&resource[ProductVariant]{db: m.db, table: m.variants, path: "/product-variants", tag: "Catalog", name: "product-variant", perm: "catalog",
		fixed: variantFixed, create: m.createVariant, update: m.updateVariant, remove: m.deleteVariant, noRestore: true}).register(s)
	(&resource[ProductIdentifier]{db: m.db, table: m.identifiers, path: "/product-identifiers", tag: "Catalog", name: "product-identifier",
		perm: "catalog", fixed: identifierFixed, create: m.createIdentifier, update: m.updateIdentifier, remove: m.deleteIdentifier,
		noRestore: true}).register(s)
	(&resource[Terminal]{db: m.db, table: m.terminals, path: "/terminals", tag: "Devices", name: "terminal", perm: "device",
		fixed: tenantFixed, create: m.createTerminal, update: m.updateTerminal}).register(s)
	m.deviceRoutes(s)
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

var onboardedIncludes = []query.Include{{Relation: "stations"}, {Relation: "categories"}, {Relation: "saleChannels"}}

func (m *Module) merchantRoutes(s *api.Server) {
	(&resource[Merchant]{db: m.db, table: m.merchants, path: "/merchants", tag: "Merchants", name: "merchant", perm: "merchant",
		fixed: merchantFixed, update: m.updateMerchant, remove: m.deleteMerchant}).register(s)
	api.Register(s, huma.Operation{OperationID: "create-merchant", Method: http.MethodPost, Path: "/merchants", Tags: []string{"Merchants"},
		Summary:     "Onboard a merchant",
		Description: "Creates the merchant with the categories of its type's templates, its sale channels and (FNB) a default station, in one transaction, and publishes CommerceInitialized. With an Idempotency-Key, a repeat returns the first merchant (200); the same key with another name or type is a 409.",
		Errors:      []int{409}, DefaultStatus: http.StatusCreated},
		auth.Requirement{Roles: ownerRoles, Permission: "merchant.write"},
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
					return nil, errs.New(errs.Conflict, "Idempotency-Key was used for another merchant")
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

func (m *Module) productRoutes(s *api.Server) {
	// The lookup is registered before the generic routes; net/http prefers the literal segment
	// over {id} anyway.
	api.Register(s, huma.Operation{OperationID: "lookup-product", Method: http.MethodGet, Path: "/products/lookup", Tags: []string{"Catalog"},
		Summary:     "Find the variant a scanned code identifies",
		Description: "Looks a code up among the merchant's identifiers: SKU, EAN-13, UPC-A, EAN-8, PLU, custom, and weighed-item barcodes of the merchant's barcodeConfig (their item code is looked up as a PLU; the label's price or weight is returned). A GS1 code with a bad check digit is a 400.",
		Errors:      []int{404}},
		auth.Requirement{Permission: "catalog.read"},
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
	(&resource[Product]{db: m.db, table: m.products, path: "/products", tag: "Catalog", name: "product", perm: "catalog",
		fixed: tenantFixed, update: m.updateProduct, remove: m.deleteProduct, restored: m.restoreProduct}).register(s)
	api.Register(s, huma.Operation{OperationID: "create-product", Method: http.MethodPost, Path: "/products", Tags: []string{"Catalog"},
		Summary:     "Create a product with its variants, identifiers and info",
		Description: "One transaction: the product, its info, its variants (with options, price, SKU, identifiers and modifier groups) and its identifiers; publishes ProductChanged CREATED. A bad EAN/UPC check digit is a 400; a code another product of the merchant has is a 409.",
		Errors:      []int{409, 422}, DefaultStatus: http.StatusCreated},
		auth.Requirement{Permission: "catalog.write"},
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
}

// merchantParam reads ?merchantId=, defaulting to the caller's only merchant.
func merchantParam(ctx context.Context, s string) (id.ID, error) {
	if s != "" {
		v, err := id.Parse(s)
		if err != nil {
			return 0, errs.Field("query.merchantId", "must be a decimal id", s)
		}
		return v, nil
	}
	if p := auth.From(ctx); p != nil && len(p.MerchantIDs) == 1 {
		return p.MerchantIDs[0], nil
	}
	return 0, errs.Field("query.merchantId", "is required", nil)
}

func (m *Module) deviceRoutes(s *api.Server) {
	(&resource[Device]{db: m.db, table: m.devices, path: "/devices", tag: "Devices", name: "device", perm: "device",
		system: deviceSystem, update: m.updateDevice, remove: m.deleteDevice, noRestore: true}).register(s)
	api.Register(s, huma.Operation{OperationID: "create-device-enrollment-code", Method: http.MethodPost, Path: "/devices/enrollment-codes",
		Tags: []string{"Devices"}, Summary: "Issue a one-time device enrolment code",
		Description:   "An 8-character code, valid for 15 minutes and once, that a device sends to POST /devices/enroll. Only its hash is stored.",
		DefaultStatus: http.StatusCreated},
		auth.Requirement{Roles: ownerRoles, Permission: "device.write"},
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
		auth.Requirement{Permission: "device.write"},
		func(ctx context.Context, in *api.IDParam) (*rowBody, error) {
			rid, err := parseRowID(in.ID)
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
