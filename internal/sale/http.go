package sale

import (
	"context"
	"net/http"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

type orderOut struct {
	Replayed bool `header:"Idempotency-Replayed"`
	Body     OrderView
}

// OrderView is an order with its lines and payments.
type OrderView struct {
	Order
	Items    []Item    `json:"items"`
	Payments []Payment `json:"payments"`
}

func (m *Module) view(ctx context.Context, o *Order) (*OrderView, error) {
	items, err := m.loadItems(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	pays, ok := memo.Get[[]Payment](ctx, paymentsKey{o.ID})
	if !ok {
		if pays, err = m.payments.Find(ctx, &query.Filter{Where: map[string]any{"orderId": o.ID.String()}, Order: []string{"createdAt ASC"}, Limit: query.MaxLimit}, query.ExcludeDeleted); err != nil {
			return nil, err
		}
	}
	return &OrderView{Order: *o, Items: items, Payments: pays}, nil
}

func parseID(s, loc string) (id.ID, error) {
	v, err := id.Parse(s)
	if err != nil {
		return 0, errs.Field(loc, "must be a decimal id", s)
	}
	return v, nil
}

// IdemHeader is the Idempotency-Key header of operations with money or stock effects.
type IdemHeader struct {
	Key string `header:"Idempotency-Key" maxLength:"200" doc:"Repeat the request with the same key to get the first response and no second effect"`
}

// once runs an order operation at most once per Idempotency-Key and answers with the order's
// view; a replay returns the first answer with Idempotency-Replayed set.
func (m *Module) once(ctx context.Context, op, key string, request any, f func(ctx context.Context) (*Order, error)) (*orderOut, error) {
	ctx = memo.With(ctx) // one memo for the operation and its answer
	out, replayed, err := idempotency.Do(ctx, m.Idem, idempotency.Scope(ctx, op), key, request, func(ctx context.Context) (*orderOut, error) {
		o, err := f(ctx)
		if err != nil {
			return nil, err
		}
		v, err := m.view(ctx, o)
		if err != nil {
			return nil, err
		}
		return &orderOut{Body: *v}, nil
	})
	if err != nil {
		return nil, err
	}
	out.Replayed = replayed
	return out, nil
}

// Routes registers the sale API.
func (m *Module) Routes(s *api.Server) {
	read := auth.Requirement{Permission: "sale.read"}
	write := auth.Requirement{Permission: "sale.write"}
	tags := []string{"Sale orders"}
	noWrites := []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete, api.RouteDeleteBy, api.RouteRestore}
	readOnly := func(p string) map[api.Route]auth.Requirement {
		r := auth.Requirement{Permission: p}
		return map[api.Route]auth.Requirement{api.RouteFind: r, api.RouteCount: r, api.RouteFindOne: r, api.RouteGet: r}
	}
	api.RegisterCRUD(s, api.CRUD[Order]{Table: m.orders, Path: "/sale-orders", Tag: "Sale orders", Singular: "sale-order",
		Disable: noWrites, Auth: readOnly("sale.read")})
	api.RegisterCRUD(s, api.CRUD[Payment]{Table: m.payments, Path: "/sale-payments", Tag: "Payments", Singular: "sale-payment",
		Disable: noWrites, Auth: readOnly("sale.read")})
	api.RegisterCRUD(s, api.CRUD[Refund]{Table: m.refunds, Path: "/sale-refunds", Tag: "Refunds", Singular: "sale-refund",
		Disable: noWrites, Auth: readOnly("sale.read")})
	api.RegisterCRUD(s, api.CRUD[Shift]{Table: m.shifts, Path: "/shifts", Tag: "Shifts", Singular: "shift",
		Disable: noWrites, Auth: readOnly("sale.read")})
	api.RegisterCRUD(s, api.CRUD[CashMovement]{Table: m.movements, Path: "/cash-movements", Tag: "Shifts", Singular: "cash-movement",
		Disable: noWrites, Auth: readOnly("sale.read")})
	api.RegisterCRUD(s, api.CRUD[ZReport]{Table: m.zreports, Path: "/z-reports", Tag: "Shifts", Singular: "z-report",
		Disable: noWrites, Auth: readOnly("sale.read")})
	api.RegisterCRUD(s, api.CRUD[KitchenTicket]{Table: m.tickets, Path: "/kitchen-tickets", Tag: "Kitchen", Singular: "kitchen-ticket",
		Disable: noWrites, Auth: readOnly("kitchen.read")})
	admins := auth.Requirement{Roles: []auth.Role{auth.SuperAdmin, auth.Admin, auth.Operator}}
	api.RegisterCRUD(s, api.CRUD[PaymentCallback]{Table: m.callbacks, Path: "/payment-callbacks", Tag: "Payments", Singular: "payment-callback",
		Disable: noWrites, Auth: map[api.Route]auth.Requirement{api.RouteFind: admins, api.RouteCount: admins, api.RouteFindOne: admins, api.RouteGet: admins}})

	// Orders.
	api.Register(s, huma.Operation{OperationID: "create-order", Method: http.MethodPost, Path: "/sale-orders", Tags: tags,
		Summary:       "Open an order (with an optional client-generated id and first lines), or sell at the counter (with tenders)",
		Description:   "With `tenders`, the order is also checked out and paid in the same transaction: a counter sale in one request.",
		DefaultStatus: http.StatusCreated, Errors: []int{409, 422}},
		write, func(ctx context.Context, in *struct {
			IdemHeader
			Body CreateOrder
		}) (*orderOut, error) {
			return m.once(ctx, "sale.create", in.Key, in.Body, func(ctx context.Context) (*Order, error) {
				return m.Sell(ctx, in.Body)
			})
		})
	// OrderPath is exported: huma reads only exported embedded fields.
	type OrderPath struct {
		ID string `path:"id" doc:"Order id"`
	}
	withOrder := func(f func(ctx context.Context, oid id.ID) (*Order, error)) func(context.Context, *OrderPath) (*orderOut, error) {
		return func(ctx context.Context, in *OrderPath) (*orderOut, error) {
			oid, err := parseID(in.ID, "path.id")
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
	api.Register(s, huma.Operation{OperationID: "get-order-view", Method: http.MethodGet, Path: "/sale-orders/{id}/view", Tags: tags,
		Summary: "An order with its lines and payments", Errors: []int{404}}, read,
		withOrder(func(ctx context.Context, oid id.ID) (*Order, error) {
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
			return withOrder(func(ctx context.Context, oid id.ID) (*Order, error) { return m.AddItems(ctx, oid, in.Body.Lines) })(ctx, &in.OrderPath)
		})
	api.Register(s, huma.Operation{OperationID: "change-order-item", Method: http.MethodPatch, Path: "/sale-orders/{id}/items/{itemId}", Tags: tags,
		Summary: "Change a line's quantity or note (quantity 0 removes it)", Errors: []int{404, 409, 422}}, write,
		func(ctx context.Context, in *struct {
			OrderPath
			ItemID string `path:"itemId"`
			Body   ItemChange
		}) (*orderOut, error) {
			itemID, err := parseID(in.ItemID, "path.itemId")
			if err != nil {
				return nil, err
			}
			return withOrder(func(ctx context.Context, oid id.ID) (*Order, error) { return m.ChangeItem(ctx, oid, itemID, in.Body) })(ctx, &in.OrderPath)
		})
	api.Register(s, huma.Operation{OperationID: "send-order-to-kitchen", Method: http.MethodPost, Path: "/sale-orders/{id}/send-to-kitchen", Tags: tags,
		Summary: "Send unsent lines to their kitchen stations", Errors: []int{404, 409}}, write, withOrder(m.SendToKitchen))
	type checkoutIn struct {
		OrderPath
		IdemHeader
		Body *struct {
			Tenders []Tender `json:"tenders,omitempty" maxItems:"10" doc:"Tenders to take at once (e.g. cash with the amount tendered)"`
		}
	}
	api.Register(s, huma.Operation{OperationID: "checkout-order", Method: http.MethodPost, Path: "/sale-orders/{id}/checkout", Tags: tags,
		Summary: "Check out: re-price, validate, hold stock, schedule expiry (DRAFT -> PROCESSING)", Errors: []int{404, 409, 422}}, write,
		func(ctx context.Context, in *checkoutIn) (*orderOut, error) {
			oid, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			var tenders []Tender
			if in.Body != nil {
				tenders = in.Body.Tenders
			}
			return m.once(ctx, "sale.checkout", in.Key, map[string]any{"order": oid, "tenders": tenders}, func(ctx context.Context) (*Order, error) {
				o, _, err := m.Checkout(ctx, oid, tenders)
				return o, err
			})
		})
	api.Register(s, huma.Operation{OperationID: "pay-order", Method: http.MethodPost, Path: "/sale-orders/{id}/payments", Tags: tags,
		Summary: "Add a tender (split payments: call once per tender)", Errors: []int{404, 409, 422}}, write,
		func(ctx context.Context, in *struct {
			OrderPath
			IdemHeader
			Body Tender
		}) (*orderOut, error) {
			oid, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			return m.once(ctx, "sale.pay", in.Key, map[string]any{"order": oid, "tender": in.Body}, func(ctx context.Context) (*Order, error) {
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
			return withOrder(func(ctx context.Context, oid id.ID) (*Order, error) { return m.Cancel(ctx, oid, reason) })(ctx, &in.OrderPath)
		})
	api.Register(s, huma.Operation{OperationID: "reopen-order", Method: http.MethodPost, Path: "/sale-orders/{id}/reopen", Tags: tags,
		Summary: "Back to DRAFT from an unpaid checkout (releases stock)", Errors: []int{404, 409}}, write, withOrder(m.Reopen))
	api.Register(s, huma.Operation{OperationID: "complete-order", Method: http.MethodPost, Path: "/sale-orders/{id}/complete", Tags: tags,
		Summary: "Close a PAID order", Errors: []int{404, 409}}, write, withOrder(m.Complete))
	type refundOut struct {
		Replayed bool `header:"Idempotency-Replayed"`
		Body     struct {
			Order  OrderView `json:"order"`
			Refund Refund    `json:"refund"`
		}
	}
	api.Register(s, huma.Operation{OperationID: "refund-order", Method: http.MethodPost, Path: "/sale-orders/{id}/refunds", Tags: tags,
		Summary: "Refund a paid order, whole or by line and quantity", DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422}},
		auth.Requirement{Permission: "sale.refund"},
		func(ctx context.Context, in *struct {
			OrderPath
			IdemHeader
			Body RefundRequest
		}) (*refundOut, error) {
			oid, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			out, replayed, err := idempotency.Do(ctx, m.Idem, idempotency.Scope(ctx, "sale.refund"), in.Key, map[string]any{"order": oid, "refund": in.Body},
				func(ctx context.Context) (*refundOut, error) {
					o, r, err := m.Refund(ctx, oid, in.Body)
					if err != nil {
						return nil, err
					}
					v, err := m.view(ctx, o)
					if err != nil {
						return nil, err
					}
					out := &refundOut{}
					out.Body.Order, out.Body.Refund = *v, *r
					return out, nil
				})
			if err != nil {
				return nil, err
			}
			out.Replayed = replayed
			return out, nil
		})

	// Kitchen.
	type ticketOut struct{ Body KitchenTicket }
	api.Register(s, huma.Operation{OperationID: "set-kitchen-item-status", Method: http.MethodPost, Path: "/kitchen-items/{id}/status", Tags: []string{"Kitchen"},
		Summary: "Move a kitchen line forward: QUEUED -> PREPARING -> READY -> SERVED (or VOIDED)", Errors: []int{404, 409}},
		auth.Requirement{Permission: "kitchen.write"},
		func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body struct {
				Status string `json:"status" enum:"PREPARING,READY,SERVED,VOIDED"`
			}
		}) (*ticketOut, error) {
			kid, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			t, err := m.SetKitchenStatus(ctx, kid, in.Body.Status)
			if err != nil {
				return nil, err
			}
			return &ticketOut{Body: *t}, nil
		})

	// Shifts.
	shiftTags := []string{"Shifts"}
	type shiftOut struct{ Body Shift }
	api.Register(s, huma.Operation{OperationID: "open-shift", Method: http.MethodPost, Path: "/shifts/open", Tags: shiftTags,
		Summary: "Open a register's cash session with a float", DefaultStatus: http.StatusCreated, Errors: []int{409, 422}},
		auth.Requirement{Permission: "shift.write"}, func(ctx context.Context, in *struct{ Body OpenShiftRequest }) (*shiftOut, error) {
			sh, err := m.OpenShift(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &shiftOut{Body: *sh}, nil
		})
	type moveOut struct{ Body CashMovement }
	api.Register(s, huma.Operation{OperationID: "move-cash", Method: http.MethodPost, Path: "/shifts/{id}/cash-movements", Tags: shiftTags,
		Summary: "Pay cash into or out of the drawer", DefaultStatus: http.StatusCreated, Errors: []int{404, 409}},
		auth.Requirement{Permission: "shift.write"}, func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body CashMoveRequest
		}) (*moveOut, error) {
			sid, err := parseID(in.ID, "path.id")
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
	api.Register(s, huma.Operation{OperationID: "close-shift", Method: http.MethodPost, Path: "/shifts/{id}/close", Tags: shiftTags,
		Summary: "Close with the counted cash: expected vs counted and a numbered Z-report", Errors: []int{404, 409}},
		auth.Requirement{Permission: "shift.write"}, func(ctx context.Context, in *struct {
			ID   string `path:"id"`
			Body CloseShiftRequest
		}) (*closeOut, error) {
			sid, err := parseID(in.ID, "path.id")
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
