package pricing

import (
	"cmp"
	"fmt"
	"slices"
)

// TaxType is the document's TaxType: the kinds of output VAT of a Vietnamese invoice (the TSuat
// of Decree 123/2020 e-invoices).
type TaxType string

// Tax types. KCT and KKKNT carry no tax but are reported apart from 0% on invoices, so each is a
// type of its own rather than a rate of zero.
const (
	VAT0     TaxType = "VAT0"  // 0%: exports and the like
	VAT5     TaxType = "VAT5"  // 5%: essentials
	VAT8     TaxType = "VAT8"  // 8%: the reduced rate of 2025-07-01 to 2026-12-31
	VAT10    TaxType = "VAT10" // 10%: the standard rate
	KCT      TaxType = "KCT"   // not subject to VAT
	KKKNT    TaxType = "KKKNT" // not declared, not paid (sellers outside the VAT scheme)
	TaxOther TaxType = "OTHER" // any other rate in basis points (invoice "KHAC:AB.CD%")
)

// taxTypes lists the types in the order tax lines are reported.
var taxTypes = []TaxType{VAT0, VAT5, VAT8, VAT10, KCT, KKKNT, TaxOther}

// standardRate is the fixed rate of each type but OTHER.
func standardRate(t TaxType) (int64, bool) {
	switch t {
	case VAT0, KCT, KKKNT:
		return 0, true
	case VAT5:
		return 500, true
	case VAT8:
		return 800, true
	case VAT10:
		return 1000, true
	}
	return 0, false
}

// Tax is the document's Tax: a type and its rate. A line carries one (the variant's, which the
// catalog resolves from its TaxSet), or takes the merchant's default. Vietnamese retail puts one
// VAT on an item, so taxes never compound here.
type Tax struct {
	Type   TaxType `json:"type" enum:"VAT0,VAT5,VAT8,VAT10,KCT,KKKNT,OTHER"`
	RateBP int64   `json:"rateBp" doc:"Rate in basis points (8% = 800); fixed by the type except for OTHER"`
}

// Tax returns the tax of a type at its fixed rate (OTHER gets 0: set RateBP).
func (t TaxType) Tax() Tax {
	r, _ := standardRate(t)
	return Tax{Type: t, RateBP: r}
}

// Validate reports a tax whose rate is not the rate of its type. Paths are relative ("rateBp").
func (t Tax) Validate() error {
	var v validation
	t.validate(&v, "")
	return v.err(ErrInvalidTax)
}

func (t Tax) validate(v *validation, at string) {
	if t.Type == TaxOther {
		if t.RateBP < 0 || t.RateBP > MaxPercentBP {
			v.add(at, "rateBp", "must be 0 to 10000 basis points", t.RateBP)
		}
		return
	}
	r, ok := standardRate(t.Type)
	if !ok {
		v.add(at, "type", "must be VAT0, VAT5, VAT8, VAT10, KCT, KKKNT or OTHER", t.Type)
		return
	}
	if t.RateBP != r {
		v.add(at, "rateBp", fmt.Sprintf("must be %d for %s", r, t.Type), t.RateBP)
	}
}

// InvoiceRate is the tax's TSuat on an e-invoice: "0%", "5%", "8%", "10%", "KCT", "KKKNT" or
// "KHAC:AB.CD%".
func (t Tax) InvoiceRate() string {
	switch t.Type {
	case KCT, KKKNT:
		return string(t.Type)
	case TaxOther:
		return fmt.Sprintf("KHAC:%d.%02d%%", t.RateBP/100, t.RateBP%100)
	}
	return fmt.Sprintf("%d%%", t.RateBP/100)
}

// TaxLine is the tax of one rate: of one line, or of the whole quote (one per tax in use).
type TaxLine struct {
	Type   TaxType `json:"type" openapi:"enum=VAT0,VAT5,VAT8,VAT10,KCT,KKKNT,OTHER"`
	RateBP int64   `json:"rateBp"`
	Base   int64   `json:"base" doc:"Taxable amount, without the tax"`
	Tax    int64   `json:"tax"`
}

// applyTaxes computes the tax lines of the quote and each line's share of them.
//
// Rounding happens once per tax line of the quote: the tax of a rate is computed on the sum of the
// amounts at that rate and rounded half up to a whole dong (inclusive prices: round(G x r /
// (10000 + r)) of the gross G; exclusive: round(N x r / 10000) of the net N). That is the figure
// an e-invoice declares per rate. Each line then gets its exact share of it, made whole by the
// largest remainder method, so the lines' taxes add up to the quote's tax lines to the dong,
// which line-by-line rounding would not guarantee.
func applyTaxes(lines []LineQuote, inclusive bool) []TaxLine {
	groups := map[Tax][]int{}
	for i := range lines {
		t := lines[i].Tax.tax()
		groups[t] = append(groups[t], i)
	}
	keys := make([]Tax, 0, len(groups))
	for t := range groups {
		keys = append(keys, t)
	}
	slices.SortFunc(keys, func(a, b Tax) int {
		if c := cmp.Compare(slices.Index(taxTypes, a.Type), slices.Index(taxTypes, b.Type)); c != 0 {
			return c
		}
		return cmp.Compare(a.RateBP, b.RateBP)
	})
	out := make([]TaxLine, 0, len(keys))
	for _, t := range keys {
		idx := groups[t]
		den := int64(MaxPercentBP)
		if inclusive {
			den += t.RateBP
		}
		var sum int64
		q := make([]int64, len(idx))
		rem := make([]int64, len(idx))
		for j, i := range idx {
			a := lines[i].NetAmount
			sum += a
			q[j], rem[j] = mulDivRem(a, t.RateBP, den)
		}
		total := roundDiv(sum, t.RateBP, den)
		allocate(total, q, rem)
		tl := TaxLine{Type: t.Type, RateBP: t.RateBP, Tax: total}
		for j, i := range idx {
			l := &lines[i]
			l.Tax.Tax = q[j]
			if inclusive {
				l.Tax.Base = l.NetAmount - q[j]
				l.Total = l.NetAmount
			} else {
				l.Tax.Base = l.NetAmount
				l.Total = l.NetAmount + q[j]
			}
			tl.Base += l.Tax.Base
		}
		out = append(out, tl)
	}
	return out
}

func (t TaxLine) tax() Tax { return Tax{Type: t.Type, RateBP: t.RateBP} }
