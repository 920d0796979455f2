package commerce

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/banapos/bana/internal/platform/errs"
)

// This file is pure: barcode check digits, normalisation and weighed-item barcodes. No I/O.

// BarcodeKind is what a scanned code turned out to be.
type BarcodeKind string

// Barcode kinds.
const (
	EAN13    BarcodeKind = "EAN13"    // 13 digits, GS1 check digit
	UPCA     BarcodeKind = "UPCA"     // 12 digits, GS1 check digit; normalised to EAN-13 with a leading 0
	EAN8     BarcodeKind = "EAN8"     // 8 digits, GS1 check digit
	Weighted BarcodeKind = "WEIGHTED" // an EAN-13 of a prefix 20-29 that the merchant set up as a weighed-item format
	Text     BarcodeKind = "TEXT"     // anything else: a SKU, a custom code, a PLU typed in
)

// WeightedValue says what the digits after a weighed item's code carry.
type WeightedValue string

// Weighed-item values.
const (
	ValuePrice  WeightedValue = "PRICE"  // the price of the item in VND (times PriceMultiplier)
	ValueWeight WeightedValue = "WEIGHT" // the weight in grams
)

// WeightedFormat is one weighed-item barcode layout of a merchant's scales: an EAN-13 whose first
// two digits are one of Prefixes, then ItemCodeLength digits of item code (the PLU the product is
// registered under), then 10-ItemCodeLength digits of value, then the check digit. The common
// layout is 2 + 5 + 5 + 1.
type WeightedFormat struct {
	Prefixes       []string      `json:"prefixes" doc:"Two-digit prefixes 20 to 29 printed by the scale"`
	ItemCodeLength int           `json:"itemCodeLength,omitempty" doc:"Digits of item code after the prefix, 4 to 6 (default 5); the value takes the rest"`
	Value          WeightedValue `json:"value" enum:"PRICE,WEIGHT" doc:"PRICE: the value is the item's price in VND; WEIGHT: its weight in grams"`
	// Five digits of VND stop at 99,999; scales that print hundreds of dong use a multiplier.
	PriceMultiplier int64 `json:"priceMultiplier,omitempty" doc:"PRICE only: VND per unit of the printed value (default 1; e.g. 100 when the scale prints hundreds of dong)"`
}

// BarcodeConfig is a merchant's barcode setting (Merchant.BarcodeConfig). Without one, no prefix
// is read as a weighed item and 2x codes are looked up as plain EAN-13.
type BarcodeConfig struct {
	Weighted []WeightedFormat `json:"weighted" doc:"Weighed-item formats; each prefix in at most one"`
}

// UnmarshalJSON replaces c with the setting read: a write that sends a merchant's barcodeConfig
// replaces it as a whole, with no field of an older format left behind.
func (c *BarcodeConfig) UnmarshalJSON(b []byte) error {
	type plain BarcodeConfig // the same fields, without this method
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = BarcodeConfig(v)
	return nil
}

// WeightedItem is what a weighed-item barcode carries.
type WeightedItem struct {
	Prefix   string        `json:"prefix"`
	ItemCode string        `json:"itemCode" doc:"The item code as printed (with its leading zeros)"`
	Value    WeightedValue `json:"value" enum:"PRICE,WEIGHT"`
	PriceVND int64         `json:"priceVnd,omitempty" doc:"PRICE: the item's price in VND"`
	Grams    int64         `json:"grams,omitempty" doc:"WEIGHT: the item's weight in grams"`
}

// Barcode is a parsed code.
type Barcode struct {
	Kind BarcodeKind
	// Code is the normalised code: 13 digits for EAN-13, UPC-A and weighed items, 8 for EAN-8,
	// the trimmed input for Text.
	Code     string
	Weighted *WeightedItem
}

// MaxCodeLength bounds every identifier code.
const MaxCodeLength = 64

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckDigit returns the GS1 check digit of a payload of digits (the code without its last
// digit): from the right, digits are weighted 3, 1, 3, 1, ...; the check digit brings the sum to
// a multiple of 10. It works for GTIN-8, -12, -13 and -14 alike. ok is false for a payload that
// is empty or not all digits.
func CheckDigit(payload string) (digit byte, ok bool) {
	if !isDigits(payload) {
		return 0, false
	}
	sum := 0
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if (len(payload)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10), true
}

// ValidGTIN reports whether code is 8, 12, 13 or 14 digits with a correct check digit.
func ValidGTIN(code string) bool {
	switch len(code) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	d, ok := CheckDigit(code[:len(code)-1])
	return ok && d == code[len(code)-1]
}

// ValidEAN13 reports whether code is a valid EAN-13.
func ValidEAN13(code string) bool { return len(code) == 13 && ValidGTIN(code) }

// ValidUPCA reports whether code is a valid UPC-A.
func ValidUPCA(code string) bool { return len(code) == 12 && ValidGTIN(code) }

// ValidEAN8 reports whether code is a valid EAN-8.
func ValidEAN8(code string) bool { return len(code) == 8 && ValidGTIN(code) }

// WithCheckDigit appends the check digit to a payload of digits (for tests and label printing).
func WithCheckDigit(payload string) (string, bool) {
	d, ok := CheckDigit(payload)
	if !ok {
		return "", false
	}
	return payload + string(d), true
}

// ParseBarcode reads a scanned or typed code. Digits of the length of an EAN-8, UPC-A or EAN-13
// (or a GTIN-14 with a leading 0) are GS1 codes and must carry a correct check digit
// (ErrCheckDigit otherwise); a UPC-A is normalised to its EAN-13 (a leading 0). An EAN-13 whose
// prefix is one of cfg's weighed-item formats also carries a WeightedItem. Anything else is Text.
func ParseBarcode(s string, cfg *BarcodeConfig) (Barcode, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Barcode{}, errs.New(errs.Invalid, "code is empty")
	}
	if len(s) > MaxCodeLength {
		return Barcode{}, errs.Newf(errs.Invalid, "code is longer than %d characters", MaxCodeLength)
	}
	if !isDigits(s) {
		if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
			return Barcode{}, errs.New(errs.Invalid, "code holds control characters or invalid UTF-8")
		}
		return Barcode{Kind: Text, Code: s}, nil
	}
	switch len(s) {
	case 8:
		if !ValidGTIN(s) {
			return Barcode{}, ErrCheckDigit
		}
		return Barcode{Kind: EAN8, Code: s}, nil
	case 12:
		if !ValidGTIN(s) {
			return Barcode{}, ErrCheckDigit
		}
		return Barcode{Kind: UPCA, Code: "0" + s}, nil
	case 14:
		if s[0] != '0' {
			// A GTIN-14 of a case or pallet (indicator 1-9) is not a unit sold at a till.
			return Barcode{Kind: Text, Code: s}, nil
		}
		if !ValidGTIN(s) {
			return Barcode{}, ErrCheckDigit
		}
		s = s[1:]
		fallthrough
	case 13:
		if !ValidGTIN(s) {
			return Barcode{}, ErrCheckDigit
		}
		if w := cfg.weighted(s); w != nil {
			return Barcode{Kind: Weighted, Code: s, Weighted: w}, nil
		}
		return Barcode{Kind: EAN13, Code: s}, nil
	}
	return Barcode{Kind: Text, Code: s}, nil
}

// format returns the weighed-item format of a prefix, or nil.
func (c *BarcodeConfig) format(prefix string) *WeightedFormat {
	if c == nil {
		return nil
	}
	for i := range c.Weighted {
		if slices.Contains(c.Weighted[i].Prefixes, prefix) {
			return &c.Weighted[i]
		}
	}
	return nil
}

// weighted reads a valid EAN-13 as a weighed item when its prefix is configured.
func (c *BarcodeConfig) weighted(ean string) *WeightedItem {
	f := c.format(ean[:2])
	if f == nil {
		return nil
	}
	n := f.itemCodeLength()
	value, _ := strconv.ParseInt(ean[2+n:12], 10, 64) // digits only: cannot fail
	w := &WeightedItem{Prefix: ean[:2], ItemCode: ean[2 : 2+n], Value: f.Value}
	if f.Value == ValueWeight {
		w.Grams = value
	} else {
		w.PriceVND = value * f.multiplier()
	}
	return w
}

func (f *WeightedFormat) itemCodeLength() int {
	if f.ItemCodeLength == 0 {
		return 5
	}
	return f.ItemCodeLength
}

func (f *WeightedFormat) multiplier() int64 {
	if f.PriceMultiplier == 0 {
		return 1
	}
	return f.PriceMultiplier
}

// Validate reports the first bad field of the setting, located under loc ("body.barcodeConfig").
func (c *BarcodeConfig) Validate(loc string) error {
	if c == nil {
		return nil
	}
	if len(c.Weighted) > 10 {
		return errs.Field(loc+".weighted", "at most 10 formats", len(c.Weighted))
	}
	seen := map[string]bool{}
	for i := range c.Weighted {
		f := &c.Weighted[i]
		at := fmt.Sprintf("%s.weighted[%d]", loc, i)
		if len(f.Prefixes) == 0 {
			return errs.Field(at+".prefixes", "needs at least one prefix", nil)
		}
		for j, p := range f.Prefixes {
			if len(p) != 2 || p[0] != '2' || !isDigits(p) {
				return errs.Field(fmt.Sprintf("%s.prefixes[%d]", at, j), "must be a prefix 20 to 29", p)
			}
			if seen[p] {
				return errs.Field(fmt.Sprintf("%s.prefixes[%d]", at, j), "prefix used by two formats", p)
			}
			seen[p] = true
		}
		if f.ItemCodeLength != 0 && (f.ItemCodeLength < 4 || f.ItemCodeLength > 6) {
			return errs.Field(at+".itemCodeLength", "must be 4 to 6", f.ItemCodeLength)
		}
		switch f.Value {
		case ValuePrice:
			if f.PriceMultiplier < 0 || f.PriceMultiplier > 10000 {
				return errs.Field(at+".priceMultiplier", "must be 1 to 10000", f.PriceMultiplier)
			}
		case ValueWeight:
			if f.PriceMultiplier != 0 {
				return errs.Field(at+".priceMultiplier", "applies to PRICE formats only", f.PriceMultiplier)
			}
		default:
			return errs.Field(at+".value", "must be PRICE or WEIGHT", f.Value)
		}
	}
	return nil
}

// IdentifierType is the type of a product identifier.
type IdentifierType string

// Identifier types.
const (
	IDSKU    IdentifierType = "SKU"
	IDEAN13  IdentifierType = "EAN13"
	IDUPCA   IdentifierType = "UPCA"
	IDEAN8   IdentifierType = "EAN8"
	IDPLU    IdentifierType = "PLU"
	IDCustom IdentifierType = "CUSTOM"
)

// NormalizeIdentifier checks a code of a type and returns the form it is stored and looked up
// in: a UPC-A becomes its EAN-13, a SKU is upper-cased, a PLU loses its leading zeros (so that
// "01234" printed by a scale and "1234" typed in are the same item). A bad check digit is
// ErrCheckDigit.
func NormalizeIdentifier(t IdentifierType, code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", errs.New(errs.Invalid, "code is empty")
	}
	if len(code) > MaxCodeLength {
		return "", errs.Newf(errs.Invalid, "code is longer than %d characters", MaxCodeLength)
	}
	switch t {
	case IDEAN13:
		if len(code) != 13 || !isDigits(code) {
			return "", errs.New(errs.Invalid, "an EAN-13 has 13 digits")
		}
		if !ValidGTIN(code) {
			return "", ErrCheckDigit
		}
		return code, nil
	case IDUPCA:
		if len(code) == 13 && code[0] == '0' {
			code = code[1:]
		}
		if len(code) != 12 || !isDigits(code) {
			return "", errs.New(errs.Invalid, "a UPC-A has 12 digits")
		}
		if !ValidGTIN(code) {
			return "", ErrCheckDigit
		}
		return "0" + code, nil
	case IDEAN8:
		if len(code) != 8 || !isDigits(code) {
			return "", errs.New(errs.Invalid, "an EAN-8 has 8 digits")
		}
		if !ValidGTIN(code) {
			return "", ErrCheckDigit
		}
		return code, nil
	case IDPLU:
		if len(code) > 6 || !isDigits(code) {
			return "", errs.New(errs.Invalid, "a PLU has 1 to 6 digits")
		}
		return canonicalPLU(code), nil
	case IDSKU:
		code = strings.ToUpper(code)
		for _, r := range code {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r)) {
				return "", errs.New(errs.Invalid, "a SKU holds only letters A-Z, digits and - _ . /")
			}
		}
		return code, nil
	case IDCustom:
		if !utf8.ValidString(code) || strings.IndexFunc(code, unicode.IsControl) >= 0 {
			return "", errs.New(errs.Invalid, "code holds control characters or invalid UTF-8")
		}
		return code, nil
	}
	return "", ErrIdentifierType
}

// canonicalPLU drops leading zeros, keeping one digit.
func canonicalPLU(code string) string {
	t := strings.TrimLeft(code, "0")
	if t == "" {
		return "0"
	}
	return t
}
