package inventory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/riverqueue/river"
)

// Service is the inventory's use cases, each one transaction. Sale uses Reserve, Release,
// Commit, Sell and RequestAdjustment through an interface of its own.
type Service struct {
	db     *db.DB
	ids    *id.Generator
	st     *store
	jobs   *jobs.Client
	events *events.Bus
	clock  clock.Clock
	// catalog says which variants a merchant sells (commerce): stock is kept only of those.
	catalog Catalog
}

// checkVariants refuses the first variant that is not the merchant's (ErrNotYourVariant, at
// field(i)): stock is only ever kept of a merchant's own variants. A variant the merchant
// already holds stock of passes (a product deleted from the catalog can still be counted and
// written off). Within an operation that read the catalog (a checkout), it costs no statement.
func (s *Service) checkVariants(ctx context.Context, merchantID id.ID, variantIDs []id.ID, field func(i int) string) error {
	if len(variantIDs) == 0 {
		return nil
	}
	var known map[id.ID]bool
	if s.catalog != nil {
		var err error
		if known, err = s.catalog.VariantsOf(ctx, merchantID, variantIDs); err != nil {
			return err
		}
	}
	var unknown []id.ID
	for _, v := range variantIDs {
		if !known[v] {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	held, err := s.st.trackedOf(ctx, merchantID, unknown)
	if err != nil {
		return err
	}
	for i, v := range variantIDs {
		if !known[v] && !held[v] {
			msg := "variant " + v.String() + " " + ErrNotYourVariant.Message + " " + merchantID.String()
			return &errs.E{Kind: errs.Invalid, Message: msg, Err: ErrNotYourVariant,
				Fields: []errs.FieldError{{Location: field(i), Message: msg, Value: v.String()}}}
		}
	}
	return nil
}

// lineField names the variantId of line i of a request body.
func lineField(i int) string { return fmt.Sprintf("body.lines[%d].variantId", i) }

// allow is the start of every use case on a merchant's stock: the caller of ctx may act for the
// merchant (merchant 0: the organizer as a whole), or the call is refused (auth.ErrNoPrincipal
// without a caller or auth.System: tenancy fails closed), and the variants it names are the
// merchant's (checkVariants). The returned context remembers the catalog's reads for the
// operation.
func (s *Service) allow(ctx context.Context, organizerID, merchantID id.ID, variantIDs []id.ID) (context.Context, error) {
	ctx = memo.With(ctx)
	if err := actFor(ctx, organizerID, merchantID, "merchant "+merchantID.String()); err != nil {
		return ctx, err
	}
	return ctx, s.checkVariants(ctx, merchantID, variantIDs, lineField)
}

// variantsOf lists the variants of stock lines, in order.
func variantsOf(lines []StockLine) []id.ID {
	out := make([]id.ID, len(lines))
	for i, l := range lines {
		out[i] = l.VariantID
	}
	return out
}

// actFor checks that the caller of ctx may act for a document's merchant: another tenant's
// document is not found (what names it), as a read of it would not find it.
func actFor(ctx context.Context, organizerID, merchantID id.ID, what string) error {
	err := auth.ActFor(ctx, organizerID, merchantID)
	if errors.Is(err, auth.ErrNotYourMerchant) {
		return errs.Wrap(errs.NotFound, what+" not found", errs.ErrNotFound)
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func checkTenantIDs(organizerID, merchantID id.ID) error {
	if organizerID <= 0 {
		return errs.Field("body.organizerId", "is required", nil)
	}
	if merchantID <= 0 {
		return errs.Field("body.merchantId", "is required", nil)
	}
	return nil
}

// ---- locations and stock items ----

// placeLocation is the create of a location, inside its transaction: the first location of a
// merchant becomes its default.
func (s *Service) placeLocation(ctx context.Context, _, l *Location) error {
	if l.IsDefault {
		return nil
	}
	has, err := s.st.hasDefaultLocation(ctx, l.MerchantID)
	if err != nil || has {
		return err
	}
	l.IsDefault = true
	return nil
}

// createItem inserts a stock item; an opening quantity is recorded as STOCK_IN at the item's
// unit cost.
func (s *Service) createItem(ctx context.Context, it *StockItem, create func(context.Context, *StockItem) error) error {
	opening := it.QuantityOnHand
	return s.db.InTx(ctx, func(ctx context.Context) error {
		it.QuantityOnHand, it.QuantityReserved, it.QuantityAvailable = 0, 0, 0
		if err := create(ctx, it); err != nil {
			return err
		}
		if opening > 0 {
			unit := it.UnitCost
			if _, _, err := s.move(ctx, it.ID, movement{typ: TrackingStockIn, onHand: opening, unitCost: &unit, doc: DocItem, docID: it.ID,
				note: "opening stock"}); err != nil {
				return err
			}
		}
		it.QuantityOnHand, it.QuantityAvailable = opening, opening
		return nil
	})
}

// ---- adjustments: queued, then applied by the inventory queue ----

// AdjustmentRequest asks for manual changes at one location.
type AdjustmentRequest struct {
	OrganizerID id.ID
	MerchantID  id.ID
	LocationID  id.ID // 0: the default location
	Reason      string
	Lines       []StockAdjustmentLine
}

// ApplyAdjustment is the inventory queue's job (the document's stock adjustment queue type).
type ApplyAdjustment struct {
	AdjustmentID id.ID `json:"adjustmentId"`
}

// Kind is the River job kind.
func (ApplyAdjustment) Kind() string { return "inventory.apply-adjustment" }

// RequestAdjustment checks and records an adjustment as PENDING and enqueues it on the inventory
// queue, in one transaction. The queue applies it, or rejects it whole when a line would take
// more than is available.
func (s *Service) RequestAdjustment(ctx context.Context, r AdjustmentRequest) (*StockAdjustment, error) {
	if err := checkTenantIDs(r.OrganizerID, r.MerchantID); err != nil {
		return nil, err
	}
	if len(r.Lines) == 0 || len(r.Lines) > MaxLines {
		return nil, errs.Field("body.lines", fmt.Sprintf("must hold 1 to %d lines", MaxLines), len(r.Lines))
	}
	for i, l := range r.Lines {
		at := fmt.Sprintf("body.lines[%d]", i)
		info, ok := l.Type.Info()
		if !ok || !info.Adjustable {
			return nil, errs.Field(at+".type", "must be an adjustable tracking type (STOCK_IN, RETURN_FROM_CUSTOMER, ADJUSTMENT_IN, STOCK_OUT, RETURN_TO_VENDOR, EXPIRED, LOST, DAMAGED, ADJUSTMENT_NEUTRAL, ADJUSTMENT_OUT)", l.Type)
		}
		if l.VariantID <= 0 {
			return nil, errs.Field(at+".variantId", "is required", nil)
		}
		if l.Quantity == 0 || (info.Direction != Neutral && l.Quantity < 0) {
			return nil, errs.Field(at+".quantity", "must be positive (signed only for ADJUSTMENT_NEUTRAL)", l.Quantity)
		}
		if err := money.Quantity(at+".quantity", l.Quantity); err != nil {
			return nil, err
		}
		if l.UnitCost != nil {
			if err := money.Amount(at+".unitCost", *l.UnitCost); err != nil {
				return nil, err
			}
		}
	}
	variants := make([]id.ID, len(r.Lines))
	for i, l := range r.Lines {
		variants[i] = l.VariantID
	}
	ctx, err := s.allow(ctx, r.OrganizerID, r.MerchantID, variants)
	if err != nil {
		return nil, err
	}
	var adj *StockAdjustment
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		loc, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.LocationID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		actorID, _ := actor(ctx)
		adj = &StockAdjustment{ID: s.ids.Next(), OrganizerID: loc.OrganizerID, MerchantID: loc.MerchantID, LocationID: loc.ID,
			Status: string(AdjustmentPending), Reason: db.OptText(strings.TrimSpace(r.Reason)), Lines: r.Lines, ActorID: actorID,
			CreatedAt: now, UpdatedAt: now}
		if err := s.st.insert(ctx, adj); err != nil {
			return err
		}
		_, err = s.jobs.Insert(ctx, ApplyAdjustment{AdjustmentID: adj.ID}, &river.InsertOpts{Queue: Queue})
		return err
	})
	return adj, err
}

// applyAdjustment applies a pending adjustment, or marks it REJECTED when a rule refuses a line
// (nothing of it is applied then). An adjustment that is no longer pending is left alone.
func (s *Service) applyAdjustment(ctx context.Context, adjID id.ID) (AdjustmentStatus, error) {
	if _, err := auth.Tenancy(ctx); err != nil {
		return "", err
	}
	status := AdjustmentApplied
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var adj StockAdjustment
		if err := s.st.lockRow(ctx, &adj, adjID, "adjustment"); err != nil {
			return err
		}
		if AdjustmentStatus(adj.Status) != AdjustmentPending {
			status = AdjustmentStatus(adj.Status)
			return nil
		}
		loc, err := s.st.location(ctx, adj.OrganizerID, adj.MerchantID, adj.LocationID)
		if err != nil {
			return err
		}
		order := make([]int, len(adj.Lines))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(adj.Lines[a].VariantID, adj.Lines[b].VariantID) })
		for _, i := range order {
			l := adj.Lines[i]
			typ := l.Type
			delta := l.Quantity
			if typ.Direction() == Outbound {
				delta = -delta
			}
			var itemID id.ID
			if delta > 0 {
				if itemID, err = s.st.ensureItem(ctx, loc, l.VariantID); err != nil {
					return err
				}
			} else {
				cur, ok, err := s.st.itemAt(ctx, loc.ID, l.VariantID)
				if err != nil {
					return err
				}
				if !ok {
					return shortage(fmt.Sprintf("lines[%d].quantity", i), l.VariantID, loc.Code, 0, -delta)
				}
				itemID = cur.ID
			}
			_, ok, err := s.move(ctx, itemID, movement{typ: typ, onHand: delta, unitCost: l.UnitCost, doc: DocAdjustment,
				docID: adj.ID, note: firstNonEmpty(l.Note, string(adj.Reason))})
			if err != nil {
				return err
			}
			if !ok {
				cur, _, err := s.st.itemAt(ctx, loc.ID, l.VariantID)
				if err != nil {
					return err
				}
				return shortage(fmt.Sprintf("lines[%d].quantity", i), l.VariantID, loc.Code, cur.QuantityOnHand-cur.QuantityReserved, -delta)
			}
		}
		return s.st.setAdjustment(ctx, adj.ID, AdjustmentApplied, "")
	})
	if err != nil && (errs.KindOf(err) == errs.Rule || errs.KindOf(err) == errs.NotFound) {
		why := refusal(err)
		status = AdjustmentRejected
		err = s.db.InTx(ctx, func(ctx context.Context) error { return s.st.setAdjustment(ctx, adjID, AdjustmentRejected, why) })
	}
	return status, err
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// ---- transfers ----

// TransferRequest moves stock between two locations of one merchant.
type TransferRequest struct {
	OrganizerID    id.ID
	MerchantID     id.ID
	FromLocationID id.ID
	ToLocationID   id.ID
	Lines          []StockLine
	// InTransit leaves the goods on the road: the destination gets them with ReceiveTransfer.
	// Otherwise they arrive at once, in the same transaction.
	InTransit bool
	Note      string
}

// Transfer ships the lines from the source (TRANSFER_OUT, FIFO cost) and, unless in transit,
// receives them at the destination (TRANSFER_IN, carrying the same costs), as one move.
func (s *Service) Transfer(ctx context.Context, r TransferRequest) (*StockTransfer, error) {
	if err := checkTenantIDs(r.OrganizerID, r.MerchantID); err != nil {
		return nil, err
	}
	if r.FromLocationID <= 0 || r.ToLocationID <= 0 || r.FromLocationID == r.ToLocationID {
		return nil, errs.Field("body.toLocationId", "the source and destination must be two different locations", r.ToLocationID)
	}
	if len(r.Lines) == 0 || len(r.Lines) > MaxLines {
		return nil, errs.Field("body.lines", fmt.Sprintf("must hold 1 to %d lines", MaxLines), len(r.Lines))
	}
	for i, l := range r.Lines {
		if l.VariantID <= 0 || l.Quantity <= 0 {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d]", i), "needs a variantId and a positive quantity", nil)
		}
		if err := money.Quantity(fmt.Sprintf("body.lines[%d].quantity", i), l.Quantity); err != nil {
			return nil, err
		}
	}
	ctx, err := s.allow(ctx, r.OrganizerID, r.MerchantID, variantsOf(r.Lines))
	if err != nil {
		return nil, err
	}
	var tr *StockTransfer
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		from, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.FromLocationID)
		if err != nil {
			return err
		}
		to, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.ToLocationID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		actorID, _ := actor(ctx)
		tr = &StockTransfer{ID: s.ids.Next(), OrganizerID: from.OrganizerID, MerchantID: from.MerchantID, FromLocationID: from.ID,
			ToLocationID: to.ID, Status: string(TransferInTransit), Lines: make([]StockTransferLine, len(r.Lines)), Note: db.OptText(strings.TrimSpace(r.Note)),
			ActorID: actorID, ShippedAt: now, CreatedAt: now, UpdatedAt: now}
		order := make([]int, len(r.Lines))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(r.Lines[a].VariantID, r.Lines[b].VariantID) })
		for _, i := range order {
			l := r.Lines[i]
			at := fmt.Sprintf("body.lines[%d].quantity", i)
			cur, ok, err := s.st.itemAt(ctx, from.ID, l.VariantID)
			if err != nil {
				return err
			}
			if !ok {
				return shortage(at, l.VariantID, from.Code, 0, l.Quantity)
			}
			if !r.InTransit {
				dst, err := s.st.ensureItem(ctx, to, l.VariantID)
				if err != nil {
					return err
				}
				if err := s.st.lockItems(ctx, cur.ID, dst); err != nil {
					return err
				}
			}
			mv, ok, err := s.move(ctx, cur.ID, movement{typ: TrackingTransferOut, onHand: -l.Quantity, doc: DocTransfer, docID: tr.ID, note: string(tr.Note)})
			if err != nil {
				return err
			}
			if !ok {
				cur, _, err = s.st.itemAt(ctx, from.ID, l.VariantID)
				if err != nil {
					return err
				}
				return shortage(at, l.VariantID, from.Code, cur.QuantityOnHand-cur.QuantityReserved, l.Quantity)
			}
			tr.Lines[i] = StockTransferLine{VariantID: l.VariantID, Quantity: l.Quantity, CostAmount: mv.Tracking.CostAmount, Costs: costsOf(mv.Takes)}
		}
		if err := s.st.insert(ctx, tr); err != nil {
			return err
		}
		if !r.InTransit {
			return s.closeTransfer(ctx, tr, TransferReceived)
		}
		return nil
	})
	return tr, err
}

// TransferAction receives or cancels a transfer in transit, for a caller who may act for its
// merchant (another's is not found); a transfer no longer in transit is ErrTransferClosed (409).
func (s *Service) TransferAction(ctx context.Context, transferID id.ID, to TransferStatus) (*StockTransfer, error) {
	var tr StockTransfer
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.st.lockRow(ctx, &tr, transferID, "transfer"); err != nil {
			return err
		}
		if err := actFor(ctx, tr.OrganizerID, tr.MerchantID, "transfer "+transferID.String()); err != nil {
			return err
		}
		if TransferStatus(tr.Status) != TransferInTransit {
			return refuse(ErrTransferClosed, "", "transfer "+transferID.String()+" is "+tr.Status+", not IN_TRANSIT", nil)
		}
		return s.closeTransfer(ctx, &tr, to)
	})
	return &tr, err
}

// closeTransfer brings a transfer's goods in: at the destination (RECEIVED, TRANSFER_IN) or back
// at the source (CANCELLED, TRANSFER_RETURN), at the costs they left with.
func (s *Service) closeTransfer(ctx context.Context, tr *StockTransfer, to TransferStatus) error {
	locID, typ := tr.ToLocationID, TrackingTransferIn
	if to == TransferCancelled {
		locID, typ = tr.FromLocationID, TrackingTransferReturn
	}
	loc, err := s.st.location(ctx, tr.OrganizerID, tr.MerchantID, locID)
	if err != nil {
		return err
	}
	lines := slices.Clone(tr.Lines)
	slices.SortStableFunc(lines, func(a, b StockTransferLine) int { return cmp.Compare(a.VariantID, b.VariantID) })
	for _, l := range lines {
		itemID, err := s.st.ensureItem(ctx, loc, l.VariantID)
		if err != nil {
			return err
		}
		if _, _, err := s.move(ctx, itemID, movement{typ: typ, onHand: l.Quantity, carry: l.Costs, doc: DocTransfer, docID: tr.ID, note: string(tr.Note)}); err != nil {
			return err
		}
	}
	now := s.clock.Now()
	tr.Status, tr.ClosedAt, tr.UpdatedAt = string(to), &now, now
	return s.st.closeTransfer(ctx, tr)
}

// ---- counts ----

// CountRequest records a stock take at one location.
type CountRequest struct {
	OrganizerID id.ID
	MerchantID  id.ID
	LocationID  id.ID
	Lines       []StockCountInput
	Note        string
}

// StockCountInput is one counted variant.
type StockCountInput struct {
	VariantID id.ID `json:"variantId"`
	Counted   int64 `json:"counted" minimum:"0" maximum:"1000000" doc:"At most 10^6 units (money.MaxQuantity)"`
}

// Count sets each counted variant's on hand to what was counted and records the variance as an
// INVENTORY_COUNT row (also when it is zero: the count itself is part of the trail). Counting
// fewer than are reserved is refused: release reservations first.
func (s *Service) Count(ctx context.Context, r CountRequest) (*StockCount, error) {
	if err := checkTenantIDs(r.OrganizerID, r.MerchantID); err != nil {
		return nil, err
	}
	if len(r.Lines) == 0 || len(r.Lines) > 1000 {
		return nil, errs.Field("body.lines", "must hold 1 to 1000 lines", len(r.Lines))
	}
	seen := map[id.ID]bool{}
	for i, l := range r.Lines {
		if l.VariantID <= 0 || l.Counted < 0 || seen[l.VariantID] {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d]", i), "needs a variantId (once per count) and a counted quantity of 0 or more", nil)
		}
		if err := money.Quantity(fmt.Sprintf("body.lines[%d].counted", i), l.Counted); err != nil {
			return nil, err
		}
		seen[l.VariantID] = true
	}
	variants := make([]id.ID, len(r.Lines))
	for i, l := range r.Lines {
		variants[i] = l.VariantID
	}
	ctx, err := s.allow(ctx, r.OrganizerID, r.MerchantID, variants)
	if err != nil {
		return nil, err
	}
	var c *StockCount
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		loc, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.LocationID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		actorID, _ := actor(ctx)
		c = &StockCount{ID: s.ids.Next(), OrganizerID: loc.OrganizerID, MerchantID: loc.MerchantID, LocationID: loc.ID,
			Lines: make([]StockCountLine, len(r.Lines)), Note: db.OptText(strings.TrimSpace(r.Note)), ActorID: actorID, CreatedAt: now}
		order := make([]int, len(r.Lines))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(r.Lines[a].VariantID, r.Lines[b].VariantID) })
		for _, i := range order {
			l := r.Lines[i]
			itemID, err := s.st.ensureItem(ctx, loc, l.VariantID)
			if err != nil {
				return err
			}
			cur, err := s.st.lockItem(ctx, itemID)
			if err != nil {
				return err
			}
			if l.Counted < cur.QuantityReserved {
				return refuse(ErrCountBelowReserved, fmt.Sprintf("body.lines[%d].counted", i), fmt.Sprintf("counted %d of variant %s but %d are reserved; release reservations first",
					l.Counted, l.VariantID, cur.QuantityReserved), l.Counted)
			}
			delta := l.Counted - cur.QuantityOnHand
			mv, ok, err := s.move(ctx, itemID, movement{typ: TrackingInventoryCount, onHand: delta, doc: DocCount, docID: c.ID, note: string(c.Note)})
			if err != nil {
				return err
			}
			if !ok {
				return errs.Newf(errs.Internal, "inventory: count of item %s refused", itemID)
			}
			c.Lines[i] = StockCountLine{VariantID: l.VariantID, ItemID: itemID, Expected: cur.QuantityOnHand, Counted: l.Counted,
				Variance: delta, CostAmount: mv.Tracking.CostAmount}
			if c.Variance, err = money.Add(c.Variance, delta); err != nil {
				return err
			}
		}
		return s.st.insert(ctx, c)
	})
	return c, err
}
