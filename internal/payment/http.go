package payment

import (
	"context"
	"net/http"
	"reflect"

	"github.com/banapos/bana/internal/payment/phonepos"
	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/danielgtaylor/huma/v2"
)

// rawQuery is an input that keeps the request's query string as it came: a signature covers the
// parameters exactly as the provider sent them, whatever they are.
type rawQuery struct {
	MerchantID string `path:"merchantId" doc:"The merchant the endpoint was registered for"`
	query      string
}

// Resolve keeps the query string.
func (q *rawQuery) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	q.query = u.RawQuery
	return nil
}

// VietQRTransfer documents the transaction sync's body (VietQR.vn's field names; amount and
// transactiontime may also come as strings of digits).
type VietQRTransfer struct {
	BankAccount     string `json:"bankaccount"`
	Amount          int64  `json:"amount"`
	TransType       string `json:"transType" enum:"C,D"`
	Content         string `json:"content"`
	TransactionID   string `json:"transactionid,omitempty"`
	TransactionTime int64  `json:"transactiontime,omitempty"`
	ReferenceNumber string `json:"referencenumber,omitempty"`
	OrderID         string `json:"orderId,omitempty"`
	TerminalCode    string `json:"terminalCode,omitempty"`
	ServiceCode     string `json:"serviceCode,omitempty"`
	URLLink         string `json:"urlLink,omitempty"`
	Sign            string `json:"sign,omitempty"`
}

// rawBody is a provider's POST, kept byte for byte for its signature and the record.
type rawBody struct {
	MerchantID    string `path:"merchantId" doc:"The merchant the endpoint was registered for"`
	Authorization string `header:"Authorization"`
	Signature     string `header:"X-Bana-Signature" doc:"The phone POS bridge's signature"`
	RawBody       []byte
}

// documented is the request body a raw-body route documents: the named schema of the message the
// provider sends (the route reads the bytes as they came, for their signature and the record).
func documented(s *api.Server, message any) *huma.RequestBody {
	ref := s.API.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(message), true, "")
	return &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/json": {Schema: ref}}}
}

// notificationRoutes registers what providers call: public, each message verified by its
// signature against the merchant's settings before anything is read or written.
func (m *Module) notificationRoutes(s *api.Server) {
	public := auth.Requirement{Public: true}
	tags := []string{"Payment notifications"}
	api.Register(s, huma.Operation{OperationID: "vnpay-ipn", Method: http.MethodGet, Path: "/payment-ipn/vnpay/{merchantId}", Tags: tags,
		Summary: "VNPAY's IPN (register this URL with VNPAY)",
		Description: "Always 200 with `{\"RspCode\",\"Message\"}`, checked in this order: 97 bad signature, 01 no such order, 04 wrong amount, " +
			"02 already confirmed (or refused: the attempt had ended; recorded), 00 recorded, 99 anything else (VNPAY retries)."},
		public, func(ctx context.Context, in *rawQuery) (*struct{ Body vnpay.IPNReply }, error) {
			return &struct{ Body vnpay.IPNReply }{Body: m.VNPAYIPN(ctx, in.MerchantID, in.query)}, nil
		})
	api.Register(s, huma.Operation{OperationID: "vnpay-return", Method: http.MethodGet, Path: "/payment-returns/vnpay/{merchantId}", Tags: tags,
		Summary: "Verify the parameters VNPAY sends a customer back with (records nothing: the IPN does)", Errors: []int{404, 422}},
		public, func(ctx context.Context, in *rawQuery) (*struct{ Body VNPAYReturnResult }, error) {
			r, err := m.VNPAYReturn(ctx, in.MerchantID, in.query)
			if err != nil {
				return nil, err
			}
			return &struct{ Body VNPAYReturnResult }{Body: r}, nil
		})
	api.Register(s, huma.Operation{OperationID: "vnpay-qr-notification", SkipValidateBody: true, RequestBody: documented(s, vnpayqr.Notification{}), Method: http.MethodPost, Path: "/payment-ipn/vnpay-qr-mms/{merchantId}", Tags: tags,
		Summary: "VNPAY-QR's payment notification (register this URL with VNPAY)",
		Description: "Always 200 with `{\"code\",\"message\",\"data\":{\"txnId\"}}`: 06 bad checksum, 04 no such order (or not recorded now: " +
			"VNPAY sends it again), 07 wrong amount, 03 already paid, 09 the code had expired (recorded), 00 recorded."},
		public, func(ctx context.Context, in *rawBody) (*struct{ Body vnpayqr.NotificationReply }, error) {
			return &struct{ Body vnpayqr.NotificationReply }{Body: m.QRNotification(ctx, in.MerchantID, in.RawBody)}, nil
		})
	api.Register(s, huma.Operation{OperationID: "vietqr-token", Method: http.MethodPost, Path: "/payment-ipn/vietqr/{merchantId}/api/token_generate", Tags: tags,
		Summary: "VietQR.vn's get-token API: a bearer token for the transaction sync, for the merchant's sync credentials (HTTP Basic)", Errors: []int{401}},
		public, func(ctx context.Context, in *struct {
			MerchantID    string `path:"merchantId" doc:"The merchant the endpoint was registered for"`
			Authorization string `header:"Authorization" doc:"Basic base64(syncUsername:syncPassword)"`
		}) (*struct{ Body VietQRTokenAnswer }, error) {
			t, err := m.VietQRToken(ctx, in.MerchantID, in.Authorization)
			if err != nil {
				return nil, err
			}
			return &struct{ Body VietQRTokenAnswer }{Body: t}, nil
		})
	api.Register(s, huma.Operation{OperationID: "vietqr-transaction-sync", SkipValidateBody: true, RequestBody: documented(s, VietQRTransfer{}), Method: http.MethodPost, Path: "/payment-ipn/vietqr/{merchantId}/bank/api/transaction-sync", Tags: tags,
		Summary:     "VietQR.vn's transaction sync: a bank transfer to the merchant's account (bearer token from the get-token API)",
		Description: "The transfer is matched to its payment attempt by the reference in its content and by its amount; every transfer is recorded.",
		Errors:      []int{401, 503}},
		public, func(ctx context.Context, in *rawBody) (*struct {
			Status int
			Body   VietQRSyncAnswer
		}, error) {
			a, status := m.VietQRTransfer(ctx, in.MerchantID, in.Authorization, in.RawBody)
			return &struct {
				Status int
				Body   VietQRSyncAnswer
			}{Status: status, Body: a}, nil
		})
	api.Register(s, huma.Operation{OperationID: "vnpay-phone-pos-result", SkipValidateBody: true, RequestBody: documented(s, phonepos.Result{}), Method: http.MethodPost, Path: "/payment-ipn/vnpay-phone-pos/{merchantId}", Tags: tags,
		Summary: "A result of the merchant's phone POS bridge (signed with X-Bana-Signature)", Errors: []int{403, 503}},
		public, func(ctx context.Context, in *rawBody) (*struct {
			Status int
			Body   PhonePOSBridgeAnswer
		}, error) {
			a, status := m.PhonePOSResult(ctx, in.MerchantID, in.Signature, in.RawBody)
			return &struct {
				Status int
				Body   PhonePOSBridgeAnswer
			}{Status: status, Body: a}, nil
		})
}

// PaymentProviderStatus is one provider as a merchant has it.
type PaymentProviderStatus struct {
	Provider   string   `json:"provider"`
	Methods    []string `json:"methods"`
	ConfigCode string   `json:"configCode" doc:"The SECRET setting that holds the merchant's settings"`
	Enabled    bool     `json:"enabled" doc:"Configured, enabled and complete: tenders may use it"`
	Problem    string   `json:"problem,omitempty" doc:"Why it cannot be used"`
}

// operationRoutes registers the routes of a merchant's staff: providers, status queries, refunds
// of late payments and the static VietQR code.
func (m *Module) operationRoutes(s *api.Server) {
	tags := []string{"Payments"}
	api.Register(s, huma.Operation{OperationID: "list-payment-providers", Method: http.MethodGet, Path: "/payment-providers", Tags: tags,
		Summary: "The payment providers of a merchant: enabled, or why not", Errors: []int{404}},
		auth.Requirement{Permission: PermRead}, func(ctx context.Context, in *struct {
			MerchantID string `query:"merchantId" required:"true"`
		}) (*struct{ Body []PaymentProviderStatus }, error) {
			mid, err := api.ParseID("query.merchantId", in.MerchantID)
			if err != nil {
				return nil, err
			}
			out, err := m.ProviderStatuses(ctx, mid)
			if err != nil {
				return nil, err
			}
			return &struct{ Body []PaymentProviderStatus }{Body: out}, nil
		})
	api.Register(s, huma.Operation{OperationID: "vietqr-static", Method: http.MethodGet, Path: "/payment-providers/vietqr/static", Tags: tags,
		Summary: "The merchant's static VietQR payload (no amount): a code for the counter", Errors: []int{404, 422}},
		auth.Requirement{Permission: PermRead}, func(ctx context.Context, in *struct {
			MerchantID string `query:"merchantId" required:"true"`
		}) (*struct {
			Body struct {
				QR string `json:"qr"`
			}
		}, error) {
			mid, err := api.ParseID("query.merchantId", in.MerchantID)
			if err != nil {
				return nil, err
			}
			qr, err := m.StaticVietQR(ctx, mid)
			if err != nil {
				return nil, err
			}
			out := &struct {
				Body struct {
					QR string `json:"qr"`
				}
			}{}
			out.Body.QR = qr
			return out, nil
		})
	api.Register(s, huma.Operation{OperationID: "query-payment-attempt", Method: http.MethodPost, Path: "/payment-attempts/{id}/query", Tags: tags,
		Summary:     "Ask the provider about an attempt (VNPAY querydr, VNPAY-QR checkTrans)",
		Description: "A payment the provider reports and BANA has not applied is applied like its notification.",
		Errors:      []int{404, 422, 503}},
		auth.Requirement{Permission: PermWrite}, func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*struct{ Body PaymentQueryResult }, error) {
			pid, err := api.PathID(in.ID)
			if err != nil {
				return nil, err
			}
			r, err := m.Query(ctx, pid)
			if err != nil {
				return nil, err
			}
			return &struct{ Body PaymentQueryResult }{Body: r}, nil
		})
	api.Register(s, huma.Operation{OperationID: "refund-late-payment", Method: http.MethodPost, Path: "/payment-refunds", Tags: tags,
		Summary:       "PaymentRefund at its provider the money of a payment that came after its attempt ended",
		Description:   "A succeeded payment is refunded through POST /sale-orders/{id}/refunds, which refunds at the provider too (409 here).",
		DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422}},
		auth.Requirement{Permission: PermRefund}, func(ctx context.Context, in *struct {
			idempotency.Key
			Body LateRefundRequest
		}) (*idempotency.Response[PaymentRefund], error) {
			return idempotency.Run(ctx, m.idem, "POST /payment-refunds", in.IdempotencyKey, in.Body, http.StatusCreated, func(ctx context.Context) (PaymentRefund, error) {
				r, err := m.RefundLate(ctx, in.Body)
				if err != nil {
					return PaymentRefund{}, err
				}
				return *r, nil
			})
		})
}

// ProviderStatuses says, for each provider, whether a merchant's tenders may use it.
func (m *Module) ProviderStatuses(ctx context.Context, mid id.ID) ([]PaymentProviderStatus, error) {
	org, err := m.merchants.Organizer(auth.System(ctx), mid)
	if err != nil {
		return nil, err
	}
	if err := auth.ActFor(ctx, org, mid); err != nil {
		return nil, errs.Wrap(errs.NotFound, "merchant "+mid.String()+" not found", ErrUnknownMerchant)
	}
	var out []PaymentProviderStatus
	for _, p := range m.Providers() {
		st := PaymentProviderStatus{Provider: p.Name(), Methods: p.Methods(), ConfigCode: ConfigCode(p.Name()), Enabled: true}
		var err error
		switch p.Name() {
		case ProviderVNPAY:
			_, err = settings[VNPAYSettings](ctx, m, org, mid, p.Name())
		case ProviderVNPAYQRMMS:
			_, err = settings[QRMMSSettings](ctx, m, org, mid, p.Name())
		case ProviderVietQR:
			_, err = settings[VietQRSettings](ctx, m, org, mid, p.Name())
		case ProviderVNPAYPhonePOS:
			_, err = settings[PhonePOSSettings](ctx, m, org, mid, p.Name())
		}
		if err != nil {
			if errs.KindOf(err) != errs.Rule {
				return nil, err
			}
			st.Enabled, st.Problem = false, err.Error()
		}
		out = append(out, st)
	}
	return out, nil
}
