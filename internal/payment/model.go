package payment

import (
	"encoding/json"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/uptrace/bun"
)

// Providers, by the names sale's tenders use.
const (
	ProviderVNPAY         = "VNPAY"
	ProviderVNPAYQRMMS    = "VNPAY_QR_MMS"
	ProviderVNPAYPhonePOS = "VNPAY_PHONE_POS"
	ProviderVietQR        = "VIETQR"
)

// Tender methods the providers take (sale's QR, and CARD for a card terminal).
const (
	MethodQR   = "QR"
	MethodCard = "CARD"
)

// ConfigCode is the Configuration code of a provider's settings: one SECRET row per merchant (or
// organizer) holding a JSON object, sealed at rest.
func ConfigCode(provider string) string { return "PAYMENT." + provider }

// PaymentAttempt is payment's record of one of sale's payment attempts at a provider: what the provider
// needs to be asked about it later (its dates and transaction number) and what it said last.
type PaymentAttempt struct {
	bun.BaseModel `bun:"table:payment_attempts" json:"-"`

	ID                id.ID           `bun:"id,pk" json:"id" doc:"Sale's payment id"`
	OrganizerID       id.ID           `bun:"organizer_id" json:"organizerId"`
	MerchantID        id.ID           `bun:"merchant_id" json:"merchantId"`
	OrderID           id.ID           `bun:"order_id" json:"orderId"`
	Provider          string          `bun:"provider" json:"provider" enum:"VNPAY,VNPAY_QR_MMS,VNPAY_PHONE_POS,VIETQR"`
	Method            string          `bun:"method" json:"method"`
	Reference         string          `bun:"reference" json:"reference" doc:"The reference the provider knows the attempt by (vnp_TxnRef, txnId, the transfer's purpose)"`
	Amount            int64           `bun:"amount" json:"amount"`
	ProviderStatus    string          `bun:"provider_status" json:"providerStatus" enum:"WAITING,PAID,DECLINED" doc:"What the provider said last"`
	ProviderRef       db.OptText      `bun:"provider_ref" json:"providerRef,omitempty" doc:"VNPAY's transaction number, VNPAY-QR's trace, the bank's transaction id"`
	ProviderCreatedAt db.OptText      `bun:"provider_created_at" json:"providerCreatedAt,omitempty" doc:"The creation date the provider was sent (yyyyMMddHHmmss, GMT+7)"`
	ProviderPaidAt    db.OptText      `bun:"provider_paid_at" json:"providerPaidAt,omitempty" doc:"The payment date the provider reported, as it wrote it"`
	Instruction       json.RawMessage `bun:"instruction" json:"instruction,omitempty"`
	ExpiresAt         time.Time       `bun:"expires_at" json:"expiresAt"`
	CreatedAt         time.Time       `bun:"created_at" json:"createdAt"`
	UpdatedAt         time.Time       `bun:"updated_at" json:"updatedAt"`
}

// What a provider said last about an attempt.
const (
	ProviderWaiting  = "WAITING"
	ProviderPaid     = "PAID"
	ProviderDeclined = "DECLINED"
)

// PaymentNotification is one verified message of a provider about a payment (an IPN, a QR payment
// notification, a bank transfer, a bridge result, or the answer of a status query), with what
// BANA did with it and answered. Messages whose signature fails are not stored: anyone can send
// them.
type PaymentNotification struct {
	bun.BaseModel `bun:"table:payment_notifications" json:"-"`

	ID          id.ID           `bun:"id,pk" json:"id"`
	OrganizerID id.ID           `bun:"organizer_id" json:"organizerId"`
	MerchantID  id.ID           `bun:"merchant_id" json:"merchantId"`
	Provider    string          `bun:"provider" json:"provider"`
	Source      string          `bun:"source" json:"source" enum:"IPN,NOTIFICATION,TRANSFER,BRIDGE,QUERY"`
	Reference   string          `bun:"reference" json:"reference"`
	PaymentID   *id.ID          `bun:"payment_id" json:"paymentId,omitempty"`
	Amount      int64           `bun:"amount" json:"amount"`
	Succeeded   bool            `bun:"succeeded" json:"succeeded" doc:"The provider reports the money taken"`
	Outcome     string          `bun:"outcome" json:"outcome" enum:"APPLIED,FAILED_RECORDED,DUPLICATE,LATE_REFUSED,AMOUNT_MISMATCH,UNKNOWN_REFERENCE,QUEUED,IGNORED"`
	Reply       db.OptText      `bun:"reply" json:"reply,omitempty" doc:"The code BANA answered the provider with"`
	ProviderRef db.OptText      `bun:"provider_ref" json:"providerRef,omitempty" doc:"The provider's transaction number or trace"`
	PaidAt      db.OptText      `bun:"paid_at" json:"paidAt,omitempty" doc:"The payment date the provider reported, as it wrote it"`
	Detail      db.OptText      `bun:"detail" json:"detail,omitempty"`
	Payload     json.RawMessage `bun:"payload" json:"payload"`
	ReceivedAt  time.Time       `bun:"received_at" json:"receivedAt"`
	AppliedAt   *time.Time      `bun:"applied_at" json:"appliedAt,omitempty"`
}

// Sources of notifications.
const (
	SourceIPN          = "IPN"
	SourceNotification = "NOTIFICATION"
	SourceTransfer     = "TRANSFER"
	SourceBridge       = "BRIDGE"
	SourceQuery        = "QUERY"
)

// Outcomes of payment's own (besides sale's Outcome* of deps.go).
const (
	// OutcomeQueued: verified but not applied yet; the confirmation queue applies it.
	OutcomeQueued = "QUEUED"
	// OutcomeIgnored: verified and not about a payment (a debit on the account).
	OutcomeIgnored = "IGNORED"
)

// PaymentRefund is money given back through a provider: after one of sale's refunds of the provider's
// payment (SaleRefundID), or of a payment that arrived after its attempt had ended (refused and
// recorded by sale: no sale refund exists for it).
type PaymentRefund struct {
	bun.BaseModel `bun:"table:payment_refunds" json:"-"`

	ID              id.ID      `bun:"id,pk" json:"id"`
	OrganizerID     id.ID      `bun:"organizer_id" json:"organizerId"`
	MerchantID      id.ID      `bun:"merchant_id" json:"merchantId"`
	PaymentID       id.ID      `bun:"payment_id" json:"paymentId"`
	SaleRefundID    *id.ID     `bun:"sale_refund_id" json:"saleRefundId,omitempty"`
	Provider        string     `bun:"provider" json:"provider"`
	Reference       string     `bun:"reference" json:"reference"`
	Amount          int64      `bun:"amount" json:"amount"`
	Reason          db.OptText `bun:"reason" json:"reason,omitempty"`
	Status          string     `bun:"status" json:"status" enum:"PENDING,SUCCEEDED,FAILED,MANUAL"`
	RequestID       string     `bun:"request_id" json:"requestId" doc:"The id the provider was sent (the same on every retry)"`
	ProviderCode    db.OptText `bun:"provider_code" json:"providerCode,omitempty"`
	ProviderMessage db.OptText `bun:"provider_message" json:"providerMessage,omitempty"`
	Attempts        int        `bun:"attempts" json:"attempts"`
	RequestedBy     id.ID      `bun:"requested_by" json:"requestedBy"`
	CreatedAt       time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt       time.Time  `bun:"updated_at" json:"updatedAt"`
}

// PaymentRefund states. MANUAL: the provider has no refund API (a bank transfer, a card terminal); the
// merchant gives the money back by hand and the row says so.
const (
	RefundPending   = "PENDING"
	RefundSucceeded = "SUCCEEDED"
	RefundFailed    = "FAILED"
	RefundManual    = "MANUAL"
)

// PaymentDisplay is the instruction data a till shows while an attempt waits.
type PaymentDisplay struct {
	Type      string    `json:"type" doc:"QR (render qr), REDIRECT (open or render url), TERMINAL (follow the card terminal)"`
	Provider  string    `json:"provider"`
	QR        string    `json:"qr,omitempty" doc:"The payload to render as a QR code"`
	URL       string    `json:"url,omitempty"`
	Reference string    `json:"reference"`
	Amount    int64     `json:"amount"`
	ExpiresAt time.Time `json:"expiresAt"`
	BankBIN   string    `json:"bankBin,omitempty"`
	AccountNo string    `json:"accountNo,omitempty"`
	Purpose   string    `json:"purpose,omitempty" doc:"The transfer content that pays this attempt"`
	Terminal  string    `json:"terminalId,omitempty"`
}

// PaymentDisplay types.
const (
	DisplayQR       = "QR"
	DisplayRedirect = "REDIRECT"
	DisplayTerminal = "TERMINAL"
)

// Settings of each provider: the JSON object of the merchant's PAYMENT.<provider> SECRET.

// VNPAYSettings configure the VNPAY payment gateway.
type VNPAYSettings struct {
	Enabled    bool   `json:"enabled"`
	TmnCode    string `json:"tmnCode"`
	HashSecret string `json:"hashSecret"`
	PaymentURL string `json:"paymentUrl"` // https://sandbox.vnpayment.vn/paymentv2/vpcpay.html in the sandbox
	APIURL     string `json:"apiUrl"`     // https://sandbox.vnpayment.vn/merchant_webapi/api/transaction
	ReturnURL  string `json:"returnUrl"`
	IPAddr     string `json:"ipAddr"` // the address BANA reports as the customer's (a till has no other); default 127.0.0.1
	OrderType  string `json:"orderType"`
	Locale     string `json:"locale"`
	BankCode   string `json:"bankCode"` // optional, e.g. VNPAYQR to open on the QR method
}

func (s *VNPAYSettings) check() error {
	if s.IPAddr == "" {
		s.IPAddr = "127.0.0.1"
	}
	return missing(ProviderVNPAY, map[string]string{"tmnCode": s.TmnCode, "hashSecret": s.HashSecret, "paymentUrl": s.PaymentURL,
		"apiUrl": s.APIURL, "returnUrl": s.ReturnURL})
}

// QRMMSSettings configure VNPAY-QR merchant codes. VNPAY issues one secret per function; a
// secret left empty is createQr's.
type QRMMSSettings struct {
	Enabled         bool   `json:"enabled"`
	AppID           string `json:"appId"`
	MerchantName    string `json:"merchantName"`
	MerchantType    string `json:"merchantType"`
	MerchantCode    string `json:"merchantCode"`
	TerminalID      string `json:"terminalId"`
	ProductID       string `json:"productId"`
	CreateURL       string `json:"createUrl"`
	CheckURL        string `json:"checkUrl"`
	RefundURL       string `json:"refundUrl"`
	SecretKey       string `json:"secretKey"`
	NotifySecretKey string `json:"notifySecretKey"`
	CheckSecretKey  string `json:"checkSecretKey"`
	RefundSecretKey string `json:"refundSecretKey"`
}

func (s *QRMMSSettings) check() error {
	for _, k := range []*string{&s.NotifySecretKey, &s.CheckSecretKey, &s.RefundSecretKey} {
		if *k == "" {
			*k = s.SecretKey
		}
	}
	return missing(ProviderVNPAYQRMMS, map[string]string{"appId": s.AppID, "merchantName": s.MerchantName, "merchantType": s.MerchantType,
		"merchantCode": s.MerchantCode, "terminalId": s.TerminalID, "createUrl": s.CreateURL, "secretKey": s.SecretKey})
}

// VietQRSettings configure VietQR bank transfers: the account money is sent to, and the
// credentials VietQR.vn's transaction sync asks a token with (the partner side of its API).
type VietQRSettings struct {
	Enabled         bool   `json:"enabled"`
	BankBIN         string `json:"bankBin"`
	AccountNo       string `json:"accountNo"`
	Service         string `json:"service"` // QRIBFTTA (default) or QRIBFTTC
	MerchantName    string `json:"merchantName"`
	MerchantCity    string `json:"merchantCity"`
	MCC             string `json:"mcc"`
	PurposePrefix   string `json:"purposePrefix"` // default BANA
	SyncUsername    string `json:"syncUsername"`
	SyncPassword    string `json:"syncPassword"`
	TokenTTLSeconds int    `json:"tokenTtlSeconds"` // default 300
}

func (s *VietQRSettings) check() error {
	if s.PurposePrefix == "" {
		s.PurposePrefix = "BANA"
	}
	if s.TokenTTLSeconds <= 0 {
		s.TokenTTLSeconds = 300
	}
	if strings.Trim(strings.ToUpper(s.PurposePrefix), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || len(s.PurposePrefix) > 6 {
		return errs.Wrap(errs.Rule, "VIETQR settings: purposePrefix must be 1-6 letters", ErrSettings)
	}
	return missing(ProviderVietQR, map[string]string{"bankBin": s.BankBIN, "accountNo": s.AccountNo})
}

// PhonePOSSettings configure the bridge to a VNPAY phone POS.
type PhonePOSSettings struct {
	Enabled    bool   `json:"enabled"`
	Endpoint   string `json:"endpoint"`
	TerminalID string `json:"terminalId"`
	Secret     string `json:"secret"`
}

func (s *PhonePOSSettings) check() error {
	return missing(ProviderVNPAYPhonePOS, map[string]string{"endpoint": s.Endpoint, "terminalId": s.TerminalID, "secret": s.Secret})
}

func missing(provider string, fields map[string]string) error {
	var names []string
	for k, v := range fields {
		if strings.TrimSpace(v) == "" {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return errs.Wrap(errs.Rule, fmt.Sprintf("%s settings lack %s", provider, strings.Join(names, ", ")), ErrSettings)
}
