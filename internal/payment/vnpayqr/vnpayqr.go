// Package vnpayqr speaks VNPAY-QR's merchant (MMS) API, the document's VNPAY_QR_MMS provider: a
// terminal asks VNPAY to create a QR code for an amount (createQr, MD5 checksum), VNPAY tells the
// merchant when a customer's banking app paid it (payment notification, MD5 checksum), and the
// merchant can ask for a transaction's state (checkTrans) or refund it.
//
// The checksums of createQr and of the payment notification are VIETNAM.md's (from VNPAY's
// published integration documents); checkTrans's follow the same documents. VNPAY publishes no
// refund layout openly: RefundChecksum follows the pattern of the others and its endpoint is
// configuration, to be confirmed with VNPAY when a merchant signs up (docs/payment.md).
// vnpayqrtest holds a local server implementing the same messages.
package vnpayqr

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Constants of the API.
const (
	ServiceCode   = "03"         // serviceCode of a merchant QR
	CountryCode   = "VN"         // countryCode
	MasterMerCode = "A000000775" // masterMerCode: VNPAY's GUID, also tag 26/00 of its QR codes
	PayType       = "03"         // payType: pay at a merchant
	CurrencyVND   = "704"        // ccy
	// ExpDateLayout is createQr's expDate (yyMMddHHmm, GMT+7).
	ExpDateLayout = "0601021504"
	// PayDateLayout is checkTrans's payDate (dd/MM/yyyy).
	PayDateLayout = "02/01/2006"
)

// ICT is VNPAY's time zone.
var ICT = time.FixedZone("GMT+7", 7*3600)

// Errors.
var (
	ErrChecksum  = errors.New("VNPAY-QR checksum does not match")
	ErrMalformed = errors.New("malformed VNPAY-QR message")
)

// MD5 is the upper-case hex MD5 of fields joined by |.
func MD5(fields ...string) string {
	sum := md5.Sum([]byte(strings.Join(fields, "|")))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Equal compares a received checksum (either case) with the expected one in constant time.
func Equal(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToUpper(got)), []byte(want)) == 1
}

// CreateRequest is createQr's body.
type CreateRequest struct {
	AppID         string `json:"appId"`
	MerchantName  string `json:"merchantName"`
	ServiceCode   string `json:"serviceCode"`
	CountryCode   string `json:"countryCode"`
	MasterMerCode string `json:"masterMerCode"`
	MerchantType  string `json:"merchantType"`
	MerchantCode  string `json:"merchantCode"`
	TerminalID    string `json:"terminalId"`
	PayType       string `json:"payType"`
	ProductID     string `json:"productId"`
	TxnID         string `json:"txnId"`
	Amount        string `json:"amount"`
	TipAndFee     string `json:"tipAndFee"`
	Ccy           string `json:"ccy"`
	ExpDate       string `json:"expDate"`
	Desc          string `json:"desc"`
	Checksum      string `json:"checksum"`
}

// CreateChecksum is createQr's checksum (VIETNAM.md).
func CreateChecksum(r CreateRequest, secret string) string {
	return MD5(r.AppID, r.MerchantName, r.ServiceCode, r.CountryCode, r.MasterMerCode, r.MerchantType, r.MerchantCode,
		r.TerminalID, r.PayType, r.ProductID, r.TxnID, r.Amount, r.TipAndFee, r.Ccy, r.ExpDate, secret)
}

// CreateResponse is createQr's answer: code 00 and the QR payload in Data.
type CreateResponse struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Data     string `json:"data"`
	URL      string `json:"url"`
	Checksum string `json:"checksum"`
	IsDelete bool   `json:"isDelete"`
	IDQrcode string `json:"idQrcode"`
}

// CreateResponseChecksum is the checksum of createQr's answer.
func CreateResponseChecksum(r CreateResponse, secret string) string {
	return MD5(r.Code, r.Message, r.Data, r.URL, secret)
}

// CreateText explains a createQr code.
func CreateText(code string) string {
	if s, ok := map[string]string{"00": "success", "01": "data not in format", "04": "inserting the QR failed", "05": "IP denied",
		"06": "wrong checksum", "07": "merchant does not exist", "09": "service code invalid", "10": "appId invalid",
		"11": "merchant not active", "12": "master merchant code empty", "15": "consumerID empty", "16": "purpose empty",
		"21": "terminal invalid", "24": "terminal inactive", "99": "internal error"}[code]; ok {
		return s
	}
	return "unknown code " + code
}

// Notification is VNPAY's payment notification: a customer paid a QR code.
type Notification struct {
	Code          string          `json:"code"`
	Message       string          `json:"message"`
	MsgType       string          `json:"msgType"`
	TxnID         string          `json:"txnId"`
	QRTrace       string          `json:"qrTrace"`
	BankCode      string          `json:"bankCode"`
	Mobile        string          `json:"mobile"`
	AccountNo     string          `json:"accountNo"`
	Amount        string          `json:"amount"`
	PayDate       string          `json:"payDate"`
	MasterMerCode string          `json:"masterMerCode"`
	MerchantCode  string          `json:"merchantCode"`
	TerminalID    string          `json:"terminalId"`
	AddData       json.RawMessage `json:"addData,omitempty"`
	Ccy           string          `json:"ccy"`
	Checksum      string          `json:"checksum"`
}

// NotificationChecksum is the notification's checksum (VIETNAM.md).
func NotificationChecksum(n Notification, secret string) string {
	return MD5(n.Code, n.MsgType, n.TxnID, n.QRTrace, n.BankCode, n.Mobile, n.AccountNo, n.Amount, n.PayDate, n.MerchantCode, secret)
}

// ParseNotification reads a notification body: one JSON object with a transaction id, a
// checksum and an amount of whole dong. It does not check the checksum (Verify does).
func ParseNotification(body []byte) (Notification, int64, error) {
	var n Notification
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&n); err != nil {
		return n, 0, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return n, 0, fmt.Errorf("%w: more than one JSON value", ErrMalformed)
	}
	if n.TxnID == "" || len(n.TxnID) > 100 || n.Checksum == "" {
		return n, 0, fmt.Errorf("%w: txnId and checksum are required", ErrMalformed)
	}
	if n.Amount == "" || len(n.Amount) > 15 || strings.Trim(n.Amount, "0123456789") != "" {
		return n, 0, fmt.Errorf("%w: amount %q is not whole dong", ErrMalformed, n.Amount)
	}
	amount, _ := strconv.ParseInt(n.Amount, 10, 64)
	return n, amount, nil
}

// Verify checks a notification's checksum.
func (n Notification) Verify(secret string) error {
	if !Equal(n.Checksum, NotificationChecksum(n, secret)) {
		return ErrChecksum
	}
	return nil
}

// Paid reports whether the notification reports a payment (code 00).
func (n Notification) Paid() bool { return n.Code == "00" }

// Notification reply codes (the merchant's answer to VNPAY).
const (
	ReplyOK            = "00" // order recorded
	ReplyAlreadyPaid   = "03" // order already paid
	ReplyOrderError    = "04" // order error: unknown transaction, or the merchant failed to record it
	ReplyWrongChecksum = "06" // wrong authentication data
	ReplyWrongAmount   = "07" // amount does not match
	ReplyExpired       = "09" // the QR code expired
)

// NotificationReply is the answer to a notification.
type NotificationReply struct {
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Data    NotificationReplyData `json:"data"`
}

// NotificationReplyData names the transaction answered.
type NotificationReplyData struct {
	TxnID string `json:"txnId"`
}

// ReplyFor builds the answer of a code for a transaction.
func ReplyFor(code, txnID, detail string) NotificationReply {
	msg := map[string]string{ReplyOK: "order recorded", ReplyAlreadyPaid: "order already paid", ReplyOrderError: "order error",
		ReplyWrongChecksum: "wrong checksum", ReplyWrongAmount: "wrong amount", ReplyExpired: "QR code expired"}[code]
	if detail != "" {
		msg += ": " + detail
	}
	return NotificationReply{Code: code, Message: msg, Data: NotificationReplyData{TxnID: txnID}}
}

// CheckRequest is checkTrans's body.
type CheckRequest struct {
	MerchantCode string `json:"merchantCode"`
	CheckSum     string `json:"checkSum"`
	TerminalID   string `json:"terminalID"`
	TxnID        string `json:"txnId"`
	PayDate      string `json:"payDate"`
}

// CheckChecksum is checkTrans's request checksum.
func CheckChecksum(r CheckRequest, secret string) string {
	return MD5(r.PayDate, r.TxnID, r.MerchantCode, r.TerminalID, secret)
}

// CheckResponse is checkTrans's answer: code 00 when the transaction was paid.
type CheckResponse struct {
	Code               string `json:"code"`
	Message            string `json:"message"`
	MasterMerchantCode string `json:"masterMerchantCode"`
	MerchantCode       string `json:"merchantCode"`
	TerminalID         string `json:"terminalID"`
	BillNumber         string `json:"billNumber"`
	TxnID              string `json:"txnId"`
	PayDate            string `json:"payDate"`
	QRTrace            string `json:"qrTrace"`
	BankCode           string `json:"bankCode"`
	DebitAmount        string `json:"debitAmount"`
	RealAmount         string `json:"realAmount"`
	CheckSum           string `json:"checkSum"`
}

// CheckResponseChecksum is the checksum of checkTrans's answer.
func CheckResponseChecksum(r CheckResponse, secret string) string {
	return MD5(r.MasterMerchantCode, r.MerchantCode, r.TerminalID, r.TxnID, r.PayDate, r.BankCode, r.QRTrace, r.DebitAmount, r.RealAmount, secret)
}

// Refund types.
const (
	RefundFull    = "1"
	RefundPartial = "2"
)

// RefundRequest gives money of a paid QR transaction back.
type RefundRequest struct {
	MerchantCode  string `json:"merchantCode"`
	TerminalID    string `json:"terminalId"`
	TxnID         string `json:"txnId"`
	QRTrace       string `json:"qrTrace"`
	PayDate       string `json:"payDate"`
	Amount        string `json:"amount"`
	TypeRefund    string `json:"typeRefund"`
	RefundID      string `json:"orderIdRefund"`
	RefundContent string `json:"refundContent"`
	CheckSum      string `json:"checkSum"`
}

// RefundChecksum is the refund request's checksum.
func RefundChecksum(r RefundRequest, secret string) string {
	return MD5(r.MerchantCode, r.TxnID, r.QRTrace, r.PayDate, r.Amount, r.TypeRefund, r.RefundID, secret)
}

// RefundResponse is the refund's answer.
type RefundResponse struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	RefundID string `json:"orderIdRefund"`
	CheckSum string `json:"checkSum"`
}

// RefundResponseChecksum is the checksum of the refund's answer.
func RefundResponseChecksum(r RefundResponse, secret string) string {
	return MD5(r.Code, r.Message, r.RefundID, secret)
}

// RefundText explains a refund code.
func RefundText(code string) string {
	if s, ok := map[string]string{"00": "refunded", "01": "wrong checksum", "02": "invalid partial amount", "03": "invalid full amount",
		"04": "full refund not allowed after a partial one", "11": "data not in format", "12": "transaction not found",
		"14": "IP denied", "96": "system under maintenance", "99": "internal error"}[code]; ok {
		return s
	}
	return "unknown code " + code
}

// Client calls the API. Each call has its own URL and secret: VNPAY issues them per function.
type Client struct {
	CreateURL    string
	CheckURL     string
	RefundURL    string
	CreateSecret string
	CheckSecret  string
	RefundSecret string
	HTTP         *http.Client // default: 15 s timeout
}

// Create asks for a QR code; the answer's checksum is verified when its code is 00.
func (c *Client) Create(ctx context.Context, r CreateRequest) (CreateResponse, error) {
	r.Checksum = CreateChecksum(r, c.CreateSecret)
	var out CreateResponse
	if err := c.post(ctx, c.CreateURL, r, &out); err != nil {
		return out, fmt.Errorf("VNPAY-QR createQr: %w", err)
	}
	if out.Code == "00" && !Equal(out.Checksum, CreateResponseChecksum(out, c.CreateSecret)) {
		return out, fmt.Errorf("VNPAY-QR createQr answer: %w", ErrChecksum)
	}
	return out, nil
}

// Check asks for a transaction's state; the answer's checksum is verified when its code is 00.
func (c *Client) Check(ctx context.Context, r CheckRequest) (CheckResponse, error) {
	r.CheckSum = CheckChecksum(r, c.CheckSecret)
	var out CheckResponse
	if err := c.post(ctx, c.CheckURL, r, &out); err != nil {
		return out, fmt.Errorf("VNPAY-QR checkTrans: %w", err)
	}
	if out.Code == "00" && !Equal(out.CheckSum, CheckResponseChecksum(out, c.CheckSecret)) {
		return out, fmt.Errorf("VNPAY-QR checkTrans answer: %w", ErrChecksum)
	}
	return out, nil
}

// Refund asks for a refund; the answer's checksum is verified when it carries one.
func (c *Client) Refund(ctx context.Context, r RefundRequest) (RefundResponse, error) {
	r.CheckSum = RefundChecksum(r, c.RefundSecret)
	var out RefundResponse
	if err := c.post(ctx, c.RefundURL, r, &out); err != nil {
		return out, fmt.Errorf("VNPAY-QR refund: %w", err)
	}
	if (out.Code == "00" || out.CheckSum != "") && !Equal(out.CheckSum, RefundResponseChecksum(out, c.RefundSecret)) {
		return out, fmt.Errorf("VNPAY-QR refund answer: %w", ErrChecksum)
	}
	return out, nil
}

func (c *Client) post(ctx context.Context, url string, in, out any) error {
	if url == "" {
		return errors.New("no endpoint configured")
	}
	raw, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}
