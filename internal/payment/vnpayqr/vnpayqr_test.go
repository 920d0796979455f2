package vnpayqr_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/payment/vietqr"
	"github.com/banapos/bana/internal/payment/vnpayqr"
	"github.com/banapos/bana/internal/payment/vnpayqr/vnpayqrtest"
)

func TestChecksums(t *testing.T) {
	// The checksum is the upper-case MD5 of the fields in VIETNAM.md's order, joined by |.
	r := vnpayqr.CreateRequest{AppID: "MERCHANT", MerchantName: "QUAN BANA", ServiceCode: "03", CountryCode: "VN",
		MasterMerCode: "A000000775", MerchantType: "5812", MerchantCode: "0312345678", TerminalID: "TILL1", PayType: "03",
		ProductID: "", TxnID: "731", Amount: "45000", TipAndFee: "", Ccy: "704", ExpDate: "2601021530"}
	if got, want := vnpayqr.CreateChecksum(r, "k"), vnpayqr.MD5("MERCHANT", "QUAN BANA", "03", "VN", "A000000775", "5812",
		"0312345678", "TILL1", "03", "", "731", "45000", "", "704", "2601021530", "k"); got != want || got != strings.ToUpper(got) || len(got) != 32 {
		t.Fatalf("create checksum %s, want %s", got, want)
	}
	// md5("a|b"), computed elsewhere.
	if got := vnpayqr.MD5("a", "b"); got != "D0726241020676B14AA6298CE6A18B21" {
		t.Fatalf("MD5: %s", got)
	}
	n := vnpayqr.Notification{Code: "00", MsgType: "1", TxnID: "731", QRTrace: "100001", BankCode: "VCB", Mobile: "0912", AccountNo: "",
		Amount: "45000", PayDate: "20260102153000", MerchantCode: "0312345678"}
	n.Checksum = vnpayqr.NotificationChecksum(n, "k")
	if err := n.Verify("k"); err != nil {
		t.Fatal(err)
	}
	n.Checksum = strings.ToLower(n.Checksum)
	if err := n.Verify("k"); err != nil {
		t.Fatalf("a lower-case checksum: %v", err)
	}
	if err := n.Verify("other"); !errors.Is(err, vnpayqr.ErrChecksum) {
		t.Fatalf("another secret: %v", err)
	}
	// Every signed field changed breaks the checksum.
	for name, change := range map[string]func(*vnpayqr.Notification){
		"code": func(n *vnpayqr.Notification) { n.Code = "01" }, "msgType": func(n *vnpayqr.Notification) { n.MsgType = "2" },
		"txnId": func(n *vnpayqr.Notification) { n.TxnID = "732" }, "qrTrace": func(n *vnpayqr.Notification) { n.QRTrace = "1" },
		"bankCode": func(n *vnpayqr.Notification) { n.BankCode = "TCB" }, "mobile": func(n *vnpayqr.Notification) { n.Mobile = "0913" },
		"accountNo": func(n *vnpayqr.Notification) { n.AccountNo = "1" }, "amount": func(n *vnpayqr.Notification) { n.Amount = "45001" },
		"payDate": func(n *vnpayqr.Notification) { n.PayDate = "20260102153001" }, "merchantCode": func(n *vnpayqr.Notification) { n.MerchantCode = "x" },
	} {
		m := n
		change(&m)
		if err := m.Verify("k"); !errors.Is(err, vnpayqr.ErrChecksum) {
			t.Errorf("%s changed: %v", name, err)
		}
	}
}

func TestParseNotification(t *testing.T) {
	n, amount, err := vnpayqr.ParseNotification([]byte(`{"code":"00","msgType":"1","txnId":"731","qrTrace":"1","amount":"45000","checksum":"AB","addData":[{"productId":""}]}`))
	if err != nil || amount != 45000 || n.TxnID != "731" || !n.Paid() {
		t.Fatalf("%+v %d %v", n, amount, err)
	}
	for name, body := range map[string]string{
		"not JSON":         `code=00`,
		"two values":       `{"txnId":"1","checksum":"a","amount":"1"}{}`,
		"no txnId":         `{"checksum":"a","amount":"1"}`,
		"no checksum":      `{"txnId":"1","amount":"1"}`,
		"amount a number":  `{"txnId":"1","checksum":"a","amount":45000}`,
		"decimal amount":   `{"txnId":"1","checksum":"a","amount":"1.5"}`,
		"negative amount":  `{"txnId":"1","checksum":"a","amount":"-1"}`,
		"amount too large": `{"txnId":"1","checksum":"a","amount":"9999999999999999"}`,
	} {
		if _, _, err := vnpayqr.ParseNotification([]byte(body)); !errors.Is(err, vnpayqr.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func client(s *vnpayqrtest.Server, secret string) *vnpayqr.Client {
	return &vnpayqr.Client{CreateURL: s.URL + vnpayqrtest.CreatePath, CheckURL: s.URL + vnpayqrtest.CheckPath, RefundURL: s.URL + vnpayqrtest.RefundPath,
		CreateSecret: secret, CheckSecret: secret, RefundSecret: secret}
}

// Create, pay (the notification reaches the merchant), check and refund against the local API.
func TestAPIRoundTrip(t *testing.T) {
	api := vnpayqrtest.New("0312345678", "qr-secret")
	defer api.Close()
	var got []vnpayqr.Notification
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n vnpayqr.Notification
		_ = json.NewDecoder(r.Body).Decode(&n)
		got = append(got, n)
		code := vnpayqr.ReplyOK
		if n.Verify("qr-secret") != nil {
			code = vnpayqr.ReplyWrongChecksum
		}
		_ = json.NewEncoder(w).Encode(vnpayqr.ReplyFor(code, n.TxnID, ""))
	}))
	defer merchant.Close()
	api.NotifyURL = merchant.URL
	ctx := context.Background()
	c := client(api, "qr-secret")
	req := vnpayqr.CreateRequest{AppID: "MERCHANT", MerchantName: "QUAN BANA", ServiceCode: vnpayqr.ServiceCode, CountryCode: vnpayqr.CountryCode,
		MasterMerCode: vnpayqr.MasterMerCode, MerchantType: "5812", MerchantCode: "0312345678", TerminalID: "TILL1", PayType: vnpayqr.PayType,
		TxnID: "731", Amount: "45000", Ccy: vnpayqr.CurrencyVND, ExpDate: time.Now().Add(15 * time.Minute).In(vnpayqr.ICT).Format(vnpayqr.ExpDateLayout)}
	res, err := c.Create(ctx, req)
	if err != nil || res.Code != "00" {
		t.Fatalf("create: %+v %v", res, err)
	}
	// The QR is EMVCo with VNPAY's GUID in tag 26 and a CRC that checks.
	if err := vietqr.CheckCRC(res.Data); err != nil {
		t.Fatal(err)
	}
	fields, _ := vietqr.Decode(res.Data)
	found := false
	for _, f := range fields {
		found = found || (f.ID == "26" && strings.Contains(f.Value, vnpayqr.MasterMerCode))
	}
	if !found {
		t.Fatalf("no A000000775 in tag 26: %s", res.Data)
	}
	if res, err := client(api, "wrong").Create(ctx, req); err != nil || res.Code != "06" {
		t.Fatalf("create with another secret: %+v %v", res, err)
	}
	check := vnpayqr.CheckRequest{MerchantCode: "0312345678", TerminalID: "TILL1", TxnID: "731", PayDate: time.Now().Format(vnpayqr.PayDateLayout)}
	if res, err := c.Check(ctx, check); err != nil || res.Code != "04" {
		t.Fatalf("check before payment: %+v %v", res, err)
	}
	rep, err := api.Pay(ctx, "731", 0)
	if err != nil || rep.Code != vnpayqr.ReplyOK || len(got) != 1 || got[0].Amount != "45000" {
		t.Fatalf("pay: %+v %v %+v", rep, err, got)
	}
	cr, err := c.Check(ctx, check)
	if err != nil || cr.Code != "00" || cr.RealAmount != "45000" || cr.QRTrace == "" {
		t.Fatalf("check after payment: %+v %v", cr, err)
	}
	rr, err := c.Refund(ctx, vnpayqr.RefundRequest{MerchantCode: "0312345678", TerminalID: "TILL1", TxnID: "731", QRTrace: cr.QRTrace,
		PayDate: cr.PayDate, Amount: "5000", TypeRefund: vnpayqr.RefundPartial, RefundID: "R1", RefundContent: "tra lai"})
	if err != nil || rr.Code != "00" {
		t.Fatalf("refund: %+v %v", rr, err)
	}
	if rr, err := c.Refund(ctx, vnpayqr.RefundRequest{MerchantCode: "0312345678", TxnID: "731", QRTrace: cr.QRTrace, Amount: "45000",
		TypeRefund: vnpayqr.RefundFull, RefundID: "R2"}); err != nil || rr.Code != "04" {
		t.Fatalf("full refund after a partial one: %+v %v", rr, err)
	}
}

func FuzzParseNotification(f *testing.F) {
	f.Add([]byte(`{"code":"00","msgType":"1","txnId":"731","qrTrace":"1","amount":"45000","checksum":"AB"}`))
	f.Add([]byte(`{"txnId":"","amount":"-1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, amount, err := vnpayqr.ParseNotification(body)
		if err != nil {
			return
		}
		if n.TxnID == "" || n.Checksum == "" || amount < 0 {
			t.Fatalf("accepted %q as %+v", body, n)
		}
		if n.Verify("k") == nil && !strings.EqualFold(n.Checksum, vnpayqr.NotificationChecksum(n, "k")) {
			t.Fatalf("%q verifies", body)
		}
	})
}
