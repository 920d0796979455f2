package commerce

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
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
	if _, err := auth.Tenancy(ctx); err != nil {
		return MerchantInfo{}, err
	}
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
	if err := auth.ActFor(ctx, mi.OrganizerID, mi.ID); err != nil {
		if errors.Is(err, auth.ErrNotYourMerchant) {
			return MerchantInfo{}, errs.Wrap(errs.NotFound, "merchant "+merchantID.String()+" not found", errs.ErrNotFound)
		}
		return MerchantInfo{}, err
	}
	memo.Put(ctx, key, mi)
	return mi, nil
}

// MerchantOrganizer returns the organizer a merchant belongs to, whoever asks: it is the
// auth.Directory through which auth.ActFor checks the merchants an owner names, and identity
// checks an employee's merchants with it. An unknown or deleted merchant is errs.NotFound. It
// reads through the catalog cache: within an operation that already read the merchant's
// catalog version (an order, a quote) it costs no statement.
func (m *Module) MerchantOrganizer(ctx context.Context, merchantID id.ID) (id.ID, error) {
	if merchantID <= 0 {
		return 0, errs.Wrap(errs.NotFound, "merchant "+merchantID.String()+" not found", errs.ErrNotFound)
	}
	version, err := m.catalogVersion(ctx, merchantID)
	if err != nil {
		return 0, err
	}
	if mi, ok := m.catalog.merchant(merchantID, version); ok {
		return mi.OrganizerID, nil
	}
	m.catalog.reads.Add(1)
	mer, err := m.merchants.Get(auth.System(ctx), merchantID, query.ExcludeDeleted)
	if err != nil {
		return 0, err
	}
	m.catalog.putMerchant(version, merchantInfo(mer))
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
	if _, err := auth.Tenancy(ctx); err != nil {
		return nil, err
	}
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
	// The caller's scope, as the tables apply it to a read: another tenant's variants are absent.
	for v, vi := range read {
		if auth.ActFor(ctx, vi.OrganizerID, merchantID) != nil {
			continue
		}
		out[v] = vi
		memo.Put(ctx, scopeKey(ctx, 'v', merchantID, v), vi)
	}
	return out, nil
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
	// Rule is the rule broken: ErrModifierNotOffered, ErrModifierChosenTwice,
	// ErrModifierUnavailable or ErrModifierCount (errors.Is finds it).
	Rule *errs.E
}

func (e *ModifierError) Error() string { return e.Reason }

// Unwrap returns the rule broken.
func (e *ModifierError) Unwrap() error { return e.Rule }

// modifierErr answers with e's reason, naming the field, in the kind of the rule e broke.
func modifierErr(rule *errs.E, loc string, e *ModifierError) error {
	e.Rule = rule
	return &errs.E{Kind: rule.Kind, Message: e.Reason, Err: e,
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
			return nil, modifierErr(ErrModifierNotOffered, loc, &ModifierError{OptionID: oid,
				Reason: fmt.Sprintf("option %s is not offered with %s", oid, v.Name)})
		}
		g := v.ModifierGroups[s.group]
		o := g.Options[s.option]
		base := ModifierError{GroupID: g.ID, GroupCode: g.Code, GroupName: g.Name, OptionID: oid, Min: g.Min, Max: g.Max}
		if chosen[oid] {
			base.Reason = fmt.Sprintf("modifier group %s (%s): option %s is chosen twice", g.Code, g.Name, o.Name)
			return nil, modifierErr(ErrModifierChosenTwice, loc, &base)
		}
		if !o.Active {
			base.Reason = fmt.Sprintf("modifier group %s (%s): option %s is not available", g.Code, g.Name, o.Name)
			return nil, modifierErr(ErrModifierUnavailable, loc, &base)
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
		return nil, modifierErr(ErrModifierCount, "modifiers", &e)
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
