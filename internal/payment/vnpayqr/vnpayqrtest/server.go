// Package vnpayqrtest is a local VNPAY-QR merchant API for tests: createQr, checkTrans and refund
// as vnpayqr sends them, each checksum checked, each answer signed, and the payment notification
// VNPAY sends when a customer pays. Its transactions live in memory: it stands in for a third
// party, not for BANA's database.
package vnpayqrtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/banapos/bana/internal/payment/vietqr"
	"github.com/banapos/bana/internal/payment/vnpayqr"
)

// Txn is a QR code the server created.
type Txn struct {
	Request  vnpayqr.CreateRequest
	Amount   int64
	Paid     bool
	QRTrace  string
	PayDate  time.Time
	Refunded int64
}

// Server is a running local VNPAY-QR API for one merchant.
type Server struct {
	*httptest.Server
	MerchantCode string
	Secret       string // one secret for every function, as a test merchant has
	// NotifyURL is where payment notifications go (the merchant registers it with VNPAY).
	NotifyURL string

	mu   sync.Mutex
	txns map[string]*Txn
	seq  int
}

// Paths of the API.
const (
	CreatePath = "/QRCreateAPIRestV2/rest/CreateQrcodeApi/createQrcode"
	CheckPath  = "/CheckTransaction/rest/api/CheckTrans"
	RefundPath = "/mms/refund"
)

// New starts the API for a merchant.
func New(merchantCode, secret string) *Server {
	s := &Server{MerchantCode: merchantCode, Secret: secret, txns: map[string]*Txn{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+CreatePath, s.create)
	mux.HandleFunc("POST "+CheckPath, s.check)
	mux.HandleFunc("POST "+RefundPath, s.refund)
	s.Server = httptest.NewServer(mux)
	return s
}

// Txn returns a copy of a transaction.
func (s *Server) Txn(txnID string) (Txn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[txnID]
	if !ok {
		return Txn{}, false
	}
	return *t, true
}

func decode(r *http.Request, v any) bool {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	return err == nil && json.Unmarshal(raw, v) == nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in vnpayqr.CreateRequest
	answer := func(out vnpayqr.CreateResponse) {
		out.Message = vnpayqr.CreateText(out.Code)
		out.Checksum = vnpayqr.CreateResponseChecksum(out, s.Secret)
		writeJSON(w, out)
	}
	if !decode(r, &in) {
		answer(vnpayqr.CreateResponse{Code: "01"})
		return
	}
	if !vnpayqr.Equal(in.Checksum, vnpayqr.CreateChecksum(in, s.Secret)) {
		answer(vnpayqr.CreateResponse{Code: "06"})
		return
	}
	amount, err := strconv.ParseInt(in.Amount, 10, 64)
	switch {
	case in.MerchantCode != s.MerchantCode:
		answer(vnpayqr.CreateResponse{Code: "07"})
		return
	case in.ServiceCode != vnpayqr.ServiceCode:
		answer(vnpayqr.CreateResponse{Code: "09"})
		return
	case in.MasterMerCode != vnpayqr.MasterMerCode:
		answer(vnpayqr.CreateResponse{Code: "12"})
		return
	case in.TerminalID == "":
		answer(vnpayqr.CreateResponse{Code: "21"})
		return
	case err != nil || amount <= 0 || in.TxnID == "" || in.Ccy != vnpayqr.CurrencyVND:
		answer(vnpayqr.CreateResponse{Code: "01"})
		return
	}
	if _, err := time.ParseInLocation(vnpayqr.ExpDateLayout, in.ExpDate, vnpayqr.ICT); err != nil {
		answer(vnpayqr.CreateResponse{Code: "01"})
		return
	}
	// A VNPAY-QR code: EMVCo with VNPAY's GUID in tag 26, the transaction in 62.
	acc, _ := vietqr.Encode([]vietqr.Field{{ID: "00", Value: vnpayqr.MasterMerCode}, {ID: "01", Value: in.MerchantCode}})
	add, _ := vietqr.Encode([]vietqr.Field{{ID: "05", Value: in.TxnID}, {ID: "07", Value: in.TerminalID}})
	body, _ := vietqr.Encode([]vietqr.Field{{ID: "00", Value: "01"}, {ID: "01", Value: "12"}, {ID: "26", Value: acc},
		{ID: "52", Value: in.MerchantType}, {ID: "53", Value: "704"}, {ID: "54", Value: in.Amount}, {ID: "58", Value: "VN"},
		{ID: "59", Value: in.MerchantName}, {ID: "62", Value: add}})
	s.mu.Lock()
	if _, dup := s.txns[in.TxnID]; !dup {
		s.txns[in.TxnID] = &Txn{Request: in, Amount: amount}
	}
	s.mu.Unlock()
	answer(vnpayqr.CreateResponse{Code: "00", Data: vietqr.Seal(body), URL: "", IDQrcode: "QR" + in.TxnID})
}

// Pay has a customer pay a created QR code (amount 0: its own amount) and sends VNPAY's
// notification to NotifyURL; it returns the merchant's reply.
func (s *Server) Pay(ctx context.Context, txnID string, amount int64) (vnpayqr.NotificationReply, error) {
	n, err := s.Notification(txnID, amount)
	if err != nil {
		return vnpayqr.NotificationReply{}, err
	}
	return s.Send(ctx, n)
}

// Notification marks a created code paid and returns the signed notification of it.
func (s *Server) Notification(txnID string, amount int64) (vnpayqr.Notification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[txnID]
	if !ok {
		return vnpayqr.Notification{}, fmt.Errorf("no QR code %s", txnID)
	}
	if !t.Paid {
		s.seq++
		t.Paid, t.QRTrace, t.PayDate = true, strconv.Itoa(100000+s.seq), time.Now()
	}
	if amount == 0 {
		amount = t.Amount
	}
	n := vnpayqr.Notification{Code: "00", Message: "Tru tien thanh cong", MsgType: "1", TxnID: txnID, QRTrace: t.QRTrace, BankCode: "VIETCOMBANK",
		Mobile: "0912345678", AccountNo: "", Amount: strconv.FormatInt(amount, 10), PayDate: t.PayDate.In(vnpayqr.ICT).Format("20060102150405"),
		MasterMerCode: vnpayqr.MasterMerCode, MerchantCode: s.MerchantCode, TerminalID: t.Request.TerminalID, Ccy: "704"}
	n.Checksum = vnpayqr.NotificationChecksum(n, s.Secret)
	return n, nil
}

// Send posts a notification to NotifyURL and returns the reply.
func (s *Server) Send(ctx context.Context, n vnpayqr.Notification) (vnpayqr.NotificationReply, error) {
	raw, _ := json.Marshal(n)
	return s.SendRaw(ctx, raw)
}

// SendRaw posts a notification body as it is.
func (s *Server) SendRaw(ctx context.Context, body []byte) (vnpayqr.NotificationReply, error) {
	var rep vnpayqr.NotificationReply
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.NotifyURL, bytes.NewReader(body))
	if err != nil {
		return rep, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("notification answered HTTP %d: %s", resp.StatusCode, raw)
	}
	return rep, json.Unmarshal(raw, &rep)
}

func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	var in vnpayqr.CheckRequest
	if !decode(r, &in) {
		writeJSON(w, vnpayqr.CheckResponse{Code: "11", Message: "data not in format"})
		return
	}
	if !vnpayqr.Equal(in.CheckSum, vnpayqr.CheckChecksum(in, s.Secret)) {
		writeJSON(w, vnpayqr.CheckResponse{Code: "11", Message: "wrong checksum"})
		return
	}
	if in.TxnID == "" {
		writeJSON(w, vnpayqr.CheckResponse{Code: "03", Message: "txnId is empty"})
		return
	}
	if _, err := time.Parse(vnpayqr.PayDateLayout, in.PayDate); err != nil {
		writeJSON(w, vnpayqr.CheckResponse{Code: "02", Message: "payDate is not dd/MM/yyyy"})
		return
	}
	s.mu.Lock()
	t, ok := s.txns[in.TxnID]
	var out vnpayqr.CheckResponse
	switch {
	case !ok || in.MerchantCode != s.MerchantCode:
		out = vnpayqr.CheckResponse{Code: "01", Message: "transaction not found"}
	case !t.Paid:
		out = vnpayqr.CheckResponse{Code: "04", Message: "transaction not paid"}
	default:
		out = vnpayqr.CheckResponse{Code: "00", Message: "success", MasterMerchantCode: vnpayqr.MasterMerCode, MerchantCode: s.MerchantCode,
			TerminalID: t.Request.TerminalID, TxnID: in.TxnID, PayDate: t.PayDate.In(vnpayqr.ICT).Format("20060102150405"),
			QRTrace: t.QRTrace, BankCode: "VIETCOMBANK", DebitAmount: strconv.FormatInt(t.Amount, 10), RealAmount: strconv.FormatInt(t.Amount, 10)}
		out.CheckSum = vnpayqr.CheckResponseChecksum(out, s.Secret)
	}
	s.mu.Unlock()
	writeJSON(w, out)
}

func (s *Server) refund(w http.ResponseWriter, r *http.Request) {
	var in vnpayqr.RefundRequest
	answer := func(code string) {
		out := vnpayqr.RefundResponse{Code: code, Message: vnpayqr.RefundText(code), RefundID: in.RefundID}
		out.CheckSum = vnpayqr.RefundResponseChecksum(out, s.Secret)
		writeJSON(w, out)
	}
	if !decode(r, &in) {
		answer("11")
		return
	}
	if !vnpayqr.Equal(in.CheckSum, vnpayqr.RefundChecksum(in, s.Secret)) {
		answer("01")
		return
	}
	amount, err := strconv.ParseInt(in.Amount, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[in.TxnID]
	switch {
	case !ok || !t.Paid || in.QRTrace != t.QRTrace:
		answer("12")
	case err != nil || amount <= 0:
		answer("11")
	case in.TypeRefund == vnpayqr.RefundFull && (t.Refunded > 0 || amount != t.Amount):
		if t.Refunded > 0 {
			answer("04")
		} else {
			answer("03")
		}
	case amount > t.Amount-t.Refunded:
		answer("02")
	default:
		t.Refunded += amount
		answer("00")
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
