package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"strconv"

	"github.com/banapos/bana/internal/payment/phonepos"
	"github.com/banapos/bana/internal/payment/vietqr"
	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/riverqueue/river"
)

// Provider is one of payment's providers, as sale sees it (internal/app adapts it to
// sale.Provider): Start is called inside the transaction that creates the attempt, so its rows
// and jobs commit or roll back with it.
type Provider interface {
	Name() string
	Methods() []string
	Start(ctx context.Context, s Start) (Instruction, error)
}

// Providers lists the module's providers, for sale.
func (m *Module) Providers() []Provider {
	return []Provider{vnpayProvider{m}, qrMMSProvider{m}, vietQRProvider{m}, phonePOSProvider{m}}
}

// settings reads and checks a merchant's settings of a provider, which must be enabled.
func settings[T any, PT interface {
	*T
	check() error
}](ctx context.Context, m *Module, organizerID, merchantID id.ID, provider string) (PT, error) {
	return loadSettings[T, PT](ctx, m, organizerID, merchantID, provider, true)
}

// loadSettings reads and checks a merchant's settings of a provider; enabled says whether they
// must be enabled (to start an attempt) or may not be (to verify what the provider sends about
// attempts started earlier: the money has moved either way). Settings are read as the system:
// the attempt's organizer and merchant come from sale, which checked its caller, and a
// notification has no caller at all.
func loadSettings[T any, PT interface {
	*T
	check() error
}](ctx context.Context, m *Module, organizerID, merchantID id.ID, provider string, enabled bool) (PT, error) {
	raw, err := m.creds.Secret(auth.System(ctx), organizerID, merchantID, ConfigCode(provider))
	if errors.Is(err, ErrNotConfigured) {
		return nil, errs.Wrap(errs.Rule, fmt.Sprintf("%s is not configured for merchant %s: store its settings as the SECRET setting %s",
			provider, merchantID, ConfigCode(provider)), ErrNotConfigured)
	}
	if err != nil {
		return nil, err
	}
	var probe struct {
		Enabled bool `json:"enabled"`
	}
	s := PT(new(T))
	if json.Unmarshal([]byte(raw), &probe) != nil || json.Unmarshal([]byte(raw), s) != nil {
		return nil, errs.Wrap(errs.Rule, ConfigCode(provider)+" does not hold a JSON object of settings", ErrSettings)
	}
	if enabled && !probe.Enabled {
		return nil, errs.Wrap(errs.Rule, fmt.Sprintf("%s is disabled for merchant %s (%s has enabled: false)", provider, merchantID, ConfigCode(provider)),
			ErrProviderDisabled)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// begin records the attempt (in the creating transaction) and answers with its display.
func (m *Module) begin(ctx context.Context, s Start, provider string, d PaymentDisplay, createdAt string, check bool) (Instruction, error) {
	d.Provider, d.Reference, d.Amount, d.ExpiresAt = provider, s.Reference, s.Amount, s.ExpiresAt.UTC()
	data, _ := json.Marshal(d)
	now := m.now()
	a := &PaymentAttempt{ID: s.PaymentID, OrganizerID: s.OrganizerID, MerchantID: s.MerchantID, OrderID: s.OrderID, Provider: provider,
		Method: s.Method, Reference: s.Reference, Amount: s.Amount, ProviderStatus: ProviderWaiting, ProviderCreatedAt: db.OptText(createdAt),
		Instruction: data, ExpiresAt: s.ExpiresAt.UTC(), CreatedAt: now, UpdatedAt: now}
	if err := m.insertAttempt(ctx, a); err != nil {
		return Instruction{}, err
	}
	if check {
		// The scheduler asks the provider about the attempt shortly before it expires, so that a
		// payment whose notification was lost is applied, not expired.
		at := s.ExpiresAt.Add(-m.checkBefore)
		if at.Before(now) {
			at = s.ExpiresAt
		}
		if _, err := m.jobs.Insert(ctx, checkArgs{PaymentID: s.PaymentID}, &river.InsertOpts{Queue: QueueScheduler, ScheduledAt: at}); err != nil {
			return Instruction{}, err
		}
	}
	return Instruction{Data: data}, nil
}

// unavailable is a provider that could not be reached or answered what cannot be verified.
func unavailable(provider string, err error) error {
	return errs.Wrap(errs.Unavailable, provider+" could not be reached: "+err.Error(), ErrProviderUnavailable)
}

// refused is a provider's refusal of a request, naming its code.
func refused(provider, code, text string) error {
	return errs.Wrap(errs.Rule, fmt.Sprintf("%s refused: %s (code %s)", provider, text, code), ErrProviderRefused)
}

// VNPAY's payment gateway: the attempt's instruction is the signed payment URL (a till renders it
// as a QR code for the customer's phone, or a web checkout opens it).
type vnpayProvider struct{ m *Module }

func (vnpayProvider) Name() string      { return ProviderVNPAY }
func (vnpayProvider) Methods() []string { return []string{MethodQR, MethodCard} }

func (p vnpayProvider) Start(ctx context.Context, s Start) (Instruction, error) {
	set, err := settings[VNPAYSettings](ctx, p.m, s.OrganizerID, s.MerchantID, ProviderVNPAY)
	if err != nil {
		return Instruction{}, err
	}
	created := p.m.now()
	req := vnpay.PayRequest{TmnCode: set.TmnCode, TxnRef: s.Reference, Amount: s.Amount, OrderInfo: fmt.Sprintf("Thanh toan don hang %d", s.OrderNumber),
		OrderType: set.OrderType, Locale: set.Locale, ReturnURL: set.ReturnURL, IPAddr: set.IPAddr, BankCode: set.BankCode,
		CreateDate: created, ExpireDate: s.ExpiresAt}
	u, err := vnpay.PaymentURL(set.PaymentURL, set.HashSecret, req)
	if err != nil {
		return Instruction{}, errs.Wrap(errs.Rule, "VNPAY payment: "+err.Error(), ErrSettings)
	}
	return p.m.begin(ctx, s, ProviderVNPAY, PaymentDisplay{Type: DisplayRedirect, URL: u, QR: u}, vnpay.FormatDate(created), true)
}

// VNPAY-QR merchant codes: createQr, and the code's payload to show.
type qrMMSProvider struct{ m *Module }

func (qrMMSProvider) Name() string      { return ProviderVNPAYQRMMS }
func (qrMMSProvider) Methods() []string { return []string{MethodQR} }

func (p qrMMSProvider) Start(ctx context.Context, s Start) (Instruction, error) {
	set, err := settings[QRMMSSettings](ctx, p.m, s.OrganizerID, s.MerchantID, ProviderVNPAYQRMMS)
	if err != nil {
		return Instruction{}, err
	}
	c := qrClient(p.m, set)
	req := vnpayqr.CreateRequest{AppID: set.AppID, MerchantName: set.MerchantName, ServiceCode: vnpayqr.ServiceCode, CountryCode: vnpayqr.CountryCode,
		MasterMerCode: vnpayqr.MasterMerCode, MerchantType: set.MerchantType, MerchantCode: set.MerchantCode, TerminalID: set.TerminalID,
		PayType: vnpayqr.PayType, ProductID: set.ProductID, TxnID: s.Reference, Amount: strconv.FormatInt(s.Amount, 10), Ccy: vnpayqr.CurrencyVND,
		ExpDate: s.ExpiresAt.In(vnpayqr.ICT).Format(vnpayqr.ExpDateLayout), Desc: fmt.Sprintf("Don hang %d", s.OrderNumber)}
	res, err := c.Create(ctx, req)
	if err != nil {
		return Instruction{}, unavailable(ProviderVNPAYQRMMS, err)
	}
	if res.Code != "00" {
		return Instruction{}, refused(ProviderVNPAYQRMMS, res.Code, vnpayqr.CreateText(res.Code))
	}
	return p.m.begin(ctx, s, ProviderVNPAYQRMMS, PaymentDisplay{Type: DisplayQR, QR: res.Data, URL: res.URL}, vnpay.FormatDate(p.m.now()), set.CheckURL != "")
}

func qrClient(m *Module, s *QRMMSSettings) *vnpayqr.Client {
	return &vnpayqr.Client{CreateURL: s.CreateURL, CheckURL: s.CheckURL, RefundURL: s.RefundURL, CreateSecret: s.SecretKey,
		CheckSecret: s.CheckSecretKey, RefundSecret: s.RefundSecretKey, HTTP: m.http}
}

// VietQR bank transfers: a dynamic payload for the amount, with the attempt's reference as the
// transfer's purpose. No call out: the customer's bank app does the rest, and the bank's
// notification comes back through the transaction sync.
type vietQRProvider struct{ m *Module }

func (vietQRProvider) Name() string      { return ProviderVietQR }
func (vietQRProvider) Methods() []string { return []string{MethodQR} }

func (p vietQRProvider) Start(ctx context.Context, s Start) (Instruction, error) {
	set, err := settings[VietQRSettings](ctx, p.m, s.OrganizerID, s.MerchantID, ProviderVietQR)
	if err != nil {
		return Instruction{}, err
	}
	purpose := vietqr.Purpose(set.PurposePrefix, s.Reference)
	qr, err := vietqr.Payload{Dynamic: true, BankBIN: set.BankBIN, Account: set.AccountNo, Service: set.Service, MCC: set.MCC,
		Amount: s.Amount, MerchantName: set.MerchantName, MerchantCity: set.MerchantCity, Purpose: purpose}.Encode()
	if err != nil {
		return Instruction{}, errs.Wrap(errs.Rule, "VIETQR settings: "+err.Error(), ErrSettings)
	}
	return p.m.begin(ctx, s, ProviderVietQR, PaymentDisplay{Type: DisplayQR, QR: qr, BankBIN: set.BankBIN, AccountNo: set.AccountNo, Purpose: purpose}, "", false)
}

// StaticVietQR is a merchant's static VietQR payload (no amount, no order): a sticker on the
// counter. Money sent to it matches no attempt; it is recorded when it is notified.
func (m *Module) StaticVietQR(ctx context.Context, merchantID id.ID) (string, error) {
	org, err := m.merchants.Organizer(auth.System(ctx), merchantID)
	if err != nil {
		return "", err
	}
	if err := auth.ActFor(ctx, org, merchantID); err != nil {
		return "", errs.Wrap(errs.NotFound, "merchant "+merchantID.String()+" not found", ErrUnknownMerchant)
	}
	set, err := settings[VietQRSettings](ctx, m, org, merchantID, ProviderVietQR)
	if err != nil {
		return "", err
	}
	qr, err := vietqr.Payload{BankBIN: set.BankBIN, Account: set.AccountNo, Service: set.Service, MCC: set.MCC,
		MerchantName: set.MerchantName, MerchantCity: set.MerchantCity}.Encode()
	if err != nil {
		return "", errs.Wrap(errs.Rule, "VIETQR settings: "+err.Error(), ErrSettings)
	}
	return qr, nil
}

// The VNPAY phone POS, through the merchant's bridge: the bridge must accept the sale (signed);
// the result comes later, signed, to the bridge notification route.
type phonePOSProvider struct{ m *Module }

func (phonePOSProvider) Name() string      { return ProviderVNPAYPhonePOS }
func (phonePOSProvider) Methods() []string { return []string{MethodCard} }

func (p phonePOSProvider) Start(ctx context.Context, s Start) (Instruction, error) {
	set, err := settings[PhonePOSSettings](ctx, p.m, s.OrganizerID, s.MerchantID, ProviderVNPAYPhonePOS)
	if err != nil {
		return Instruction{}, err
	}
	now := p.m.now()
	if _, err := phonepos.Start(ctx, p.m.http, set.Endpoint, set.Secret, phonepos.SaleRequest{Reference: s.Reference, TerminalID: set.TerminalID,
		Amount: s.Amount, Currency: "VND", OrderNumber: s.OrderNumber, ExpiresAt: s.ExpiresAt.UTC()}, now); err != nil {
		return Instruction{}, unavailable(ProviderVNPAYPhonePOS, err)
	}
	return p.m.begin(ctx, s, ProviderVNPAYPhonePOS, PaymentDisplay{Type: DisplayTerminal, Terminal: set.TerminalID}, vnpay.FormatDate(now), false)
}
