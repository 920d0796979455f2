package inventory

import (
	"context"
	"errors"
	"github.com/banapos/bana/internal/platform/db"
	"net/http"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

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
	if err := oneOf("body.type", &l.Type, LocationStore, LocationStore, LocationWarehouse); err != nil {
		return err
	}
	return oneOf("body.status", &l.Status, StatusActive, StatusActive, StatusInactive)
}

func (m *Module) validateItem(ctx context.Context, it *StockItem, isNew bool) error {
	if it.ReorderPoint < 0 {
		return errs.Field("body.reorderPoint", "must not be negative", it.ReorderPoint)
	}
	if err := money.Quantity("body.reorderPoint", it.ReorderPoint); err != nil {
		return err
	}
	if err := money.Amount("body.unitCost", it.UnitCost); err != nil {
		return err
	}
	it.SKU = db.OptText(strings.TrimSpace(string(it.SKU)))
	if !isNew {
		return nil
	}
	if it.VariantID <= 0 {
		return errs.Field("body.variantId", "is required", nil)
	}
	if it.QuantityOnHand < 0 {
		return errs.Field("body.quantityOnHand", "must not be negative", it.QuantityOnHand)
	}
	if err := money.Quantity("body.quantityOnHand", it.QuantityOnHand); err != nil {
		return err
	}
	loc, err := m.locations.Get(ctx, it.LocationID, query.ExcludeDeleted)
	if err != nil {
		return refer(err, "body.locationId", "location "+it.LocationID.String())
	}
	it.OrganizerID, it.MerchantID = loc.OrganizerID, loc.MerchantID
	return m.svc.checkVariants(ctx, loc.MerchantID, []id.ID{it.VariantID}, func(int) string { return "body.variantId" })
}

func (m *Module) validateVendor(_ context.Context, v *Vendor, _ bool) error {
	var err error
	if v.Code, err = required("body.code", v.Code); err != nil {
		return err
	}
	if v.Name, err = required("body.name", v.Name); err != nil {
		return err
	}
	return oneOf("body.status", &v.Status, StatusActive, StatusActive, StatusInactive)
}

// validatePO checks a new purchase order; a change is checked against the stored order by
// checkPO, in the write's transaction.
func (m *Module) validatePO(ctx context.Context, po *PurchaseOrder, isNew bool) error {
	if !isNew {
		return nil
	}
	return m.checkPOTerms(ctx, po, 0)
}

// openPO is the create of a purchase order, inside its transaction: a new order is a DRAFT with
// nothing in it yet, numbered PO-<date>-<id> when the client gave it no code.
func (m *Module) openPO(_ context.Context, _, po *PurchaseOrder) error {
	if po.Code == "" {
		po.Code = "PO-" + m.clock.Now().Format("20060102") + "-" + po.ID.String()
	}
	po.Status, po.TotalAmount, po.ReceivedAmount = string(PODraft), 0, 0
	po.SubmittedAt, po.ConfirmedAt, po.CompletedAt, po.CancelledAt = nil, nil, nil, nil
	return nil
}

// checkPO is every change of a purchase order's terms (PUT, PATCH), inside its transaction: the
// stored order must still be editable (ErrPurchaseOrderLocked), and the new terms hold.
func (m *Module) checkPO(ctx context.Context, before, after *PurchaseOrder) error {
	if !POStatus(before.Status).Editable() {
		return refuse(ErrPurchaseOrderLocked, "", "a "+before.Status+" purchase order cannot change", nil)
	}
	return m.checkPOTerms(ctx, after, before.MerchantID)
}

// checkPOTerms checks an order's currency, location and vendor. A new order (merchantID 0) takes
// its tenant from its location; a stored one stays at its merchant.
func (m *Module) checkPOTerms(ctx context.Context, po *PurchaseOrder, merchantID id.ID) error {
	if err := oneOf("body.currency", &po.Currency, CurrencyVND, CurrencyVND); err != nil {
		return err
	}
	loc, err := m.locations.Get(ctx, po.LocationID, query.ExcludeDeleted)
	if err != nil {
		return refer(err, "body.locationId", "location "+po.LocationID.String())
	}
	if merchantID == 0 {
		po.OrganizerID, po.MerchantID = loc.OrganizerID, loc.MerchantID
	} else if loc.MerchantID != merchantID {
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

func (m *Module) validatePOItem(ctx context.Context, it *PurchaseOrderItem, _ bool) error {
	if it.VariantID <= 0 {
		return errs.Field("body.variantId", "is required", nil)
	}
	if it.QuantityOrdered <= 0 {
		return errs.Field("body.quantityOrdered", "must be positive", it.QuantityOrdered)
	}
	po, err := m.orders.Get(ctx, it.PurchaseOrderID, query.ExcludeDeleted)
	if err != nil {
		return refer(err, "body.purchaseOrderId", "purchase order "+it.PurchaseOrderID.String())
	}
	it.OrganizerID, it.MerchantID = po.OrganizerID, po.MerchantID
	return m.svc.checkVariants(ctx, po.MerchantID, []id.ID{it.VariantID}, func(int) string { return "body.variantId" })
}

// ---- operations ----

// tenantOf returns the organizer and merchant a caller acts for, named at in ("body", "query"):
// its own organizer (admins name one, or none when needOrganizer is false: all), and a merchant
// it may act for (auth.ActFor). Employees limited to some merchants must name one.
func tenantOf(ctx context.Context, in string, organizerID, merchantID id.ID, needOrganizer, needMerchant bool) (id.ID, id.ID, error) {
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return 0, 0, err
	}
	if !sc.All {
		organizerID = sc.OrganizerID
	}
	if needOrganizer && organizerID <= 0 {
		return 0, 0, errs.Field(in+".organizerId", "is required", nil)
	}
	if merchantID == 0 && (needMerchant || len(sc.MerchantIDs) > 0) {
		return 0, 0, errs.Field(in+".merchantId", "is required", nil)
	}
	if err := auth.ActFor(ctx, organizerID, merchantID); errors.Is(err, auth.ErrNotYourMerchant) {
		return 0, 0, errs.Field(in+".merchantId", "is not a merchant you may act for", merchantID)
	} else if err != nil {
		return 0, 0, err
	}
	return organizerID, merchantID, nil
}

// bodyTenant is tenantOf for an operation's body, which names the organizer (admins) and merchant.
func bodyTenant(ctx context.Context, organizerID, merchantID id.ID, needMerchant bool) (id.ID, id.ID, error) {
	return tenantOf(ctx, "body", organizerID, merchantID, true, needMerchant)
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
	QuantityOrdered *int64  `json:"quantityOrdered,omitempty" minimum:"1" maximum:"1000000"`
	UnitCost        *int64  `json:"unitCost,omitempty" minimum:"0"`
	Note            *string `json:"note,omitempty" maxLength:"500"`
}

type rowBody[T any] struct{ Body *T }

// pathRequest identifies a request on a row for its Idempotency-Key: the row and the body.
type pathRequest struct {
	ID   id.ID `json:"id"`
	Body any   `json:"body,omitempty"`
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
			idempotency.Key
			Body inventoryReserveInput
		}) (*idempotency.Response[Reserved], error) {
			org, merchant, err := bodyTenant(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := ReserveRequest{OrganizerID: org, MerchantID: merchant, LocationID: in.Body.LocationID, Lines: in.Body.Lines, Reference: in.Body.Reference}
			if in.Body.ExpiresAt != nil {
				req.ExpiresAt = *in.Body.ExpiresAt
			}
			return idempotency.Run(ctx, m.idem, "POST /inventory-reservations", in.IdempotencyKey, in.Body, http.StatusCreated,
				func(ctx context.Context) (Reserved, error) { return m.svc.Reserve(ctx, req) })
		})
	api.Register(s, huma.Operation{OperationID: "release-inventory", Method: http.MethodPost, Path: "/inventory-reservations/release", Tags: tags,
		Summary: "Release the active reservations of an order, or the listed ones", Errors: []int{422}},
		reserve, func(ctx context.Context, in *struct {
			idempotency.Key
			Body inventoryReleaseInput
		}) (*idempotency.Response[Released], error) {
			org, merchant, err := bodyTenant(ctx, in.Body.OrganizerID, in.Body.MerchantID, false)
			if err != nil {
				return nil, err
			}
			req := ReleaseRequest{OrganizerID: org, MerchantID: merchant, Reference: in.Body.Reference, ReservationIDs: in.Body.ReservationIDs, Reason: in.Body.Reason}
			return idempotency.Run(ctx, m.idem, "POST /inventory-reservations/release", in.IdempotencyKey, in.Body, http.StatusOK,
				func(ctx context.Context) (Released, error) { return m.svc.Release(ctx, req) })
		})
	api.Register(s, huma.Operation{OperationID: "commit-inventory", Method: http.MethodPost, Path: "/inventory-reservations/commit", Tags: tags,
		Summary: "Commit the reservations of a completed order: SALE rows and FIFO cost of goods", Errors: []int{409, 422}},
		reserve, func(ctx context.Context, in *struct {
			idempotency.Key
			Body inventoryCommitInput
		}) (*idempotency.Response[Committed], error) {
			org, merchant, err := bodyTenant(ctx, in.Body.OrganizerID, in.Body.MerchantID, false)
			if err != nil {
				return nil, err
			}
			req := CommitRequest{OrganizerID: org, MerchantID: merchant, Reference: in.Body.Reference}
			return idempotency.Run(ctx, m.idem, "POST /inventory-reservations/commit", in.IdempotencyKey, in.Body, http.StatusOK,
				func(ctx context.Context) (Committed, error) { return m.svc.Commit(ctx, req) })
		})

	api.Register(s, huma.Operation{OperationID: "adjust-inventory", Method: http.MethodPost, Path: "/inventory-adjustments", Tags: tags,
		Summary: "Queue a stock adjustment", DefaultStatus: http.StatusAccepted, Errors: []int{404, 409, 422},
		Description: "The adjustment is recorded PENDING and applied by the inventory queue: it becomes APPLIED, or REJECTED " +
			"(with the reason in error, nothing applied) when a line would take more than is available. Read it back at " +
			"GET /inventory-adjustments/{id}."},
		write, func(ctx context.Context, in *struct {
			idempotency.Key
			Body inventoryAdjustInput
		}) (*idempotency.Response[StockAdjustment], error) {
			org, merchant, err := bodyTenant(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := AdjustmentRequest{OrganizerID: org, MerchantID: merchant, LocationID: in.Body.LocationID, Reason: in.Body.Reason, Lines: in.Body.Lines}
			return idempotency.Run(ctx, m.idem, "POST /inventory-adjustments", in.IdempotencyKey, in.Body, http.StatusAccepted,
				func(ctx context.Context) (StockAdjustment, error) { return deref(m.svc.RequestAdjustment(ctx, req)) })
		})

	api.Register(s, huma.Operation{OperationID: "transfer-inventory", Method: http.MethodPost, Path: "/inventory-transfers", Tags: tags,
		Summary: "Move stock between two locations (TRANSFER_OUT and TRANSFER_IN)", DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422}},
		write, func(ctx context.Context, in *struct {
			idempotency.Key
			Body inventoryTransferInput
		}) (*idempotency.Response[StockTransfer], error) {
			org, merchant, err := bodyTenant(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := TransferRequest{OrganizerID: org, MerchantID: merchant, FromLocationID: in.Body.FromLocationID, ToLocationID: in.Body.ToLocationID,
				Lines: in.Body.Lines, InTransit: in.Body.InTransit, Note: in.Body.Note}
			return idempotency.Run(ctx, m.idem, "POST /inventory-transfers", in.IdempotencyKey, in.Body, http.StatusCreated,
				func(ctx context.Context) (StockTransfer, error) { return deref(m.svc.Transfer(ctx, req)) })
		})
	for _, act := range []struct {
		name string
		to   TransferStatus
	}{{"receive", TransferReceived}, {"cancel", TransferCancelled}} {
		path := "/inventory-transfers/{id}/" + act.name
		api.Register(s, huma.Operation{OperationID: act.name + "-inventory-transfer", Method: http.MethodPost, Path: path,
			Tags: tags, Summary: strings.ToUpper(act.name[:1]) + act.name[1:] + " a transfer in transit", Errors: []int{404, 409}},
			write, func(ctx context.Context, in *struct {
				idempotency.Key
				ID string `path:"id"`
			}) (*idempotency.Response[StockTransfer], error) {
				tid, err := api.PathID(in.ID)
				if err != nil {
					return nil, err
				}
				return idempotency.Run(ctx, m.idem, "POST "+path, in.IdempotencyKey, pathRequest{ID: tid}, http.StatusOK,
					func(ctx context.Context) (StockTransfer, error) { return deref(m.svc.TransferAction(ctx, tid, act.to)) })
			})
	}

	api.Register(s, huma.Operation{OperationID: "record-inventory-count", Method: http.MethodPost, Path: "/inventory-counts", Tags: tags,
		Summary: "Record a stock count: sets on hand, records the variance (INVENTORY_COUNT)", DefaultStatus: http.StatusCreated, Errors: []int{404, 422}},
		write, func(ctx context.Context, in *struct {
			idempotency.Key
			Body inventoryCountInput
		}) (*idempotency.Response[StockCount], error) {
			org, merchant, err := bodyTenant(ctx, in.Body.OrganizerID, in.Body.MerchantID, true)
			if err != nil {
				return nil, err
			}
			req := CountRequest{OrganizerID: org, MerchantID: merchant, LocationID: in.Body.LocationID, Lines: in.Body.Lines, Note: in.Body.Note}
			return idempotency.Run(ctx, m.idem, "POST /inventory-counts", in.IdempotencyKey, in.Body, http.StatusCreated,
				func(ctx context.Context) (StockCount, error) { return deref(m.svc.Count(ctx, req)) })
		})

	api.Register(s, huma.Operation{OperationID: "make-default-inventory-location", Method: http.MethodPost, Path: "/inventory-locations/{id}/make-default",
		Tags: tags, Summary: "Make a location its merchant's default", Errors: []int{404}},
		write, func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*rowBody[Location], error) {
			lid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			l, err := m.makeDefault(ctx, lid)
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
				pid, err := api.PathID(in.ID)
				if err != nil {
					return nil, err
				}
				po, err := m.svc.TransitionPurchaseOrder(ctx, pid, a)
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
			idempotency.Key
			ID   string `path:"id"`
			Body inventoryReceiveInput
		}) (*idempotency.Response[PurchaseOrderReceipt], error) {
			pid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			req := ReceiveRequest{PurchaseOrderID: pid, Lines: in.Body.Lines, Note: in.Body.Note}
			return idempotency.Run(ctx, m.idem, "POST /purchase-orders/{id}/receive", in.IdempotencyKey, pathRequest{ID: pid, Body: in.Body}, http.StatusCreated,
				func(ctx context.Context) (PurchaseOrderReceipt, error) {
					return deref(m.svc.ReceivePurchaseOrder(ctx, req))
				})
		})
	api.Register(s, huma.Operation{OperationID: "update-purchase-order-item", Method: http.MethodPatch, Path: "/purchase-order-items/{id}",
		Tags: ptags, Summary: "Change a line of a DRAFT or PROCESSING purchase order", Errors: []int{404, 409}},
		write, func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body inventoryPOItemPatch
		}) (*rowBody[PurchaseOrderItem], error) {
			iid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			it, err := m.orderItems.Update(ctx, iid, func(_ context.Context, it *PurchaseOrderItem) error {
				if in.Body.QuantityOrdered != nil {
					it.QuantityOrdered = *in.Body.QuantityOrdered
				}
				if in.Body.UnitCost != nil {
					it.UnitCost = *in.Body.UnitCost
				}
				if in.Body.Note != nil {
					it.Note = db.OptText(*in.Body.Note)
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
		auth.Requirement{Permission: PermDelete}, func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct {
			Body struct {
				Count int64 `json:"count"`
			}
		}, error) {
			iid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			if err := m.orderItems.Delete(ctx, iid, true); err != nil {
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
				if org, err = api.ParseID("query.organizerId", in.OrganizerID); err != nil {
					return nil, err
				}
			}
			if in.MerchantID != "" {
				if merchant, err = api.ParseID("query.merchantId", in.MerchantID); err != nil {
					return nil, err
				}
			}
			if org, merchant, err = tenantOf(ctx, "query", org, merchant, false, false); err != nil {
				return nil, err
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

// deref answers an operation with the row a service made.
func deref[T any](row *T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return *row, nil
}

// makeDefault makes a location its merchant's only default.
func (m *Module) makeDefault(ctx context.Context, locationID id.ID) (*Location, error) {
	var l *Location
	err := m.svc.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if l, err = m.locations.Get(ctx, locationID, query.ExcludeDeleted); err != nil {
			return err
		}
		return m.svc.st.makeDefaultLocation(ctx, l)
	})
	return l, err
}
