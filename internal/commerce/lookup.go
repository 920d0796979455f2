package commerce

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
)

// ProductLookup is what a scan finds: the variant (the one the identifier names, or the product's
// first when the identifier names the product), its product, and for a weighed-item barcode
// what the label carries.
type ProductLookup struct {
	Code     string                 `json:"code" doc:"The identifier that matched, as stored"`
	Type     IdentifierType         `json:"type" doc:"Its type"`
	Kind     BarcodeKind            `json:"kind" doc:"What the scanned code is"`
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
	sc := auth.ScopeOf(ctx)
	if !sc.All && !sc.AllowsMerchant(sc.OrganizerID, merchantID) {
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
		if perr == ErrCheckDigit {
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

var productCols = []string{"id", "organizer_id", "merchant_id", "category_id", "name", "description", "status", "position", "created_at", "updated_at"}
var variantCols = []string{"id", "organizer_id", "merchant_id", "product_id", "name", "sku", "options", "price", "currency", "tax_rate", "status", "track_stock", "position", "created_at", "updated_at"}

func prefixed(alias string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = alias + "." + c
	}
	return strings.Join(out, ", ")
}

// lookupSQL is built once: the identifier, its product and the variant it names (or every
// variant of the product, first by position, for a product-level identifier).
var lookupSQL = `SELECT i.code, i.type, ` + prefixed("p", productCols) + `, ` + prefixed("v", variantCols) + `
	FROM product_identifiers i
	JOIN products p ON p.id = i.product_id AND p.deleted_at IS NULL
	JOIN product_variants v ON v.product_id = i.product_id AND v.deleted_at IS NULL AND (i.variant_id IS NULL OR v.id = i.variant_id)
	WHERE i.merchant_id = ? AND i.deleted_at IS NULL`

// lookup runs one query for the candidate codes and keeps the best match: the earliest
// candidate, then the first variant by position.
func (m *Module) lookup(ctx context.Context, sc auth.Scope, merchant id.ID, candidates []string, pluOnly bool) (*ProductLookup, error) {
	q := lookupSQL
	args := []any{int64(merchant)}
	if !sc.All {
		q += " AND i.organizer_id = ?"
		args = append(args, int64(sc.OrganizerID))
	}
	if pluOnly {
		q += " AND i.type = 'PLU'"
	}
	q += " AND i.code IN (" + placeholders(len(candidates)) + ") ORDER BY v.position, v.id LIMIT 100"
	for _, c := range candidates {
		args = append(args, c)
	}
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	var best *ProductLookup
	bestRank := len(candidates)
	for rows.Next() {
		r := &ProductLookup{}
		var opts []byte
		var cat sql.NullInt64
		var times [4]timeCol
		p, v := &r.Product, &r.Variant
		if err := rows.Scan(&r.Code, &r.Type,
			&p.ID, &p.OrganizerID, &p.MerchantID, &cat, &p.Name, &p.Description, &p.Status, &p.Position, &times[0], &times[1],
			&v.ID, &v.OrganizerID, &v.MerchantID, &v.ProductID, &v.Name, &v.SKU, &opts, &v.Price, &v.Currency, &v.TaxRate,
			&v.Status, &v.TrackStock, &v.Position, &times[2], &times[3]); err != nil {
			return nil, db.Classify(err)
		}
		rank := len(candidates)
		for i, c := range candidates {
			if c == r.Code {
				rank = i
				break
			}
		}
		if rank >= bestRank {
			continue
		}
		if cat.Valid {
			c := id.ID(cat.Int64)
			p.CategoryID = &c
		}
		if len(opts) > 0 && string(opts) != "null" {
			if err := json.Unmarshal(opts, &v.Options); err != nil {
				return nil, fmt.Errorf("variant %s options: %w", v.ID, err)
			}
		}
		p.CreatedAt, p.UpdatedAt, v.CreatedAt, v.UpdatedAt = times[0].t, times[1].t, times[2].t, times[3].t
		best, bestRank = r, rank
	}
	return best, db.Classify(rows.Err())
}

// timeCol scans a timestamp that SQLite may return as text.
type timeCol struct{ t time.Time }

func (c *timeCol) Scan(src any) error {
	var p *time.Time
	if err := (&nullTime{&p}).Scan(src); err != nil {
		return err
	}
	if p != nil {
		c.t = p.UTC()
	}
	return nil
}
