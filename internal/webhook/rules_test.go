package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// verify is the Standard Webhooks check written from the specification, apart from Sign: the
// key is the base64 after whsec_, the content "<id>.<timestamp>.<body>", and any of the
// space-separated v1 signatures may match.
func verify(secret, msgID, ts, header string, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(header) {
		v, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func TestSignatureVectors(t *testing.T) {
	// The vector of the Standard Webhooks reference libraries' tests.
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		msgID  = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		body   = `{"test": 2432232314}`
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	at := time.Unix(1614265330, 0)
	key, err := SecretKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := Sign(key, msgID, at, []byte(body)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	cases := []struct {
		name            string
		msgID, ts, body string
		header, secret  string
		ok              bool
	}{
		{"the vector", msgID, ts, body, want, secret, true},
		{"one of several signatures", msgID, ts, body, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + want, secret, true},
		{"a mutated body", msgID, ts, `{"test": 2432232315}`, want, secret, false},
		{"another id", msgID + "x", ts, body, want, secret, false},
		{"another timestamp", msgID, strconv.FormatInt(at.Unix()+1, 10), body, want, secret, false},
		{"a mutated signature", msgID, ts, body, "v1,g0hN9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", secret, false},
		{"another version", msgID, ts, body, "v1a," + strings.TrimPrefix(want, "v1,"), secret, false},
		{"another secret", msgID, ts, body, want, "whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret of 24 bytes!")), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := verify(c.secret, c.msgID, c.ts, c.header, []byte(c.body)); got != c.ok {
				t.Fatalf("verify = %v, want %v", got, c.ok)
			}
		})
	}
	// A rotation signs with both keys: either secret verifies.
	other := NewSecret()
	okey, _ := SecretKey(other)
	h := SignatureHeader([][]byte{okey, key}, msgID, at, []byte(body))
	if !verify(secret, msgID, ts, h, []byte(body)) || !verify(other, msgID, ts, h, []byte(body)) || len(strings.Fields(h)) != 2 {
		t.Fatalf("rotation header %q does not verify with both secrets", h)
	}
}

func TestSecretKey(t *testing.T) {
	for _, c := range []struct {
		secret string
		ok     bool
	}{
		{NewSecret(), true},
		{"whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 24)), true},
		{"whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 23)), false},
		{"whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65)), false},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false},
		{"whsec_not base64!", false},
	} {
		if _, err := SecretKey(c.secret); (err == nil) != c.ok {
			t.Errorf("SecretKey(%q): %v, want ok=%v", c.secret, err, c.ok)
		}
	}
}

func TestBlocked(t *testing.T) {
	for _, c := range []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true},
		{"192.168.1.1", true}, {"169.254.169.254", true}, {"fe80::1", true}, {"fc00::1", true}, {"fd12:3456::1", true},
		{"0.0.0.0", true}, {"::", true}, {"100.64.0.1", true}, {"224.0.0.1", true}, {"255.255.255.255", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"64:ff9b::a00:1", true}, {"198.18.0.1", true},
		{"8.8.8.8", false}, {"1.1.1.1", false}, {"172.32.0.1", false}, {"2001:4860:4860::8888", false}, {"203.113.1.1", false},
	} {
		if got := Blocked(netip.MustParseAddr(c.addr)); got != c.blocked {
			t.Errorf("Blocked(%s) = %v, want %v", c.addr, got, c.blocked)
		}
	}
}

func TestCheckURL(t *testing.T) {
	prod := Policy{RequireHTTPS: true}
	dev := Policy{}
	local := Policy{AllowPrivate: true}
	for _, c := range []struct {
		p   Policy
		url string
		ok  bool
	}{
		{prod, "https://hooks.example.vn/bana", true},
		{prod, "http://hooks.example.vn/bana", false},
		{dev, "http://hooks.example.vn/bana", true},
		{prod, "https://203.113.1.1/x", true},
		{prod, "https://127.0.0.1/x", false},
		{prod, "https://[::1]/x", false},
		{prod, "https://10.0.0.5/x", false},
		{prod, "https://169.254.169.254/latest/meta-data", false},
		{prod, "https://localhost/x", false},
		{prod, "https://db.internal/x", false},
		{prod, "https://intranet/x", false},
		{prod, "https://user:pw@hooks.example.vn/x", false},
		{prod, "ftp://hooks.example.vn/x", false},
		{prod, "hooks.example.vn/x", false},
		{prod, "https:///x", false},
		{prod, "https://hooks.example.vn/" + strings.Repeat("a", 2000), false},
		{local, "http://127.0.0.1:8080/x", true},
		{local, "http://localhost:8080/x", true},
	} {
		if err := c.p.CheckURL(c.url); (err == nil) != c.ok {
			t.Errorf("%+v CheckURL(%q): %v, want ok=%v", c.p, c.url, err, c.ok)
		}
	}
}

// The client checks the address it dials, after resolution: a loopback or private address is
// refused before any byte is sent, whether the URL names it or a host name resolves to it.
func TestClientRefusesPrivateAddressesAtDial(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	urls := []string{srv.URL, "http://[::1]:" + port}
	if h, err := os.Hostname(); err == nil {
		if addrs, err := net.LookupHost(h); err == nil && len(addrs) > 0 && Blocked(netip.MustParseAddr(addrs[0])) {
			urls = append(urls, "http://"+h+":"+port) // a name that resolves to a private address
		}
	}
	urls = append(urls, "http://localhost:"+port)
	client := Policy{}.Client(2 * time.Second)
	for _, u := range urls {
		_, err := client.Post(u, "application/json", strings.NewReader("{}"))
		if !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("POST %s: %v, want ErrBlockedAddress", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the server got %d requests", hits.Load())
	}
	// Allowed by configuration (tests, local development).
	resp, err := Policy{AllowPrivate: true}.Client(2*time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != 200 || hits.Load() != 1 {
		t.Fatalf("allowed: %v %v hits=%d", resp, err, hits.Load())
	}
	resp.Body.Close()
}

func TestSchedule(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	for i, w := range want {
		got, ok := NextWait(i+1, 0, r)
		if !ok || got < w || got > w+w/10 {
			t.Errorf("after attempt %d: %v %v, want %v plus at most a tenth", i+1, got, ok, w)
		}
	}
	if _, ok := NextWait(8, 0, r); ok {
		t.Error("a ninth attempt")
	}
	if got, _ := NextWait(1, time.Hour, r); got != time.Hour {
		t.Errorf("Retry-After of an hour: %v", got)
	}
	if got, _ := NextWait(1, 100*time.Hour, r); got != 10*time.Hour {
		t.Errorf("Retry-After past the longest wait: %v", got)
	}
	for i, w := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 30 * time.Minute, 30 * time.Minute} {
		if got := cooldown(i + 1); got != w {
			t.Errorf("cooldown(%d) = %v, want %v", i+1, got, w)
		}
	}
}
