package vnpay_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/banapos/bana/internal/payment/vnpay"
	"github.com/banapos/bana/internal/payment/vnpay/vnpaytest"
)

// The vector of VIETNAM.md: the signed string and its HMAC-SHA512 under test_secret.
const (
	vectorData = "vnp_Amount=100000&vnp_Command=pay&vnp_CreateDate=20210101070000&vnp_CurrCode=VND&vnp_ExpireDate=20210101071500&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Test+order&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fexample.com%2Freturn&vnp_TmnCode=TEST_TMN_CODE&vnp_TxnRef=ref1234567&vnp_Version=2.1.0"
	vectorHash = "b979ee809daa070de4c2a61a0f43b517347f9d56cf5abb4ea194e1a5ffdd5fa13ec3aab2708f2fee1f62580e71c00a2fd6637088da4669752887615c01bafc02"
)

func vectorRequest() vnpay.PayRequest {
	created := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC) // 07:00 in GMT+7
	return vnpay.PayRequest{TmnCode: "TEST_TMN_CODE", TxnRef: "ref1234567", Amount: 1000, OrderInfo: "Test order",
		ReturnURL: "https://example.com/return", IPAddr: "127.0.0.1", CreateDate: created, ExpireDate: created.Add(15 * time.Minute)}
}

func TestSignatureVector(t *testing.T) {
	if got := vnpay.HMAC("test_secret", vectorData); got != vectorHash {
		t.Fatalf("HMAC of the vector = %s", got)
	}
	// PayRequest writes exactly the vector's parameters, and Verify accepts them signed.
	v, err := vectorRequest().Values("test_secret")
	if err != nil {
		t.Fatal(err)
	}
	if vnpay.SignData(v) != vectorData || v.Get("vnp_SecureHash") != vectorHash {
		t.Fatalf("signed data %s\nhash %s", vnpay.SignData(v), v.Get("vnp_SecureHash"))
	}
	if err := vnpay.Verify("test_secret", v); err != nil {
		t.Fatal(err)
	}
	// Upper-case hex (as some VNPAY answers carry it) verifies too; vnp_SecureHashType is not signed.
	v.Set("vnp_SecureHash", strings.ToUpper(vectorHash))
	v.Set("vnp_SecureHashType", "HmacSHA512")
	if err := vnpay.Verify("test_secret", v); err != nil {
		t.Fatal(err)
	}
}

// Every parameter changed, added or dropped, or another secret, breaks the signature.
func TestMutatedSignatureFails(t *testing.T) {
	good, _ := vectorRequest().Values("test_secret")
	if err := vnpay.Verify("test_secret2", good); !errors.Is(err, vnpay.ErrSignature) {
		t.Fatalf("another secret: %v", err)
	}
	for k := range good {
		if k == "vnp_SecureHash" {
			continue
		}
		v := url.Values{}
		for kk, vv := range good {
			v[kk] = append([]string{}, vv...)
		}
		v.Set(k, v.Get(k)+"1")
		if err := vnpay.Verify("test_secret", v); !errors.Is(err, vnpay.ErrSignature) {
			t.Errorf("%s changed: %v", k, err)
		}
		v.Set(k, good.Get(k))
		v.Del(k)
		if err := vnpay.Verify("test_secret", v); !errors.Is(err, vnpay.ErrSignature) {
			t.Errorf("%s dropped: %v", k, err)
		}
	}
	v, _ := vectorRequest().Values("test_secret")
	v.Set("vnp_BankCode", "NCB")
	if err := vnpay.Verify("test_secret", v); !errors.Is(err, vnpay.ErrSignature) {
		t.Errorf("a parameter added: %v", err)
	}
	for _, h := range []string{"", "zz", vectorHash[:64], vectorHash + "00"} {
		v, _ := vectorRequest().Values("test_secret")
		v.Set("vnp_SecureHash", h)
		if err := vnpay.Verify("test_secret", v); !errors.Is(err, vnpay.ErrSignature) {
			t.Errorf("hash %q: %v", h, err)
		}
	}
}

func TestParseResult(t *testing.T) {
	r, err := vnpay.ParseResult("vnp_Amount=1806000&vnp_TxnRef=5&vnp_ResponseCode=00&vnp_TransactionStatus=00&vnp_SecureHash=ab&vnp_OrderInfo=Thanh+toan")
	if err != nil {
		t.Fatal(err)
	}
	if r.Amount != 18060 || !r.AmountExact || !r.Paid() || r.TxnRef != "5" || r.OrderInfo != "Thanh toan" {
		t.Fatalf("parsed %+v", r)
	}
	if r, _ := vnpay.ParseResult("vnp_Amount=1806050&vnp_TxnRef=5&vnp_SecureHash=ab"); r.AmountExact {
		t.Fatal("an amount with odd xu is exact")
	}
	for name, q := range map[string]string{
		"bad escape":      "vnp_TxnRef=%zz",
		"no reference":    "vnp_Amount=100&vnp_SecureHash=ab",
		"no signature":    "vnp_Amount=100&vnp_TxnRef=1",
		"amount letters":  "vnp_Amount=1e5&vnp_TxnRef=1&vnp_SecureHash=ab",
		"negative amount": "vnp_Amount=-100&vnp_TxnRef=1&vnp_SecureHash=ab",
		"huge amount":     "vnp_Amount=999999999999999999999&vnp_TxnRef=1&vnp_SecureHash=ab",
		"reference twice": "vnp_Amount=100&vnp_TxnRef=1&vnp_TxnRef=2&vnp_SecureHash=ab",
		"long reference":  "vnp_Amount=100&vnp_SecureHash=ab&vnp_TxnRef=" + strings.Repeat("1", 101),
	} {
		if _, err := vnpay.ParseResult(q); !errors.Is(err, vnpay.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReplyCodes(t *testing.T) {
	for code, msg := range map[string]string{"00": "Confirm Success", "01": "Order not found", "02": "Order already confirmed",
		"04": "invalid amount", "97": "Invalid signature", "99": "Unknown error", "42": "Unknown error"} {
		r := vnpay.ReplyFor(code)
		if r.Message != msg || (code == "42" && r.RspCode != "99") {
			t.Errorf("ReplyFor(%s) = %+v", code, r)
		}
	}
}

// The payment URL is accepted by the local gateway; the gateway's signed result verifies;
// querydr and refund round-trip with signatures checked both ways.
func TestGatewayRoundTrip(t *testing.T) {
	gw := vnpaytest.New("BANATEST", "gw-secret")
	defer gw.Close()
	ctx := context.Background()
	now := time.Now()
	req := vnpay.PayRequest{TmnCode: gw.TmnCode, TxnRef: "731", Amount: 45000, OrderInfo: "Don hang 12", ReturnURL: "https://pos.example/return",
		IPAddr: "10.0.0.1", CreateDate: now, ExpireDate: now.Add(15 * time.Minute)}
	u, err := vnpay.PaymentURL(gw.PayURL(), gw.Secret, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(u); err != nil || resp.StatusCode != 200 {
		t.Fatalf("payment page: %v %v", resp, err)
	}
	bad, _ := vnpay.PaymentURL(gw.PayURL(), "another-secret", req)
	if resp, _ := http.Get(bad); resp.StatusCode != 400 {
		t.Fatalf("a URL signed with another secret: %d", resp.StatusCode)
	}
	res, err := gw.Finish("731", "00")
	if err != nil {
		t.Fatal(err)
	}
	if err := vnpay.Verify(gw.Secret, res); err != nil {
		t.Fatal(err)
	}
	c := &vnpay.Client{APIURL: gw.APIURL(), TmnCode: gw.TmnCode, Secret: gw.Secret}
	a, err := c.QueryDR(ctx, vnpay.QueryRequest{RequestID: "q1", TxnRef: "731", OrderInfo: "query", TransactionDate: now, CreateDate: now, IPAddr: "10.0.0.1"})
	if err != nil || !a.Paid() || a.Amount != 45000 || a.TransactionNo == "" {
		t.Fatalf("querydr: %+v %v", a, err)
	}
	if a, err := c.QueryDR(ctx, vnpay.QueryRequest{RequestID: "q2", TxnRef: "nope", TransactionDate: now, CreateDate: now, IPAddr: "x"}); err != nil || a.ResponseCode != "91" {
		t.Fatalf("querydr of an unknown payment: %+v %v", a, err)
	}
	wrong := &vnpay.Client{APIURL: gw.APIURL(), TmnCode: gw.TmnCode, Secret: "wrong"}
	if _, err := wrong.QueryDR(ctx, vnpay.QueryRequest{RequestID: "q3", TxnRef: "731", TransactionDate: now, CreateDate: now}); !errors.Is(err, vnpay.ErrSignature) {
		t.Fatalf("querydr signed with another secret: %v", err)
	}
	r, err := c.Refund(ctx, vnpay.RefundRequest{RequestID: "r1", TransactionType: vnpay.RefundPartial, TxnRef: "731", Amount: 5000,
		TransactionNo: a.TransactionNo, TransactionDate: now, CreateBy: "cashier", CreateDate: now, IPAddr: "10.0.0.1", OrderInfo: "refund"})
	if err != nil || r.ResponseCode != "00" || r.Amount != 5000 {
		t.Fatalf("refund: %+v %v", r, err)
	}
	if r, err := c.Refund(ctx, vnpay.RefundRequest{RequestID: "r1", TransactionType: vnpay.RefundPartial, TxnRef: "731", Amount: 5000,
		TransactionDate: now, CreateDate: now}); err != nil || r.ResponseCode != "94" {
		t.Fatalf("a repeated refund request: %+v %v", r, err)
	}
	if r, err := c.Refund(ctx, vnpay.RefundRequest{RequestID: "r2", TransactionType: vnpay.RefundPartial, TxnRef: "731", Amount: 45000,
		TransactionDate: now, CreateDate: now}); err != nil || r.ResponseCode != "93" {
		t.Fatalf("refund of more than is left: %+v %v", r, err)
	}
}

func FuzzParseResult(f *testing.F) {
	f.Add(vectorData + "&vnp_SecureHash=" + vectorHash)
	f.Add("vnp_Amount=1806000&vnp_TxnRef=5&vnp_ResponseCode=00&vnp_TransactionStatus=00&vnp_SecureHash=ab")
	f.Add("vnp_TxnRef=%zz&&&=")
	f.Fuzz(func(t *testing.T, q string) {
		r, err := vnpay.ParseResult(q)
		if err != nil {
			return
		}
		if r.TxnRef == "" || r.Amount < 0 || r.Values.Get("vnp_SecureHash") == "" {
			t.Fatalf("accepted %q as %+v", q, r)
		}
		// A fuzzed message never verifies under the vector's secret unless it is the vector.
		if vnpay.Verify("test_secret", r.Values) == nil && vnpay.SignData(r.Values) != vectorData {
			t.Fatalf("%q verifies", q)
		}
	})
}
