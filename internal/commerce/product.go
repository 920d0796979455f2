package commerce

import (
	"context"
	"errors"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/banapos/bana/internal/platform/query"
)

// MaxPrice bounds a price in whole VND (a trillion dong): the platform's money bound.
const MaxPrice = money.MaxAmount

// ProductInput is a new product with its info, identifiers and variants (POST /products).
type ProductInput struct {
	MerchantID  id.ID                 `json:"merchantId"`
	CategoryID  *id.ID                `json:"categoryId,omitempty"`
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	Status      string                `json:"status,omitempty" enum:"ACTIVE,INACTIVE"`
	Position    int                   `json:"position,omitempty"`
	Info        *ProductInfoInput     `json:"info,omitempty"`
	Identifiers []ProductCodeInput    `json:"identifiers,omitempty" doc:"Codes of the product as a whole; a scan of one finds its first variant"`
	Variants    []ProductVariantInput `json:"variants" doc:"At least one"`
}

// ProductCodeInput is a code to find a product or variant by.
type ProductCodeInput struct {
	Type IdentifierType `json:"type" enum:"EAN13,UPCA,EAN8,PLU,CUSTOM" doc:"SKUs are set with the variant's sku"`
	Code string         `json:"code"`
}

// ProductVariantInput is a new variant.
type ProductVariantInput struct {
	Name             string             `json:"name,omitempty" doc:"Default: the option values joined (L / Đỏ), or the product's name"`
	SKU              string             `json:"sku,omitempty"`
	Options          map[string]string  `json:"options,omitempty" doc:"{\"size\":\"L\",\"colour\":\"Đỏ\"}"`
	Price            int64              `json:"price" doc:"Whole VND"`
	Currency         string             `json:"currency,omitempty" doc:"Default: the merchant's"`
	TaxRate          string             `json:"taxRate,omitempty" enum:"VAT0,VAT5,VAT8,VAT10,KCT,KKKNT"`
	Status           string             `json:"status,omitempty" enum:"ACTIVE,INACTIVE"`
	TrackStock       bool               `json:"trackStock,omitempty"`
	Identifiers      []ProductCodeInput `json:"identifiers,omitempty"`
	ModifierGroupIDs []id.ID            `json:"modifierGroupIds,omitempty" doc:"Modifier groups offered with the variant, in order"`
}

// CreateProduct creates a product, its info, variants, identifiers and modifier links in one
// transaction, and publishes ProductChanged CREATED.
func (m *Module) CreateProduct(ctx context.Context, in *ProductInput) (*Product, error) {
	var out *Product
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		mer, err := m.merchantFor(ctx, in.MerchantID, "body.merchantId")
		if err != nil {
			return err
		}
		now := m.clock.Now()
		p := Product{ID: m.ids.Next(), OrganizerID: mer.OrganizerID, MerchantID: mer.ID, CategoryID: in.CategoryID,
			Name: in.Name, Description: db.OptText(in.Description), Status: in.Status, Position: in.Position, CreatedAt: now, UpdatedAt: now}
		if err := m.checkProduct(ctx, &p, "body"); err != nil {
			return err
		}
		if len(in.Variants) == 0 {
			return errs.Field("body.variants", "needs at least one variant", nil)
		}
		if len(in.Variants) > 100 {
			return errs.Field("body.variants", "at most 100 variants", len(in.Variants))
		}
		info := ProductInfo{ID: m.ids.Next(), OrganizerID: p.OrganizerID, MerchantID: p.MerchantID, ProductID: p.ID, CreatedAt: now, UpdatedAt: now}
		if err := applyInfo(&info, in.Info, "body.info"); err != nil {
			return err
		}

		codes := newCodeSet()
		var idents []ProductIdentifier
		addIdent := func(at string, variant *id.ID, t IdentifierType, c string) error {
			norm, err := checkIdentifier(at, t, c)
			if err != nil {
				return err
			}
			if err := codes.add(norm, at+".code"); err != nil {
				return err
			}
			idents = append(idents, ProductIdentifier{ID: m.ids.Next(), OrganizerID: p.OrganizerID, MerchantID: p.MerchantID,
				ProductID: p.ID, VariantID: variant, Type: t, Code: norm, CreatedAt: now, UpdatedAt: now})
			return nil
		}
		for i, x := range in.Identifiers {
			if err := addIdent(fmt.Sprintf("body.identifiers[%d]", i), nil, x.Type, x.Code); err != nil {
				return err
			}
		}
		var groupIDs []id.ID
		variants := make([]ProductVariant, 0, len(in.Variants))
		var links []VariantModifierGroup
		for i, vi := range in.Variants {
			at := fmt.Sprintf("body.variants[%d]", i)
			v := ProductVariant{ID: m.ids.Next(), OrganizerID: p.OrganizerID, MerchantID: p.MerchantID, ProductID: p.ID,
				Name: vi.Name, SKU: db.OptText(vi.SKU), Options: vi.Options, Price: vi.Price, Currency: vi.Currency, TaxRate: db.OptText(vi.TaxRate),
				Status: vi.Status, TrackStock: vi.TrackStock, Position: i + 1, CreatedAt: now, UpdatedAt: now}
			if err := checkVariant(&v, &p, mer, at); err != nil {
				return err
			}
			for j := range variants {
				if len(v.Options) > 0 && maps.Equal(variants[j].Options, v.Options) {
					return errs.Field(at+".options", fmt.Sprintf("same options as variants[%d]", j), v.Options)
				}
			}
			vid := v.ID
			if v.SKU != "" {
				if err := addIdent(at+".sku", &vid, IDSKU, string(v.SKU)); err != nil {
					return err
				}
			}
			for j, x := range vi.Identifiers {
				if x.Type == IDSKU {
					return errs.Field(fmt.Sprintf("%s.identifiers[%d].type", at, j), "set a SKU with the variant's sku", x.Type)
				}
				if err := addIdent(fmt.Sprintf("%s.identifiers[%d]", at, j), &vid, x.Type, x.Code); err != nil {
					return err
				}
			}
			for j, g := range vi.ModifierGroupIDs {
				if slices.ContainsFunc(links, func(l VariantModifierGroup) bool { return l.VariantID == vid && l.GroupID == g }) {
					return errs.Field(fmt.Sprintf("%s.modifierGroupIds[%d]", at, j), "appears twice", g.String())
				}
				links = append(links, VariantModifierGroup{ID: m.ids.Next(), OrganizerID: p.OrganizerID, MerchantID: p.MerchantID,
					VariantID: vid, GroupID: g, Position: j + 1, CreatedAt: now, UpdatedAt: now})
				groupIDs = append(groupIDs, g)
			}
			variants = append(variants, v)
		}
		for _, x := range in.Identifiers {
			if x.Type == IDSKU {
				return errs.Field("body.identifiers", "set a SKU with the variant's sku", x.Type)
			}
		}
		if err := m.checkGroups(ctx, p.MerchantID, groupIDs, "body.variants[].modifierGroupIds"); err != nil {
			return err
		}
		if err := m.codesFree(ctx, p.MerchantID, codes, 0); err != nil {
			return err
		}
		if err := m.insert(ctx, &p, 1); err != nil {
			return err
		}
		if err := m.insert(ctx, &info, 1); err != nil {
			return err
		}
		if err := m.insert(ctx, &variants, len(variants)); err != nil {
			return err
		}
		if err := m.insert(ctx, &idents, len(idents)); err != nil {
			return conflictCodes(err)
		}
		if err := m.insert(ctx, &links, len(links)); err != nil {
			return err
		}
		out = &p
		return m.productChanged(ctx, p.OrganizerID, p.MerchantID, p.ID, 0, ActionCreated)
	})
	return out, err
}

// checkProduct validates a product's own fields and its category.
func (m *Module) checkProduct(ctx context.Context, p *Product, loc string) error {
	var err error
	if p.Name, err = cleanName(loc+".name", p.Name, 200); err != nil {
		return err
	}
	if p.Description, err = cleanText(loc+".description", p.Description, 5000); err != nil {
		return err
	}
	if p.Status == "" {
		p.Status = Active
	}
	if p.Status != Active && p.Status != Inactive {
		return errs.Field(loc+".status", "must be ACTIVE or INACTIVE", p.Status)
	}
	if p.CategoryID != nil {
		c, err := m.categories.Get(ctx, *p.CategoryID, query.ExcludeDeleted)
		if err != nil || c.MerchantID != p.MerchantID {
			return errs.Field(loc+".categoryId", "is not a category of the merchant", p.CategoryID.String())
		}
	}
	return nil
}

// checkVariant validates a variant against its product and merchant, filling defaults.
func checkVariant(v *ProductVariant, p *Product, mer *Merchant, loc string) error {
	var err error
	if len(v.Options) > 10 {
		return errs.Field(loc+".options", "at most 10 options", len(v.Options))
	}
	clean := make(map[string]string, len(v.Options))
	for k, val := range v.Options {
		ck, err := cleanName(loc+".options", k, 30)
		if err != nil {
			return err
		}
		cv, err := cleanName(loc+".options."+ck, val, 50)
		if err != nil {
			return err
		}
		clean[ck] = cv
	}
	v.Options = clean
	if len(v.Options) == 0 {
		v.Options = nil
	}
	if strings.TrimSpace(v.Name) == "" {
		v.Name = p.Name
		if len(v.Options) > 0 {
			keys := slices.Sorted(maps.Keys(v.Options))
			vals := make([]string, len(keys))
			for i, k := range keys {
				vals[i] = v.Options[k]
			}
			v.Name = strings.Join(vals, " / ")
		}
	}
	if v.Name, err = cleanName(loc+".name", v.Name, 200); err != nil {
		return err
	}
	if v.SKU != "" {
		if v.SKU, err = checkIdentifier(loc+".sku", IDSKU, v.SKU); err != nil {
			return err
		}
	}
	if v.Price < 0 || v.Price > MaxPrice {
		return errs.Field(loc+".price", fmt.Sprintf("must be 0 to %d VND", int64(MaxPrice)), v.Price)
	}
	if v.Currency == "" {
		v.Currency = mer.Currency
	}
	if v.Currency != mer.Currency {
		return errs.Field(loc+".currency", "must be the merchant's currency "+mer.Currency, v.Currency)
	}
	if v.TaxRate != "" && !slices.Contains(TaxRates, string(v.TaxRate)) {
		return errs.Field(loc+".taxRate", "must be one of "+strings.Join(TaxRates, ", "), v.TaxRate)
	}
	if v.Status == "" {
		v.Status = Active
	}
	if v.Status != Active && v.Status != Inactive {
		return errs.Field(loc+".status", "must be ACTIVE or INACTIVE", v.Status)
	}
	return nil
}

// checkIdentifier normalises a code, naming the field on failure.
func checkIdentifier[S ~string](loc string, t IdentifierType, c S) (S, error) {
	norm, err := NormalizeIdentifier(t, string(c))
	if err != nil {
		if t == IDSKU && strings.HasSuffix(loc, ".sku") {
			return "", errs.Field(loc, err.Error(), c)
		}
		if errors.Is(err, ErrCheckDigit) {
			return "", errs.Field(loc+".code", "bad check digit for "+string(t), c)
		}
		if errors.Is(err, ErrIdentifierType) {
			return "", errs.Field(loc+".type", err.Error(), t)
		}
		return "", errs.Field(loc+".code", err.Error(), c)
	}
	return S(norm), nil
}

func applyInfo(info *ProductInfo, in *ProductInfoInput, loc string) error {
	if in == nil {
		return nil
	}
	var err error
	if info.Unit, err = cleanText(loc+".unit", db.OptText(in.Unit), 30); err != nil {
		return err
	}
	if info.Content, err = cleanText(loc+".content", db.OptText(in.Content), 20000); err != nil {
		return err
	}
	if info.Origin, err = cleanText(loc+".origin", db.OptText(in.Origin), 200); err != nil {
		return err
	}
	if len(in.Images) > 20 {
		return errs.Field(loc+".images", "at most 20 images", len(in.Images))
	}
	for i, u := range in.Images {
		if u == "" || len(u) > 2000 {
			return errs.Field(fmt.Sprintf("%s.images[%d]", loc, i), "must be a URL or asset key of up to 2000 characters", nil)
		}
	}
	info.Images = in.Images
	if len(in.Attributes) > 50 {
		return errs.Field(loc+".attributes", "at most 50 attributes", len(in.Attributes))
	}
	for k, v := range in.Attributes {
		if k == "" || utf8.RuneCountInString(k) > 50 || utf8.RuneCountInString(v) > 500 {
			return errs.Field(loc+".attributes", "keys of 1-50 and values of up to 500 characters", k)
		}
	}
	info.Attributes = in.Attributes
	return nil
}

// codeSet collects the codes of one write, refusing a code twice.
type codeSet struct {
	at   map[string]string // code -> location
	list []string
}

func newCodeSet() *codeSet { return &codeSet{at: map[string]string{}} }

func (s *codeSet) add(c, loc string) error {
	if prev, ok := s.at[c]; ok {
		return errs.Field(loc, "code "+c+" is also given at "+prev, c)
	}
	s.at[c] = loc
	s.list = append(s.list, c)
	return nil
}

// codesFree refuses codes another product (or another variant of this one: except is the
// identifier being changed) of the merchant already has: ErrCodeTaken (409) naming the field.
func (m *Module) codesFree(ctx context.Context, merchant id.ID, s *codeSet, except id.ID) error {
	if len(s.list) == 0 {
		return nil
	}
	taken, err := m.takenCodes(ctx, merchant, except, s.list)
	if err != nil {
		return err
	}
	for _, c := range s.list { // the first taken code in the order of the request
		if taken[c] {
			e := naming(ErrCodeTaken, "code "+c+" already identifies a product of the merchant")
			e.Fields = []errs.FieldError{{Location: s.at[c], Message: e.Message, Value: c}}
			return e
		}
	}
	return nil
}

// conflictCodes turns the unique index's refusal of an identifier into ErrCodeTaken.
func conflictCodes(err error) error {
	if errs.KindOf(err) == errs.Conflict {
		return because(ErrCodeTaken, err)
	}
	return err
}

// checkGroups refuses modifier groups that are not the merchant's.
func (m *Module) checkGroups(ctx context.Context, merchant id.ID, groups []id.ID, loc string) error {
	if len(groups) == 0 {
		return nil
	}
	uniq := slices.Compact(slices.Sorted(slices.Values(groups)))
	vals := make([]any, len(uniq))
	for i, g := range uniq {
		vals[i] = g.String()
	}
	rows, err := m.groups.Find(ctx, &query.Filter{Where: map[string]any{"id": map[string]any{"inq": vals}, "merchantId": merchant.String()}, Limit: query.MaxLimit}, query.ExcludeDeleted)
	if err != nil {
		return err
	}
	if len(rows) != len(uniq) {
		found := map[id.ID]bool{}
		for _, r := range rows {
			found[r.ID] = true
		}
		for _, g := range uniq {
			if !found[g] {
				return errs.Field(loc, "is not a modifier group of the merchant", g.String())
			}
		}
	}
	return nil
}

// updateProduct is the products' Update hook: it checks the product, replaces its info when
// one is sent with the write, and publishes ProductChanged UPDATED.
func (m *Module) updateProduct(ctx context.Context, before, p *Product) error {
	if err := m.checkProduct(ctx, p, "body"); err != nil {
		return err
	}
	if p.Info != nil {
		now := m.clock.Now()
		info := ProductInfo{ID: m.ids.Next(), OrganizerID: before.OrganizerID, MerchantID: before.MerchantID, ProductID: before.ID, CreatedAt: now, UpdatedAt: now}
		if err := applyInfo(&info, p.Info, "body.info"); err != nil {
			return err
		}
		if err := m.upsertInfo(ctx, &info); err != nil {
			return err
		}
	}
	return m.productChanged(ctx, before.OrganizerID, before.MerchantID, before.ID, 0, ActionUpdated)
}

// deleteProduct is the products' Delete hook: the product's variants and identifiers go with
// it. A soft delete gives them the product's deletion time, so that a restore brings back
// exactly them; a hard delete removes them with its info and modifier links. It publishes
// ProductChanged DELETED.
func (m *Module) deleteProduct(ctx context.Context, p, after *Product) error {
	if err := m.deleteProductRows(ctx, p.ID, after == nil, m.clock.Now()); err != nil {
		return err
	}
	return m.productChanged(ctx, p.OrganizerID, p.MerchantID, p.ID, 0, ActionDeleted)
}

// restoreProduct is the products' Restore hook: it brings back the variants and identifiers
// deleted with the product (ErrCodeTaken when another product took one of its codes in the
// meantime) and publishes ProductChanged CREATED.
func (m *Module) restoreProduct(ctx context.Context, p, _ *Product) error {
	if err := m.restoreProductRows(ctx, p.ID); err != nil {
		return conflictCodes(err)
	}
	return m.productChanged(ctx, p.OrganizerID, p.MerchantID, p.ID, 0, ActionCreated)
}

// product loads a product the caller may see.
func (m *Module) product(ctx context.Context, pid id.ID, loc string) (*Product, error) {
	p, err := m.products.Get(ctx, pid, query.ExcludeDeleted)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return nil, errs.Field(loc, "is not a product you may act for", pid.String())
		}
		return nil, err
	}
	return p, nil
}

// createVariant adds a variant to a product (POST /product-variants).
func (m *Module) createVariant(ctx context.Context, v *ProductVariant) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		p, err := m.product(ctx, v.ProductID, "body.productId")
		if err != nil {
			return err
		}
		mer, err := m.merchantFor(ctx, p.MerchantID, "body.productId")
		if err != nil {
			return err
		}
		v.OrganizerID, v.MerchantID = p.OrganizerID, p.MerchantID
		if err := checkVariant(v, p, mer, "body"); err != nil {
			return err
		}
		if err := m.variants.Create(ctx, v); err != nil {
			return err
		}
		if err := m.syncSKU(ctx, v, "body.sku"); err != nil {
			return err
		}
		return m.productChanged(ctx, v.OrganizerID, v.MerchantID, v.ProductID, v.ID, ActionUpdated)
	})
}

// updateVariant is the variants' Update hook: it checks the variant against its product and
// merchant, keeps its SKU identifier in step and publishes ProductChanged UPDATED.
func (m *Module) updateVariant(ctx context.Context, before, v *ProductVariant) error {
	p, err := m.product(ctx, before.ProductID, "body.productId")
	if err != nil {
		return err
	}
	mer, err := m.merchantFor(ctx, p.MerchantID, "body.merchantId")
	if err != nil {
		return err
	}
	if err := checkVariant(v, p, mer, "body"); err != nil {
		return err
	}
	if v.SKU != before.SKU {
		if err := m.syncSKU(ctx, v, "body.sku"); err != nil {
			return err
		}
	}
	return m.productChanged(ctx, before.OrganizerID, before.MerchantID, before.ProductID, before.ID, ActionUpdated)
}

// syncSKU makes the variant's SKU identifier match its sku.
func (m *Module) syncSKU(ctx context.Context, v *ProductVariant, loc string) error {
	if err := m.dropSKU(ctx, v.ID); err != nil {
		return err
	}
	if v.SKU == "" {
		return nil
	}
	s := newCodeSet()
	_ = s.add(string(v.SKU), loc)
	if err := m.codesFree(ctx, v.MerchantID, s, 0); err != nil {
		return err
	}
	now := m.clock.Now()
	vid := v.ID
	row := ProductIdentifier{ID: m.ids.Next(), OrganizerID: v.OrganizerID, MerchantID: v.MerchantID, ProductID: v.ProductID,
		VariantID: &vid, Type: IDSKU, Code: string(v.SKU), CreatedAt: now, UpdatedAt: now}
	return conflictCodes(m.insert(ctx, &row, 1))
}

// deleteVariant is the variants' Delete hook: a product keeps at least one live variant
// (ErrLastVariant), and a variant's identifiers go with it (its modifier links too when it is
// removed for good). It publishes ProductChanged UPDATED.
func (m *Module) deleteVariant(ctx context.Context, v, after *ProductVariant) error {
	hard := after == nil // a hard delete removes the row
	if !hard {
		n, err := m.otherVariants(ctx, v.ProductID, v.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrLastVariant
		}
	}
	if err := m.deleteVariantRows(ctx, v.ID, hard, m.clock.Now()); err != nil {
		return err
	}
	return m.productChanged(ctx, v.OrganizerID, v.MerchantID, v.ProductID, v.ID, ActionUpdated)
}

// checkIdentifierRow validates an identifier row against its product and variant.
func (m *Module) checkIdentifierRow(ctx context.Context, x *ProductIdentifier, except id.ID) error {
	if x.Type == IDSKU {
		return errs.Field("body.type", "set a SKU with the variant's sku", x.Type)
	}
	norm, err := checkIdentifier("body", x.Type, x.Code)
	if err != nil {
		return err
	}
	x.Code = norm
	if x.VariantID != nil {
		v, err := m.variants.Get(ctx, *x.VariantID, query.ExcludeDeleted)
		if err != nil || v.ProductID != x.ProductID {
			return errs.Field("body.variantId", "is not a variant of the product", x.VariantID.String())
		}
	}
	s := newCodeSet()
	_ = s.add(x.Code, "body.code")
	return m.codesFree(ctx, x.MerchantID, s, except)
}

func (m *Module) createIdentifier(ctx context.Context, x *ProductIdentifier) error {
	return m.db.InTx(ctx, func(ctx context.Context) error {
		p, err := m.product(ctx, x.ProductID, "body.productId")
		if err != nil {
			return err
		}
		x.OrganizerID, x.MerchantID = p.OrganizerID, p.MerchantID
		if err := m.checkIdentifierRow(ctx, x, 0); err != nil {
			return err
		}
		if err := m.identifiers.Create(ctx, x); err != nil {
			return conflictCodes(err)
		}
		return m.productChanged(ctx, x.OrganizerID, x.MerchantID, x.ProductID, 0, ActionUpdated)
	})
}

// updateIdentifier is the identifiers' Update hook: a SKU identifier changes with its variant
// only (ErrSKUIdentifier); another is checked like a new one and publishes ProductChanged.
func (m *Module) updateIdentifier(ctx context.Context, before, x *ProductIdentifier) error {
	if before.Type == IDSKU {
		return naming(ErrSKUIdentifier, ErrSKUIdentifier.Message+": change the variant")
	}
	if err := m.checkIdentifierRow(ctx, x, before.ID); err != nil {
		return err
	}
	return m.productChanged(ctx, before.OrganizerID, before.MerchantID, before.ProductID, 0, ActionUpdated)
}

// deleteIdentifier is the identifiers' Delete hook: a live SKU identifier goes with its
// variant's sku only (ErrSKUIdentifier). It publishes ProductChanged UPDATED.
func (m *Module) deleteIdentifier(ctx context.Context, x, _ *ProductIdentifier) error {
	if x.Type == IDSKU && x.DeletedAt == nil {
		return naming(ErrSKUIdentifier, ErrSKUIdentifier.Message+": clear the variant's sku")
	}
	return m.productChanged(ctx, x.OrganizerID, x.MerchantID, x.ProductID, 0, ActionUpdated)
}
