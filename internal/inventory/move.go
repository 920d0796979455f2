package inventory

import (
	"context"
	"github.com/banapos/bana/internal/platform/db"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
)

// Document types: what caused a tracking row (InventoryTracking.DocumentType).
const (
	DocReservation = "RESERVATION"
	DocReceipt     = "PURCHASE_ORDER_RECEIPT"
	DocAdjustment  = "ADJUSTMENT"
	DocTransfer    = "TRANSFER"
	DocCount       = "COUNT"
	DocItem        = "ITEM"
)

// LayerCost is a quantity at a unit cost: what a transfer carries from its source's layers to
// its destination, so that FIFO costs survive the move.
type LayerCost struct {
	Quantity int64 `json:"quantity"`
	UnitCost int64 `json:"unitCost"`
}

// movement is one change of one item: its tracking type, the deltas, and where it came from.
type movement struct {
	typ       TrackingType
	onHand    int64
	reserved  int64
	unitCost  *int64      // stock in: the cost of what arrives (nil: the item's last unit cost)
	carry     []LayerCost // stock in: arrive at these costs instead (transfers)
	doc       string
	docID     id.ID
	reference string
	note      string
}

// moved is what a movement did.
type moved struct {
	Tracking *InventoryTracking
	Takes    []Take // stock out: the FIFO layers it consumed
}

// move applies m to the item if the result keeps 0 <= reserved <= on hand, writes the tracking
// row and the cost layers, and reports whether it was applied.
func (s *Service) move(ctx context.Context, itemID id.ID, m movement) (moved, bool, error) {
	it, ok, err := s.st.change(ctx, itemID, m.onHand, m.reserved)
	if err != nil || !ok {
		return moved{}, ok, err
	}
	mv, err := s.record(ctx, it, it.After, m)
	return mv, err == nil, err
}

// record writes the tracking row of m, which left the item at after, and its cost effects.
func (s *Service) record(ctx context.Context, it itemRef, after level, m movement) (moved, error) {
	t, err := s.tracking(ctx, it, after, m)
	if err != nil {
		return moved{}, err
	}
	out, err := s.costs(ctx, it, t, m)
	if err != nil {
		return out, err
	}
	if err := s.st.insertTrackings(ctx, []*InventoryTracking{t}); err != nil {
		return out, err
	}
	out.Tracking = t
	return out, nil
}

// tracking returns the tracking row of m, which left the item at after, without writing it.
func (s *Service) tracking(ctx context.Context, it itemRef, after level, m movement) (*InventoryTracking, error) {
	if !m.typ.Allows(m.onHand, m.reserved) {
		return nil, errs.Newf(errs.Internal, "inventory: %s cannot change on hand by %d and reserved by %d", m.typ, m.onHand, m.reserved)
	}
	actorID, kind := actor(ctx)
	t := &InventoryTracking{ID: s.ids.Next(), Type: string(m.typ), Direction: string(m.typ.Direction()),
		QuantityDelta: m.onHand, ReservedDelta: m.reserved, DocumentType: m.doc, DocumentID: m.docID,
		Reference: db.OptText(m.reference), ActorID: actorID, ActorKind: db.OptText(kind), Note: db.OptText(m.note), CreatedAt: s.clock.Now()}
	t.place(it, after)
	return t, nil
}

// place completes a tracking row with the item it changed and the quantities it left it at
// (those before follow from its deltas).
func (t *InventoryTracking) place(it itemRef, after level) {
	t.OrganizerID, t.MerchantID, t.ItemID, t.LocationID, t.VariantID = it.OrganizerID, it.MerchantID, it.ID, it.LocationID, it.VariantID
	t.OnHandBefore, t.OnHandAfter = after.OnHand-t.QuantityDelta, after.OnHand
	t.ReservedBefore, t.ReservedAfter = after.Reserved-t.ReservedDelta, after.Reserved
}

// costs applies the cost effects of m, whose tracking row is t: stock in adds FIFO layers (and
// updates the item's last unit cost), stock out consumes them. It sets t's cost.
func (s *Service) costs(ctx context.Context, it itemRef, t *InventoryTracking, m movement) (moved, error) {
	var out moved
	switch {
	case m.onHand > 0:
		left := m.onHand
		for _, c := range m.carry {
			n := min(c.Quantity, left)
			if n <= 0 {
				continue
			}
			if err := s.st.addLayer(ctx, it, m.typ, t.ID, n, c.UnitCost, t.CreatedAt); err != nil {
				return out, err
			}
			if err := addCost(&t.CostAmount, n, c.UnitCost); err != nil {
				return out, err
			}
			left -= n
		}
		if left > 0 {
			unit := it.UnitCost
			if m.unitCost != nil {
				unit = *m.unitCost
			}
			if err := s.st.addLayer(ctx, it, m.typ, t.ID, left, unit, t.CreatedAt); err != nil {
				return out, err
			}
			if err := addCost(&t.CostAmount, left, unit); err != nil {
				return out, err
			}
		}
		if m.unitCost != nil && *m.unitCost != it.UnitCost {
			if err := s.st.setUnitCost(ctx, it.ID, *m.unitCost); err != nil {
				return out, err
			}
		}
	case m.onHand < 0:
		takes, cost, err := s.st.consume(ctx, it.ID, -m.onHand)
		if err != nil {
			return out, err
		}
		t.CostAmount = cost
		out.Takes = takes
	}
	return out, nil
}

// addCost adds qty units at unit to a cost, or refuses with money.ErrOverflow.
func addCost(cost *int64, qty, unit int64) error {
	c, err := money.Mul(qty, unit)
	if err == nil {
		*cost, err = money.Add(*cost, c)
	}
	return err
}

// costsOf turns consumed layers into what a transfer carries.
func costsOf(takes []Take) []LayerCost {
	out := make([]LayerCost, 0, len(takes))
	for _, t := range takes {
		out = append(out, LayerCost{Quantity: t.Quantity, UnitCost: t.UnitCost})
	}
	return out
}

// shortage is the 422 for a line that asks for more than is available (ErrInsufficientStock).
func shortage(loc string, variantID id.ID, locationCode string, available, asked int64) error {
	return refuse(ErrInsufficientStock, loc, "only "+itoa(available)+" available for variant "+variantID.String()+
		" at location "+locationCode+", asked for "+itoa(asked), asked)
}

// actor returns who acts in ctx, for the audit trail: the user, or the system (a job).
func actor(ctx context.Context) (*id.ID, string) {
	p := auth.From(ctx)
	if p == nil || p.UserID == 0 {
		kind := auth.KindSystem
		if p != nil && p.Kind != "" {
			kind = p.Kind
		}
		return nil, kind
	}
	uid := p.UserID
	kind := p.Kind
	if kind == "" {
		kind = auth.KindUser
	}
	return &uid, kind
}
