package commerce

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
)

// The scan lookup's one query (lookup.go): a merchant's identifiers with their product and
// variant, for a few candidate codes.

// lookupSQL reads the identifier, its product and the variant it names (or every variant of the
// product, first by position, for a product-level identifier).
const lookupSQL = `SELECT i.code, i.type,
		p.id, p.organizer_id, p.merchant_id, p.category_id, p.name, p.description, p.status, p.position, p.created_at, p.updated_at,
		v.id, v.organizer_id, v.merchant_id, v.product_id, v.name, v.sku, v.options, v.price, v.currency, v.tax_rate, v.status,
		v.track_stock, v.position, v.created_at, v.updated_at
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
		q += " AND i.type = ?"
		args = append(args, string(IDPLU))
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
