package inventory

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

// Permissions: reads need inventory.read; stock effects, vendors and purchase orders need
// inventory.write; deletes inventory.delete; reservations (what sale's terminals do) need
// inventory.reserve (granted by inventory.* or *, not implied by inventory.write).
const (
	PermRead    = "inventory.read"
	PermWrite   = "inventory.write"
	PermReserve = "inventory.reserve"
)

var readOnlyRoutes = []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete,
	api.RouteDeleteBy, api.RouteRestore}

// Routes registers the CRUD resources and the stock operations.
func (m *Module) Routes(s *api.Server) {
	api.RegisterCRUD(s, api.CRUD[Location]{Table: m.locations, Path: "/inventory-locations", Tag: "Inventory", Singular: "inventory-location",
		Permission: "inventory", Validate: m.validateLocation, Create: m.createLocation})
	api.RegisterCRUD(s, api.CRUD[StockItem]{Table: m.items, Path: "/inventories", Tag: "Inventory", Singular: "inventory",
		Permission: "inventory", Validate: m.validateItem, Disable: []api.Route{api.RouteDelete, api.RouteDeleteBy},
		Create: func(ctx context.Context, it *StockItem) error { return m.svc.createItem(ctx, it, m.items.Create) }})
	api.RegisterCRUD(s, api.CRUD[InventoryTrackingType]{Table: m.types, Path: "/inventory-tracking-types", Tag: "Inventory",
		Singular: "inventory-tracking-type", Permission: "inventory", Disable: readOnlyRoutes})
	api.RegisterCRUD(s, api.CRUD[InventoryTracking]{Table: m.trackings, Path: "/inventory-trackings", Tag: "Inventory",
		Singular: "inventory-tracking", Permission: "inventory", Disable: readOnlyRoutes})
	api.RegisterCRUD(s, api.CRUD[StockReservation]{Table: m.reservations, Path: "/inventory-reservations", Tag: "Inventory",
		Singular: "inventory-reservation", Permission: "inventory", Disable: readOnlyRoutes})
	api.RegisterCRUD(s, api.CRUD[CostLayer]{Table: m.layers, Path: "/inventory-cost-layers", Tag: "Inventory",
		Singular: "inventory-cost-layer", Permission: "inventory", Disable: readOnlyRoutes})
	api.RegisterCRUD(s, api.CRUD[StockAdjustment]{Table: m.adjustments, Path: "/inventory-adjustments", Tag: "Inventory",
		Singular: "inventory-adjustment", Permission: "inventory", Disable: readOnlyRoutes})
	api.RegisterCRUD(s, api.CRUD[StockTransfer]{Table: m.transfers, Path: "/inventory-transfers", Tag: "Inventory",
		Singular: "inventory-transfer", Permission: "inventory", Disable: readOnlyRoutes})
	api.RegisterCRUD(s, api.CRUD[StockCount]{Table: m.counts, Path: "/inventory-counts", Tag: "Inventory",
		Singular: "inventory-count", Permission: "inventory", Disable: readOnlyRoutes})
	api.RegisterCRUD(s, api.CRUD[Vendor]{Table: m.vendors, Path: "/vendors", Tag: "Purchasing", Singular: "vendor",
		Permission: "inventory", Validate: m.validateVendor})
	api.RegisterCRUD(s, api.CRUD[PurchaseOrder]{Table: m.orders, Path: "/purchase-orders", Tag: "Purchasing", Singular: "purchase-order",
		Permission: "inventory", Validate: m.validatePO, Create: m.createPO,
		Disable: []api.Route{api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}})
	api.RegisterCRUD(s, api.CRUD[PurchaseOrderItem]{Table: m.orderItems, Path: "/purchase-order-items", Tag: "Purchasing",
		Singular: "purchase-order-item", Permission: "inventory", Validate: m.validatePOItem, Create: m.createPOItem,
		Disable: []api.Route{api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy}})
	api.RegisterCRUD(s, api.CRUD[PurchaseOrderReceipt]{Table: m.receipts, Path: "/purchase-order-receipts", Tag: "Purchasing",
		Singular: "purchase-order-receipt", Permission: "inventory", Disable: readOnlyRoutes})
	m.operations(s)
}

// ---- CRUD rules ----

func required(loc, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return v, errs.Field(loc, "is required", nil)
	}
	return v, nil
}

func oneOf(loc string, v *string, def string, allowed ...string) error {
	if *v == "" {
		*v = def
	}
	for _, a := range allowed {
		if *v == a {
			return nil
		}
	}
	return errs.Field(loc, "must be one of "+strings.Join(allowed, ", "), *v)
}

// refer turns the 404 of a referenced row into a 422 naming the field.
func refer(err error, loc, what string) error {
	if errs.KindOf(err) == errs.NotFound {
		return errs.RuleField(loc, what+" not found", nil)
	}
	return err
}

func (m *Module) validateLocation(_ context.Context, l *Location, _ bool) error {
	var err error
	if l.Code, err = required("body.code", l.Code); err != nil {
		return err
	}
	if l.Name, err = required("body.name", l.Name); err != nil {
		return err
	}
	if l.MerchantID <= 0 {
		return errs.Field("body.merchantId", "is required", nil)
	}
	if err := oneOf("body.type", &l.Type, "STORE", "STORE", "WAREHOUSE"); err != nil {
		return err
	}
	return oneOf("body.status", &l.Status, "ACTIVE", "ACTIVE", "INACTIVE")
}

// createLocation makes the first location of a merchant its default, and a new default the only one.
func (m *Module) createLocation(ctx context.Context, l *Location) error {
	return m.svc.st.inTx(ctx, func(ctx context.Context) error {
		if err := m.locations.Create(ctx, l); err != nil {
			return err
		}
		return m.svc.setDefaultLocation(ctx, l, l.IsDefault)
	})
}

// setDefaultLocation makes l the merchant's default when want is true or the merchant has none.
func (s *Service) setDefaultLocation(ctx context.Context, l *Location, want bool) error {
	raw := s.db.Raw(ctx, true)
	if !want {
		var n int
		if err := raw.QueryRowContext(ctx, s.db.Rebind(`SELECT count(*) FROM inventory_locations WHERE merchant_id = ? AND is_default AND deleted_at IS NULL AND id <> ?`),
			int64(l.MerchantID), int64(l.ID)).Scan(&n); err != nil {
			return db.Classify(err)
		}
		if n > 0 {
			return nil
		}
	}
	if _, err := raw.ExecContext(ctx, s.db.Rebind(`UPDATE inventory_locations SET is_default = FALSE WHERE merchant_id = ? AND is_default AND id <> ?`),
		int64(l.MerchantID), int64(l.ID)); err != nil {
		return db.Classify(err)
	}
	if _, err := raw.ExecContext(ctx, s.db.Rebind(`UPDATE inventory_locations SET is_default = TRUE WHERE id = ?`), int64(l.ID)); err != nil {
		return db.Classify(err)
	}
	l.IsDefault = true
	return nil
}

func (m *Module) validateItem(ctx context.Context, it *StockItem, isNew bool) error {
	if it.ReorderPoint < 0 {
		return errs.Field("body.reorderPoint", "must not be negative", it.ReorderPoint)
	}
	if it.UnitCost < 0 {
		return errs.Field("body.unitCost", "must not be negative", it.UnitCost)
	}
	it.SKU = strings.TrimSpace(it.SKU)
	if !isNew {
		return nil
	}
	if it.VariantID <= 0 {
		return errs.Field("body.variantId", "is required", nil)
	}
	if it.QuantityOnHand < 0 {
		return errs.Field("body.quantityOnHand", "must not be negative", it.QuantityOnHand)
	}
	loc, err := m.locations.Get(ctx, it.LocationID, query.ExcludeDeleted)
	if err != nil {
		return refer(err, "body.locationId", "location "+it.LocationID.String())
	}
	it.OrganizerID, it.MerchantID = loc.OrganizerID, loc.MerchantID
	return nil
}

func (m *Module) validateVendor(_ context.Context, v *Vendor, _ bool) error {
	var err error
	if v.Code, err = required("body.code", v.Code); err != nil {
		return err
	}
	if v.Name, err = required("body.name", v.Name); err != nil {
		return err
	}
	return oneOf("body.status", &v.Status, "ACTIVE", "ACTIVE", "INACTIVE")
}

// storedStatus reads a purchase order's committed status (a PATCH may carry another).
func (m *Module) storedStatus(ctx context.Context, poID id.ID) (POStatus, id.ID, error) {
	var st string
	var merchant id.ID
	err := m.svc.db.Raw(ctx, false).QueryRowContext(ctx, m.svc.db.Rebind(`SELECT status, merchant_id FROM purchase_orders WHERE id = ?`), int64(poID)).Scan(&st, &merchant)
	return POStatus(st), merchant, notFound(err, "purchase order "+poID.String())
}

func (m *Module) validatePO(ctx context.Context, po *PurchaseOrder, isNew bool) error {
	var storedMerchant id.ID
	if !isNew {
		st, merchant, err := m.storedStatus(ctx, po.ID)
		if err != nil {
			return err
		}
		if !st.Editable() {
			return errs.New(errs.Conflict, "a "+string(st)+" purchase order cannot change")
		}
		storedMerchant = merchant
	}
	if err := oneOf("body.currency", &po.Currency, "VND", "VND"); err != nil {
		return err
	}
	loc, err := m.locations.Get(ctx, po.LocationID, query.ExcludeDeleted)
	if err != nil {
		return refer(err, "body.locationId", "location "+po.LocationID.String())
	}
	if isNew {
		po.OrganizerID, po.MerchantID = loc.OrganizerID, loc.MerchantID
	} else if loc.MerchantID != storedMerchant {
		return errs.RuleField("body.locationId", "location belongs to another merchant", po.LocationID)
	}
	v, err := m.vendors.Get(ctx, po.VendorID, query.ExcludeDeleted)
	if err != nil {
		return refer(err, "body.vendorId", "vendor "+po.VendorID.String())
	}
	if v.OrganizerID != loc.OrganizerID || (v.MerchantID != nil && *v.MerchantID != loc.MerchantID) {
		return errs.RuleField("body.vendorId", "vendor "+v.Code+" does not supply this merchant", po.VendorID)
	}
	po.Code = strings.TrimSpace(po.Code)
	return nil
}

func (m *Module) createPO(ctx context.Context, po *PurchaseOrder) error {
	po.ID = m.svc.ids.Next()
	if po.Code == "" {
		po.Code = "PO-" + time.Now().UTC().Format("20060102") + "-" + po.ID.String()
	}
	po.Status, po.TotalAmount, po.ReceivedAmount = string(PODraft), 0, 0
	po.SubmittedAt, po.ConfirmedAt, po.CompletedAt, po.CancelledAt = nil, nil, nil, nil
	return m.orders.Create(ctx, po)
}

func (m *Module) validatePOItem(ctx context.Context, it *PurchaseOrderItem, _ bool) error {
	if it.VariantID <= 0 {
		return errs.Field("body.variantId", "is required", nil)
	}
	if it.QuantityOrdered <= 0 {
		return errs.Field("body.quantityOrdered", "must be positive", it.QuantityOrdered)
	}
	if it.UnitCost < 0 {
		return errs.Field("body.unitCost", "must not be negative", it.UnitCost)
	}
	po, err := m.orders.Get(ctx, it.PurchaseOrderID, query.ExcludeDeleted)
	if err != nil {
		return refer(err, "body.purchaseOrderId", "purchase order "+it.PurchaseOrderID.String())
	}
	if !POStatus(po.Status).Editable() {
		return errs.New(errs.Conflict, "lines of a "+po.Status+" purchase order cannot change")
	}
	it.OrganizerID, it.MerchantID, it.QuantityReceived = po.OrganizerID, po.MerchantID, 0
	return nil
}

func (m *Module) createPOItem(ctx context.Context, it *PurchaseOrderItem) error {
	return m.svc.st.inTx(ctx, func(ctx context.Context) error {
		po, err := m.svc.lockPO(ctx, 0, it.PurchaseOrderID)
		if err != nil {
			return err
		}
		if !POStatus(po.Status).Editable() {
			return errs.New(errs.Conflict, "lines of a "+po.Status+" purchase order cannot change")
		}
		if err := m.orderItems.Create(ctx, it); err != nil {
			return err
		}
		return m.svc.refreshPOTotal(ctx, it.PurchaseOrderID)
	})
}

// ---- operations ----

// tenantOf returns the organizer and merchant the caller acts for: its own organizer (admins
// name one), and a merchant within its scope. Employees limited to some merchants must name one.
func tenantOf(ctx context.Context, organizerID, merchantID id.ID, needMerchant bool) (id.ID, id.ID, error) {
	sc := auth.ScopeOf(ctx)
	if !sc.All {
		organizerID = sc.OrganizerID
	}
	if organizerID <= 0 {
		return 0, 0, errs.Field("body.organizerId", "is required", nil)
	}
	if merchantID == 0 && (needMerchant || len(sc.MerchantIDs) > 0) {
		return 0, 0, errs.Field("body.merchantId", "is required", nil)
	}
	if merchantID != 0 && !sc.AllowsMerchant(organizerID, merchantID) {
		return 0, 0, errs.Field("body.merchantId", "is not a merchant you may act for", merchantID)
	}
	return organizerID, merchantID, nil
}

// callerOrganizer is the organizer a caller's actions on existing documents are confined to
// (0 for admins, who see all).
func callerOrganizer(ctx context.Context) id.ID {
	if sc := auth.ScopeOf(ctx); !sc.All {
		return sc.OrganizerID
	}
	return 0
}

// IdempotencyHeader is the Idempotency-Key of a request with stock effects.
type IdempotencyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Repeat a request safely: the same key with the same body returns the first response; with another body, 409"`
}

// result is the response of an operation with stock effects. The platform's Idempotency-Key
// store keeps it as JSON, status included, so that a replay answers as the first response did.
type result[B any] struct {
	Status   int
	Replayed string `json:"-" header:"Idempotent-Replayed" doc:"true when this is the stored response of an earlier request with the same Idempotency-Key"`
	Body     B
}

// scopeOf is the Idempotency-Key scope of a route: the caller's organizer (so that any terminal
// of the organizer retrying a request replays it), or the user for admins and callers without one.
func scopeOf(ctx context.Context, route string) string {
	p := auth.From(ctx)
	switch {
	case p == nil:
		return route + "|anonymous"
	case !p.IsAdmin() && p.OrganizerID != 0:
		return route + "|organizer:" + p.OrganizerID.String()
	}
	return route + "|user:" + p.UserID.String()
}

// idempotent runs fn once per Idempotency-Key (the platform's idempotency.Do, in the same
// transaction as fn's effect) and answers with its response, or with the stored one on a repeat.
// The transaction is the inventory's own, which retries a PostgreSQL deadlock or serialization
// failure as a whole, key included.
func idempotent[B any](ctx context.Context, m *Module, key, route string, req any, status int, fn func(ctx context.Context) (B, error)) (*result[B], error) {
	var out *result[B]
	var replayed bool
	err := m.svc.st.inTx(ctx, func(ctx context.Context) error {
		var err error
		out, replayed, err = idempotency.Do(ctx, m.idem, scopeOf(ctx, route), key, req, func(ctx context.Context) (*result[B], error) {
			b, err := fn(ctx)
			if err != nil {
				return nil, err
			}
			return &result[B]{Status: status, Body: b}, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if replayed {
		out.Replayed = "true"
	}
	return out, nil
}

type inventoryReserveInput struct {
	OrganizerID id.ID       `json:"organizerId,omitempty" doc:"Admins only: the organizer acted for"`
	MerchantID  id.ID       `json:"merchantId"`
	LocationID  id.ID       `json:"locationId,omitempty" doc:"Absent: the merchant's default location"`
	Reference   string      `json:"reference" minLength:"1" maxLength:"200" doc:"The order the stock is for"`
	ExpiresAt   *time.Time  `json:"expiresAt,omitempty" doc:"When an uncommitted reservation is released; default 30 minutes from now"`
	Lines       []StockLine `json:"lines" minItems:"1" maxItems:"100"`
}

type inventoryReleaseInput struct {
	OrganizerID    id.ID   `json:"organizerId,omitempty" doc:"Admins only"`
	MerchantID     id.ID   `json:"merchantId,omitempty"`
	Reference      string  `json:"reference,omitempty" maxLength:"200"`
	ReservationIDs []id.ID `json:"reservationIds,omitempty" maxItems:"100"`
	Reason         string  `json:"reason,omitempty" maxLength:"200"`
}

type inventoryCommitInput struct {
	OrganizerID id.ID  `json:"organizerId,omitempty" doc:"Admins only"`
	MerchantID  id.ID  `json:"merchantId,omitempty"`
	Reference   string `json:"reference" minLength:"1" maxLength:"200"`
}

type inventoryAdjustInput struct {
	OrganizerID id.ID                 `json:"organizerId,omitempty" doc:"Admins only"`
	MerchantID  id.ID                 `json:"merchantId"`
	LocationID  id.ID                 `json:"locationId,omitempty" doc:"Absent: the merchant's default location"`
	Reason      string                `json:"reason,omitempty" maxLength:"500"`
	Lines       []StockAdjustmentLine `json:"lines" minItems:"1" maxItems:"100"`
}

type inventoryTransferInput struct {
	OrganizerID    id.ID       `json:"organizerId,omitempty" doc:"Admins only"`
	MerchantID     id.ID       `json:"merchantId"`
	FromLocationID id.ID       `json:"fromLocationId"`
	ToLocationID   id.ID       `json:"toLocationId"`
	InTransit      bool        `json:"inTransit,omitempty" doc:"Leave the goods in transit until POST /inventory-transfers/{id}/receive; default: received at once"`
	Note           string      `json:"note,omitempty" maxLength:"500"`
	Lines          []StockLine `json:"lines" minItems:"1" maxItems:"100"`
}

type inventoryCountInput struct {
	OrganizerID id.ID             `json:"organizerId,omitempty" doc:"Admins only"`
	MerchantID  id.ID             `json:"merchantId"`
	LocationID  id.ID             `json:"locationId,omitempty" doc:"Absent: the merchant's default location"`
	Note        string            `json:"note,omitempty" maxLength:"500"`
	Lines       []StockCountInput `json:"lines" minItems:"1" maxItems:"1000"`
}

type inventoryReceiveInput struct {
	Note  string                `json:"note,omitempty" maxLength:"500"`
	Lines []PurchaseReceiveLine `json:"lines" minItems:"1" maxItems:"1000"`
}

type inventoryPOItemPatch struct {
	QuantityOrdered *int64  `json:"quantityOrdered,omitempty" minimum:"1"`
	UnitCost        *int64  `json:"unitCost,omitempty" minimum:"0"`
	Note            *string `json:"note,omitempty" maxLength:"500"`
}

type rowBody[T any] struct{ Body *T }

func pathID(s string) (id.ID, error) {
	v, err := id.Parse(s)
	if err != nil {
		return 0, errs.Field("path.id", "must be a decimal id", s)
	}
	return v, nil
}

func (m *Module) operations(s *api.Server) {
	write := auth.Requirement{Permission: PermWrite}
	reserve := auth.Requirement{Permission: PermReserve}
	tags := []string{"Inventory"}

	api.Register(s, huma.Operation{OperationID: "reserve-inventory", Method: http.MethodPost, Path: "/inventory-reservations", Tags: tags,
		Summary: "Reserve stock for the lines of an order (all or nothing)", DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
		Description: "A line asking for more than is available is a 422 naming the line, the variant and what is available. " +
			"Variants without any stock item are not stock-tracked: they pass with tracked=false and no reservation."},
		reserve, func(ctx context.Context, in *struct {
			IdempotencyHeader
			Body inventoryReserveInput
		}) (*result[Reserved], error) {
			org, merchant, err := tenantOf(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := ReserveRequest{OrganizerID: org, MerchantID: merchant, LocationID: in.Body.LocationID, Lines: in.Body.Lines, Reference: in.Body.Reference}
			if in.Body.ExpiresAt != nil {
				req.ExpiresAt = *in.Body.ExpiresAt
			}
			return idempotent(ctx, m, in.IdempotencyKey, "POST /inventory-reservations", in.Body, http.StatusCreated,
				func(ctx context.Context) (Reserved, error) { return m.svc.Reserve(ctx, req) })
		})
	api.Register(s, huma.Operation{OperationID: "release-inventory", Method: http.MethodPost, Path: "/inventory-reservations/release", Tags: tags,
		Summary: "Release the active reservations of an order, or the listed ones", Errors: []int{422}},
		reserve, func(ctx context.Context, in *struct {
			IdempotencyHeader
			Body inventoryReleaseInput
		}) (*result[Released], error) {
			org, merchant, err := tenantOf(ctx, in.Body.OrganizerID, in.Body.MerchantID, false)
			if err != nil {
				return nil, err
			}
			req := ReleaseRequest{OrganizerID: org, MerchantID: merchant, Reference: in.Body.Reference, ReservationIDs: in.Body.ReservationIDs, Reason: in.Body.Reason}
			return idempotent(ctx, m, in.IdempotencyKey, "POST /inventory-reservations/release", in.Body, http.StatusOK,
				func(ctx context.Context) (Released, error) { return m.svc.Release(ctx, req) })
		})
	api.Register(s, huma.Operation{OperationID: "commit-inventory", Method: http.MethodPost, Path: "/inventory-reservations/commit", Tags: tags,
		Summary: "Commit the reservations of a completed order: SALE rows and FIFO cost of goods", Errors: []int{409, 422}},
		reserve, func(ctx context.Context, in *struct {
			IdempotencyHeader
			Body inventoryCommitInput
		}) (*result[Committed], error) {
			org, merchant, err := tenantOf(ctx, in.Body.OrganizerID, in.Body.MerchantID, false)
			if err != nil {
				return nil, err
			}
			req := CommitRequest{OrganizerID: org, MerchantID: merchant, Reference: in.Body.Reference}
			return idempotent(ctx, m, in.IdempotencyKey, "POST /inventory-reservations/commit", in.Body, http.StatusOK,
				func(ctx context.Context) (Committed, error) { return m.svc.Commit(ctx, req) })
		})

	api.Register(s, huma.Operation{OperationID: "adjust-inventory", Method: http.MethodPost, Path: "/inventory-adjustments", Tags: tags,
		Summary: "Queue a stock adjustment", DefaultStatus: http.StatusAccepted, Errors: []int{404, 409, 422},
		Description: "The adjustment is recorded PENDING and applied by the inventory queue: it becomes APPLIED, or REJECTED " +
			"(with the reason in error, nothing applied) when a line would take more than is available. Read it back at " +
			"GET /inventory-adjustments/{id}."},
		write, func(ctx context.Context, in *struct {
			IdempotencyHeader
			Body inventoryAdjustInput
		}) (*result[StockAdjustment], error) {
			org, merchant, err := tenantOf(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := AdjustmentRequest{OrganizerID: org, MerchantID: merchant, LocationID: in.Body.LocationID, Reason: in.Body.Reason, Lines: in.Body.Lines}
			return idempotent(ctx, m, in.IdempotencyKey, "POST /inventory-adjustments", in.Body, http.StatusAccepted,
				func(ctx context.Context) (StockAdjustment, error) {
					a, err := m.svc.RequestAdjustment(ctx, req)
					if err != nil {
						return StockAdjustment{}, err
					}
					return *a, nil
				})
		})

	api.Register(s, huma.Operation{OperationID: "transfer-inventory", Method: http.MethodPost, Path: "/inventory-transfers", Tags: tags,
		Summary: "Move stock between two locations (TRANSFER_OUT and TRANSFER_IN)", DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422}},
		write, func(ctx context.Context, in *struct {
			IdempotencyHeader
			Body inventoryTransferInput
		}) (*result[StockTransfer], error) {
			org, merchant, err := tenantOf(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := TransferRequest{OrganizerID: org, MerchantID: merchant, FromLocationID: in.Body.FromLocationID, ToLocationID: in.Body.ToLocationID,
				Lines: in.Body.Lines, InTransit: in.Body.InTransit, Note: in.Body.Note}
			return idempotent(ctx, m, in.IdempotencyKey, "POST /inventory-transfers", in.Body, http.StatusCreated,
				func(ctx context.Context) (StockTransfer, error) {
					t, err := m.svc.Transfer(ctx, req)
					if err != nil {
						return StockTransfer{}, err
					}
					return *t, nil
				})
		})
	for _, act := range []struct {
		name string
		to   TransferStatus
	}{{"receive", TransferReceived}, {"cancel", TransferCancelled}} {
		api.Register(s, huma.Operation{OperationID: act.name + "-inventory-transfer", Method: http.MethodPost, Path: "/inventory-transfers/{id}/" + act.name,
			Tags: tags, Summary: strings.ToUpper(act.name[:1]) + act.name[1:] + " a transfer in transit", Errors: []int{404, 409}},
			write, func(ctx context.Context, in *struct {
				IdempotencyHeader
				ID string `path:"id"`
			}) (*result[StockTransfer], error) {
				tid, err := pathID(in.ID)
				if err != nil {
					return nil, err
				}
				return idempotent(ctx, m, in.IdempotencyKey, "POST /inventory-transfers/"+tid.String()+"/"+act.name, nil, http.StatusOK,
					func(ctx context.Context) (StockTransfer, error) {
						t, err := m.svc.TransferAction(ctx, callerOrganizer(ctx), tid, act.to)
						if err != nil {
							return StockTransfer{}, err
						}
						return *t, nil
					})
			})
	}

	api.Register(s, huma.Operation{OperationID: "record-inventory-count", Method: http.MethodPost, Path: "/inventory-counts", Tags: tags,
		Summary: "Record a stock count: sets on hand, records the variance (INVENTORY_COUNT)", DefaultStatus: http.StatusCreated, Errors: []int{404, 422}},
		write, func(ctx context.Context, in *struct {
			IdempotencyHeader
			Body inventoryCountInput
		}) (*result[StockCount], error) {
			org, merchant, err := tenantOf(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := CountRequest{OrganizerID: org, MerchantID: merchant, LocationID: in.Body.LocationID, Lines: in.Body.Lines, Note: in.Body.Note}
			return idempotent(ctx, m, in.IdempotencyKey, "POST /inventory-counts", in.Body, http.StatusCreated,
				func(ctx context.Context) (StockCount, error) {
					c, err := m.svc.Count(ctx, req)
					if err != nil {
						return StockCount{}, err
					}
					return *c, nil
				})
		})

	api.Register(s, huma.Operation{OperationID: "make-default-inventory-location", Method: http.MethodPost, Path: "/inventory-locations/{id}/make-default",
		Tags: tags, Summary: "Make a location its merchant's default", Errors: []int{404}},
		write, func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*rowBody[Location], error) {
			lid, err := pathID(in.ID)
			if err != nil {
				return nil, err
			}
			var l *Location
			err = m.svc.st.inTx(ctx, func(ctx context.Context) error {
				if l, err = m.locations.Get(ctx, lid, query.ExcludeDeleted); err != nil {
					return err
				}
				return m.svc.setDefaultLocation(ctx, l, true)
			})
			if err != nil {
				return nil, err
			}
			return &rowBody[Location]{Body: l}, nil
		})

	// Purchase orders.
	ptags := []string{"Purchasing"}
	for _, a := range []POAction{POSubmit, POConfirm, POComplete, POCancel} {
		api.Register(s, huma.Operation{OperationID: string(a) + "-purchase-order", Method: http.MethodPost, Path: "/purchase-orders/{id}/" + string(a),
			Tags: ptags, Summary: poSummary[a], Errors: []int{404, 409, 422}},
			write, func(ctx context.Context, in *struct {
				ID string `path:"id"`
			}) (*rowBody[PurchaseOrder], error) {
				pid, err := pathID(in.ID)
				if err != nil {
					return nil, err
				}
				po, err := m.svc.TransitionPurchaseOrder(ctx, callerOrganizer(ctx), pid, a)
				if err != nil {
					return nil, err
				}
				return &rowBody[PurchaseOrder]{Body: po}, nil
			})
	}
	api.Register(s, huma.Operation{OperationID: "receive-purchase-order", Method: http.MethodPost, Path: "/purchase-orders/{id}/receive",
		Tags: ptags, Summary: "Receive goods against a CONFIRMED purchase order (partial receipts allowed)", DefaultStatus: http.StatusCreated,
		Errors: []int{404, 409, 422},
		Description: "Adds the goods to the order's location (PURCHASE rows, FIFO cost layers), completes the order when every line " +
			"is in, and publishes PurchaseOrderReceived for finance. More than is left on a line is a 422; an order that is not " +
			"CONFIRMED is a 409."},
		write, func(ctx context.Context, in *struct {
			IdempotencyHeader
			ID   string `path:"id"`
			Body inventoryReceiveInput
		}) (*result[PurchaseOrderReceipt], error) {
			pid, err := pathID(in.ID)
			if err != nil {
				return nil, err
			}
			req := ReceiveRequest{OrganizerID: callerOrganizer(ctx), PurchaseOrderID: pid, Lines: in.Body.Lines, Note: in.Body.Note}
			return idempotent(ctx, m, in.IdempotencyKey, "POST /purchase-orders/"+pid.String()+"/receive", in.Body, http.StatusCreated,
				func(ctx context.Context) (PurchaseOrderReceipt, error) {
					rc, err := m.svc.ReceivePurchaseOrder(ctx, req)
					if err != nil {
						return PurchaseOrderReceipt{}, err
					}
					return *rc, nil
				})
		})
	api.Register(s, huma.Operation{OperationID: "update-purchase-order-item", Method: http.MethodPatch, Path: "/purchase-order-items/{id}",
		Tags: ptags, Summary: "Change a line of a DRAFT or PROCESSING purchase order", Errors: []int{404, 409}},
		write, func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body inventoryPOItemPatch
		}) (*rowBody[PurchaseOrderItem], error) {
			iid, err := pathID(in.ID)
			if err != nil {
				return nil, err
			}
			it, err := m.changePOItem(ctx, iid, func(it *PurchaseOrderItem) error {
				if in.Body.QuantityOrdered != nil {
					it.QuantityOrdered = *in.Body.QuantityOrdered
				}
				if in.Body.UnitCost != nil {
					it.UnitCost = *in.Body.UnitCost
				}
				if in.Body.Note != nil {
					it.Note = *in.Body.Note
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			return &rowBody[PurchaseOrderItem]{Body: it}, nil
		})
	api.Register(s, huma.Operation{OperationID: "delete-purchase-order-item", Method: http.MethodDelete, Path: "/purchase-order-items/{id}",
		Tags: ptags, Summary: "Remove a line of a DRAFT or PROCESSING purchase order", Errors: []int{404, 409}},
		auth.Requirement{Permission: "inventory.delete"}, func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct {
			Body struct {
				Count int64 `json:"count"`
			}
		}, error) {
			iid, err := pathID(in.ID)
			if err != nil {
				return nil, err
			}
			if _, err := m.changePOItem(ctx, iid, nil); err != nil {
				return nil, err
			}
			out := &struct {
				Body struct {
					Count int64 `json:"count"`
				}
			}{}
			out.Body.Count = 1
			return out, nil
		})

	api.Register(s, huma.Operation{OperationID: "reconcile-inventory", Method: http.MethodGet, Path: "/inventory/reconcile", Tags: tags,
		Summary: "Check every stock item against its tracking rows, open reservations and cost layers"},
		auth.Requirement{Permission: PermRead}, func(ctx context.Context, in *struct {
			OrganizerID string `query:"organizerId" doc:"Admins: limit to one organizer"`
			MerchantID  string `query:"merchantId"`
		}) (*struct{ Body StockReconciliation }, error) {
			var org, merchant id.ID
			var err error
			if in.OrganizerID != "" {
				if org, err = id.Parse(in.OrganizerID); err != nil {
					return nil, errs.Field("query.organizerId", "must be a decimal id", in.OrganizerID)
				}
			}
			if in.MerchantID != "" {
				if merchant, err = id.Parse(in.MerchantID); err != nil {
					return nil, errs.Field("query.merchantId", "must be a decimal id", in.MerchantID)
				}
			}
			sc := auth.ScopeOf(ctx)
			if !sc.All {
				org = sc.OrganizerID
				if merchant == 0 && len(sc.MerchantIDs) > 0 {
					return nil, errs.Field("query.merchantId", "is required", nil)
				}
				if merchant != 0 && !sc.AllowsMerchant(org, merchant) {
					return nil, errs.Field("query.merchantId", "is not a merchant you may act for", in.MerchantID)
				}
			}
			rep, err := m.svc.Reconcile(ctx, org, merchant)
			if err != nil {
				return nil, err
			}
			return &struct{ Body StockReconciliation }{Body: rep}, nil
		})
}

var poSummary = map[POAction]string{
	POSubmit:   "Submit a DRAFT purchase order to the vendor (PROCESSING)",
	POConfirm:  "Record the vendor's confirmation (CONFIRMED)",
	POComplete: "Close a CONFIRMED purchase order, short of what is missing (COMPLETED)",
	POCancel:   "Cancel a purchase order nothing was received against (CANCELLED)",
}

// changePOItem changes (fn) or removes (fn nil) a line of an editable purchase order and
// refreshes the order's total, in one transaction.
func (m *Module) changePOItem(ctx context.Context, itemID id.ID, fn func(*PurchaseOrderItem) error) (*PurchaseOrderItem, error) {
	var it *PurchaseOrderItem
	err := m.svc.st.inTx(ctx, func(ctx context.Context) error {
		var err error
		if it, err = m.orderItems.Get(ctx, itemID, query.ExcludeDeleted); err != nil {
			return err
		}
		po, err := m.svc.lockPO(ctx, 0, it.PurchaseOrderID)
		if err != nil {
			return err
		}
		if !POStatus(po.Status).Editable() {
			return errs.New(errs.Conflict, "lines of a "+po.Status+" purchase order cannot change")
		}
		if fn == nil {
			if err := m.orderItems.Delete(ctx, itemID, true); err != nil {
				return err
			}
		} else {
			if err := fn(it); err != nil {
				return err
			}
			it.UpdatedAt = time.Now().UTC()
			if _, err := m.svc.db.IDB(ctx).NewUpdate().Model(it).WherePK().Exec(ctx); err != nil {
				return db.Classify(err)
			}
		}
		return m.svc.refreshPOTotal(ctx, po.ID)
	})
	return it, err
}
