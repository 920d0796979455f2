package inventory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// JobInserter enqueues jobs in the caller's transaction (platform jobs.Client).
type JobInserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Publisher publishes domain events in the caller's transaction (platform events.Bus).
type Publisher interface {
	Publish(ctx context.Context, ev events.Event) (id.ID, error)
}

// Service is the inventory's use cases, each one transaction. Sale uses Reserve, Release and
// Commit through an interface of its own.
type Service struct {
	db     *db.DB
	ids    *id.Generator
	st     *store
	jobs   JobInserter
	events Publisher
}

// NewService builds the service.
func NewService(d *db.DB, ids *id.Generator, j JobInserter, ev Publisher) *Service {
	return &Service{db: d, ids: ids, st: &store{db: d, ids: ids}, jobs: j, events: ev}
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

// ---- stock items ----

// createItem inserts a stock item; an opening quantity is recorded as STOCK_IN at the item's
// unit cost.
func (s *Service) createItem(ctx context.Context, it *StockItem, create func(context.Context, *StockItem) error) error {
	opening := it.QuantityOnHand
	return s.st.inTx(ctx, func(ctx context.Context) error {
		it.QuantityOnHand, it.QuantityReserved, it.QuantityAvailable = 0, 0, 0
		if err := create(ctx, it); err != nil {
			return err
		}
		if opening > 0 {
			unit := it.UnitCost
			if _, _, err := s.move(ctx, it.ID, movement{typ: StockIn, onHand: opening, unitCost: &unit, doc: DocItem, docID: it.ID,
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
		info, ok := TrackingType(l.Type).Info()
		if !ok || !info.Adjustable {
			return nil, errs.Field(at+".type", "must be an adjustable tracking type (STOCK_IN, RETURN_FROM_CUSTOMER, ADJUSTMENT_IN, STOCK_OUT, RETURN_TO_VENDOR, EXPIRED, LOST, DAMAGED, ADJUSTMENT_NEUTRAL, ADJUSTMENT_OUT)", l.Type)
		}
		if l.VariantID <= 0 {
			return nil, errs.Field(at+".variantId", "is required", nil)
		}
		if l.Quantity == 0 || (info.Direction != Neutral && l.Quantity < 0) || l.Quantity > 1_000_000_000 || l.Quantity < -1_000_000_000 {
			return nil, errs.Field(at+".quantity", "must be positive (signed only for ADJUSTMENT_NEUTRAL), at most 1000000000", l.Quantity)
		}
		if l.UnitCost != nil && *l.UnitCost < 0 {
			return nil, errs.Field(at+".unitCost", "must not be negative", *l.UnitCost)
		}
	}
	var adj *StockAdjustment
	err := s.st.inTx(ctx, func(ctx context.Context) error {
		loc, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.LocationID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		actorID, _ := actor(ctx)
		adj = &StockAdjustment{ID: s.ids.Next(), OrganizerID: loc.OrganizerID, MerchantID: loc.MerchantID, LocationID: loc.ID,
			Status: string(AdjustmentPending), Reason: strings.TrimSpace(r.Reason), Lines: r.Lines, ActorID: actorID,
			CreatedAt: now, UpdatedAt: now}
		if _, err := s.db.IDB(ctx).NewInsert().Model(adj).Exec(ctx); err != nil {
			return db.Classify(err)
		}
		_, err = s.jobs.Insert(ctx, ApplyAdjustment{AdjustmentID: adj.ID}, &river.InsertOpts{Queue: jobs.QueueInventory})
		return err
	})
	return adj, err
}

// applyAdjustment applies a pending adjustment, or marks it REJECTED when a rule refuses a line
// (nothing of it is applied then). An adjustment that is no longer pending is left alone.
func (s *Service) applyAdjustment(ctx context.Context, adjID id.ID) (AdjustmentStatus, error) {
	status := AdjustmentApplied
	err := s.st.inTx(ctx, func(ctx context.Context) error {
		var adj StockAdjustment
		q := s.db.IDB(ctx).NewSelect().Model(&adj).Where("id = ?", int64(adjID))
		if s.db.Dialect == db.Postgres {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return notFound(err, "adjustment "+adjID.String())
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
			typ := TrackingType(l.Type)
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
				docID: adj.ID, note: firstNonEmpty(l.Note, adj.Reason)})
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
		return s.setAdjustment(ctx, adj.ID, AdjustmentApplied, "")
	})
	if err != nil && (errs.KindOf(err) == errs.Rule || errs.KindOf(err) == errs.NotFound) {
		why := err.Error()
		status = AdjustmentRejected
		err = s.st.inTx(ctx, func(ctx context.Context) error { return s.setAdjustment(ctx, adjID, AdjustmentRejected, why) })
	}
	return status, err
}

func (s *Service) setAdjustment(ctx context.Context, adjID id.ID, st AdjustmentStatus, why string) error {
	now := time.Now().UTC()
	_, err := s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE inventory_adjustments SET status = ?, error = ?, processed_at = ?, updated_at = ?
WHERE id = ? AND status = 'PENDING'`), string(st), why, now, now, int64(adjID))
	return db.Classify(err)
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
	}
	var tr *StockTransfer
	err := s.st.inTx(ctx, func(ctx context.Context) error {
		from, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.FromLocationID)
		if err != nil {
			return err
		}
		to, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.ToLocationID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		actorID, _ := actor(ctx)
		tr = &StockTransfer{ID: s.ids.Next(), OrganizerID: from.OrganizerID, MerchantID: from.MerchantID, FromLocationID: from.ID,
			ToLocationID: to.ID, Status: string(TransferInTransit), Lines: make([]StockTransferLine, len(r.Lines)), Note: strings.TrimSpace(r.Note),
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
			mv, ok, err := s.move(ctx, cur.ID, movement{typ: TransferOut, onHand: -l.Quantity, doc: DocTransfer, docID: tr.ID, note: tr.Note})
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
		if _, err := s.db.IDB(ctx).NewInsert().Model(tr).Exec(ctx); err != nil {
			return db.Classify(err)
		}
		if !r.InTransit {
			return s.closeTransfer(ctx, tr, TransferReceived)
		}
		return nil
	})
	return tr, err
}

// TransferAction receives or cancels a transfer in transit; anything else is a Conflict (409).
func (s *Service) TransferAction(ctx context.Context, organizerID, transferID id.ID, to TransferStatus) (*StockTransfer, error) {
	var tr StockTransfer
	err := s.st.inTx(ctx, func(ctx context.Context) error {
		q := s.db.IDB(ctx).NewSelect().Model(&tr).Where("id = ?", int64(transferID))
		if organizerID != 0 {
			q = q.Where("organizer_id = ?", int64(organizerID))
		}
		if s.db.Dialect == db.Postgres {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return notFound(err, "transfer "+transferID.String())
		}
		if TransferStatus(tr.Status) != TransferInTransit {
			return errs.New(errs.Conflict, "transfer "+transferID.String()+" is "+tr.Status+", not IN_TRANSIT")
		}
		return s.closeTransfer(ctx, &tr, to)
	})
	return &tr, err
}

// closeTransfer brings a transfer's goods in: at the destination (RECEIVED, TRANSFER_IN) or back
// at the source (CANCELLED, TRANSFER_RETURN), at the costs they left with.
func (s *Service) closeTransfer(ctx context.Context, tr *StockTransfer, to TransferStatus) error {
	locID, typ := tr.ToLocationID, TransferIn
	if to == TransferCancelled {
		locID, typ = tr.FromLocationID, TransferReturn
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
		if _, _, err := s.move(ctx, itemID, movement{typ: typ, onHand: l.Quantity, carry: l.Costs, doc: DocTransfer, docID: tr.ID, note: tr.Note}); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	tr.Status, tr.ClosedAt, tr.UpdatedAt = string(to), &now, now
	_, err = s.db.Raw(ctx, true).ExecContext(ctx, s.db.Rebind(`UPDATE inventory_transfers SET status = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status = 'IN_TRANSIT'`),
		string(to), now, now, int64(tr.ID))
	return db.Classify(err)
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
	Counted   int64 `json:"counted" minimum:"0"`
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
		if l.VariantID <= 0 || l.Counted < 0 || l.Counted > 1_000_000_000 || seen[l.VariantID] {
			return nil, errs.Field(fmt.Sprintf("body.lines[%d]", i), "needs a variantId (once per count) and a counted quantity of 0 or more", nil)
		}
		seen[l.VariantID] = true
	}
	var c *StockCount
	err := s.st.inTx(ctx, func(ctx context.Context) error {
		loc, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.LocationID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		actorID, _ := actor(ctx)
		c = &StockCount{ID: s.ids.Next(), OrganizerID: loc.OrganizerID, MerchantID: loc.MerchantID, LocationID: loc.ID,
			Lines: make([]StockCountLine, len(r.Lines)), Note: strings.TrimSpace(r.Note), ActorID: actorID, CreatedAt: now}
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
				return errs.RuleField(fmt.Sprintf("body.lines[%d].counted", i), fmt.Sprintf("counted %d of variant %s but %d are reserved; release reservations first",
					l.Counted, l.VariantID, cur.QuantityReserved), l.Counted)
			}
			delta := l.Counted - cur.QuantityOnHand
			mv, ok, err := s.move(ctx, itemID, movement{typ: InventoryCount, onHand: delta, doc: DocCount, docID: c.ID, note: c.Note})
			if err != nil {
				return err
			}
			if !ok {
				return errs.Newf(errs.Internal, "inventory: count of item %s refused", itemID)
			}
			c.Lines[i] = StockCountLine{VariantID: l.VariantID, ItemID: itemID, Expected: cur.QuantityOnHand, Counted: l.Counted,
				Variance: delta, CostAmount: mv.Tracking.CostAmount}
			c.Variance += delta
		}
		_, err = s.db.IDB(ctx).NewInsert().Model(c).Exec(ctx)
		return db.Classify(err)
	})
	return c, err
}
