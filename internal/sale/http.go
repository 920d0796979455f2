package sale

import (
	"context"
	"net/http"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

// OrderView is an order with its lines and payments.
type OrderView struct {
	Order
	Items    []Item    `json:"items"`
	Payments []Payment `json:"payments"`
}

// view is the order with its lines and payments: as the operation wrote them when it knows
// them (store.go's remember), else read.
func (m *Module) view(ctx context.Context, o *Order) (*OrderView, error) {
	items, err := m.loadItems(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	pays, ok := recall[[]Payment](ctx, paymentsKey{o.ID})
	if !ok {
		if pays, err = m.payments.Find(ctx, &query.Filter{Where: map[string]any{"orderId": o.ID.String()}, Order: []string{"createdAt ASC"}, Limit: query.MaxLimit}, query.ExcludeDeleted); err != nil {
			return nil, err
		}
	}
	return &OrderView{Order: *o, Items: items, Payments: pays}, nil
}

// orderOut answers an order operation that cannot be replayed.
type orderOut struct{ Body OrderView }

// OrderPath is the {id} of an order. It is exported: huma reads only exported embedded fields.
type OrderPath struct {
	ID string `path:"id" doc:"Order id"`
}

// once runs an order operation with money or stock effects at most once per Idempotency-Key
// (idempotency.Run) and answers with the order's view and status; the view is built in the
// operation's memo, so that it lists what the operation wrote without reading it back.
func (m *Module) once(ctx context.Context, operation, key string, request any, status int, f func(ctx context.Context) (*Order, error)) (*idempotency.Response[OrderView], error) {
	ctx = memo.With(ctx) // one memo for the operation and its answer
	return idempotency.Run(ctx, m.idem, operation, key, request, status, func(ctx context.Context) (OrderView, error) {
		o, err := f(ctx)
		if err != nil {
			return OrderView{}, err
		}
		v, err := m.view(ctx, o)
		if err != nil {
			return OrderView{}, err
		}
		return *v, nil
	})
}

// withOrder is an operation on the order of the path that answers with its view.
func (m *Module) withOrder(f func(ctx context.Context, oid id.ID) (*Order, error)) func(context.Context, *OrderPath) (*orderOut, error) {
	return func(ctx context.Context, in *OrderPath) (*orderOut, error) {
		oid, err := api.PathID(in.ID)
		if err != nil {
			return nil, err
		}
		o, err := f(ctx, oid)
		if err != nil {
			return nil, err
		}
		v, err := m.view(ctx, o)
		if err != nil {
			return nil, err
		}
		return &orderOut{Body: *v}, nil
	}
}

// refundOutBody is the answer of a refund: the order after it and the refund. (Its name is the
// schema's in the OpenAPI document.)
type refundOutBody struct {
	Order  OrderView `json:"order"`
	Refund Refund    `json:"refund"`
}

// orderRoutes registers the operations on orders: open, lines, kitchen, checkout, payments,
// cancel, reopen, complete and refund.
func (m *Module) orderRoutes(s *api.Server) {
	read := auth.Requirement{Permission: PermRead}
	write := auth.Requirement{Permission: PermWrite}
	tags := []string{"Sale orders"}
	api.Register(s, huma.Operation{OperationID: "create-order", Method: http.MethodPost, Path: "/sale-orders", Tags: tags,
		Summary:       "Open an order (with an optional client-generated id and first lines), or sell at the counter (with tenders)",
		Description:   "With `tenders`, the order is also checked out and paid in the same transaction: a counter sale in one request.",
		DefaultStatus: http.StatusCreated, Errors: []int{409, 422}},
		write, func(ctx context.Context, in *struct {
			idempotency.Key
			Body CreateOrder
		}) (*idempotency.Response[OrderView], error) {
			return m.once(ctx, "POST /sale-orders", in.IdempotencyKey, in.Body, http.StatusCreated, func(ctx context.Context) (*Order, error) {
				return m.Sell(ctx, in.Body)
			})
		})
	api.Register(s, huma.Operation{OperationID: "get-order-view", Method: http.MethodGet, Path: "/sale-orders/{id}/view", Tags: tags,
		Summary: "An order with its lines and payments", Errors: []int{404}}, read,
		m.withOrder(func(ctx context.Context, oid id.ID) (*Order, error) {
			return m.orders.Get(ctx, oid, query.ExcludeDeleted)
		}))
	api.Register(s, huma.Operation{OperationID: "add-order-items", Method: http.MethodPost, Path: "/sale-orders/{id}/items", Tags: tags,
		Summary: "Add lines (a line with the same variant, modifiers, price and note merges)", Errors: []int{404, 409, 422}}, write,
		func(ctx context.Context, in *struct {
			OrderPath
			Body struct {
				Lines []LineInput `json:"lines" minItems:"1" maxItems:"100"`
			}
		}) (*orderOut, error) {
			return m.withOrder(func(ctx context.Context, oid id.ID) (*Order, error) { return m.AddItems(ctx, oid, in.Body.Lines) })(ctx, &in.OrderPath)
		})
	api.Register(s, huma.Operation{OperationID: "change-order-item", Method: http.MethodPatch, Path: "/sale-orders/{id}/items/{itemId}", Tags: tags,
		Summary: "Change a line's quantity or note (quantity 0 removes it)", Errors: []int{404, 409, 422}}, write,
		func(ctx context.Context, in *struct {
			OrderPath
			ItemID string `path:"itemId"`
			Body   ItemChange
		}) (*orderOut, error) {
			itemID, err := api.ParseID("path.itemId", in.ItemID)
			if err != nil {
				return nil, err
			}
			return m.withOrder(func(ctx context.Context, oid id.ID) (*Order, error) { return m.ChangeItem(ctx, oid, itemID, in.Body) })(ctx, &in.OrderPath)
		})
	api.Register(s, huma.Operation{OperationID: "send-order-to-kitchen", Method: http.MethodPost, Path: "/sale-orders/{id}/send-to-kitchen", Tags: tags,
		Summary: "Send unsent lines to their kitchen stations", Errors: []int{404, 409}}, write, m.withOrder(m.SendToKitchen))
	type checkoutIn struct { // its name is the body schema's in the OpenAPI document (CheckoutInBody)
		OrderPath
		idempotency.Key
		Body *struct {
			Tenders []Tender `json:"tenders,omitempty" maxItems:"10" doc:"Tenders to take at once (e.g. cash with the amount tendered)"`
		}
	}
	api.Register(s, huma.Operation{OperationID: "checkout-order", Method: http.MethodPost, Path: "/sale-orders/{id}/checkout", Tags: tags,
		Summary: "Check out: re-price, validate, hold stock, schedule expiry (DRAFT -> PROCESSING)", Errors: []int{404, 409, 422}}, write,
		func(ctx context.Context, in *checkoutIn) (*idempotency.Response[OrderView], error) {
			oid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			var tenders []Tender
			if in.Body != nil {
				tenders = in.Body.Tenders
			}
			return m.once(ctx, "POST /sale-orders/{id}/checkout", in.IdempotencyKey, map[string]any{"order": oid, "tenders": tenders}, http.StatusOK,
				func(ctx context.Context) (*Order, error) {
					o, _, err := m.Checkout(ctx, oid, tenders)
					return o, err
				})
		})
	api.Register(s, huma.Operation{OperationID: "pay-order", Method: http.MethodPost, Path: "/sale-orders/{id}/payments", Tags: tags,
		Summary: "Add a tender (split payments: call once per tender)", Errors: []int{404, 409, 422}}, write,
		func(ctx context.Context, in *struct {
			OrderPath
			idempotency.Key
			Body Tender
		}) (*idempotency.Response[OrderView], error) {
			oid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			return m.once(ctx, "POST /sale-orders/{id}/payments", in.IdempotencyKey, map[string]any{"order": oid, "tender": in.Body}, http.StatusOK,
				func(ctx context.Context) (*Order, error) {
					o, _, err := m.Pay(ctx, oid, in.Body)
					return o, err
				})
		})
	api.Register(s, huma.Operation{OperationID: "cancel-order", Method: http.MethodPost, Path: "/sale-orders/{id}/cancel", Tags: tags,
		Summary: "Cancel a DRAFT or PROCESSING order (releases its stock)", Errors: []int{404, 409}}, write,
		func(ctx context.Context, in *struct {
			OrderPath
			Body *struct {
				Reason string `json:"reason,omitempty" maxLength:"200"`
			}
		}) (*orderOut, error) {
			reason := ""
			if in.Body != nil {
				reason = in.Body.Reason
			}
			return m.withOrder(func(ctx context.Context, oid id.ID) (*Order, error) { return m.Cancel(ctx, oid, reason) })(ctx, &in.OrderPath)
		})
	api.Register(s, huma.Operation{OperationID: "reopen-order", Method: http.MethodPost, Path: "/sale-orders/{id}/reopen", Tags: tags,
		Summary: "Back to DRAFT from an unpaid checkout (releases stock)", Errors: []int{404, 409}}, write, m.withOrder(m.Reopen))
	api.Register(s, huma.Operation{OperationID: "complete-order", Method: http.MethodPost, Path: "/sale-orders/{id}/complete", Tags: tags,
		Summary: "Close a PAID order", Errors: []int{404, 409}}, write, m.withOrder(m.Complete))
	api.Register(s, huma.Operation{OperationID: "refund-order", Method: http.MethodPost, Path: "/sale-orders/{id}/refunds", Tags: tags,
		Summary: "Refund a paid order, whole or by line and quantity", DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422}},
		auth.Requirement{Permission: PermRefund},
		func(ctx context.Context, in *struct {
			OrderPath
			idempotency.Key
			Body RefundRequest
		}) (*idempotency.Response[refundOutBody], error) {
			oid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			return idempotency.Run(ctx, m.idem, "POST /sale-orders/{id}/refunds", in.IdempotencyKey, map[string]any{"order": oid, "refund": in.Body}, http.StatusCreated,
				func(ctx context.Context) (refundOutBody, error) {
					o, r, err := m.Refund(ctx, oid, in.Body)
					if err != nil {
						return refundOutBody{}, err
					}
					v, err := m.view(ctx, o)
					if err != nil {
						return refundOutBody{}, err
					}
					return refundOutBody{Order: *v, Refund: *r}, nil
				})
		})
}

// kitchenRoutes registers the kitchen's operation: a line moves forward.
func (m *Module) kitchenRoutes(s *api.Server) {
	type ticketOut struct{ Body KitchenTicket }
	api.Register(s, huma.Operation{OperationID: "set-kitchen-item-status", Method: http.MethodPost, Path: "/kitchen-items/{id}/status", Tags: []string{"Kitchen"},
		Summary: "Move a kitchen line forward: QUEUED -> PREPARING -> READY -> SERVED (or VOIDED)", Errors: []int{404, 409}},
		auth.Requirement{Permission: PermKitchenWrite},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Status string `json:"status" enum:"PREPARING,READY,SERVED,VOIDED"`
			}
		}) (*ticketOut, error) {
			kid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			t, err := m.SetKitchenStatus(ctx, kid, in.Body.Status)
			if err != nil {
				return nil, err
			}
			return &ticketOut{Body: *t}, nil
		})
}

// shiftRoutes registers the operations on shifts: open, move cash, close with a Z-report.
func (m *Module) shiftRoutes(s *api.Server) {
	tags := []string{"Shifts"}
	write := auth.Requirement{Permission: PermShiftWrite}
	type shiftOut struct{ Body Shift }
	api.Register(s, huma.Operation{OperationID: "open-shift", Method: http.MethodPost, Path: "/shifts/open", Tags: tags,
		Summary: "Open a register's cash session with a float", DefaultStatus: http.StatusCreated, Errors: []int{409, 422}},
		write, func(ctx context.Context, in *struct{ Body OpenShiftRequest }) (*shiftOut, error) {
			sh, err := m.OpenShift(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &shiftOut{Body: *sh}, nil
		})
	type moveOut struct{ Body CashMovement }
	api.Register(s, huma.Operation{OperationID: "move-cash", Method: http.MethodPost, Path: "/shifts/{id}/cash-movements", Tags: tags,
		Summary: "Pay cash into or out of the drawer", DefaultStatus: http.StatusCreated, Errors: []int{404, 409}},
		write, func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body CashMoveRequest
		}) (*moveOut, error) {
			sid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			mv, err := m.MoveCash(ctx, sid, in.Body)
			if err != nil {
				return nil, err
			}
			return &moveOut{Body: *mv}, nil
		})
	type closeOut struct {
		Body struct {
			Shift   Shift   `json:"shift"`
			ZReport ZReport `json:"zReport"`
		}
	}
	api.Register(s, huma.Operation{OperationID: "close-shift", Method: http.MethodPost, Path: "/shifts/{id}/close", Tags: tags,
		Summary: "Close with the counted cash: expected vs counted and a numbered Z-report", Errors: []int{404, 409}},
		write, func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body CloseShiftRequest
		}) (*closeOut, error) {
			sid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			sh, z, err := m.CloseShift(ctx, sid, in.Body)
			if err != nil {
				return nil, err
			}
			out := &closeOut{}
			out.Body.Shift, out.Body.ZReport = *sh, *z
			return out, nil
		})
}
