// Package vnpay speaks VNPAY's payment gateway API 2.1.0: the signed payment URL a customer is
// sent to, the signed result VNPAY sends back (return URL and IPN), the IPN reply codes, and the
// merchant web API's transaction query (querydr) and refund, each signed with HMAC-SHA512 under
// the merchant's hash secret as VNPAY's published integration guide describes. vnpaytest holds a
// local server that implements the same API for tests (no sandbox is reachable from CI).
package vnpay

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Version is the API version BANA speaks.
const Version = "2.1.0"

// Commands.
const (
	CommandPay     = "pay"
	CommandQueryDR = "querydr"
	CommandRefund  = "refund"
)

// DateLayout is VNPAY's yyyyMMddHHmmss, always in GMT+7.
const DateLayout = "20060102150405"

// ICT is the time zone of every VNPAY date (GMT+7).
var ICT = time.FixedZone("GMT+7", 7*3600)

// FormatDate writes t as VNPAY does.
func FormatDate(t time.Time) string { return t.In(ICT).Format(DateLayout) }

// ParseDate reads a VNPAY date.
func ParseDate(s string) (time.Time, error) { return time.ParseInLocation(DateLayout, s, ICT) }

// Errors of this package.
var (
	ErrSignature = errors.New("VNPAY signature does not match")
	ErrMalformed = errors.New("malformed VNPAY message")
)

// SignData is the string VNPAY signs for a URL's parameters: every vnp_ parameter but
// vnp_SecureHash and vnp_SecureHashType, sorted by key, form-encoded (a space is +), joined
// k=v&k=v. url.Values.Encode builds exactly that.
func SignData(v url.Values) string {
	c := url.Values{}
	for k, vs := range v {
		if strings.HasPrefix(k, "vnp_") && k != "vnp_SecureHash" && k != "vnp_SecureHashType" {
			c[k] = vs
		}
	}
	return c.Encode()
}

// HMAC is HMAC-SHA512 of data under secret, in lower-case hex.
func HMAC(secret, data string) string {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write([]byte(data))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the vnp_SecureHash of a URL's parameters.
func Sign(secret string, v url.Values) string { return HMAC(secret, SignData(v)) }

// equalHex compares a received hex signature (either case) with the expected one in constant time.
func equalHex(got, want string) bool {
	g, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	w, _ := hex.DecodeString(want)
	return hmac.Equal(g, w)
}

// Verify checks the vnp_SecureHash of a URL's parameters.
func Verify(secret string, v url.Values) error {
	if !equalHex(v.Get("vnp_SecureHash"), Sign(secret, v)) {
		return ErrSignature
	}
	return nil
}

// PayRequest is one payment to send a customer to VNPAY for.
type PayRequest struct {
	TmnCode    string
	TxnRef     string // unique per merchant: BANA's payment reference
	Amount     int64  // whole VND (the URL carries it x 100)
	OrderInfo  string // no diacritics
	OrderType  string // default "other"
	Locale     string // vn (default) or en
	ReturnURL  string
	IPAddr     string
	BankCode   string // optional: skip VNPAY's method choice (e.g. VNPAYQR)
	CreateDate time.Time
	ExpireDate time.Time
}

// Values are the request's parameters, signed.
func (r PayRequest) Values(secret string) (url.Values, error) {
	switch {
	case r.TmnCode == "" || r.TxnRef == "" || r.ReturnURL == "" || r.IPAddr == "":
		return nil, fmt.Errorf("%w: a payment needs a terminal code, a reference, a return URL and an IP address", ErrMalformed)
	case r.Amount <= 0 || r.Amount > 1e13:
		return nil, fmt.Errorf("%w: amount %d", ErrMalformed, r.Amount)
	case !r.ExpireDate.After(r.CreateDate):
		return nil, fmt.Errorf("%w: the payment expires before it is created", ErrMalformed)
	}
	if r.OrderType == "" {
		r.OrderType = "other"
	}
	if r.Locale == "" {
		r.Locale = "vn"
	}
	v := url.Values{
		"vnp_Version": {Version}, "vnp_Command": {CommandPay}, "vnp_TmnCode": {r.TmnCode},
		"vnp_Amount": {strconv.FormatInt(r.Amount*100, 10)}, "vnp_CurrCode": {"VND"}, "vnp_TxnRef": {r.TxnRef},
		"vnp_OrderInfo": {r.OrderInfo}, "vnp_OrderType": {r.OrderType}, "vnp_Locale": {r.Locale},
		"vnp_ReturnUrl": {r.ReturnURL}, "vnp_IpAddr": {r.IPAddr},
		"vnp_CreateDate": {FormatDate(r.CreateDate)}, "vnp_ExpireDate": {FormatDate(r.ExpireDate)},
	}
	if r.BankCode != "" {
		v.Set("vnp_BankCode", r.BankCode)
	}
	v.Set("vnp_SecureHash", Sign(secret, v))
	return v, nil
}

// PaymentURL is the URL of VNPAY's payment page (base, e.g.
// https://sandbox.vnpayment.vn/paymentv2/vpcpay.html) for the request.
func PaymentURL(base, secret string, r PayRequest) (string, error) {
	v, err := r.Values(secret)
	if err != nil {
		return "", err
	}
	return base + "?" + SignData(v) + "&vnp_SecureHash=" + v.Get("vnp_SecureHash"), nil
}

// Result is what VNPAY reports of a payment, to the IPN URL (server to server) and, the same
// parameters, to the return URL (through the customer's browser).
type Result struct {
	TmnCode           string
	TxnRef            string
	Amount            int64 // whole VND: vnp_Amount / 100
	AmountExact       bool  // vnp_Amount was a whole number of dong (a multiple of 100)
	ResponseCode      string
	TransactionStatus string
	TransactionNo     string
	BankCode          string
	BankTranNo        string
	CardType          string
	PayDate           string
	OrderInfo         string
	Values            url.Values // every parameter as received
}

// Paid reports whether the result says the customer paid: response code and transaction status
// both 00.
func (r Result) Paid() bool { return r.ResponseCode == "00" && r.TransactionStatus == "00" }

// ParseResult reads the query string of an IPN or return URL. It does not verify the signature
// (Verify does, with the merchant's secret). A parameter given twice, a missing reference or
// signature, or an amount that is not digits is refused: a signed message is never ambiguous.
func ParseResult(rawQuery string) (Result, error) {
	var r Result
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return r, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for k, vs := range v {
		if len(vs) != 1 {
			return r, fmt.Errorf("%w: parameter %s appears %d times", ErrMalformed, k, len(vs))
		}
	}
	r.Values = v
	r.TmnCode, r.TxnRef = v.Get("vnp_TmnCode"), v.Get("vnp_TxnRef")
	r.ResponseCode, r.TransactionStatus = v.Get("vnp_ResponseCode"), v.Get("vnp_TransactionStatus")
	r.TransactionNo, r.BankCode, r.BankTranNo = v.Get("vnp_TransactionNo"), v.Get("vnp_BankCode"), v.Get("vnp_BankTranNo")
	r.CardType, r.PayDate, r.OrderInfo = v.Get("vnp_CardType"), v.Get("vnp_PayDate"), v.Get("vnp_OrderInfo")
	if r.TxnRef == "" || len(r.TxnRef) > 100 {
		return r, fmt.Errorf("%w: vnp_TxnRef must be 1-100 characters", ErrMalformed)
	}
	if v.Get("vnp_SecureHash") == "" {
		return r, fmt.Errorf("%w: no vnp_SecureHash", ErrMalformed)
	}
	a := v.Get("vnp_Amount")
	if a == "" || len(a) > 17 || strings.Trim(a, "0123456789") != "" {
		return r, fmt.Errorf("%w: vnp_Amount %q is not digits", ErrMalformed, a)
	}
	n, _ := strconv.ParseInt(a, 10, 64)
	r.Amount, r.AmountExact = n/100, n%100 == 0
	return r, nil
}

// IPN reply codes (RspCode), checked in this order: signature, order, amount, state.
const (
	RspConfirmed        = "00" // the result is recorded
	RspOrderNotFound    = "01" // no order with vnp_TxnRef
	RspAlreadyConfirmed = "02" // the order no longer waits for this result
	RspInvalidAmount    = "04" // vnp_Amount / 100 is not the order's amount
	RspInvalidSignature = "97" // vnp_SecureHash does not match
	RspUnknownError     = "99" // anything else: VNPAY retries
)

// IPNReply is the JSON body an IPN is answered with.
type IPNReply struct {
	RspCode string `json:"RspCode"`
	Message string `json:"Message"`
}

// ReplyFor is the reply of a code, with the message VNPAY's integration guide shows.
func ReplyFor(code string) IPNReply {
	msg := map[string]string{RspConfirmed: "Confirm Success", RspOrderNotFound: "Order not found",
		RspAlreadyConfirmed: "Order already confirmed", RspInvalidAmount: "invalid amount",
		RspInvalidSignature: "Invalid signature"}[code]
	if msg == "" {
		code, msg = RspUnknownError, "Unknown error"
	}
	return IPNReply{RspCode: code, Message: msg}
}

// ResponseText explains a vnp_ResponseCode of a payment.
func ResponseText(code string) string {
	if s, ok := responseTexts[code]; ok {
		return s
	}
	return "unknown response code " + code
}

var responseTexts = map[string]string{
	"00": "approved", "07": "money taken, transaction suspected of fraud", "09": "card or account not registered for internet banking",
	"10": "authentication failed three times", "11": "payment timed out", "12": "card or account locked", "13": "wrong OTP",
	"24": "cancelled by the customer", "51": "insufficient balance", "65": "daily limit exceeded", "75": "bank under maintenance",
	"79": "wrong payment password too many times", "99": "other error",
}
