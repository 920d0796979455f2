package payment

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/banapos/bana/internal/platform/db"
	"net/http"
	"strings"
	"time"

	"github.com/banapos/bana/internal/payment/phonepos"
	"github.com/banapos/bana/internal/payment/vietqr"
	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
)

// What each provider sends BANA, verified before anything else. Each provider's endpoint is per
// merchant (the merchant registers it with the provider): the merchant's settings hold the
// secret the message must be signed with.

// merchantOf reads a merchant id of a notification's path and its organizer.
// The handlers below run in a memo (platform/memo): the merchant read here is read once for the
// whole notification, sale's application of it included.
func (m *Module) merchantOf(ctx context.Context, merchant string) (org, mid id.ID, err error) {
	mid, err = id.Parse(merchant)
	if err != nil || mid <= 0 {
		return 0, 0, errs.Wrap(errs.NotFound, "no merchant "+merchant, ErrUnknownMerchant)
	}
	org, err = m.merchants.Organizer(auth.System(ctx), mid)
	return org, mid, err
}

// cannotVerify reports whether err means the message cannot be verified at all (no such
// merchant, no usable settings): a bad signature, as far as the sender is concerned.
func cannotVerify(err error) bool {
	return errors.Is(err, ErrUnknownMerchant) || errors.Is(err, ErrNotConfigured) || errors.Is(err, ErrSettings) ||
		errs.KindOf(err) == errs.NotFound
}

// VNPAYIPN handles VNPAY's IPN for a merchant and returns its reply, with VIETNAM.md's codes in
// their order: signature 97, order 01, amount 04, already confirmed 02, recorded 00, else 99.
func (m *Module) VNPAYIPN(ctx context.Context, merchant, rawQuery string) vnpay.IPNReply {
	ctx = memo.With(ctx)
	res, err := vnpay.ParseResult(rawQuery)
	if err != nil {
		return vnpay.ReplyFor(vnpay.RspInvalidSignature) // what cannot be parsed cannot be verified
	}
	org, mid, err := m.merchantOf(ctx, merchant)
	if err != nil {
		return m.unverified(ctx, err, vnpay.RspInvalidSignature, vnpay.RspUnknownError)
	}
	set, err := loadSettings[VNPAYSettings](ctx, m, org, mid, ProviderVNPAY, false)
	if err != nil {
		return m.unverified(ctx, err, vnpay.RspInvalidSignature, vnpay.RspUnknownError)
	}
	if vnpay.Verify(set.HashSecret, res.Values) != nil || res.TmnCode != set.TmnCode {
		m.log.WarnContext(ctx, "VNPAY IPN with a bad signature", "merchant", mid, "reference", res.TxnRef)
		return vnpay.ReplyFor(vnpay.RspInvalidSignature)
	}
	values := map[string]string{}
	for k := range res.Values {
		values[k] = res.Values.Get(k)
	}
	n := &PaymentNotification{OrganizerID: org, MerchantID: mid, Provider: ProviderVNPAY, Source: SourceIPN, Reference: res.TxnRef,
		Amount: res.Amount, Succeeded: res.Paid(), ProviderRef: db.OptText(res.TransactionNo), PaidAt: db.OptText(res.PayDate),
		Detail: db.OptText("VNPAY response " + res.ResponseCode + ": " + vnpay.ResponseText(res.ResponseCode)), Payload: mustJSON(values)}
	return vnpay.ReplyFor(vnpayCode(m.receive(ctx, n, res.AmountExact, vnpayCode)))
}

// vnpayCode is the IPN's reply code of a verdict.
func vnpayCode(v verdict) string {
	switch v {
	case verdictConfirmed:
		return vnpay.RspConfirmed
	case verdictUnknown:
		return vnpay.RspOrderNotFound
	case verdictAmount:
		return vnpay.RspInvalidAmount
	case verdictDone, verdictLate:
		return vnpay.RspAlreadyConfirmed
	}
	return vnpay.RspUnknownError
}

// qrCode is VNPAY-QR's reply code of a verdict.
func qrCode(v verdict) string {
	switch v {
	case verdictConfirmed:
		return vnpayqr.ReplyOK
	case verdictAmount:
		return vnpayqr.ReplyWrongAmount
	case verdictDone:
		return vnpayqr.ReplyAlreadyPaid
	case verdictLate:
		return vnpayqr.ReplyExpired
	}
	return vnpayqr.ReplyOrderError
}

// unverified answers a message that could not be verified: badSig when it cannot be (no such
// merchant or settings), else other (the database failed: the provider retries).
func (m *Module) unverified(ctx context.Context, err error, badSig, other string) vnpay.IPNReply {
	if cannotVerify(err) {
		return vnpay.ReplyFor(badSig)
	}
	m.log.ErrorContext(ctx, "payment notification not verified", "error", err)
	return vnpay.ReplyFor(other)
}

// VNPAYReturnResult is what a return URL says, once verified.
type VNPAYReturnResult struct {
	Verified     bool   `json:"verified" doc:"The signature is VNPAY's"`
	Paid         bool   `json:"paid" doc:"VNPAY says the customer paid (the IPN, not this page, records it)"`
	Reference    string `json:"reference"`
	Amount       int64  `json:"amount"`
	ResponseCode string `json:"responseCode"`
	Message      string `json:"message"`
}

// VNPAYReturn verifies the parameters VNPAY sends the customer back with. It changes nothing:
// VNPAY's guide has only the IPN record results.
func (m *Module) VNPAYReturn(ctx context.Context, merchant, rawQuery string) (VNPAYReturnResult, error) {
	res, err := vnpay.ParseResult(rawQuery)
	if err != nil {
		return VNPAYReturnResult{}, errs.Field("query", err.Error(), nil)
	}
	org, mid, err := m.merchantOf(ctx, merchant)
	if err != nil {
		return VNPAYReturnResult{}, err
	}
	set, err := loadSettings[VNPAYSettings](ctx, m, org, mid, ProviderVNPAY, false)
	if err != nil {
		return VNPAYReturnResult{}, err
	}
	out := VNPAYReturnResult{Reference: res.TxnRef, Amount: res.Amount, ResponseCode: res.ResponseCode}
	if vnpay.Verify(set.HashSecret, res.Values) != nil || res.TmnCode != set.TmnCode {
		out.Message = "the signature is not VNPAY's"
		return out, nil
	}
	out.Verified, out.Paid, out.Message = true, res.Paid(), vnpay.ResponseText(res.ResponseCode)
	return out, nil
}

// QRNotification handles VNPAY-QR's payment notification for a merchant (its reply codes:
// checksum 06, unknown order 04, amount 07, already paid 03, expired 09, recorded 00; 04 also
// when it cannot be recorded now, so that VNPAY sends it again).
func (m *Module) QRNotification(ctx context.Context, merchant string, body []byte) vnpayqr.NotificationReply {
	ctx = memo.With(ctx)
	note, amount, err := vnpayqr.ParseNotification(body)
	if err != nil {
		return vnpayqr.ReplyFor(vnpayqr.ReplyWrongChecksum, note.TxnID, "malformed")
	}
	org, mid, err := m.merchantOf(ctx, merchant)
	var set *QRMMSSettings
	if err == nil {
		set, err = loadSettings[QRMMSSettings](ctx, m, org, mid, ProviderVNPAYQRMMS, false)
	}
	if err != nil {
		if cannotVerify(err) {
			return vnpayqr.ReplyFor(vnpayqr.ReplyWrongChecksum, note.TxnID, "")
		}
		m.log.ErrorContext(ctx, "VNPAY-QR notification not verified", "error", err)
		return vnpayqr.ReplyFor(vnpayqr.ReplyOrderError, note.TxnID, "try again")
	}
	if note.Verify(set.NotifySecretKey) != nil || note.MerchantCode != set.MerchantCode {
		m.log.WarnContext(ctx, "VNPAY-QR notification with a bad checksum", "merchant", mid, "txn", note.TxnID)
		return vnpayqr.ReplyFor(vnpayqr.ReplyWrongChecksum, note.TxnID, "")
	}
	n := &PaymentNotification{OrganizerID: org, MerchantID: mid, Provider: ProviderVNPAYQRMMS, Source: SourceNotification, Reference: note.TxnID,
		Amount: amount, Succeeded: note.Paid(), ProviderRef: db.OptText(note.QRTrace), PaidAt: db.OptText(note.PayDate),
		Detail: db.OptText("VNPAY-QR code " + note.Code + " " + note.Message), Payload: json.RawMessage(body)}
	v := m.receive(ctx, n, true, qrCode)
	code, detail := qrCode(v), ""
	switch v {
	case verdictUnknown:
		detail = "order not found"
	case verdictQueued:
		detail = "try again"
	}
	return vnpayqr.ReplyFor(code, note.TxnID, detail)
}

// VietQR.vn's transaction sync: first a token (HTTP Basic with the merchant's sync credentials),
// then transfers with that token.

// VietQRTokenAnswer is the get-token API's answer.
type VietQRTokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// VietQRToken issues a transaction-sync token to whoever holds the merchant's sync credentials.
func (m *Module) VietQRToken(ctx context.Context, merchant, authorization string) (VietQRTokenAnswer, error) {
	denied := errs.New(errs.Unauthorized, "E74: wrong credentials")
	org, mid, err := m.merchantOf(ctx, merchant)
	if err != nil {
		if cannotVerify(err) {
			return VietQRTokenAnswer{}, denied
		}
		return VietQRTokenAnswer{}, err
	}
	set, err := loadSettings[VietQRSettings](ctx, m, org, mid, ProviderVietQR, false)
	if err != nil {
		if cannotVerify(err) {
			return VietQRTokenAnswer{}, denied
		}
		return VietQRTokenAnswer{}, err
	}
	user, pass, ok := basic(authorization)
	if set.SyncUsername == "" || set.SyncPassword == "" || !ok ||
		subtle.ConstantTimeCompare([]byte(user), []byte(set.SyncUsername))&subtle.ConstantTimeCompare([]byte(pass), []byte(set.SyncPassword)) != 1 {
		return VietQRTokenAnswer{}, denied
	}
	ttl := time.Duration(set.TokenTTLSeconds) * time.Second
	return VietQRTokenAnswer{AccessToken: vietqr.IssueToken(vietqr.TokenKey(set.SyncPassword), mid.String(), m.now().Add(ttl)), TokenType: "Bearer",
		ExpiresIn: set.TokenTTLSeconds}, nil
}

func basic(h string) (user, pass string, ok bool) {
	const prefix = "Basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// VietQRSyncAnswer is the transaction sync's answer.
type VietQRSyncAnswer struct {
	Error        bool              `json:"error"`
	ErrorReason  string            `json:"errorReason"`
	ToastMessage string            `json:"toastMessage"`
	Object       *VietQRSyncObject `json:"object"`
}

// VietQRSyncObject names what BANA recorded.
type VietQRSyncObject struct {
	RefTransactionID string `json:"reftransactionid"`
}

// VietQRTransfer handles a bank transfer the transaction sync reports, and returns the answer
// and its HTTP status. A transfer is matched to its attempt by the reference in its content and
// by its amount; every transfer with a valid token is recorded, matched or not (a debit, or money
// to a static code, is recorded IGNORED or UNKNOWN_REFERENCE for the books).
func (m *Module) VietQRTransfer(ctx context.Context, merchant, authorization string, body []byte) (VietQRSyncAnswer, int) {
	ctx = memo.With(ctx)
	fail := func(status int, reason, msg string) (VietQRSyncAnswer, int) {
		return VietQRSyncAnswer{Error: true, ErrorReason: reason, ToastMessage: msg}, status
	}
	org, mid, err := m.merchantOf(ctx, merchant)
	var set *VietQRSettings
	if err == nil {
		set, err = loadSettings[VietQRSettings](ctx, m, org, mid, ProviderVietQR, false)
	}
	if err != nil {
		if cannotVerify(err) {
			return fail(http.StatusUnauthorized, "E74", "invalid token")
		}
		m.log.ErrorContext(ctx, "VietQR transfer not verified", "error", err)
		return fail(http.StatusServiceUnavailable, "E05", "try again")
	}
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || set.SyncPassword == "" || vietqr.VerifyToken(vietqr.TokenKey(set.SyncPassword), strings.TrimSpace(token), mid.String(), m.now()) != nil {
		return fail(http.StatusUnauthorized, "E74", "invalid token")
	}
	t, err := vietqr.ParseTransfer(body)
	if err != nil {
		return fail(http.StatusBadRequest, "E46", err.Error())
	}
	ref := vietqr.ReferenceIn(t.Content, set.PurposePrefix)
	if ref == "" {
		ref = vietqr.ReferenceIn(t.OrderID, set.PurposePrefix)
	}
	n := &PaymentNotification{OrganizerID: org, MerchantID: mid, Provider: ProviderVietQR, Source: SourceTransfer, Reference: ref,
		Amount: t.Amount, Succeeded: t.TransType == vietqr.Credit, ProviderRef: db.OptText(clip(t.TransactionID, 100)),
		PaidAt: db.OptText(t.TransactionTime), Detail: db.OptText(clip("transfer: "+t.Content, 500)), Payload: json.RawMessage(body)}
	if t.TransactionID == "" {
		n.ProviderRef = db.OptText(clip(t.ReferenceNumber, 100))
	}
	var v verdict
	switch {
	case t.TransType != vietqr.Credit:
		n.Outcome, n.Detail = OutcomeIgnored, "a debit on the account, not a payment"
	case t.BankAccount != set.AccountNo:
		n.Outcome, n.Detail = OutcomeIgnored, db.OptText("credited to account "+clip(t.BankAccount, 30)+", not the merchant's VietQR account")
	case ref == "":
		n.Outcome, n.Detail = OutcomeUnknownReference, db.OptText("the transfer's content names no payment reference ("+set.PurposePrefix+"...)")
	}
	syncReply := func(v verdict) string {
		if v == verdictQueued {
			return "E05"
		}
		return "OK"
	}
	if n.Outcome != "" {
		n.ID, n.ReceivedAt, n.Reply = m.ids.Next(), m.now(), "OK"
		if err := m.insertNotification(auth.System(ctx), n); err != nil {
			m.log.ErrorContext(ctx, "VietQR transfer not recorded", "error", err)
			return fail(http.StatusServiceUnavailable, "E05", "try again")
		}
		v = verdictOf(n.Outcome)
	} else {
		v = m.receive(ctx, n, true, syncReply)
	}
	if v == verdictQueued {
		// Kept and queued: the money is safe here, but ask VietQR to send it again anyway.
		return fail(http.StatusServiceUnavailable, "E05", "try again")
	}
	return VietQRSyncAnswer{Object: &VietQRSyncObject{RefTransactionID: n.ID.String()}}, http.StatusOK
}

// PhonePOSBridgeAnswer is the answer to a phone POS bridge's result.
type PhonePOSBridgeAnswer struct {
	Received bool   `json:"received"`
	Outcome  string `json:"outcome,omitempty"`
	Message  string `json:"message,omitempty"`
}

// PhonePOSResult handles a result of the merchant's phone POS bridge.
func (m *Module) PhonePOSResult(ctx context.Context, merchant, signature string, body []byte) (PhonePOSBridgeAnswer, int) {
	ctx = memo.With(ctx)
	org, mid, err := m.merchantOf(ctx, merchant)
	var set *PhonePOSSettings
	if err == nil {
		set, err = loadSettings[PhonePOSSettings](ctx, m, org, mid, ProviderVNPAYPhonePOS, false)
	}
	if err != nil {
		if cannotVerify(err) {
			return PhonePOSBridgeAnswer{Message: "bad signature"}, http.StatusForbidden
		}
		return PhonePOSBridgeAnswer{Message: "try again"}, http.StatusServiceUnavailable
	}
	if phonepos.Verify(set.Secret, signature, body, m.now()) != nil {
		return PhonePOSBridgeAnswer{Message: "bad signature"}, http.StatusForbidden
	}
	r, err := phonepos.ParseResult(body)
	if err != nil {
		return PhonePOSBridgeAnswer{Message: err.Error()}, http.StatusBadRequest
	}
	n := &PaymentNotification{OrganizerID: org, MerchantID: mid, Provider: ProviderVNPAYPhonePOS, Source: SourceBridge, Reference: r.Reference,
		Amount: r.Amount, Succeeded: r.Status == phonepos.Approved, ProviderRef: db.OptText(clip(r.TransactionID, 100)),
		Detail: db.OptText(clip("phone POS "+r.Status+" "+r.ApprovalCode, 200)), Payload: json.RawMessage(body)}
	if v := m.receive(ctx, n, true, nil); v == verdictQueued {
		return PhonePOSBridgeAnswer{Received: true, Outcome: OutcomeQueued, Message: "kept; applied later"}, http.StatusAccepted
	}
	return PhonePOSBridgeAnswer{Received: true, Outcome: n.Outcome}, http.StatusOK
}
