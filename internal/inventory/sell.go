package inventory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
)

// DocOrder marks the tracking rows of a Sell: the order is the row's reference.
const DocOrder = "ORDER"

// SellRequest takes the stock of an order that is paid as it is checked out.
type SellRequest struct {
	OrganizerID id.ID
	MerchantID  id.ID
	LocationID  id.ID // 0: the merchant's default location
	Reference   string
	Lines       []StockLine
}

// SoldLine is one line a Sell took, with its FIFO cost of goods.
type SoldLine struct {
	VariantID   id.ID `json:"variantId"`
	LocationID  id.ID `json:"locationId,omitempty"`
	Quantity    int64 `json:"quantity"`
	Tracked     bool  `json:"tracked"`
	CostOfGoods int64 `json:"costOfGoods"`
}

// Sold is what a Sell did.
type Sold struct {
	Reference   string     `json:"reference"`
	Lines       []SoldLine `json:"lines"`
	CostOfGoods int64      `json:"costOfGoods"`
}

// Sell is Reserve and Commit in one, for a counter sale paid in the transaction that checks it
// out: each line's on hand goes down when what is left still covers what others hold reserved,
// a SALE row records it with its FIFO cost, and no reservation is written (none could expire).
// All lines or none: a shortage is the same 422 as Reserve's, naming the line. A variant without
// stock at the location that the merchant does not track is skipped. Items are changed in
// variant order, so two sells cannot deadlock; the caller should sell last in its transaction,
// so that a busy item's row stays locked only until the commit.
func (s *Service) Sell(ctx context.Context, r SellRequest) (Sold, error) {
	if err := checkTenantIDs(r.OrganizerID, r.MerchantID); err != nil {
		return Sold{}, err
	}
	if r.Reference = strings.TrimSpace(r.Reference); r.Reference == "" || len(r.Reference) > 200 {
		return Sold{}, errs.Field("body.reference", "is required (1-200 characters): the order the stock is for", r.Reference)
	}
	if len(r.Lines) == 0 || len(r.Lines) > MaxLines {
		return Sold{}, errs.Field("body.lines", fmt.Sprintf("must hold 1 to %d lines", MaxLines), len(r.Lines))
	}
	for i, l := range r.Lines {
		if l.VariantID <= 0 || l.Quantity <= 0 || l.Quantity > money.MaxQuantity {
			return Sold{}, errs.Field(fmt.Sprintf("body.lines[%d]", i), fmt.Sprintf("needs a variantId and a quantity of 1 to %d", money.MaxQuantity), nil)
		}
	}
	ctx, err := s.allow(ctx, r.OrganizerID, r.MerchantID, variantsOf(r.Lines))
	if err != nil {
		return Sold{}, err
	}
	order := make([]int, len(r.Lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(r.Lines[a].VariantID, r.Lines[b].VariantID) })
	out := Sold{Reference: r.Reference, Lines: make([]SoldLine, len(r.Lines))}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		out.CostOfGoods = 0
		// The location is found by the sell statement itself; it is read only to explain a
		// line that could not be taken (loc nil after that: the merchant has no default).
		var loc *Location
		located := false
		var rows []*InventoryTracking
		for _, i := range order {
			l := r.Lines[i]
			out.Lines[i] = SoldLine{VariantID: l.VariantID, Quantity: l.Quantity}
			var it itemRef
			ok := false
			if !located || loc != nil {
				var err error
				if it, ok, err = s.st.sell(ctx, r.OrganizerID, r.MerchantID, r.LocationID, l.VariantID, l.Quantity); err != nil {
					return err
				}
			}
			if !ok {
				if !located {
					located = true
					var err error
					loc, err = s.st.location(ctx, r.OrganizerID, r.MerchantID, r.LocationID)
					if err != nil && !(r.LocationID == 0 && errs.KindOf(err) == errs.NotFound) {
						return err
					}
				}
				skip, err := s.notTaken(ctx, loc, r.MerchantID, i, l)
				if skip {
					continue
				}
				return err
			}
			m := movement{typ: TrackingSale, onHand: -l.Quantity, doc: DocOrder, reference: r.Reference}
			t, err := s.tracking(ctx, it, it.After, m)
			if err != nil {
				return err
			}
			if _, err := s.costs(ctx, it, t, m); err != nil {
				return err
			}
			rows = append(rows, t)
			out.Lines[i].Tracked, out.Lines[i].LocationID, out.Lines[i].CostOfGoods = true, it.LocationID, t.CostAmount
			out.CostOfGoods += t.CostAmount
		}
		return s.st.insertTrackings(ctx, rows)
	})
	return out, err
}

// Tracked answers, for a merchant's variants, which ones the inventory tracks: those with a
// stock item at some location of the merchant (docs/inventory.md, "Tracked variants"). It is
// the one rule of what is stock-tracked; the catalog's trackStock flag does not decide it. Sale
// asks it at checkout and holds (or sells) the tracked lines: a variant given stock by any
// movement is never sold past it. One statement whatever the number of variants. The caller
// must be allowed to act for the merchant (auth.ActFor).
func (s *Service) Tracked(ctx context.Context, organizerID, merchantID id.ID, variantIDs []id.ID) (map[id.ID]bool, error) {
	if err := checkTenantIDs(organizerID, merchantID); err != nil {
		return nil, err
	}
	if err := actFor(ctx, organizerID, merchantID, "merchant "+merchantID.String()); err != nil {
		return nil, err
	}
	return s.st.trackedOf(ctx, merchantID, variantIDs)
}

// notTaken explains why line i could not be taken at loc (nil: the merchant has no default
// location): skip when the merchant does not track the variant (no stock item anywhere: the line
// passes), else the shortage naming the line and what is available, or the missing location.
func (s *Service) notTaken(ctx context.Context, loc *Location, merchantID id.ID, i int, l StockLine) (skip bool, err error) {
	if loc == nil {
		tracked, err := s.st.tracked(ctx, merchantID, l.VariantID)
		if err != nil || !tracked {
			return err == nil, err
		}
		return false, refuse(ErrNoDefaultLocation, "body.locationId", "merchant "+merchantID.String()+" has no default location; name one", nil)
	}
	cur, exists, err := s.st.itemAt(ctx, loc.ID, l.VariantID)
	if err != nil {
		return false, err
	}
	if !exists {
		tracked, err := s.st.tracked(ctx, merchantID, l.VariantID)
		if err != nil || !tracked {
			return err == nil, err
		}
	}
	return false, shortage(fmt.Sprintf("body.lines[%d].quantity", i), l.VariantID, loc.Code, cur.QuantityOnHand-cur.QuantityReserved, l.Quantity)
}
