package vietqr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The vectors of VIETNAM.md.
var vectors = []struct {
	name, payload string
	want          Payload
}{
	{"dynamic with purpose", "00020101021238540010A00000072701240006970436011010175956000208QRIBFTTA530370454061800005802VN62230819thanh toan don hang630470FA",
		Payload{Dynamic: true, BankBIN: "970436", Account: "1017595600", Service: ServiceToAccount, Amount: 180000, Purpose: "thanh toan don hang"}},
	{"62 before 38", "00020101021262110807tien le38560010A0000007270126000697041501121133666688880208QRIBFTTA5303704540460005802VN63046893",
		Payload{Dynamic: true, BankBIN: "970415", Account: "113366668888", Service: ServiceToAccount, Amount: 6000, Purpose: "tien le"}},
	{"static with amount", "00020101021138560010A0000007270126000697041501121133666688880208QRIBFTTA54057000153037045802VN6304ED54",
		Payload{BankBIN: "970415", Account: "113366668888", Service: ServiceToAccount, Amount: 70001}},
}

func TestCRC16(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x29B1 {
		t.Fatalf("CRC16(123456789) = %04X, want 29B1", got)
	}
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			got, err := Parse(v.payload)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.want {
				t.Fatalf("Parse = %+v, want %+v", got, v.want)
			}
		})
	}
	// The first vector is what Encode writes for its fields, byte for byte.
	enc, err := vectors[0].want.Encode()
	if err != nil || enc != vectors[0].payload {
		t.Fatalf("Encode = %s, %v; want %s", enc, err, vectors[0].payload)
	}
}

// Every vector with one byte changed fails: the CRC catches it (or the structure breaks first).
func TestMutatedPayloadsFail(t *testing.T) {
	if _, err := Parse(strings.Replace(vectors[1].payload, "tien le", "tienxle", 1)); !errors.Is(err, ErrCRC) {
		t.Fatalf("tien le -> tienxle: %v, want ErrCRC", err)
	}
	for _, v := range vectors {
		for i := range len(v.payload) {
			b := []byte(v.payload)
			b[i] ^= 0x01
			if _, err := Parse(string(b)); err == nil {
				t.Errorf("%s: byte %d flipped still parses: %s", v.name, i, b)
			}
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, p := range []Payload{
		{BankBIN: "970436", Account: "0011001932418"},
		{Dynamic: true, BankBIN: "970422", Account: "9704229200001", Service: ServiceToCard, Amount: 1_250_000, MCC: "5812",
			MerchantName: "QUAN CA PHE BANA", MerchantCity: "HA NOI", Terminal: "TILL1", Purpose: Purpose("bana", "7312345678901234567")},
	} {
		s, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(s)
		if p.Service == "" {
			p.Service = ServiceToAccount
		}
		if err != nil || got != p {
			t.Fatalf("round trip of %+v: %+v, %v (%s)", p, got, err, s)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	ok := Payload{BankBIN: "970436", Account: "1017595600"}
	for name, change := range map[string]func(*Payload){
		"short BIN":          func(p *Payload) { p.BankBIN = "97043" },
		"letters in BIN":     func(p *Payload) { p.BankBIN = "97043A" },
		"no account":         func(p *Payload) { p.Account = "" },
		"long account":       func(p *Payload) { p.Account = strings.Repeat("1", 20) },
		"service":            func(p *Payload) { p.Service = "QRPUSH" },
		"negative amount":    func(p *Payload) { p.Amount = -1 },
		"huge amount":        func(p *Payload) { p.Amount = 99_999_999_999_999 },
		"diacritics":         func(p *Payload) { p.Purpose = "thanh toán" },
		"long purpose":       func(p *Payload) { p.Purpose = strings.Repeat("x", 26) },
		"three-digit MCC":    func(p *Payload) { p.MCC = "581" },
		"control characters": func(p *Payload) { p.MerchantName = "a\x00b" },
	} {
		p := ok
		change(&p)
		if _, err := p.Encode(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	body := func(fields ...Field) string { s, _ := Encode(fields); return Seal(s) }
	account := "0010A00000072701240006970436011010175956000208QRIBFTTA"
	for name, s := range map[string]string{
		"empty":            "",
		"no CRC":           "000201010211",
		"format not first": body(Field{"01", "11"}, Field{"00", "01"}, Field{"38", account}),
		"initiation 13":    body(Field{"00", "01"}, Field{"01", "13"}, Field{"38", account}),
		"no account":       body(Field{"00", "01"}, Field{"01", "11"}),
		"other GUID":       body(Field{"00", "01"}, Field{"01", "11"}, Field{"38", strings.Replace(account, "A000000727", "A000000775", 1)}),
		"USD":              body(Field{"00", "01"}, Field{"01", "11"}, Field{"38", account}, Field{"53", "840"}),
		"decimal amount":   body(Field{"00", "01"}, Field{"01", "12"}, Field{"38", account}, Field{"54", "10.5"}),
		"field twice":      body(Field{"00", "01"}, Field{"01", "11"}, Field{"38", account}, Field{"58", "VN"}, Field{"58", "VN"}),
		"runs past end":    Seal("000201010211385"),
	} {
		if _, err := Parse(s); err == nil {
			t.Errorf("%s: %q parses", name, s)
		}
	}
}

func TestReferenceIn(t *testing.T) {
	for content, want := range map[string]string{
		"BANA7312345678901234567":                           "7312345678901234567",
		"MBVCB.3278.bana7312345678901234567.CT tu 0011 toi": "7312345678901234567",
		"Thanh toan BANA 123":                               "",
		"no reference here":                                 "",
		"BANA12 then BANA34":                                "12",
	} {
		if got := ReferenceIn(content, "BANA"); got != want {
			t.Errorf("ReferenceIn(%q) = %q, want %q", content, got, want)
		}
	}
	if ReferenceIn("BANA1", "") != "" {
		t.Error("an empty prefix matches")
	}
}

func TestParseTransfer(t *testing.T) {
	tr, err := ParseTransfer([]byte(`{"bankAccount":"1017595600","amount":"180000","transType":"c","content":"BANA42 thanh toan",
		"transactionId":"TX1","transactionTime":1718000000000,"referenceNumber":"FT24","orderId":"","sign":""}`))
	if err != nil {
		t.Fatal(err)
	}
	if tr.BankAccount != "1017595600" || tr.Amount != 180000 || tr.TransType != Credit || tr.TransactionID != "TX1" ||
		tr.TransactionTime != "1718000000000" || tr.ReferenceNumber != "FT24" {
		t.Fatalf("parsed %+v", tr)
	}
	for name, body := range map[string]string{
		"not JSON":        `amount=1`,
		"array":           `[{"bankaccount":"1","amount":1,"transType":"C"}]`,
		"two values":      `{"bankaccount":"1","amount":1,"transType":"C"} {}`,
		"no account":      `{"amount":1,"transType":"C"}`,
		"zero amount":     `{"bankaccount":"1","amount":0,"transType":"C"}`,
		"negative amount": `{"bankaccount":"1","amount":-5,"transType":"C"}`,
		"decimal amount":  `{"bankaccount":"1","amount":10.5,"transType":"C"}`,
		"huge amount":     `{"bankaccount":"1","amount":1e30,"transType":"C"}`,
		"type X":          `{"bankaccount":"1","amount":1,"transType":"X"}`,
		"long content":    `{"bankaccount":"1","amount":1,"transType":"C","content":"` + strings.Repeat("a", 1001) + `"}`,
	} {
		if _, err := ParseTransfer([]byte(body)); !errors.Is(err, ErrTransfer) {
			t.Errorf("%s: %v, want ErrTransfer", name, err)
		}
	}
}

func TestTokens(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	key := TokenKey("sync-password")
	tok := IssueToken(key, "42", now.Add(5*time.Minute))
	if err := VerifyToken(key, tok, "42", now); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]error{
		"expired":        VerifyToken(key, tok, "42", now.Add(5*time.Minute)),
		"other merchant": VerifyToken(key, tok, "43", now),
		"other key":      VerifyToken(TokenKey("another"), tok, "42", now),
		"tampered":       VerifyToken(key, "x"+tok, "42", now),
		"garbage":        VerifyToken(key, "not a token", "42", now),
	} {
		if !errors.Is(check, ErrToken) {
			t.Errorf("%s: %v, want ErrToken", name, check)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.payload)
	}
	f.Add("")
	f.Add("6304")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		// Whatever parses passes its CRC, and its fields encode again into a payload that parses
		// to the same thing (when they are within what Encode writes).
		if CheckCRC(s) != nil {
			t.Fatalf("parsed a payload whose CRC fails: %q", s)
		}
		if enc, err := p.Encode(); err == nil {
			q, err := Parse(enc)
			if p.Service == "" {
				p.Service = ServiceToAccount
			}
			if err != nil || q != p {
				t.Fatalf("re-encoded %q -> %q: %+v, %v (was %+v)", s, enc, q, err, p)
			}
		}
	})
}

func FuzzParseTransfer(f *testing.F) {
	f.Add([]byte(`{"bankaccount":"1017595600","amount":180000,"transType":"C","content":"BANA42","transactionid":"T1"}`))
	f.Add([]byte(`{"amount":"1","transType":"D","bankAccount":"x","transactiontime":"2024"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tr, err := ParseTransfer(body)
		if err != nil {
			return
		}
		if tr.Amount <= 0 || (tr.TransType != Credit && tr.TransType != "D") || strings.TrimSpace(tr.BankAccount) == "" {
			t.Fatalf("accepted %q as %+v", body, tr)
		}
		_ = ReferenceIn(tr.Content, "BANA")
	})
}
