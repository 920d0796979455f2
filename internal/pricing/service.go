package pricing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
)

// Catalog is what pricing needs of the catalog (commerce): the variants of a quote and the
// merchant's settings. It is declared here so that pricing does not import commerce;
// internal/app adapts commerce to it (in split mode, an HTTP client does).
type Catalog interface {
	// VariantsForQuote returns the merchant's variants among variantIDs, by id. Unknown ids and
	// variants of other merchants are absent from the map; that is not an error.
	VariantsForQuote(ctx context.Context, merchantID id.ID, variantIDs []id.ID) (map[id.ID]CatalogVariant, error)
	// MerchantForQuote returns the merchant's pricing settings. An unknown merchant is an error
	// of kind errs.NotFound.
	MerchantForQuote(ctx context.Context, merchantID id.ID) (CatalogMerchant, error)
	// CheckModifiers holds a line's chosen options to the catalog's rule, the one order creation
	// holds an order's line to: each option offered with the variant, available and chosen once,
	// and each of the variant's modifier groups chosen between its min and max times. A choice
	// that breaks it is an *errs.E (Invalid or Rule) whose message names the group and whose
	// fields are relative to the line's options ("modifiers", "modifiers[1]").
	CheckModifiers(ctx context.Context, merchantID, variantID id.ID, optionIDs []id.ID) error
}

// CatalogVariant is a variant as a quote needs it.
type CatalogVariant struct {
	VariantID  id.ID
	SKU        string
	Categories []string // category codes, the variant's own and its parents'
	Price      int64    // the catalog's unit price: the standing fare when no fare set prices the variant
	TaxRate    string   // VAT0, VAT5, VAT8, VAT10, KCT or KKKNT; empty: the merchant's
	Active     bool     // the variant can be sold
	Options    map[id.ID]CatalogOption
}

// CatalogOption is a modifier option of a variant, at its price per unit of the line.
type CatalogOption struct {
	Name  string
	Price int64
}

// CatalogMerchant is a merchant's pricing settings.
type CatalogMerchant struct {
	OrganizerID      id.ID
	Currency         string // ISO 4217; empty: VND
	PricesIncludeTax bool   // whether prices and modifiers include VAT (Vietnamese retail: yes)
	VATRate          string // the default tax of the merchant's lines: VAT0 ... KKKNT
	TimeZone         string // IANA name for time-of-day and weekday conditions; empty: Asia/Ho_Chi_Minh
}

// QuoteInput asks for a quote: who sells, through which channel, to whom, what and when.
type QuoteInput struct {
	MerchantID     id.ID          `json:"merchantId"`
	Channel        string         `json:"channel,omitempty" doc:"Sale channel, e.g. DINE_IN, TAKE_AWAY, DELIVERY"`
	CustomerID     id.ID          `json:"customerId,omitempty" doc:"Needed by promotions with a per-customer limit"`
	CustomerGroup  string         `json:"customerGroup,omitempty"`
	PromotionCodes []string       `json:"promotionCodes,omitempty" doc:"Codes the customer gives, matched case-insensitively; at most 20"`
	Context        map[string]any `json:"context,omitempty" doc:"Other condition keys: strings, finite numbers or booleans"`
	At             time.Time      `json:"at,omitzero" required:"false" doc:"The moment priced (RFC 3339); absent: now. The quote echoes it, so the same input with it gives the same quote"`
	Lines          []QuoteLine    `json:"lines"`
}

// QuoteLine is one line to price.
type QuoteLine struct {
	VariantID   id.ID   `json:"variantId"`
	Quantity    int64   `json:"quantity"`
	ModifierIDs []id.ID `json:"modifierIds,omitempty" doc:"Options chosen (size, topping) by id; each adds its price to the unit price"`
}

// MaxCodes is how many promotion codes one quote may carry.
const MaxCodes = 20

// Quote prices an order with the merchant's stored fares, rules, taxes and promotions and the
// catalog's variants. The caller must be allowed to act for the merchant (auth.ActFor): code
// without a caller says auth.System, else it gets auth.ErrNoPrincipal. Errors name fields
// relative to the input ("lines[2].variantId"; the HTTP route prefixes "body."): a merchant the
// caller cannot see is ErrUnknownMerchant (NotFound), a line whose variant is unknown or another
// merchant's ErrUnknownVariant and an inactive one ErrInactiveVariant (Rule errors naming
// lines[i].variantId), a line whose options break the catalog's modifier rule ErrModifierChoice
// (the catalog's answer, as order creation gives it, its fields under lines[i].modifierIds), a
// line without a fare in force ErrNoFare. It reads the merchant's built engine from a cache that
// every write of the merchant's pricing rows invalidates (see engineCache), so it costs two
// catalog calls, one check of each line's options against the variants those calls read, and
// one or two indexed reads of this module's tables, whatever the number of rules.
func (m *Module) Quote(ctx context.Context, in QuoteInput) (Quote, error) {
	switch {
	case in.MerchantID <= 0:
		return Quote{}, errs.Field("merchantId", "is required", nil)
	case len(in.Lines) == 0:
		return Quote{}, errs.Field("lines", "must hold at least one line", nil)
	case len(in.Lines) > MaxLines:
		return Quote{}, errs.Field("lines", fmt.Sprintf("must hold at most %d lines", MaxLines), len(in.Lines))
	case len(in.PromotionCodes) > MaxCodes:
		return Quote{}, errs.Field("promotionCodes", fmt.Sprintf("must hold at most %d codes", MaxCodes), len(in.PromotionCodes))
	}
	// The checks of the lines' options read the variants this quote reads, once (platform/memo).
	ctx = memo.With(ctx)
	merchant, err := m.catalog.MerchantForQuote(ctx, in.MerchantID)
	if err == nil {
		err = auth.ActFor(ctx, merchant.OrganizerID, in.MerchantID)
	}
	switch {
	case errs.KindOf(err) == errs.NotFound:
		return Quote{}, because(&errs.E{Kind: errs.NotFound, Message: "merchant " + in.MerchantID.String() + " not found",
			Fields: []errs.FieldError{{Location: "merchantId", Message: "is not a merchant you may act for", Value: in.MerchantID}}}, ErrUnknownMerchant)
	case err != nil:
		return Quote{}, fmt.Errorf("pricing: merchant %s: %w", in.MerchantID, err)
	}
	snap, err := m.snapshot(ctx, in.MerchantID, merchant)
	if err != nil {
		return Quote{}, err
	}
	ids := make([]id.ID, 0, len(in.Lines))
	for _, l := range in.Lines {
		if !slices.Contains(ids, l.VariantID) {
			ids = append(ids, l.VariantID)
		}
	}
	variants, err := m.catalog.VariantsForQuote(ctx, in.MerchantID, ids)
	if err != nil {
		return Quote{}, fmt.Errorf("pricing: variants of merchant %s: %w", in.MerchantID, err)
	}
	at := in.At
	if at.IsZero() {
		at = m.clock.Now()
	}
	req := QuoteRequest{MerchantID: in.MerchantID, Channel: in.Channel, CustomerID: in.CustomerID,
		CustomerGroup: in.CustomerGroup, Codes: in.PromotionCodes, Context: in.Context, At: at.UTC(),
		Currency: snap.currency, Lines: make([]Line, len(in.Lines))}
	for i, l := range in.Lines {
		v, err := lineVariant(in.MerchantID, i, l, variants)
		if err != nil {
			return Quote{}, err
		}
		if err := m.checkModifiers(ctx, in.MerchantID, i, l); err != nil {
			return Quote{}, err
		}
		if err := snap.line(&req, i, l, v); err != nil {
			return Quote{}, err
		}
	}
	if req.Usage, err = m.usage(ctx, snap, in.PromotionCodes, in.CustomerID); err != nil {
		return Quote{}, err
	}
	return snap.engine.Quote(req)
}

// lineVariant returns the variant of input line i: one of the merchant's, and active.
func lineVariant(merchantID id.ID, i int, l QuoteLine, variants map[id.ID]CatalogVariant) (CatalogVariant, error) {
	v, ok := variants[l.VariantID]
	switch {
	case !ok:
		return v, because(errs.RuleField(fmt.Sprintf("lines[%d].variantId", i), "is not a variant of merchant "+merchantID.String(), l.VariantID), ErrUnknownVariant)
	case !v.Active:
		return v, because(errs.RuleField(fmt.Sprintf("lines[%d].variantId", i), "is not an active variant: it cannot be sold", l.VariantID), ErrInactiveVariant)
	}
	return v, nil
}

// checkModifiers holds input line i's options to the catalog's modifier rule, the one order
// creation holds a line to (Catalog.CheckModifiers), so that a quote never prices a line that
// the order would refuse: a line that breaks it is answered as the order answers it, with the
// catalog's kind and message and its fields under lines[i].modifierIds, as ErrModifierChoice.
func (m *Module) checkModifiers(ctx context.Context, merchantID id.ID, i int, l QuoteLine) error {
	err := m.catalog.CheckModifiers(ctx, merchantID, l.VariantID, l.ModifierIDs)
	if err == nil {
		return nil
	}
	if k := errs.KindOf(err); k == errs.Invalid || k == errs.Rule {
		var e *errs.E // a copy of the catalog's error: Relocate leaves err as it is
		if errors.As(errs.Relocate(err, fmt.Sprintf("lines[%d].modifierIds", i)), &e) && len(e.Fields) > 0 {
			return because(e, ErrModifierChoice)
		}
	}
	return fmt.Errorf("pricing: modifiers of lines[%d]: %w", i, err)
}

// line resolves input line i, whose variant v and options the caller checked, into the engine's
// line: the options' prices, the fares of the fare set that prices it (or the catalog's price)
// and its tax.
func (s *snapshot) line(req *QuoteRequest, i int, l QuoteLine, v CatalogVariant) error {
	out := Line{VariantID: l.VariantID, SKU: v.SKU, Categories: v.Categories, Quantity: l.Quantity}
	if len(l.ModifierIDs) > 0 {
		out.Modifiers = make([]Modifier, len(l.ModifierIDs))
		for j, oid := range l.ModifierIDs {
			o, ok := v.Options[oid]
			if !ok {
				// The catalog's rule passed the option, yet the catalog gives no price for it.
				return errs.Newf(errs.Internal, "pricing: the catalog accepts option %s of lines[%d] (variant %s) but gives it no price", oid, i, l.VariantID)
			}
			out.Modifiers[j] = Modifier{Name: o.Name, Price: o.Price}
		}
	}
	out.Fares = s.faresOf(l.VariantID, req.Channel, req.At)
	if out.Fares == nil {
		out.Fares = []Fare{{VariantID: l.VariantID, Amount: v.Price, Currency: s.currency, Status: Active}}
	}
	tax, err := s.taxOf(&v)
	if err != nil {
		return err
	}
	out.Tax = &tax
	req.Lines[i] = out
	return nil
}

// faresOf returns the fares of the first fare set that has a fare of the variant in force at t:
// sets naming the channel before sets for every channel, each by priority then id. nil: no set
// prices the variant now.
func (s *snapshot) faresOf(variant id.ID, channel string, t time.Time) []Fare {
	for _, specific := range []bool{true, false} {
		for k := range s.sets {
			fs := &s.sets[k]
			if specific != (len(fs.channels) > 0) || specific && !slices.Contains(fs.channels, channel) {
				continue
			}
			fares := fs.fares[variant]
			for j := range fares {
				if fares[j].inForce(t, s.currency) {
					return fares
				}
			}
		}
	}
	return nil
}

// taxOf returns the line's tax: the first tax set covering the variant, else the catalog's rate
// of the variant, else the merchant's.
func (s *snapshot) taxOf(v *CatalogVariant) (Tax, error) {
	for k := range s.taxSets {
		if ts := &s.taxSets[k]; ts.covers(v) {
			return ts.tax, nil
		}
	}
	if v.TaxRate == "" {
		return s.defaultTax, nil
	}
	t, ok := catalogTax(v.TaxRate)
	if !ok {
		return Tax{}, errs.Newf(errs.Internal, "pricing: the catalog gives variant %s the unknown tax rate %q", v.VariantID, v.TaxRate)
	}
	return t, nil
}

// catalogTax reads a catalog tax code (VAT0 ... KKKNT).
func catalogTax(code string) (Tax, bool) {
	t := TaxType(code)
	if _, ok := standardRate(t); !ok {
		return Tax{}, false
	}
	return t.Tax(), true
}

// Redeem records that an order used promotions, when it is paid: one row per promotion and
// order, so a repeat (a retried payment, a redelivered event) counts once. It joins the caller's
// transaction. The promotions must be the merchant's (soft-deleted ones included: an order quoted
// before the delete still used them; another one is ErrUnknownPromotion), and the caller must be
// allowed to act for the merchant (auth.ActFor: code without a caller says auth.System). Limits
// are not checked here: they were when the order was quoted, and a paid order is not undone for a
// limit, so two orders of one customer checked out at the same moment can both use a
// once-per-customer code.
func (m *Module) Redeem(ctx context.Context, merchantID, orderID, customerID id.ID, promotionIDs []id.ID) error {
	if orderID <= 0 {
		return errs.Field("orderId", "is required", orderID)
	}
	ids := make([]id.ID, 0, len(promotionIDs))
	for _, p := range promotionIDs {
		if !slices.Contains(ids, p) {
			ids = append(ids, p)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return m.db.InTx(ctx, func(ctx context.Context) error {
		owners, err := m.promotionOwners(ctx, merchantID, ids)
		if err != nil {
			return err
		}
		for i, p := range promotionIDs {
			org, ok := owners[p]
			if ok {
				err = auth.ActFor(ctx, org, merchantID)
			}
			switch {
			case !ok || errors.Is(err, auth.ErrNotYourMerchant):
				return because(errs.RuleField(fmt.Sprintf("promotionIds[%d]", i), "is not a promotion of merchant "+merchantID.String(), p), ErrUnknownPromotion)
			case err != nil:
				return err
			}
		}
		at := m.clock.Now().UTC()
		for _, p := range ids {
			if err := m.insertUsage(ctx, PromotionUsage{ID: m.ids.Next(), OrganizerID: owners[p], MerchantID: merchantID,
				PromotionID: p, CustomerID: optionalID(customerID), OrderID: orderID, UsedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
}

func optionalID(v id.ID) *id.ID {
	if v == 0 {
		return nil
	}
	return &v
}

// usage counts the redemptions of the promotions of this quote that have a limit: the automatic
// ones and those whose code was given.
func (m *Module) usage(ctx context.Context, s *snapshot, codes []string, customer id.ID) (map[id.ID]Usage, error) {
	ids := s.autoLimited
	for _, c := range codes {
		if p, ok := s.codeLimited[NormalizeCode(c)]; ok && !slices.Contains(ids, p) {
			ids = append(slices.Clip(ids), p)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return m.countUsage(ctx, ids, customer)
}
