package vnpay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Client calls VNPAY's merchant web API (querydr and refund: one URL, JSON in and out, each
// message signed with HMAC-SHA512 over its fields joined by |).
type Client struct {
	APIURL  string // e.g. https://sandbox.vnpayment.vn/merchant_webapi/api/transaction
	TmnCode string
	Secret  string
	HTTP    *http.Client // default: a client with a 15 s timeout
}

// QueryRequest asks for the state of a payment.
type QueryRequest struct {
	RequestID       string // unique per day
	TxnRef          string
	OrderInfo       string
	TransactionDate time.Time // the payment's vnp_CreateDate
	CreateDate      time.Time // now
	IPAddr          string    // the server's
}

// Answer is a signed answer of the merchant web API (querydr and refund share its fields).
type Answer struct {
	ResponseID        string
	Command           string
	ResponseCode      string // of the request: 00 ok, 91 not found, 94 duplicate, 97 checksum, ...
	Message           string
	TmnCode           string
	TxnRef            string
	Amount            int64 // whole VND
	BankCode          string
	PayDate           string
	TransactionNo     string
	TransactionType   string
	TransactionStatus string // of the payment: 00 paid, 01 pending, 02 failed, 04 reversed, 05/06 refund under way, 09 refund refused
	OrderInfo         string
	PromotionCode     string
	PromotionAmount   string
	Raw               map[string]string
}

// Paid reports whether a querydr answer says the payment succeeded.
func (a Answer) Paid() bool { return a.ResponseCode == "00" && a.TransactionStatus == "00" }

// Pipe joins fields with |, as VNPAY's web API signs them.
func Pipe(fields ...string) string { return strings.Join(fields, "|") }

// QueryDR asks VNPAY for a payment's state and checks the answer's signature.
func (c *Client) QueryDR(ctx context.Context, q QueryRequest) (Answer, error) {
	body := map[string]string{
		"vnp_RequestId": q.RequestID, "vnp_Version": Version, "vnp_Command": CommandQueryDR, "vnp_TmnCode": c.TmnCode,
		"vnp_TxnRef": q.TxnRef, "vnp_OrderInfo": q.OrderInfo, "vnp_TransactionDate": FormatDate(q.TransactionDate),
		"vnp_CreateDate": FormatDate(q.CreateDate), "vnp_IpAddr": q.IPAddr,
	}
	body["vnp_SecureHash"] = HMAC(c.Secret, QueryRequestData(body))
	a, err := c.post(ctx, body)
	if err != nil {
		return a, err
	}
	if !equalHex(a.Raw["vnp_SecureHash"], HMAC(c.Secret, QueryAnswerData(a.Raw))) {
		return a, fmt.Errorf("querydr answer: %w", ErrSignature)
	}
	return a, nil
}

// QueryRequestData is the signed string of a querydr request.
func QueryRequestData(b map[string]string) string {
	return Pipe(b["vnp_RequestId"], b["vnp_Version"], b["vnp_Command"], b["vnp_TmnCode"], b["vnp_TxnRef"],
		b["vnp_TransactionDate"], b["vnp_CreateDate"], b["vnp_IpAddr"], b["vnp_OrderInfo"])
}

// QueryAnswerData is the signed string of a querydr answer.
func QueryAnswerData(a map[string]string) string {
	return Pipe(a["vnp_ResponseId"], a["vnp_Command"], a["vnp_ResponseCode"], a["vnp_Message"], a["vnp_TmnCode"], a["vnp_TxnRef"],
		a["vnp_Amount"], a["vnp_BankCode"], a["vnp_PayDate"], a["vnp_TransactionNo"], a["vnp_TransactionType"],
		a["vnp_TransactionStatus"], a["vnp_OrderInfo"], a["vnp_PromotionCode"], a["vnp_PromotionAmount"])
}

// Refund types.
const (
	RefundFull    = "02"
	RefundPartial = "03"
)

// RefundRequest gives money of a paid payment back.
type RefundRequest struct {
	RequestID       string
	TransactionType string // RefundFull or RefundPartial
	TxnRef          string
	Amount          int64  // whole VND
	TransactionNo   string // VNPAY's number of the payment ("0" when unknown)
	TransactionDate time.Time
	CreateBy        string
	CreateDate      time.Time
	IPAddr          string
	OrderInfo       string
}

// Refund asks VNPAY to refund and checks the answer's signature (VNPAY signs an answer unless it
// refused the request outright: a code of 90 to 99 may come unsigned).
func (c *Client) Refund(ctx context.Context, r RefundRequest) (Answer, error) {
	if r.TransactionNo == "" {
		r.TransactionNo = "0"
	}
	body := map[string]string{
		"vnp_RequestId": r.RequestID, "vnp_Version": Version, "vnp_Command": CommandRefund, "vnp_TmnCode": c.TmnCode,
		"vnp_TransactionType": r.TransactionType, "vnp_TxnRef": r.TxnRef, "vnp_Amount": strconv.FormatInt(r.Amount*100, 10),
		"vnp_TransactionNo": r.TransactionNo, "vnp_TransactionDate": FormatDate(r.TransactionDate), "vnp_CreateBy": r.CreateBy,
		"vnp_CreateDate": FormatDate(r.CreateDate), "vnp_IpAddr": r.IPAddr, "vnp_OrderInfo": r.OrderInfo,
	}
	body["vnp_SecureHash"] = HMAC(c.Secret, RefundRequestData(body))
	a, err := c.post(ctx, body)
	if err != nil {
		return a, err
	}
	signed := a.Raw["vnp_SecureHash"] != ""
	if (signed || !unsignedRefusal(a.ResponseCode)) && !equalHex(a.Raw["vnp_SecureHash"], HMAC(c.Secret, RefundAnswerData(a.Raw))) {
		return a, fmt.Errorf("refund answer: %w", ErrSignature)
	}
	return a, nil
}

func unsignedRefusal(code string) bool {
	n, err := strconv.Atoi(code)
	return err == nil && n >= 90 && n <= 99
}

// RefundRequestData is the signed string of a refund request.
func RefundRequestData(b map[string]string) string {
	return Pipe(b["vnp_RequestId"], b["vnp_Version"], b["vnp_Command"], b["vnp_TmnCode"], b["vnp_TransactionType"], b["vnp_TxnRef"],
		b["vnp_Amount"], b["vnp_TransactionNo"], b["vnp_TransactionDate"], b["vnp_CreateBy"], b["vnp_CreateDate"], b["vnp_IpAddr"], b["vnp_OrderInfo"])
}

// RefundAnswerData is the signed string of a refund answer.
func RefundAnswerData(a map[string]string) string {
	return Pipe(a["vnp_ResponseId"], a["vnp_Command"], a["vnp_ResponseCode"], a["vnp_Message"], a["vnp_TmnCode"], a["vnp_TxnRef"],
		a["vnp_Amount"], a["vnp_BankCode"], a["vnp_PayDate"], a["vnp_TransactionNo"], a["vnp_TransactionType"],
		a["vnp_TransactionStatus"], a["vnp_OrderInfo"])
}

func (c *Client) post(ctx context.Context, body map[string]string) (Answer, error) {
	var a Answer
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.APIURL, bytes.NewReader(raw))
	if err != nil {
		return a, err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return a, fmt.Errorf("VNPAY %s: %w", body["vnp_Command"], err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return a, fmt.Errorf("VNPAY %s: %w", body["vnp_Command"], err)
	}
	if resp.StatusCode != http.StatusOK {
		return a, fmt.Errorf("VNPAY %s: HTTP %d", body["vnp_Command"], resp.StatusCode)
	}
	m, err := DecodeAnswer(data)
	if err != nil {
		return a, err
	}
	return answerOf(m), nil
}

// DecodeAnswer reads a web API answer: one JSON object whose values are strings or numbers
// (VNPAY writes some numbers bare), all kept as their text.
func DecodeAnswer(data []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: answer is not a JSON object", ErrMalformed)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case nil:
			out[k] = ""
		default:
			return nil, fmt.Errorf("%w: %s is neither a string nor a number", ErrMalformed, k)
		}
	}
	return out, nil
}

func answerOf(m map[string]string) Answer {
	n, _ := strconv.ParseInt(m["vnp_Amount"], 10, 64)
	return Answer{ResponseID: m["vnp_ResponseId"], Command: m["vnp_Command"], ResponseCode: m["vnp_ResponseCode"], Message: m["vnp_Message"],
		TmnCode: m["vnp_TmnCode"], TxnRef: m["vnp_TxnRef"], Amount: n / 100, BankCode: m["vnp_BankCode"], PayDate: m["vnp_PayDate"],
		TransactionNo: m["vnp_TransactionNo"], TransactionType: m["vnp_TransactionType"], TransactionStatus: m["vnp_TransactionStatus"],
		OrderInfo: m["vnp_OrderInfo"], PromotionCode: m["vnp_PromotionCode"], PromotionAmount: m["vnp_PromotionAmount"], Raw: m}
}
