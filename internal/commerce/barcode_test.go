package commerce

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/platform/errs"
)

// Published GS1 examples and the demo café's bottled water.
var validCodes = []struct {
	code string
	kind BarcodeKind
	norm string
}{
	{"4006381333931", EAN13, "4006381333931"},
	{"5901234123457", EAN13, "5901234123457"},
	{"9780201379624", EAN13, "9780201379624"}, // an ISBN-13
	{"8934588012112", EAN13, "8934588012112"}, // Vietnamese prefix 893
	{"0012345678905", EAN13, "0012345678905"},
	{"036000291452", UPCA, "0036000291452"},
	{"012345678905", UPCA, "0012345678905"},
	{"042100005264", UPCA, "0042100005264"},
	{"96385074", EAN8, "96385074"},
	{"40170725", EAN8, "40170725"},
	{"00036000291452", EAN13, "0036000291452"}, // GTIN-14 with indicator 0
}

func TestValidCodes(t *testing.T) {
	for _, v := range validCodes {
		t.Run(v.code, func(t *testing.T) {
			if !ValidGTIN(v.code) {
				t.Fatalf("ValidGTIN(%s) = false", v.code)
			}
			b, err := ParseBarcode("  "+v.code+"\n", nil)
			if err != nil {
				t.Fatalf("ParseBarcode: %v", err)
			}
			if b.Kind != v.kind || b.Code != v.norm || b.Weighted != nil {
				t.Fatalf("ParseBarcode = %+v, want %s %s", b, v.kind, v.norm)
			}
			if !ValidEAN13(b.Code) && !ValidEAN8(b.Code) {
				t.Fatalf("normalised %s is neither EAN-13 nor EAN-8", b.Code)
			}
		})
	}
	if !ValidUPCA("036000291452") || ValidUPCA("0036000291452") || !ValidEAN8("96385074") || ValidEAN13("96385074") {
		t.Fatal("length-specific validators")
	}
	if got, ok := WithCheckDigit("400638133393"); !ok || got != "4006381333931" {
		t.Fatalf("WithCheckDigit = %s %v", got, ok)
	}
	if _, ok := CheckDigit("12a4"); ok {
		t.Fatal("CheckDigit accepted a letter")
	}
}

// A GS1 check digit detects every single-digit error: every other digit at every position,
// check digit included, must fail.
func TestEverySingleDigitErrorIsDetected(t *testing.T) {
	for _, v := range validCodes {
		for pos := 0; pos < len(v.code); pos++ {
			for d := byte('0'); d <= '9'; d++ {
				if d == v.code[pos] {
					continue
				}
				bad := v.code[:pos] + string(d) + v.code[pos+1:]
				if len(bad) == 14 && bad[0] != '0' {
					continue // no longer a unit GTIN-14: read as text, not checked
				}
				if ValidGTIN(bad) {
					t.Fatalf("%s (digit %d of %s changed to %c) passes the check", bad, pos, v.code, d)
				}
				if _, err := ParseBarcode(bad, nil); err != ErrCheckDigit {
					t.Fatalf("ParseBarcode(%s) = %v, want ErrCheckDigit", bad, err)
				}
			}
		}
	}
	if errs.KindOf(ErrCheckDigit) != errs.Invalid {
		t.Fatal("a bad check digit must be a 400")
	}
}

func TestTextCodes(t *testing.T) {
	for _, in := range []string{"CF-SUA", "cf-sua", "12345", "1234567", "123456789", "12345678901234567", "10036000291452", "Cà phê"} {
		b, err := ParseBarcode(in, nil)
		if err != nil || b.Kind != Text || b.Code != in {
			t.Fatalf("ParseBarcode(%q) = %+v, %v; want text", in, b, err)
		}
	}
	for _, in := range []string{"", "   ", "a\x00b", "bad\xff", strings.Repeat("9", 65)} {
		if _, err := ParseBarcode(in, nil); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("ParseBarcode(%q) = %v, want Invalid", in, err)
		}
	}
}

func ean(t testing.TB, payload string) string {
	t.Helper()
	c, ok := WithCheckDigit(payload)
	if !ok || len(c) != 13 {
		t.Fatalf("bad payload %q", payload)
	}
	return c
}

func TestWeightedBarcodes(t *testing.T) {
	cfg := &BarcodeConfig{Weighted: []WeightedFormat{
		{Prefixes: []string{"20", "22"}, Value: ValuePrice},
		{Prefixes: []string{"21"}, Value: ValueWeight},
		{Prefixes: []string{"23"}, ItemCodeLength: 4, Value: ValuePrice, PriceMultiplier: 100},
		{Prefixes: []string{"24"}, ItemCodeLength: 6, Value: ValueWeight},
	}}
	if err := cfg.Validate("body.barcodeConfig"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		payload string
		want    WeightedItem
	}{
		{"200012345000", WeightedItem{Prefix: "20", ItemCode: "00123", Value: ValuePrice, PriceVND: 45000}},
		{"220987699999", WeightedItem{Prefix: "22", ItemCode: "09876", Value: ValuePrice, PriceVND: 99999}},
		{"210012301250", WeightedItem{Prefix: "21", ItemCode: "00123", Value: ValueWeight, Grams: 1250}},
		{"231234002500", WeightedItem{Prefix: "23", ItemCode: "1234", Value: ValuePrice, PriceVND: 250000}},
		{"241234560750", WeightedItem{Prefix: "24", ItemCode: "123456", Value: ValueWeight, Grams: 750}},
	}
	for _, c := range cases {
		code := ean(t, c.payload)
		b, err := ParseBarcode(code, cfg)
		if err != nil || b.Kind != Weighted || b.Code != code || b.Weighted == nil || *b.Weighted != c.want {
			t.Fatalf("ParseBarcode(%s) = %+v %+v, %v; want %+v", code, b, b.Weighted, err, c.want)
		}
		// Without the merchant's formats it is an ordinary EAN-13.
		if b, err := ParseBarcode(code, nil); err != nil || b.Kind != EAN13 || b.Weighted != nil {
			t.Fatalf("without config: %+v %v", b, err)
		}
	}
	// A prefix the merchant did not configure, and a bad check digit on a weighed label.
	if b, err := ParseBarcode(ean(t, "250012345000"), cfg); err != nil || b.Kind != EAN13 {
		t.Fatalf("unconfigured prefix: %+v %v", b, err)
	}
	if _, err := ParseBarcode("2000123450002", cfg); err != ErrCheckDigit {
		t.Fatalf("bad weighed label: %v", err)
	}
}

func TestBarcodeConfigValidate(t *testing.T) {
	bad := []struct {
		cfg BarcodeConfig
		loc string
	}{
		{BarcodeConfig{Weighted: []WeightedFormat{{Value: ValuePrice}}}, "weighted[0].prefixes"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"30"}, Value: ValuePrice}}}, "weighted[0].prefixes[0]"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"2"}, Value: ValuePrice}}}, "weighted[0].prefixes[0]"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"2x"}, Value: ValuePrice}}}, "weighted[0].prefixes[0]"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"20"}, Value: ValuePrice}, {Prefixes: []string{"21", "20"}, Value: ValueWeight}}}, "weighted[1].prefixes[1]"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"20"}, Value: "VOLUME"}}}, "weighted[0].value"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"20"}, ItemCodeLength: 3, Value: ValuePrice}}}, "weighted[0].itemCodeLength"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"20"}, ItemCodeLength: 7, Value: ValuePrice}}}, "weighted[0].itemCodeLength"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"20"}, Value: ValueWeight, PriceMultiplier: 10}}}, "weighted[0].priceMultiplier"},
		{BarcodeConfig{Weighted: []WeightedFormat{{Prefixes: []string{"20"}, Value: ValuePrice, PriceMultiplier: -1}}}, "weighted[0].priceMultiplier"},
	}
	for i, c := range bad {
		err := c.cfg.Validate("cfg")
		var e *errs.E
		if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Location != "cfg."+c.loc {
			t.Fatalf("case %d: %v (fields %+v), want a 400 at cfg.%s", i, err, e, c.loc)
		}
	}
	var none *BarcodeConfig
	if none.Validate("x") != nil {
		t.Fatal("a nil config is valid")
	}
}

func TestNormalizeIdentifier(t *testing.T) {
	ok := []struct {
		t          IdentifierType
		in, stored string
	}{
		{IDEAN13, "8934588012112", "8934588012112"},
		{IDUPCA, "036000291452", "0036000291452"},
		{IDUPCA, "0036000291452", "0036000291452"},
		{IDEAN8, "96385074", "96385074"},
		{IDPLU, "00123", "123"},
		{IDPLU, "0000", "0"},
		{IDSKU, " cf-sua ", "CF-SUA"},
		{IDSKU, "TS/TC.1_2", "TS/TC.1_2"},
		{IDCustom, "QR:bàn-12", "QR:bàn-12"},
	}
	for _, c := range ok {
		got, err := NormalizeIdentifier(c.t, c.in)
		if err != nil || got != c.stored {
			t.Fatalf("NormalizeIdentifier(%s, %q) = %q, %v; want %q", c.t, c.in, got, err, c.stored)
		}
	}
	bad := []struct {
		t  IdentifierType
		in string
	}{
		{IDEAN13, "8934588012113"}, {IDEAN13, "893458801211"}, {IDEAN13, "89345880121a2"},
		{IDUPCA, "036000291453"}, {IDUPCA, "1036000291452"}, {IDEAN8, "96385075"},
		{IDPLU, "1234567"}, {IDPLU, "12a"}, {IDSKU, "cà phê"}, {IDSKU, "A B"}, {IDCustom, "x\ty"},
		{"ISBN", "9780201379624"}, {IDEAN13, ""}, {IDCustom, strings.Repeat("x", 65)},
	}
	for _, c := range bad {
		if _, err := NormalizeIdentifier(c.t, c.in); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("NormalizeIdentifier(%s, %q) = %v, want Invalid", c.t, c.in, err)
		}
	}
	if _, err := NormalizeIdentifier(IDEAN13, "8934588012113"); err != ErrCheckDigit {
		t.Fatalf("want ErrCheckDigit, got %v", err)
	}
	if _, err := NormalizeIdentifier("ISBN", "9780201379624"); !errors.Is(err, ErrIdentifierType) {
		t.Fatalf("want ErrIdentifierType, got %v", err)
	}
}

func TestFoldCode(t *testing.T) {
	for in, want := range map[string]string{
		"Cà phê":            "CA_PHE",
		"Trà & Trà sữa":     "TRA_TRA_SUA",
		"TRÀ ĐÀO CAM SẢ":    "TRA_DAO_CAM_SA",
		"Đồ ăn":             "DO_AN",
		"Nước ép & Sinh tố": "NUOC_EP_SINH_TO",
		"  Bánh  ngọt!! ":   "BANH_NGOT",
		"Lớn (L)":           "LON_L",
		"🍜":                 "",
	} {
		if got := foldCode(in); got != want {
			t.Fatalf("foldCode(%q) = %q, want %q", in, got, want)
		}
	}
	// NFD input is stored as NFC, diacritics kept.
	name, err := cleanName("name", "Ca\u0300 phe\u0302", 50)
	if err != nil || name != "Cà phê" {
		t.Fatalf("cleanName = %q %v", name, err)
	}
}

// FuzzParseBarcode checks that no input panics and that what is accepted is consistent: GS1
// kinds carry a valid normalised code that parses to itself, weighed items carry their digits,
// and every refusal is a 400.
func FuzzParseBarcode(f *testing.F) {
	for _, v := range validCodes {
		f.Add(v.code)
	}
	for _, s := range []string{"2000123450003", "2100123012507", "CF-SUA", "", " 12 ", "00000000", "2", "\xff", "0000000000000"} {
		f.Add(s)
	}
	cfg := &BarcodeConfig{Weighted: []WeightedFormat{
		{Prefixes: []string{"20", "22"}, Value: ValuePrice},
		{Prefixes: []string{"21"}, Value: ValueWeight},
		{Prefixes: []string{"23"}, ItemCodeLength: 4, Value: ValuePrice, PriceMultiplier: 100},
		{Prefixes: []string{"29"}, ItemCodeLength: 6, Value: ValueWeight},
	}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []*BarcodeConfig{nil, cfg} {
			b, err := ParseBarcode(s, c)
			if err != nil {
				if errs.KindOf(err) != errs.Invalid {
					t.Fatalf("ParseBarcode(%q): %v is not a 400", s, err)
				}
				continue
			}
			switch b.Kind {
			case EAN13, Weighted:
				if !ValidEAN13(b.Code) {
					t.Fatalf("ParseBarcode(%q) = %+v: invalid EAN-13", s, b)
				}
			case EAN8:
				if !ValidEAN8(b.Code) {
					t.Fatalf("ParseBarcode(%q) = %+v: invalid EAN-8", s, b)
				}
			case UPCA:
				if !ValidEAN13(b.Code) || b.Code[0] != '0' || !ValidUPCA(b.Code[1:]) {
					t.Fatalf("ParseBarcode(%q) = %+v: bad UPC-A normalisation", s, b)
				}
			case Text:
				if b.Code != strings.TrimSpace(s) {
					t.Fatalf("ParseBarcode(%q) = %+v: text changed", s, b)
				}
				continue
			default:
				t.Fatalf("ParseBarcode(%q): unknown kind %s", s, b.Kind)
			}
			// The normalised code reads back as itself.
			again, err := ParseBarcode(b.Code, c)
			if err != nil || again.Code != b.Code {
				t.Fatalf("ParseBarcode(%q) = %+v; again: %+v %v", s, b, again, err)
			}
			if w := b.Weighted; w != nil {
				f := c.format(w.Prefix)
				if b.Kind != Weighted || f == nil || len(w.ItemCode) != f.itemCodeLength() || !isDigits(w.ItemCode) ||
					w.Prefix != b.Code[:2] || w.ItemCode != b.Code[2:2+len(w.ItemCode)] || w.PriceVND < 0 || w.Grams < 0 {
					t.Fatalf("ParseBarcode(%q) = %+v", s, w)
				}
				value := b.Code[2+len(w.ItemCode) : 12]
				if got := fmt.Sprintf("%0*d", len(value), w.Grams+w.PriceVND/f.multiplier()); got != value {
					t.Fatalf("ParseBarcode(%q): value %s read as %+v", s, value, w)
				}
			} else if b.Kind == Weighted {
				t.Fatalf("ParseBarcode(%q): weighted without item", s)
			}
		}
	})
}
