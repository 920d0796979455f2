package finance

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

const tag = "Finance"

// routes registers the document's three CRUD controllers, the posting and reversal operations,
// the refusals of a change to a posting, and the reconciliations.
func (m *Module) routes(s *api.Server) {
	read := auth.Requirement{Permission: PermRead}
	write := auth.Requirement{Permission: PermWrite}
	tags := []string{tag}

	api.RegisterCRUD(s, api.CRUD[FinanceWallet]{Table: m.wallets, Path: "/finance-wallets", Tag: tag, Singular: "finance-wallet",
		Permission: Perm, Validate: m.validateWallet})
	api.RegisterCRUD(s, api.CRUD[FinanceCategory]{Table: m.categories, Path: "/finance-categories", Tag: tag, Singular: "finance-category",
		Permission: Perm, Validate: m.validateCategory})
	// Postings are read through the CRUD routes; every write is an operation below.
	api.RegisterCRUD(s, api.CRUD[FinanceTransaction]{Table: m.postings, Path: "/finance-transactions", Tag: tag, Singular: "finance-transaction",
		Permission: Perm, Disable: []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete,
			api.RouteDeleteBy, api.RouteRestore}})

	type postingOut = idempotency.Response[FinanceTransaction]
	api.Register(s, huma.Operation{OperationID: "create-finance-transaction", Method: http.MethodPost, Path: "/finance-transactions", Tags: tags,
		Summary: "Record an INCOME, an EXPENSE, or a TRANSFER between two wallets", DefaultStatus: http.StatusCreated, Errors: []int{409, 422},
		Description: "The posting and the wallet's balance change in one transaction; a TRANSFER is two legs (out of walletId, into " +
			"toWalletId), both or neither. Taking a CASH, BANK or EWALLET wallet below zero is a 422 naming what it holds. The answer is " +
			"the posting (a transfer's outgoing leg; its transferId names both). With an Idempotency-Key, a repeat returns the first answer."},
		write, func(ctx context.Context, in *struct {
			idempotency.Key
			Body PostRequest
		}) (*postingOut, error) {
			return idempotency.Run(ctx, m.idem, "POST /finance-transactions", in.IdempotencyKey, in.Body, http.StatusCreated,
				func(ctx context.Context) (FinanceTransaction, error) {
					t, err := m.Post(ctx, in.Body)
					if err != nil {
						return FinanceTransaction{}, err
					}
					return *t, nil
				})
		})
	api.Register(s, huma.Operation{OperationID: "reverse-finance-transaction", Method: http.MethodPost, Path: "/finance-transactions/{id}/reverse",
		Tags: tags, Summary: "Correct a posting: post its reversal", DefaultStatus: http.StatusCreated, Errors: []int{404, 409},
		Description: "Posts the opposite of what is left of the posting (an income partly refunded: the rest) into the same wallet, " +
			"both legs of a transfer at once. A posting is reversed once; a reversal or a refund is not reversed (409)."},
		write, func(ctx context.Context, in *struct {
			api.IDParam
			idempotency.Key
			Body *struct {
				Reason string `json:"reason,omitempty" maxLength:"200"`
			}
		}) (*postingOut, error) {
			pid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			reason := ""
			if in.Body != nil {
				reason = in.Body.Reason
			}
			return idempotency.Run(ctx, m.idem, "POST /finance-transactions/{id}/reverse", in.IdempotencyKey, map[string]any{"id": pid, "reason": reason},
				http.StatusCreated, func(ctx context.Context) (FinanceTransaction, error) {
					t, err := m.Reverse(ctx, pid, reason)
					if err != nil {
						return FinanceTransaction{}, err
					}
					return *t, nil
				})
		})
	// A posting is never changed: the routes a client would try answer why, and what to do.
	refuseChange := func(method, opID, summary string, req auth.Requirement) {
		api.Register(s, huma.Operation{OperationID: opID, Method: method, Path: "/finance-transactions/{id}", Tags: tags,
			Summary: summary, Errors: []int{404, 409},
			Description: "Always a 409 for a posting the caller sees (404 otherwise): postings are append-only. Correct one with " +
				"POST /finance-transactions/{id}/reverse, then post the right one."},
			req, func(ctx context.Context, in *api.IDParam) (*struct{}, error) {
				pid, err := api.PathID(in.ID)
				if err != nil {
					return nil, err
				}
				p, err := m.postings.Get(ctx, pid, query.ExcludeDeleted)
				if err != nil {
					return nil, err
				}
				return nil, refuse(ErrAppendOnly, "path.id", "posting "+p.ID.String()+" cannot change: postings are append-only; "+
					"correct it with POST /finance-transactions/"+p.ID.String()+"/reverse", p.ID.String())
			})
	}
	refuseChange(http.MethodPut, "replace-finance-transaction", "Refused: a posting is not replaced", write)
	refuseChange(http.MethodPatch, "update-finance-transaction", "Refused: a posting is not changed", write)
	refuseChange(http.MethodDelete, "delete-finance-transaction", "Refused: a posting is not deleted", auth.Requirement{Permission: PermDelete})

	type reconcileIn struct {
		MerchantID string `query:"merchantId" doc:"The merchant (admins may leave it out: every merchant)"`
		From       string `query:"from" doc:"Start of the period, RFC 3339 (default: the first posting)"`
		To         string `query:"to" doc:"End of the period, excluded, RFC 3339 (default: now)"`
	}
	api.Register(s, huma.Operation{OperationID: "reconcile-finance", Method: http.MethodGet, Path: "/finance-reconciliations", Tags: tags,
		Summary: "Prove a merchant's wallets: each balance is the sum of its postings, and what a period added",
		Description: "Reads every wallet of the merchant with its postings in one snapshot, so it may run while money moves. ok is " +
			"false, with the problems listed per wallet, when a balance differs from its postings or a period's totals do not add up."},
		read, func(ctx context.Context, in *reconcileIn) (*struct{ Body *Reconciliation }, error) {
			var merchant id.ID
			if in.MerchantID != "" {
				var err error
				if merchant, err = api.ParseID("query.merchantId", in.MerchantID); err != nil {
					return nil, err
				}
			}
			from, err := parseTime("query.from", in.From)
			if err != nil {
				return nil, err
			}
			to, err := parseTime("query.to", in.To)
			if err != nil {
				return nil, err
			}
			sc, err := auth.Tenancy(ctx)
			if err != nil {
				return nil, err
			}
			if merchant == 0 && !sc.All {
				return nil, errs.Field("query.merchantId", "is required", nil)
			}
			r, err := m.Reconcile(ctx, sc.OrganizerID, merchant, from, to)
			if errors.Is(err, auth.ErrNotYourMerchant) {
				return nil, errs.Field("query.merchantId", "is not a merchant you may act for", in.MerchantID)
			}
			if err != nil {
				return nil, err
			}
			return &struct{ Body *Reconciliation }{r}, nil
		})
	api.Register(s, huma.Operation{OperationID: "reconcile-finance-shift", Method: http.MethodGet, Path: "/finance-reconciliations/shifts/{id}",
		Tags: tags, Summary: "Check a closed shift's cash postings against its Z-report", Errors: []int{404, 409},
		Description: "Each cash tender of the shift's paid orders has its INCOME, and each cash refund its reversal, in a CASH wallet " +
			"for the amount sale recorded; together they equal the Z-report's cash sales less its cash refunds. An open shift is a 409."},
		read, func(ctx context.Context, in *api.IDParam) (*struct{ Body *ShiftReconciliation }, error) {
			sid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			r, err := m.ReconcileShift(ctx, sid)
			if err != nil {
				return nil, err
			}
			return &struct{ Body *ShiftReconciliation }{r}, nil
		})
}

// parseTime reads an optional RFC 3339 time of the query, or a 400 naming it.
func parseTime(loc, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, errs.Field(loc, "must be an RFC 3339 time such as 2026-01-31T17:00:00Z", s)
	}
	return &t, nil
}
