package commerce

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// ProductLookup is what a scan finds: the variant (the one the identifier names, or the product's
// first when the identifier names the product), its product, and for a weighed-item barcode
// what the label carries.
type ProductLookup struct {
	Code     string                 `json:"code" doc:"The identifier that matched, as stored"`
	Type     IdentifierType         `json:"type" openapi:"enum=SKU,EAN13,UPCA,EAN8,PLU,CUSTOM" doc:"Its type"`
	Kind     BarcodeKind            `json:"kind" openapi:"enum=EAN13,UPCA,EAN8,WEIGHTED,TEXT" doc:"What the scanned code is"`
	Product  Product                `json:"product"`
	Variant  ProductVariant         `json:"variant"`
	Weighted *ProductLookupWeighted `json:"weighted,omitempty"`
}

// ProductLookupWeighted is a weighed item's label.
type ProductLookupWeighted struct {
	WeightedItem
	// Amount is the line amount the label stands for: the printed price, or the variant's price
	// per kilogram times the weight, rounded half up to the dong.
	Amount int64 `json:"amount" doc:"PRICE: the printed price; WEIGHT: the variant's price per kg x grams / 1000, rounded half up"`
}

// Lookup finds the variant a code identifies in a merchant's catalog: a SKU (any case), an
// EAN-13, UPC-A (as 12 or 13 digits), EAN-8, GTIN-14 with a leading 0, a PLU or custom code, or a
// weighed-item barcode of the merchant's formats (its item code is looked up as a PLU). A GS1
// code with a bad check digit is a 400, unless a custom identifier has exactly those digits.
func (m *Module) Lookup(ctx context.Context, merchantID id.ID, code string) (*ProductLookup, error) {
	raw := strings.TrimSpace(code)
	if raw == "" {
		return nil, errs.Field("query.code", "is required", nil)
	}
	if len(raw) > MaxCodeLength {
		return nil, errs.Field("query.code", fmt.Sprintf("is longer than %d characters", MaxCodeLength), len(raw))
	}
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return nil, err
	}
	// The merchant's organizer is the caller's: the query reads only that organizer's codes.
	if auth.ActFor(ctx, sc.OrganizerID, merchantID) != nil {
		return nil, errs.Wrap(errs.NotFound, "merchant "+merchantID.String()+" not found", errs.ErrNotFound)
	}
	bc, perr := ParseBarcode(raw, nil)
	candidates := []string{raw}
	add := func(c string) {
		for _, x := range candidates {
			if x == c {
				return
			}
		}
		candidates = append(candidates, c)
	}
	if perr == nil && bc.Code != raw {
		add(bc.Code) // a UPC-A or GTIN-14 as its EAN-13
	}
	if perr == nil && bc.Kind == Text {
		add(strings.ToUpper(raw)) // SKUs are stored upper-case
		if isDigits(raw) && len(raw) <= 6 {
			add(canonicalPLU(raw))
		}
	}
	res, err := m.lookup(ctx, sc, merchantID, candidates, false)
	if err != nil || res != nil {
		if res != nil {
			res.Kind = bc.Kind
			if perr != nil {
				res.Kind = Text
			}
		}
		return res, err
	}
	if perr != nil {
		if errors.Is(perr, ErrCheckDigit) {
			return nil, errs.Field("query.code", "bad check digit", raw)
		}
		return nil, errs.Field("query.code", perr.Error(), raw)
	}
	if bc.Kind == EAN13 && bc.Code[0] == '2' {
		// Perhaps a weighed item: read it with the merchant's formats.
		mer, err := m.Merchant(ctx, merchantID)
		if err != nil {
			return nil, err
		}
		wb, err := ParseBarcode(bc.Code, mer.BarcodeConfig)
		if err == nil && wb.Weighted != nil {
			res, err := m.lookup(ctx, sc, merchantID, []string{canonicalPLU(wb.Weighted.ItemCode)}, true)
			if err != nil {
				return nil, err
			}
			if res != nil {
				res.Kind = Weighted
				lw := &ProductLookupWeighted{WeightedItem: *wb.Weighted}
				if lw.Value == ValueWeight {
					lw.Amount = (res.Variant.Price*lw.Grams + 500) / 1000
				} else {
					lw.Amount = lw.PriceVND
				}
				res.Weighted = lw
				return res, nil
			}
			return nil, errs.Wrap(errs.NotFound, "no product of the merchant has the PLU "+wb.Weighted.ItemCode+" of weighed-item code "+raw, errs.ErrNotFound)
		}
	}
	return nil, errs.Wrap(errs.NotFound, "no product of the merchant has the code "+raw, errs.ErrNotFound)
}
