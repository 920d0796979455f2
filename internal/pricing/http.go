package pricing

import (
	"context"
	"errors"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"net/http"
	"regexp"
	"strings"

	"github.com/banapos/bana/internal/platform/api"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/danielgtaylor/huma/v2"
)

var readOnly = []api.Route{api.RouteCreate, api.RouteReplace, api.RoutePatch, api.RouteUpdateBy, api.RouteDelete,
	api.RouteDeleteBy, api.RouteRestore}

// Routes registers the CRUD routes of the pricing rows (permission prefix "pricing") and
// POST /pricing/quote.
func (m *Module) Routes(s *api.Server) {
	const tag = "Pricing"
	api.RegisterCRUD(s, api.CRUD[FareSet]{Table: m.fareSets, Path: "/pricing-fare-sets", Tag: tag, Singular: "pricing-fare-set",
		Permission: permission, Validate: bodyErrors(m.checkFareSet)})
	api.RegisterCRUD(s, api.CRUD[FareRow]{Table: m.fares, Path: "/pricing-fares", Tag: tag, Singular: "pricing-fare",
		Permission: permission, Validate: bodyErrors(m.checkFare)})
	api.RegisterCRUD(s, api.CRUD[FareRule]{Table: m.rules, Path: "/pricing-fare-rules", Tag: tag, Singular: "pricing-fare-rule",
		Permission: permission, Validate: bodyErrors(m.checkRule)})
	api.RegisterCRUD(s, api.CRUD[Cost]{Table: m.costs, Path: "/pricing-costs", Tag: tag, Singular: "pricing-cost",
		Permission: permission, Validate: bodyErrors(m.checkCost)})
	api.RegisterCRUD(s, api.CRUD[TaxTypeRow]{Table: m.taxTypes, Path: "/pricing-tax-types", Tag: tag, Singular: "pricing-tax-type",
		Permission: permission, Disable: readOnly})
	api.RegisterCRUD(s, api.CRUD[TaxRow]{Table: m.taxes, Path: "/pricing-taxes", Tag: tag, Singular: "pricing-tax",
		Permission: permission, Validate: bodyErrors(m.checkTax)})
	api.RegisterCRUD(s, api.CRUD[TaxSet]{Table: m.taxSets, Path: "/pricing-tax-sets", Tag: tag, Singular: "pricing-tax-set",
		Permission: permission, Validate: bodyErrors(m.checkTaxSet)})
	api.RegisterCRUD(s, api.CRUD[PromotionRow]{Table: m.promotions, Path: "/pricing-promotions", Tag: tag, Singular: "pricing-promotion",
		Permission: permission, Validate: bodyErrors(m.checkPromotion)})
	api.RegisterCRUD(s, api.CRUD[PromotionUsage]{Table: m.usages, Path: "/pricing-promotion-usages", Tag: tag,
		Singular: "pricing-promotion-usage", Permission: permission, Disable: readOnly})

	type quoteOut struct{ Body Quote }
	api.Register(s, huma.Operation{OperationID: "quote-pricing", Method: http.MethodPost, Path: "/pricing/quote", Tags: []string{tag},
		Summary: "Price an order, every number explained",
		Description: "Prices the lines with the merchant's fares, fare rules, promotions and taxes, in the order of " +
			"docs/pricing.md: for each line the fare in force, every rule applied and its effect, each promotion's " +
			"share, the tax; then the tax lines per rate and the totals. The same input (with `at`) gives the same " +
			"quote. A line whose variant is unknown, another merchant's or inactive is a 422 naming " +
			"`body.lines[i].variantId`. A line's options are held to the rule order creation holds them to, " +
			"and a line the order would refuse is refused with the order's answer: an option not offered or " +
			"chosen twice is a 400 naming `body.lines[i].modifierIds (modifiers[j])`, an option off sale or a " +
			"modifier group chosen fewer times than its min or more than its max (a required SUGAR left out) " +
			"a 422 naming the group. Terminals that ring up sales need `pricing.read` (the EMPLOYEE role has it).",
		Errors: []int{400, 404, 422}},
		auth.Requirement{Permission: PermRead},
		func(ctx context.Context, in *struct{ Body QuoteInput }) (*quoteOut, error) {
			q, err := m.Quote(ctx, in.Body)
			if err != nil {
				return nil, inBody(err)
			}
			return &quoteOut{Body: q}, nil
		})
}

// bodyErrors adapts a check whose errors name fields relative to the row into a CRUD Validate
// hook whose errors name them in the request body.
func bodyErrors[T any](check func(ctx context.Context, row *T, isNew bool) error) func(ctx context.Context, row *T, isNew bool) error {
	return func(ctx context.Context, row *T, isNew bool) error { return inBody(check(ctx, row, isNew)) }
}

// inBody prefixes "body." to the fields an error names, and names the first in the message,
// except in a line's modifier error, whose message is the one order creation answers with.
func inBody(err error) error {
	var e *errs.E
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Location = join("body", f.Location)
		out.Fields[i] = f
	}
	switch first := out.Fields[0]; {
	case errors.Is(err, ErrModifierChoice):
		// The catalog's message names the group and reads as order creation's answer does.
	case len(out.Fields) == 1:
		out.Message = first.Location + " " + first.Message
	default:
		out.Message = fmt.Sprintf("%d invalid fields, first %s %s", len(out.Fields), first.Location, first.Message)
	}
	return &out
}

var (
	rowCodeRe = regexp.MustCompile(`^[A-Z0-9_.-]{1,50}$`)
	channelRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,49}$`)
)

const (
	maxTextLen    = 1000 // descriptions and notes
	maxChannels   = 20
	maxCoverItems = MaxListValues // variants or categories of a tax set
)

// merchantOf checks that the caller may keep pricing rows for merchantID (auth.ActFor), and sets
// an admin's row in the merchant's organizer (other callers' rows are put in theirs by the
// table). A merchant of another organizer, or one an employee does not work for, is refused as
// if unknown: ErrUnknownMerchant, a 400 naming merchantId.
func (m *Module) merchantOf(ctx context.Context, organizerID *id.ID, merchantID id.ID) (CatalogMerchant, error) {
	if merchantID <= 0 {
		return CatalogMerchant{}, errs.Field("merchantId", "is required", nil)
	}
	cm, err := m.catalog.MerchantForQuote(ctx, merchantID)
	if err == nil {
		err = auth.ActFor(ctx, cm.OrganizerID, merchantID)
	}
	switch {
	case errs.KindOf(err) == errs.NotFound:
		return CatalogMerchant{}, because(errs.Field("merchantId", "is not a merchant you may act for", merchantID), ErrUnknownMerchant)
	case err != nil:
		return CatalogMerchant{}, err
	}
	if auth.ScopeOf(ctx).All {
		switch *organizerID {
		case 0:
			*organizerID = cm.OrganizerID
		case cm.OrganizerID:
		default:
			return CatalogMerchant{}, errs.Field("organizerId", "is not the organizer of merchant "+merchantID.String(), *organizerID)
		}
	}
	if cm.Currency == "" {
		cm.Currency = "VND"
	}
	return cm, nil
}

// variantsOf adds an error for each id that is not a variant of the merchant (active or not).
func (m *Module) variantsOf(ctx context.Context, v *validation, merchantID id.ID, ids []id.ID, at func(i int) string) error {
	if len(ids) == 0 {
		return nil
	}
	found, err := m.catalog.VariantsForQuote(ctx, merchantID, ids)
	if err != nil {
		return err
	}
	for i, vid := range ids {
		if _, ok := found[vid]; !ok {
			v.add(at(i), "", "is not a variant of merchant "+merchantID.String(), vid)
		}
	}
	return nil
}

func checkText(v *validation, field, s string, required bool, limit int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add("", field, fmt.Sprintf("is required, at most %d bytes", limit), s)
	case len(s) > limit:
		v.add("", field, fmt.Sprintf("must be at most %d bytes", limit), len(s))
	}
}

func checkCode(v *validation, code string) {
	if !rowCodeRe.MatchString(code) {
		v.add("", "code", "must be 1-50 of A-Z 0-9 _ . -", code)
	}
}

func checkStatus(v *validation, s *Status) {
	if *s == "" {
		*s = Active
	}
	if *s != Active && *s != Inactive {
		v.add("", "status", "must be ACTIVE or INACTIVE", *s)
	}
}

func (m *Module) checkFareSet(ctx context.Context, r *FareSet, _ bool) error {
	if _, err := m.merchantOf(ctx, &r.OrganizerID, r.MerchantID); err != nil {
		return err
	}
	var v validation
	checkCode(&v, r.Code)
	checkText(&v, "name", r.Name, true, maxNameLen)
	checkText(&v, "description", string(r.Description), false, maxTextLen)
	if r.Channels == nil {
		r.Channels = []string{}
	}
	if len(r.Channels) > maxChannels {
		v.add("", "channels", fmt.Sprintf("must hold at most %d channels", maxChannels), len(r.Channels))
	}
	for i, c := range r.Channels {
		if !channelRe.MatchString(c) {
			v.add("", fmt.Sprintf("channels[%d]", i), "must be 1-50 of A-Z 0-9 _, starting with a letter", c)
		}
	}
	checkStatus(&v, &r.Status)
	return v.err(ErrInvalidFareSet)
}

func (m *Module) checkFare(ctx context.Context, r *FareRow, _ bool) error {
	cm, err := m.merchantOf(ctx, &r.OrganizerID, r.MerchantID)
	if err != nil {
		return err
	}
	if r.Currency == "" {
		r.Currency = cm.Currency
	}
	if r.Status == "" {
		r.Status = Active
	}
	var v validation
	r.fare().validate(&v, "")
	if r.Currency != cm.Currency && currencyOK(r.Currency) {
		v.add("", "currency", "must be the merchant's currency, "+cm.Currency, r.Currency)
	}
	set, err := m.fareSets.Get(ctx, r.FareSetID, query.ExcludeDeleted)
	switch {
	case errs.KindOf(err) == errs.NotFound || err == nil && set.MerchantID != r.MerchantID:
		v.add("", "fareSetId", "is not a fare set of merchant "+r.MerchantID.String(), r.FareSetID)
	case err != nil:
		return err
	}
	if err := m.variantsOf(ctx, &v, r.MerchantID, []id.ID{r.VariantID}, func(int) string { return "variantId" }); err != nil {
		return err
	}
	return v.err(ErrInvalidFare)
}

func (m *Module) checkRule(ctx context.Context, r *FareRule, _ bool) error {
	if _, err := m.merchantOf(ctx, &r.OrganizerID, r.MerchantID); err != nil {
		return err
	}
	if r.Conditions == nil {
		r.Conditions = []Condition{}
	}
	var v validation
	r.rule().compile(&v, "")
	checkText(&v, "description", string(r.Description), false, maxTextLen)
	checkStatus(&v, &r.Status)
	return v.err(ErrInvalidRule)
}

func (m *Module) checkCost(ctx context.Context, r *Cost, _ bool) error {
	cm, err := m.merchantOf(ctx, &r.OrganizerID, r.MerchantID)
	if err != nil {
		return err
	}
	if r.Currency == "" {
		r.Currency = cm.Currency
	}
	var v validation
	if r.Amount < 0 || r.Amount > MaxUnitPrice {
		v.add("", "amount", fmt.Sprintf("must be 0 to %d dong", int64(MaxUnitPrice)), r.Amount)
	}
	if r.Currency != cm.Currency {
		v.add("", "currency", "must be the merchant's currency, "+cm.Currency, r.Currency)
	}
	if r.ActiveFrom != nil && r.ActiveTo != nil && !r.ActiveTo.After(*r.ActiveFrom) {
		v.add("", "activeTo", "must be after activeFrom", r.ActiveTo)
	}
	checkText(&v, "note", string(r.Note), false, maxTextLen)
	if err := m.variantsOf(ctx, &v, r.MerchantID, []id.ID{r.VariantID}, func(int) string { return "variantId" }); err != nil {
		return err
	}
	return v.err(ErrInvalidCost)
}

func (m *Module) checkTax(ctx context.Context, r *TaxRow, _ bool) error {
	if _, err := m.merchantOf(ctx, &r.OrganizerID, r.MerchantID); err != nil {
		return err
	}
	if rate, fixed := standardRate(r.Type); fixed && r.RateBP == 0 {
		r.RateBP = rate
	}
	var v validation
	checkCode(&v, r.Code)
	checkText(&v, "name", r.Name, true, maxNameLen)
	checkText(&v, "description", string(r.Description), false, maxTextLen)
	r.tax().validate(&v, "")
	return v.err(ErrInvalidTax)
}

func (m *Module) checkTaxSet(ctx context.Context, r *TaxSet, _ bool) error {
	if _, err := m.merchantOf(ctx, &r.OrganizerID, r.MerchantID); err != nil {
		return err
	}
	if r.VariantIDs == nil {
		r.VariantIDs = []id.ID{}
	}
	if r.Categories == nil {
		r.Categories = []string{}
	}
	var v validation
	checkCode(&v, r.Code)
	checkText(&v, "name", r.Name, true, maxNameLen)
	checkStatus(&v, &r.Status)
	tax, err := m.taxes.Get(ctx, r.TaxID, query.ExcludeDeleted)
	switch {
	case errs.KindOf(err) == errs.NotFound || err == nil && tax.MerchantID != r.MerchantID:
		v.add("", "taxId", "is not a tax of merchant "+r.MerchantID.String(), r.TaxID)
	case err != nil:
		return err
	}
	switch {
	case len(r.VariantIDs) > maxCoverItems:
		v.add("", "variantIds", fmt.Sprintf("must hold at most %d variants", maxCoverItems), len(r.VariantIDs))
	default:
		if err := m.variantsOf(ctx, &v, r.MerchantID, r.VariantIDs, func(i int) string { return fmt.Sprintf("variantIds[%d]", i) }); err != nil {
			return err
		}
	}
	if len(r.Categories) > maxCoverItems {
		v.add("", "categories", fmt.Sprintf("must hold at most %d categories", maxCoverItems), len(r.Categories))
	}
	for i, c := range r.Categories {
		if c == "" || len(c) > maxStringLen {
			v.add("", fmt.Sprintf("categories[%d]", i), "must be a category code of 1 to 100 bytes", c)
		}
	}
	return v.err(ErrInvalidTaxSet)
}

func (m *Module) checkPromotion(ctx context.Context, r *PromotionRow, _ bool) error {
	if _, err := m.merchantOf(ctx, &r.OrganizerID, r.MerchantID); err != nil {
		return err
	}
	r.Code = db.OptText(NormalizeCode(string(r.Code)))
	if r.Conditions == nil {
		r.Conditions = []Condition{}
	}
	if r.Status == "" {
		r.Status = Active
	}
	var v validation
	r.promotion().compile(&v, "")
	checkText(&v, "description", string(r.Description), false, maxTextLen)
	return v.err(ErrInvalidPromotion)
}
