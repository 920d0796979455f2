package commerce

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/query"
)

// This file is the Go API that pricing and sale call through narrow interfaces of their own:
//
//	VariantsForQuote(ctx, merchantID, variantIDs) (map[id.ID]VariantInfo, error)
//	Merchant(ctx, merchantID) (MerchantInfo, error)
//	ValidateModifiers(variant, optionIDs) error  /  SelectModifiers(variant, optionIDs)
//	CheckModifiers(ctx, merchantID, variantID, optionIDs) error
//	MerchantOrganizer(ctx, merchantID) (organizerID, error)

// VariantInfo is what pricing and sale need of a variant: price, tax, category and station,
// stock tracking and the modifier groups offered with it.
type VariantInfo struct {
	VariantID   id.ID             `json:"variantId"`
	ProductID   id.ID             `json:"productId"`
	MerchantID  id.ID             `json:"merchantId"`
	OrganizerID id.ID             `json:"organizerId"`
	SKU         string            `json:"sku,omitempty"`
	Name        string            `json:"name" doc:"For receipts and tickets: the product's name, with the variant's when it has several"`
	ProductName string            `json:"productName"`
	VariantName string            `json:"variantName"`
	Options     map[string]string `json:"options,omitempty"`
	CategoryID  id.ID             `json:"categoryId,omitempty"`
	// CategoryCode is the product's category; CategoryCodes adds its ancestors, nearest first,
	// for rules on a parent category.
	CategoryCode  string   `json:"categoryCode,omitempty"`
	CategoryCodes []string `json:"categoryCodes,omitempty"`
	StationID     id.ID    `json:"stationId,omitempty"`
	StationCode   string   `json:"stationCode,omitempty" doc:"Where the sale module sends its kitchen ticket"`
	Price         int64    `json:"price" doc:"Base price in whole VND"`
	Currency      string   `json:"currency"`
	// TaxRate is the variant's VAT code, or the merchant's when the variant has none.
	TaxRate          string              `json:"taxRate"`
	TaxRateBP        int64               `json:"taxRateBp"`
	PriceIncludesTax bool                `json:"priceIncludesTax"`
	Active           bool                `json:"active" doc:"Variant and product are ACTIVE"`
	TrackStock       bool                `json:"trackStock"`
	ModifierGroups   []ModifierGroupInfo `json:"modifierGroups"`
}

// ModifierGroupInfo is a modifier group as offered with one variant (its min/max may be the
// variant's own).
type ModifierGroupInfo struct {
	ID      id.ID                `json:"id"`
	Code    string               `json:"code"`
	Name    string               `json:"name"`
	Min     int                  `json:"min"`
	Max     int                  `json:"max"`
	Options []ModifierOptionInfo `json:"options"`
}

// ModifierOptionInfo is one option and its price per unit of the line.
type ModifierOptionInfo struct {
	ID     id.ID  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Price  int64  `json:"price"`
	Active bool   `json:"active"`
}

type optionSpot struct{ group, option int }

// MerchantInfo is what pricing and sale need of a merchant.
type MerchantInfo struct {
	ID               id.ID          `json:"id"`
	OrganizerID      id.ID          `json:"organizerId"`
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	Status           string         `json:"status"`
	Open             bool           `json:"open"`
	Currency         string         `json:"currency"`
	Timezone         string         `json:"timezone"`
	Location         *time.Location `json:"-"`
	PriceIncludesTax bool           `json:"priceIncludesTax"`
	VATRate          string         `json:"vatRate"`
	VATRateBP        int64          `json:"vatRateBp"`
	BarcodeConfig    *BarcodeConfig `json:"barcodeConfig,omitempty"`
}

// memoKey names a read remembered for one operation (platform/memo): the merchant or variant
// as the caller's scope sees it.
type memoKey struct {
	kind     byte // 'm' merchant, 'v' variant
	id       id.ID
	merchant id.ID
	org      id.ID
	all      bool
}

func scopeKey(ctx context.Context, kind byte, merchantID, rowID id.ID) memoKey {
	sc := auth.ScopeOf(ctx)
	return memoKey{kind: kind, id: rowID, merchant: merchantID, org: sc.OrganizerID, all: sc.All}
}

// Merchant returns a merchant the caller of ctx may see (any merchant for a system context).
// Within an operation with a memo (platform/memo) it is read once.
func (m *Module) Merchant(ctx context.Context, merchantID id.ID) (MerchantInfo, error) {
	key := scopeKey(ctx, 'm', merchantID, merchantID)
	if mi, ok := memo.Get[MerchantInfo](ctx, key); ok {
		return mi, nil
	}
	version, err := m.catalogVersion(ctx, merchantID)
	if err != nil {
		return MerchantInfo{}, err
	}
	mi, ok := m.catalog.merchant(merchantID, version)
	if !ok {
		m.catalog.reads.Add(1)
		mer, err := m.merchants.Get(auth.System(ctx), merchantID, query.ExcludeDeleted)
		if err != nil {
			return MerchantInfo{}, err
		}
		mi = merchantInfo(mer)
		m.catalog.putMerchant(version, mi)
	}
	// The caller's scope, as the merchants table applies it to a read.
	if sc := auth.ScopeOf(ctx); !sc.AllowsMerchant(mi.OrganizerID, mi.ID) {
		return MerchantInfo{}, errs.Wrap(errs.NotFound, "merchant "+merchantID.String()+" not found", errs.ErrNotFound)
	}
	memo.Put(ctx, key, mi)
	return mi, nil
}

// MerchantOrganizer returns the organizer a merchant belongs to, whoever asks (identity checks
// an employee's merchants with it). An unknown or deleted merchant is errs.NotFound.
func (m *Module) MerchantOrganizer(ctx context.Context, merchantID id.ID) (id.ID, error) {
	mer, err := m.merchants.Get(auth.System(ctx), merchantID, query.ExcludeDeleted)
	if err != nil {
		return 0, err
	}
	return mer.OrganizerID, nil
}

// CheckModifiers validates a line's options against one variant of a merchant (for callers that
// hold ids, not a VariantInfo): a variant absent for the caller is errs.NotFound.
func (m *Module) CheckModifiers(ctx context.Context, merchantID, variantID id.ID, optionIDs []id.ID) error {
	vs, err := m.VariantsForQuote(ctx, merchantID, []id.ID{variantID})
	if err != nil {
		return err
	}
	v, ok := vs[variantID]
	if !ok {
		return errs.Wrap(errs.NotFound, "variant "+variantID.String()+" not found", errs.ErrNotFound)
	}
	return ValidateModifiers(v, optionIDs)
}

func merchantInfo(mer *Merchant) MerchantInfo {
	loc, err := time.LoadLocation(mer.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return MerchantInfo{ID: mer.ID, OrganizerID: mer.OrganizerID, Name: mer.Name, Type: mer.Type, Status: mer.Status,
		Open: mer.Status == Open, Currency: mer.Currency, Timezone: mer.Timezone, Location: loc,
		PriceIncludesTax: mer.PriceIncludesTax, VATRate: mer.VATRate, VATRateBP: TaxRateBP(mer.VATRate), BarcodeConfig: mer.BarcodeConfig}
}

// VariantsForQuote returns the variants of a merchant by id. A variant that does not exist, is
// deleted, belongs to another merchant or is outside the caller's scope is absent from the map;
// an inactive one is present with Active false. Three queries whatever the number of variants,
// plus one per level of category nesting.
//
// Within an operation with a memo (platform/memo), variants already read are not read again;
// across operations they come from the catalog cache while the merchant's catalog is unchanged.
func (m *Module) VariantsForQuote(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]VariantInfo, error) {
	out := map[id.ID]VariantInfo{}
	if len(variantIDs) == 0 {
		return out, nil
	}
	missing := variantIDs[:0:0]
	for _, v := range variantIDs {
		if vi, ok := memo.Get[VariantInfo](ctx, scopeKey(ctx, 'v', merchantID, v)); ok {
			out[v] = vi
		} else {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	version, err := m.catalogVersion(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	read, uncached := m.catalog.variants(merchantID, version, missing)
	if len(uncached) > 0 {
		m.catalog.reads.Add(1)
		fresh, err := m.variantsForQuote(ctx, merchantID, uncached)
		if err != nil {
			return nil, err
		}
		m.catalog.putVariants(merchantID, version, fresh)
		for v, vi := range fresh {
			read[v] = vi
		}
	}
	// The caller's scope, as variantsForQuote applies it in SQL.
	sc := auth.ScopeOf(ctx)
	for v, vi := range read {
		if !sc.All && (!sc.AllowsMerchant(sc.OrganizerID, merchantID) || vi.OrganizerID != sc.OrganizerID) {
			continue
		}
		out[v] = vi
		memo.Put(ctx, scopeKey(ctx, 'v', merchantID, v), vi)
	}
	return out, nil
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
		var vStatus, pStatus, vTax, merTax string
		var catID, parentID, stationID sql.NullInt64
		var catCode, stationCode sql.NullString
		if err := rows.Scan(&v.VariantID, &v.ProductID, &v.OrganizerID, &v.SKU, &v.VariantName, &v.ProductName, &opts, &v.Price,
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
		v.TaxRate = vTax
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

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
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

// ChosenModifier is a valid choice of an option for a line, with what pricing needs.
type ChosenModifier struct {
	GroupID   id.ID  `json:"groupId"`
	GroupCode string `json:"groupCode"`
	GroupName string `json:"groupName"`
	OptionID  id.ID  `json:"optionId"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Price     int64  `json:"price" doc:"Whole VND per unit of the line"`
}

// ModifierError tells which group a choice of modifiers breaks. It is wrapped in an errs.E:
// Invalid (400) for an option the variant does not offer or chosen twice, Rule (422) for an
// inactive option or a count outside the group's min/max.
type ModifierError struct {
	GroupID   id.ID
	GroupCode string
	GroupName string
	OptionID  id.ID
	Min, Max  int
	Chosen    int
	Reason    string
}

func (e *ModifierError) Error() string { return e.Reason }

func modifierErr(k errs.Kind, loc string, e *ModifierError) error {
	return &errs.E{Kind: k, Message: e.Reason, Err: e,
		Fields: []errs.FieldError{{Location: loc, Message: e.Reason, Value: e.GroupCode}}}
}

// ValidateModifiers checks a line's chosen options against the variant's modifier groups: each
// option offered with the variant, active and chosen once, and each group chosen between its
// min and max times. The error names the group.
func ValidateModifiers(v VariantInfo, optionIDs []id.ID) error {
	_, err := SelectModifiers(v, optionIDs)
	return err
}

// SelectModifiers validates like ValidateModifiers and returns the choices in the order of the
// variant's groups and options, with their prices.
func SelectModifiers(v VariantInfo, optionIDs []id.ID) ([]ChosenModifier, error) {
	spots := map[id.ID]optionSpot{}
	for gi, g := range v.ModifierGroups {
		for oi, o := range g.Options {
			spots[o.ID] = optionSpot{gi, oi}
		}
	}
	counts := make([]int, len(v.ModifierGroups))
	chosen := map[id.ID]bool{}
	for i, oid := range optionIDs {
		loc := fmt.Sprintf("modifiers[%d]", i)
		s, ok := spots[oid]
		if !ok {
			return nil, modifierErr(errs.Invalid, loc, &ModifierError{OptionID: oid,
				Reason: fmt.Sprintf("option %s is not offered with %s", oid, v.Name)})
		}
		g := v.ModifierGroups[s.group]
		o := g.Options[s.option]
		base := ModifierError{GroupID: g.ID, GroupCode: g.Code, GroupName: g.Name, OptionID: oid, Min: g.Min, Max: g.Max}
		if chosen[oid] {
			base.Reason = fmt.Sprintf("modifier group %s (%s): option %s is chosen twice", g.Code, g.Name, o.Name)
			return nil, modifierErr(errs.Invalid, loc, &base)
		}
		if !o.Active {
			base.Reason = fmt.Sprintf("modifier group %s (%s): option %s is not available", g.Code, g.Name, o.Name)
			return nil, modifierErr(errs.Rule, loc, &base)
		}
		chosen[oid] = true
		counts[s.group]++
	}
	for gi, g := range v.ModifierGroups {
		e := ModifierError{GroupID: g.ID, GroupCode: g.Code, GroupName: g.Name, Min: g.Min, Max: g.Max, Chosen: counts[gi]}
		switch {
		case counts[gi] < g.Min:
			e.Reason = fmt.Sprintf("modifier group %s (%s): choose at least %d, chose %d", g.Code, g.Name, g.Min, counts[gi])
		case counts[gi] > g.Max:
			e.Reason = fmt.Sprintf("modifier group %s (%s): choose at most %d, chose %d", g.Code, g.Name, g.Max, counts[gi])
		default:
			continue
		}
		return nil, modifierErr(errs.Rule, "modifiers", &e)
	}
	out := make([]ChosenModifier, 0, len(optionIDs))
	for _, g := range v.ModifierGroups {
		for _, o := range g.Options {
			if chosen[o.ID] {
				out = append(out, ChosenModifier{GroupID: g.ID, GroupCode: g.Code, GroupName: g.Name, OptionID: o.ID,
					Code: o.Code, Name: o.Name, Price: o.Price})
			}
		}
	}
	return out, nil
}
