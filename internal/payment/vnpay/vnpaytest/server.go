// Package vnpaytest is a local VNPAY payment gateway for tests: it implements the published API
// 2.1.0 that BANA calls (the payment page's signed URL, the IPN it sends, querydr and refund on
// the merchant web API), checking every signature the way VNPAY does and signing what it sends.
// It keeps its transactions in memory: it stands in for a third party, not for BANA's database.
package vnpaytest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/banapos/bana/internal/payment/vnpay"
)

// Txn is a payment the gateway knows.
type Txn struct {
	TxnRef        string
	Amount        int64 // whole VND
	OrderInfo     string
	CreateDate    string
	ExpireDate    string
	ReturnURL     string
	Status        string // 01 pending, 00 paid, 02 failed
	TransactionNo string
	PayDate       string
	Refunded      int64
}

// Server is a running local gateway for one terminal.
type Server struct {
	*httptest.Server
	TmnCode string
	Secret  string
	// IPNURL is where the gateway sends the IPN of a finished payment (the merchant registers it
	// with VNPAY).
	IPNURL string
	// Now is the gateway's clock (default time.Now).
	Now func() time.Time

	mu     sync.Mutex
	txns   map[string]*Txn
	seq    int
	reqIDs map[string]bool
}

// Paths of the gateway.
const (
	PayPath = "/paymentv2/vpcpay.html"
	APIPath = "/merchant_webapi/api/transaction"
)

// New starts a gateway for one terminal.
func New(tmnCode, secret string) *Server {
	s := &Server{TmnCode: tmnCode, Secret: secret, Now: time.Now, txns: map[string]*Txn{}, reqIDs: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PayPath, s.payPage)
	mux.HandleFunc("POST "+APIPath, s.api)
	s.Server = httptest.NewServer(mux)
	return s
}

// PayURL is the payment page's URL, to configure as the merchant's.
func (s *Server) PayURL() string { return s.URL + PayPath }

// APIURL is the web API's URL.
func (s *Server) APIURL() string { return s.URL + APIPath }

// Txn returns a copy of a known transaction.
func (s *Server) Txn(ref string) (Txn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[ref]
	if !ok {
		return Txn{}, false
	}
	return *t, true
}

// payPage is the customer's landing on the payment page: the URL must be signed and complete.
func (s *Server) payPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	if err := vnpay.Verify(s.Secret, v); err != nil {
		http.Error(w, "97 invalid signature", http.StatusBadRequest)
		return
	}
	amount, err := strconv.ParseInt(v.Get("vnp_Amount"), 10, 64)
	switch {
	case v.Get("vnp_Version") != vnpay.Version || v.Get("vnp_Command") != vnpay.CommandPay:
		http.Error(w, "03 invalid version or command", http.StatusBadRequest)
		return
	case v.Get("vnp_TmnCode") != s.TmnCode:
		http.Error(w, "02 invalid terminal", http.StatusBadRequest)
		return
	case err != nil || amount <= 0 || amount%100 != 0 || v.Get("vnp_CurrCode") != "VND":
		http.Error(w, "03 invalid amount", http.StatusBadRequest)
		return
	}
	for _, k := range []string{"vnp_TxnRef", "vnp_OrderInfo", "vnp_ReturnUrl", "vnp_IpAddr", "vnp_CreateDate", "vnp_ExpireDate"} {
		if v.Get(k) == "" {
			http.Error(w, "03 missing "+k, http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	if _, dup := s.txns[v.Get("vnp_TxnRef")]; !dup {
		s.txns[v.Get("vnp_TxnRef")] = &Txn{TxnRef: v.Get("vnp_TxnRef"), Amount: amount / 100, OrderInfo: v.Get("vnp_OrderInfo"),
			CreateDate: v.Get("vnp_CreateDate"), ExpireDate: v.Get("vnp_ExpireDate"), ReturnURL: v.Get("vnp_ReturnUrl"), Status: "01"}
	}
	s.mu.Unlock()
	fmt.Fprintf(w, "<html><body>VNPAY test gateway: pay %d VND for %s</body></html>", amount/100, v.Get("vnp_TxnRef"))
}

// Finish ends a payment the customer opened (responseCode 00: approved) and returns the signed
// result parameters VNPAY sends to the IPN and the return URL.
func (s *Server) Finish(ref, responseCode string) (url.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[ref]
	if !ok {
		return nil, fmt.Errorf("no payment %s was opened", ref)
	}
	s.seq++
	status := "02"
	if responseCode == "00" {
		status = "00"
	}
	if t.Status == "01" {
		t.Status, t.TransactionNo, t.PayDate = status, strconv.Itoa(14000000+s.seq), vnpay.FormatDate(s.Now())
	}
	return s.result(t, responseCode), nil
}

// Result returns the signed result parameters of a transaction as it stands, with amount
// overridden when it is not 0 (for tests that tamper with an amount and sign it anyway).
func (s *Server) Result(ref, responseCode string, amount int64) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := *s.txns[ref]
	if amount != 0 {
		t.Amount = amount
	}
	return s.result(&t, responseCode)
}

func (s *Server) result(t *Txn, responseCode string) url.Values {
	v := url.Values{
		"vnp_TmnCode": {s.TmnCode}, "vnp_Amount": {strconv.FormatInt(t.Amount*100, 10)}, "vnp_BankCode": {"NCB"},
		"vnp_BankTranNo": {"VNP" + t.TransactionNo}, "vnp_CardType": {"ATM"}, "vnp_OrderInfo": {t.OrderInfo},
		"vnp_PayDate": {t.PayDate}, "vnp_ResponseCode": {responseCode}, "vnp_TransactionNo": {t.TransactionNo},
		"vnp_TransactionStatus": {t.Status}, "vnp_TxnRef": {t.TxnRef}, "vnp_SecureHashType": {"HmacSHA512"},
	}
	v.Set("vnp_SecureHash", vnpay.Sign(s.Secret, v))
	return v
}

// SendIPN calls the merchant's IPN URL with the parameters, as VNPAY does (GET), and returns
// its reply.
func (s *Server) SendIPN(ctx context.Context, v url.Values) (vnpay.IPNReply, error) {
	var rep vnpay.IPNReply
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.IPNURL+"?"+v.Encode(), nil)
	if err != nil {
		return rep, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("IPN answered HTTP %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &rep); err != nil {
		return rep, fmt.Errorf("IPN reply %s: %w", body, err)
	}
	return rep, nil
}

// api serves querydr and refund.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	b, err := vnpay.DecodeAnswer(raw)
	if err != nil {
		writeJSON(w, map[string]string{"vnp_ResponseCode": "03", "vnp_Message": "invalid data"})
		return
	}
	answer := func(code, msg string, t *Txn, typ string, data func(map[string]string) string) {
		a := map[string]string{"vnp_ResponseId": "R" + b["vnp_RequestId"], "vnp_Command": b["vnp_Command"], "vnp_ResponseCode": code,
			"vnp_Message": msg, "vnp_TmnCode": s.TmnCode, "vnp_TxnRef": b["vnp_TxnRef"], "vnp_TransactionType": typ}
		if t != nil {
			a["vnp_Amount"] = strconv.FormatInt(t.Amount*100, 10)
			a["vnp_BankCode"], a["vnp_PayDate"], a["vnp_TransactionNo"] = "NCB", t.PayDate, t.TransactionNo
			a["vnp_TransactionStatus"], a["vnp_OrderInfo"] = t.Status, t.OrderInfo
		}
		a["vnp_SecureHash"] = vnpay.HMAC(s.Secret, data(a))
		writeJSON(w, a)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch b["vnp_Command"] {
	case vnpay.CommandQueryDR:
		if b["vnp_SecureHash"] != vnpay.HMAC(s.Secret, vnpay.QueryRequestData(b)) {
			answer("97", "Invalid Checksum", nil, "", vnpay.QueryAnswerData)
			return
		}
		if b["vnp_TmnCode"] != s.TmnCode {
			answer("02", "Merchant is not valid", nil, "", vnpay.QueryAnswerData)
			return
		}
		if s.reqIDs[b["vnp_RequestId"]] {
			answer("94", "Duplicate request", nil, "", vnpay.QueryAnswerData)
			return
		}
		s.reqIDs[b["vnp_RequestId"]] = true
		t, ok := s.txns[b["vnp_TxnRef"]]
		if !ok || t.CreateDate != b["vnp_TransactionDate"] {
			answer("91", "Transaction not found", nil, "", vnpay.QueryAnswerData)
			return
		}
		answer("00", "QueryDR Success", t, "01", vnpay.QueryAnswerData)
	case vnpay.CommandRefund:
		if b["vnp_SecureHash"] != vnpay.HMAC(s.Secret, vnpay.RefundRequestData(b)) {
			writeJSON(w, map[string]string{"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"})
			return
		}
		if s.reqIDs[b["vnp_RequestId"]] {
			writeJSON(w, map[string]string{"vnp_ResponseCode": "94", "vnp_Message": "Duplicate request"})
			return
		}
		s.reqIDs[b["vnp_RequestId"]] = true
		t, ok := s.txns[b["vnp_TxnRef"]]
		if !ok || t.CreateDate != b["vnp_TransactionDate"] {
			answer("91", "Transaction not found", nil, b["vnp_TransactionType"], vnpay.RefundAnswerData)
			return
		}
		amount, err := strconv.ParseInt(b["vnp_Amount"], 10, 64)
		amount /= 100
		switch {
		case t.Status != "00" && t.Status != "05":
			answer("95", "Transaction is not paid", t, b["vnp_TransactionType"], vnpay.RefundAnswerData)
		case err != nil || amount <= 0 || amount > t.Amount-t.Refunded:
			answer("93", "Invalid refund amount", t, b["vnp_TransactionType"], vnpay.RefundAnswerData)
		case b["vnp_TransactionType"] == vnpay.RefundFull && (t.Refunded > 0 || amount != t.Amount):
			answer("04", "Full refund is not allowed", t, b["vnp_TransactionType"], vnpay.RefundAnswerData)
		default:
			t.Refunded += amount
			t.Status = "05"
			refunded := *t
			refunded.Amount = amount
			answer("00", "Refund success", &refunded, b["vnp_TransactionType"], vnpay.RefundAnswerData)
		}
	default:
		writeJSON(w, map[string]string{"vnp_ResponseCode": "03", "vnp_Message": "unknown command"})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
