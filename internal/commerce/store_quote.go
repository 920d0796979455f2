package commerce

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// What pricing and sale read of the catalog (quote.go), by hand-written SQL: a merchant's
// catalog version (catalogcache.go) and its variants with their category chain and modifiers,
// in a fixed number of queries whatever the number of variants.

// readCatalogVersion reads the merchant's row of catalog_versions: 0 when it has none.
func (m *Module) readCatalogVersion(ctx context.Context, merchantID id.ID) (int64, error) {
	var v int64
	err := m.db.Raw(ctx, false).QueryRowContext(ctx, m.db.Rebind(`SELECT version FROM catalog_versions WHERE merchant_id = ?`), int64(merchantID)).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, db.Classify(err)
	}
	return v, nil
}

// variantsForQuote reads the merchant's variants by id, whoever asks: the catalog cache keeps
// them for every caller, and VariantsForQuote applies the caller's scope to what it returns.
func (m *Module) variantsForQuote(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]VariantInfo, error) {
	out := map[id.ID]VariantInfo{}
	if len(variantIDs) > query.MaxLimit {
		return nil, errs.Field("variantIds", fmt.Sprintf("at most %d variants at once", query.MaxLimit), len(variantIDs))
	}
	args := []any{int64(merchantID)}
	ids := slices.Compact(slices.Sorted(slices.Values(variantIDs)))
	for _, v := range ids {
		args = append(args, int64(v))
	}
	q := `SELECT v.id, v.product_id, v.organizer_id, v.sku, v.name, p.name, v.options, v.price, v.currency, v.tax_rate,
		v.status, p.status, v.track_stock, p.category_id, c.code, c.parent_id, c.station_id, c.station_code,
		mer.vat_rate, mer.price_includes_tax
	FROM product_variants v
	JOIN products p ON p.id = v.product_id AND p.deleted_at IS NULL
	JOIN merchants mer ON mer.id = v.merchant_id AND mer.deleted_at IS NULL
	LEFT JOIN categories c ON c.id = p.category_id AND c.deleted_at IS NULL
	WHERE v.merchant_id = ? AND v.deleted_at IS NULL AND v.id IN (` + placeholders(len(ids)) + `)`
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(q), args...)
	if err != nil {
		return nil, db.Classify(err)
	}
	defer rows.Close()
	parents := map[id.ID][]id.ID{} // parent category -> variants whose chain reaches it
	for rows.Next() {
		var v VariantInfo
		var opts []byte
		var vStatus, pStatus, merTax string
		var sku, vTax db.OptText
		var catID, parentID, stationID sql.NullInt64
		var catCode, stationCode sql.NullString
		if err := rows.Scan(&v.VariantID, &v.ProductID, &v.OrganizerID, &sku, &v.VariantName, &v.ProductName, &opts, &v.Price,
			&v.Currency, &vTax, &vStatus, &pStatus, &v.TrackStock, &catID, &catCode, &parentID, &stationID, &stationCode,
			&merTax, &v.PriceIncludesTax); err != nil {
			return nil, db.Classify(err)
		}
		v.MerchantID = merchantID
		if len(opts) > 0 && string(opts) != "null" {
			if err := json.Unmarshal(opts, &v.Options); err != nil {
				return nil, fmt.Errorf("variant %s options: %w", v.VariantID, err)
			}
		}
		v.Name = v.ProductName
		if v.VariantName != "" && v.VariantName != v.ProductName {
			v.Name = v.ProductName + " (" + v.VariantName + ")"
		}
		v.SKU, v.TaxRate = string(sku), string(vTax)
		if v.TaxRate == "" {
			v.TaxRate = merTax
		}
		v.TaxRateBP = TaxRateBP(v.TaxRate)
		v.Active = vStatus == Active && pStatus == Active
		if catID.Valid && catCode.Valid {
			v.CategoryID, v.CategoryCode = id.ID(catID.Int64), catCode.String
			v.CategoryCodes = []string{catCode.String}
			if parentID.Valid {
				parents[id.ID(parentID.Int64)] = append(parents[id.ID(parentID.Int64)], v.VariantID)
			}
		}
		if stationID.Valid {
			v.StationID, v.StationCode = id.ID(stationID.Int64), stationCode.String
		}
		v.ModifierGroups = []ModifierGroupInfo{}
		out[v.VariantID] = v
	}
	if err := rows.Err(); err != nil {
		return nil, db.Classify(err)
	}
	rows.Close()
	if err := m.ancestors(ctx, parents, out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	return out, m.modifiersOf(ctx, out)
}

// ancestors appends the codes of each variant's ancestor categories, one query per level.
func (m *Module) ancestors(ctx context.Context, parents map[id.ID][]id.ID, out map[id.ID]VariantInfo) error {
	for level := 0; len(parents) > 0 && level < 16; level++ {
		args := make([]any, 0, len(parents))
		for p := range parents {
			args = append(args, int64(p))
		}
		rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(
			`SELECT id, code, parent_id FROM categories WHERE deleted_at IS NULL AND id IN (`+placeholders(len(args))+`)`), args...)
		if err != nil {
			return db.Classify(err)
		}
		next := map[id.ID][]id.ID{}
		for rows.Next() {
			var cid id.ID
			var c string
			var parent sql.NullInt64
			if err := rows.Scan(&cid, &c, &parent); err != nil {
				rows.Close()
				return db.Classify(err)
			}
			for _, vid := range parents[cid] {
				v := out[vid]
				v.CategoryCodes = append(v.CategoryCodes, c)
				out[vid] = v
				if parent.Valid {
					next[id.ID(parent.Int64)] = append(next[id.ID(parent.Int64)], vid)
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return db.Classify(err)
		}
		parents = next
	}
	return nil
}

// modifiersOf loads the modifier groups and options of the variants in out.
func (m *Module) modifiersOf(ctx context.Context, out map[id.ID]VariantInfo) error {
	args := make([]any, 0, len(out))
	for vid := range out {
		args = append(args, int64(vid))
	}
	rows, err := m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(
		`SELECT l.variant_id, g.id, g.code, g.name, g.min_select, g.max_select, l.min_select, l.max_select
		FROM variant_modifier_groups l
		JOIN modifier_groups g ON g.id = l.group_id AND g.deleted_at IS NULL
		WHERE l.variant_id IN (`+placeholders(len(args))+`)
		ORDER BY l.variant_id, l.position, l.id`), args...)
	if err != nil {
		return db.Classify(err)
	}
	groups := map[id.ID][]id.ID{} // group -> variants offering it
	for rows.Next() {
		var vid id.ID
		var g ModifierGroupInfo
		var lmin, lmax sql.NullInt64
		if err := rows.Scan(&vid, &g.ID, &g.Code, &g.Name, &g.Min, &g.Max, &lmin, &lmax); err != nil {
			rows.Close()
			return db.Classify(err)
		}
		if lmin.Valid {
			g.Min = int(lmin.Int64)
		}
		if lmax.Valid {
			g.Max = int(lmax.Int64)
		}
		g.Options = []ModifierOptionInfo{}
		v := out[vid]
		v.ModifierGroups = append(v.ModifierGroups, g)
		out[vid] = v
		groups[g.ID] = append(groups[g.ID], vid)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return db.Classify(err)
	}
	if len(groups) == 0 {
		return nil
	}
	gargs := make([]any, 0, len(groups))
	for g := range groups {
		gargs = append(gargs, int64(g))
	}
	rows, err = m.db.Raw(ctx, false).QueryContext(ctx, m.db.Rebind(
		`SELECT group_id, id, code, name, price, status FROM modifier_options
		WHERE deleted_at IS NULL AND group_id IN (`+placeholders(len(gargs))+`) ORDER BY group_id, position, id`), gargs...)
	if err != nil {
		return db.Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var gid id.ID
		var o ModifierOptionInfo
		var status string
		if err := rows.Scan(&gid, &o.ID, &o.Code, &o.Name, &o.Price, &status); err != nil {
			return db.Classify(err)
		}
		o.Active = status == Active
		for _, vid := range groups[gid] {
			v := out[vid]
			for i := range v.ModifierGroups {
				if v.ModifierGroups[i].ID == gid {
					v.ModifierGroups[i].Options = append(v.ModifierGroups[i].Options, o)
				}
			}
		}
	}
	return db.Classify(rows.Err())
}
