package vietqr

import (
	"fmt"
	"strconv"
)

// The NAPAS constants of a VietQR payload.
const (
	GUID             = "A000000727" // 38/00: the NAPAS application id
	ServiceToAccount = "QRIBFTTA"   // 38/02: transfer to an account
	ServiceToCard    = "QRIBFTTC"   // 38/02: transfer to a card
	CurrencyVND      = "704"        // 53
	CountryVN        = "VN"         // 58
	MaxPurpose       = 25           // 62/08
	MaxAmountDigits  = 13           // 54: whole dong
	StaticInitiation = "11"
	DynamicInitiate  = "12"
)

// Payload is a VietQR code: a static one (no amount, for a counter) or a dynamic one (an amount
// and the order's reference in Purpose).
type Payload struct {
	Dynamic      bool   // point of initiation 12 (else 11)
	BankBIN      string // 38/01/00: six digits
	Account      string // 38/01/01: account or card number, up to 19
	Service      string // 38/02: QRIBFTTA (account, default) or QRIBFTTC (card)
	MCC          string // 52, optional: merchant category code
	Amount       int64  // 54, whole dong; 0 is none
	MerchantName string // 59, optional, ASCII
	MerchantCity string // 60, optional, ASCII
	// Additional data (62), each optional: 01 bill, 03 store, 05 reference, 07 terminal, 08
	// purpose (the transfer's content; BANA puts the order's reference here).
	Bill, Store, Reference, Terminal, Purpose string
}

// Encode checks p and writes its payload, CRC included.
func (p Payload) Encode() (string, error) {
	if len(p.BankBIN) != 6 || !digits(p.BankBIN) {
		return "", fmt.Errorf("%w: bank BIN %q is not six digits", ErrMalformed, p.BankBIN)
	}
	if p.Account == "" || len(p.Account) > 19 || !alnum(p.Account) {
		return "", fmt.Errorf("%w: account %q is not 1-19 letters or digits", ErrMalformed, p.Account)
	}
	service := p.Service
	if service == "" {
		service = ServiceToAccount
	}
	if service != ServiceToAccount && service != ServiceToCard {
		return "", fmt.Errorf("%w: service %q is neither %s nor %s", ErrMalformed, service, ServiceToAccount, ServiceToCard)
	}
	if p.Amount < 0 || len(strconv.FormatInt(p.Amount, 10)) > MaxAmountDigits {
		return "", fmt.Errorf("%w: amount %d", ErrMalformed, p.Amount)
	}
	if p.MCC != "" && (len(p.MCC) != 4 || !digits(p.MCC)) {
		return "", fmt.Errorf("%w: merchant category code %q is not four digits", ErrMalformed, p.MCC)
	}
	for _, t := range []struct {
		name, v string
		max     int
	}{{"merchant name", p.MerchantName, 25}, {"merchant city", p.MerchantCity, 15}, {"bill", p.Bill, 25}, {"store", p.Store, 25},
		{"reference", p.Reference, 25}, {"terminal", p.Terminal, 25}, {"purpose", p.Purpose, MaxPurpose}} {
		if len(t.v) > t.max || !printable(t.v) {
			return "", fmt.Errorf("%w: %s %q must be at most %d printable ASCII characters", ErrMalformed, t.name, t.v, t.max)
		}
	}
	beneficiary, _ := Encode([]Field{{"00", p.BankBIN}, {"01", p.Account}})
	account, _ := Encode([]Field{{"00", GUID}, {"01", beneficiary}, {"02", service}})
	init := StaticInitiation
	if p.Dynamic {
		init = DynamicInitiate
	}
	fields := []Field{{"00", "01"}, {"01", init}, {"38", account}}
	if p.MCC != "" {
		fields = append(fields, Field{"52", p.MCC})
	}
	fields = append(fields, Field{"53", CurrencyVND})
	if p.Amount > 0 {
		fields = append(fields, Field{"54", strconv.FormatInt(p.Amount, 10)})
	}
	fields = append(fields, Field{"58", CountryVN})
	if p.MerchantName != "" {
		fields = append(fields, Field{"59", p.MerchantName})
	}
	if p.MerchantCity != "" {
		fields = append(fields, Field{"60", p.MerchantCity})
	}
	var extra []Field
	for _, f := range []Field{{"01", p.Bill}, {"03", p.Store}, {"05", p.Reference}, {"07", p.Terminal}, {"08", p.Purpose}} {
		if f.Value != "" {
			extra = append(extra, f)
		}
	}
	if len(extra) > 0 {
		add, _ := Encode(extra)
		fields = append(fields, Field{"62", add})
	}
	body, err := Encode(fields)
	if err != nil {
		return "", err
	}
	return Seal(body), nil
}

// Parse reads a VietQR payload: its CRC must match, 00 must come first and 63 last, and field 38
// must be a NAPAS account. Other fields may come in any order; unknown ones are ignored.
func Parse(s string) (Payload, error) {
	var p Payload
	if err := CheckCRC(s); err != nil {
		return p, err
	}
	fields, err := Decode(s)
	if err != nil {
		return p, err
	}
	if len(fields) < 2 || fields[0].ID != "00" || fields[0].Value != "01" {
		return p, fmt.Errorf("%w: field 00 (payload format 01) must come first", ErrMalformed)
	}
	if fields[len(fields)-1].ID != "63" {
		return p, fmt.Errorf("%w: field 63 (CRC) must come last", ErrMalformed)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.ID] {
			return p, fmt.Errorf("%w: field %s appears twice", ErrMalformed, f.ID)
		}
		seen[f.ID] = true
	}
	switch v, _ := find(fields, "01"); v {
	case StaticInitiation:
	case DynamicInitiate:
		p.Dynamic = true
	default:
		return p, fmt.Errorf("%w: point of initiation (01) %q is neither 11 nor 12", ErrMalformed, v)
	}
	acc, ok := find(fields, "38")
	if !ok {
		return p, fmt.Errorf("%w: no NAPAS account (38)", ErrMalformed)
	}
	sub, err := Decode(acc)
	if err != nil {
		return p, fmt.Errorf("field 38: %w", err)
	}
	if g, _ := find(sub, "00"); g != GUID {
		return p, fmt.Errorf("%w: field 38 is not a NAPAS account (GUID %q)", ErrMalformed, g)
	}
	ben, ok := find(sub, "01")
	if !ok {
		return p, fmt.Errorf("%w: field 38 names no beneficiary (01)", ErrMalformed)
	}
	bf, err := Decode(ben)
	if err != nil {
		return p, fmt.Errorf("field 38/01: %w", err)
	}
	p.BankBIN, _ = find(bf, "00")
	p.Account, _ = find(bf, "01")
	p.Service, _ = find(sub, "02")
	if len(p.BankBIN) != 6 || !digits(p.BankBIN) || p.Account == "" {
		return p, fmt.Errorf("%w: beneficiary needs a six-digit BIN and an account", ErrMalformed)
	}
	if c, ok := find(fields, "53"); ok && c != CurrencyVND {
		return p, fmt.Errorf("%w: currency (53) %q is not VND (704)", ErrMalformed, c)
	}
	if a, ok := find(fields, "54"); ok {
		if !digits(a) || len(a) > MaxAmountDigits {
			return p, fmt.Errorf("%w: amount (54) %q is not whole dong", ErrMalformed, a)
		}
		p.Amount, _ = strconv.ParseInt(a, 10, 64)
	}
	p.MCC, _ = find(fields, "52")
	p.MerchantName, _ = find(fields, "59")
	p.MerchantCity, _ = find(fields, "60")
	if add, ok := find(fields, "62"); ok {
		af, err := Decode(add)
		if err != nil {
			return p, fmt.Errorf("field 62: %w", err)
		}
		p.Bill, _ = find(af, "01")
		p.Store, _ = find(af, "03")
		p.Reference, _ = find(af, "05")
		p.Terminal, _ = find(af, "07")
		p.Purpose, _ = find(af, "08")
	}
	return p, nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
