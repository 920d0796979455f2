package inventory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/money"
	"github.com/riverqueue/river"
)

// Limits of a reservation request.
const (
	DefaultReservationTTL = 30 * time.Minute
	MaxReservationTTL     = 7 * 24 * time.Hour
	MaxLines              = 100
)

// StockLine asks for quantity of one variant.
type StockLine struct {
	VariantID id.ID `json:"variantId"`
	Quantity  int64 `json:"quantity" minimum:"1" maximum:"1000000" doc:"At most 10^6 units (money.MaxQuantity)"`
}

// ReserveRequest reserves stock for the lines of one order, all or nothing.
type ReserveRequest struct {
	OrganizerID id.ID
	MerchantID  id.ID
	LocationID  id.ID // 0: the merchant's default location
	Lines       []StockLine
	Reference   string    // the order, e.g. its id
	ExpiresAt   time.Time // zero: now + DefaultReservationTTL
}

// ReservedLine is the outcome of one line. A variant that is not stock-tracked (no stock item
// at any location of the merchant) is sold freely: Tracked is false and there is no reservation.
type ReservedLine struct {
	VariantID     id.ID  `json:"variantId"`
	Quantity      int64  `json:"quantity"`
	Tracked       bool   `json:"tracked"`
	ReservationID *id.ID `json:"reservationId,omitempty"`
	LocationID    id.ID  `json:"locationId,omitempty"`
}

// Reserved is the outcome of a Reserve.
type Reserved struct {
	Reference string         `json:"reference"`
	ExpiresAt time.Time      `json:"expiresAt"`
	Lines     []ReservedLine `json:"lines"`
}

// IDs returns the ids of the reservations made.
func (r Reserved) IDs() []id.ID {
	var out []id.ID
	for _, l := range r.Lines {
		if l.ReservationID != nil {
			out = append(out, *l.ReservationID)
		}
	}
	return out
}

// Reserve holds stock for every line, or for none: a line asking for more than is available is a
// Rule error (422) naming the line, the variant and what is available.
func (s *Service) Reserve(ctx context.Context, r ReserveRequest) (Reserved, error) {
	now := s.clock.Now()
	if err := checkTenantIDs(r.OrganizerID, r.MerchantID); err != nil {
		return Reserved{}, err
	}
	if r.Reference = strings.TrimSpace(r.Reference); r.Reference == "" || len(r.Reference) > 200 {
		return Reserved{}, errs.Field("body.reference", "is required (1-200 characters): the order the stock is for", r.Reference)
	}
	if len(r.Lines) == 0 || len(r.Lines) > MaxLines {
		return Reserved{}, errs.Field("body.lines", fmt.Sprintf("must hold 1 to %d lines", MaxLines), len(r.Lines))
	}
	for i, l := range r.Lines {
		if l.VariantID <= 0 {
			return Reserved{}, errs.Field(fmt.Sprintf("body.lines[%d].variantId", i), "is required", nil)
		}
		if l.Quantity <= 0 || l.Quantity > money.MaxQuantity {
			return Reserved{}, errs.Field(fmt.Sprintf("body.lines[%d].quantity", i), fmt.Sprintf("must be 1 to %d", money.MaxQuantity), l.Quantity)
		}
	}
	expires := r.ExpiresAt.UTC()
	if r.ExpiresAt.IsZero() {
		expires = now.Add(DefaultReservationTTL)
	}
	if !expires.After(now) || expires.Sub(now) > MaxReservationTTL {
		return Reserved{}, errs.Field("body.expiresAt", "must be in the future, at most 7 days away", r.ExpiresAt)
	}
	ctx, err := s.allow(ctx, r.OrganizerID, r.MerchantID, variantsOf(r.Lines))
	if err != nil {
		return Reserved{}, err
	}
	// Lock items in one order (by variant) so that two multi-line reservations cannot deadlock.
	order := make([]int, len(r.Lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(r.Lines[a].VariantID, r.Lines[b].VariantID) })
	var out Reserved
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		out = Reserved{Reference: r.Reference, ExpiresAt: expires, Lines: make([]ReservedLine, len(r.Lines))}
		loc, err := s.st.location(ctx, r.OrganizerID, r.MerchantID, r.LocationID)
		if err != nil && !(r.LocationID == 0 && errs.KindOf(err) == errs.NotFound) {
			return err
		}
		// The expiry job is inserted before any stock row is locked, to keep the lock short on a
		// hot variant: its ids are chosen now, and an id that is not used (an untracked line)
		// is a no-op for the job.
		ids := make([]id.ID, len(r.Lines))
		for i := range ids {
			ids[i] = s.ids.Next()
		}
		if loc != nil {
			if _, err := s.jobs.Insert(ctx, ExpireReservations{ReservationIDs: ids},
				&river.InsertOpts{Queue: Queue, ScheduledAt: expires}); err != nil {
				return err
			}
		}
		// Each line's reservation and its RESERVATION tracking row are written with the
		// conditional UPDATE in one statement where the database can (store.reserveLine: one
		// round trip while the item is locked, not three). Otherwise they are written once every
		// line is held, in two statements for all of them. Either way a
		// refused line fails the call, whose transaction is rolled back (the caller's too: all
		// lines or none already relies on that).
		var made []*StockReservation
		var rows []*InventoryTracking
		for _, i := range order {
			l := r.Lines[i]
			out.Lines[i] = ReservedLine{VariantID: l.VariantID, Quantity: l.Quantity}
			if loc == nil { // no default location: only untracked variants can pass
				if skip, err := s.notTaken(ctx, nil, r.MerchantID, i, l); !skip {
					return err
				}
				continue
			}
			res := &StockReservation{ID: ids[i], Quantity: l.Quantity, Reference: r.Reference, Status: string(ReservationActive),
				ExpiresAt: &expires, CreatedAt: now, UpdatedAt: now}
			mv := movement{typ: TrackingReservation, reserved: l.Quantity, doc: DocReservation, docID: res.ID, reference: r.Reference}
			// The row's item and quantities are the statement's: here only what they are not.
			t, err := s.tracking(ctx, itemRef{}, level{}, mv)
			if err != nil {
				return err
			}
			it, ok, recorded, err := s.st.reserveLine(ctx, loc.ID, l.VariantID, res, t)
			if err != nil {
				return err
			}
			if !ok {
				skip, err := s.notTaken(ctx, loc, r.MerchantID, i, l)
				if skip {
					continue
				}
				return err
			}
			if !recorded {
				res.OrganizerID, res.MerchantID, res.ItemID, res.LocationID, res.VariantID = it.OrganizerID, it.MerchantID, it.ID, it.LocationID, it.VariantID
				t.place(it, it.After)
				made, rows = append(made, res), append(rows, t)
			}
			rid := res.ID
			out.Lines[i].Tracked, out.Lines[i].ReservationID, out.Lines[i].LocationID = true, &rid, loc.ID
		}
		if err := s.st.insertReservations(ctx, made); err != nil {
			return err
		}
		return s.st.insertTrackings(ctx, rows)
	})
	return out, err
}

// ReleaseRequest releases the active reservations of an order (Reference) or the listed ones.
type ReleaseRequest struct {
	OrganizerID    id.ID
	MerchantID     id.ID // 0: any merchant of the organizer
	Reference      string
	ReservationIDs []id.ID
	Reason         string
}

// Released tells which reservations a Release released.
type Released struct {
	Released       int     `json:"released"`
	ReservationIDs []id.ID `json:"reservationIds"`
}

// Release gives back the stock of active reservations. Reserved already released, expired or
// committed are left alone, so a repeated release is a no-op.
func (s *Service) Release(ctx context.Context, r ReleaseRequest) (Released, error) {
	if r.OrganizerID == 0 {
		return Released{}, errs.Field("body.organizerId", "is required", nil)
	}
	if strings.TrimSpace(r.Reference) == "" && len(r.ReservationIDs) == 0 {
		return Released{}, errs.Field("body.reference", "name the reference or the reservation ids to release", nil)
	}
	reason := strings.TrimSpace(r.Reason)
	if reason == "" {
		reason = "released"
	}
	if err := actFor(ctx, r.OrganizerID, r.MerchantID, "merchant "+r.MerchantID.String()); err != nil {
		return Released{}, err
	}
	out := Released{ReservationIDs: []id.ID{}}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		out = Released{ReservationIDs: []id.ID{}}
		list, err := s.st.reservations(ctx, r.OrganizerID, r.MerchantID, r.Reference, r.ReservationIDs, true)
		if err != nil {
			return err
		}
		for _, res := range list {
			done, _, err := s.close(ctx, res, ReservationReleased, TrackingReservationRelease, reason, nil)
			if err != nil {
				return err
			}
			if done {
				out.Released++
				out.ReservationIDs = append(out.ReservationIDs, res.ID)
			}
		}
		return nil
	})
	return out, err
}

// close ends an active reservation with status and gives its stock back (or, for a commit,
// hands it to the sale, and returns its cost of goods). It reports false when the reservation was
// no longer active. dueBy, when set, closes it only if it expires by then.
func (s *Service) close(ctx context.Context, res StockReservation, status ReservationStatus, typ TrackingType, reason string, dueBy *time.Time) (bool, int64, error) {
	if closed, err := s.st.closeReservation(ctx, res.ID, status, reason, dueBy); err != nil || !closed {
		return false, 0, err
	}
	if status != ReservationCommitted {
		_, ok, err := s.move(ctx, res.ItemID, movement{typ: typ, reserved: -res.Quantity, doc: DocReservation, docID: res.ID,
			reference: res.Reference, note: reason})
		if err == nil && !ok {
			err = errs.Newf(errs.Internal, "inventory: item %s holds less reserved than reservation %s", res.ItemID, res.ID)
		}
		return err == nil, 0, err
	}
	// Commit: one statement takes the stock from reserved and from on hand; two rows, written
	// together, record it.
	it, ok, err := s.st.change(ctx, res.ItemID, -res.Quantity, -res.Quantity)
	if err != nil {
		return false, 0, err
	}
	if !ok {
		return false, 0, errs.Newf(errs.Internal, "inventory: item %s holds less than reservation %s", res.ItemID, res.ID)
	}
	mid := level{OnHand: it.After.OnHand + res.Quantity, Reserved: it.After.Reserved}
	commit, err := s.tracking(ctx, it, mid, movement{typ: TrackingReservationCommit, reserved: -res.Quantity, doc: DocReservation,
		docID: res.ID, reference: res.Reference})
	if err != nil {
		return false, 0, err
	}
	m := movement{typ: TrackingSale, onHand: -res.Quantity, doc: DocReservation, docID: res.ID, reference: res.Reference}
	sale, err := s.tracking(ctx, it, it.After, m)
	if err != nil {
		return false, 0, err
	}
	if _, err := s.costs(ctx, it, sale, m); err != nil {
		return false, 0, err
	}
	if err := s.st.insertTrackings(ctx, []*InventoryTracking{commit, sale}); err != nil {
		return false, 0, err
	}
	if err := s.st.setReservationCost(ctx, res.ID, sale.CostAmount); err != nil {
		return false, 0, err
	}
	return true, sale.CostAmount, nil
}

// CommitRequest completes the sale of an order's reservations.
type CommitRequest struct {
	OrganizerID id.ID
	MerchantID  id.ID // 0: any merchant of the organizer
	Reference   string
}

// CommittedLine is one sold reservation and its cost of goods.
type CommittedLine struct {
	ReservationID id.ID `json:"reservationId"`
	VariantID     id.ID `json:"variantId"`
	LocationID    id.ID `json:"locationId"`
	Quantity      int64 `json:"quantity"`
	CostOfGoods   int64 `json:"costOfGoods" doc:"FIFO cost of the units sold (VND)"`
}

// Committed is the outcome of a Commit: every committed reservation of the order.
type Committed struct {
	Reference   string          `json:"reference"`
	Lines       []CommittedLine `json:"lines"`
	CostOfGoods int64           `json:"costOfGoods"`
}

// Commit turns the order's active reservations into sales: on hand and reserved go down, a
// RESERVATION_COMMIT and a SALE row are written, and FIFO layers give the cost of goods. A
// repeat returns the same lines. An order whose reservations all expired or were released is a
// Conflict (409): reserve again. An order with no reservations (untracked variants) commits
// nothing.
func (s *Service) Commit(ctx context.Context, r CommitRequest) (Committed, error) {
	if r.OrganizerID == 0 {
		return Committed{}, errs.Field("body.organizerId", "is required", nil)
	}
	if r.Reference = strings.TrimSpace(r.Reference); r.Reference == "" {
		return Committed{}, errs.Field("body.reference", "is required", nil)
	}
	if err := actFor(ctx, r.OrganizerID, r.MerchantID, "merchant "+r.MerchantID.String()); err != nil {
		return Committed{}, err
	}
	var out Committed
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		out = Committed{Reference: r.Reference, Lines: []CommittedLine{}}
		list, err := s.st.reservations(ctx, r.OrganizerID, r.MerchantID, r.Reference, nil, false)
		if err != nil {
			return err
		}
		closed, raced := 0, false
		for k := range list {
			res := &list[k]
			switch ReservationStatus(res.Status) {
			case ReservationActive:
				done, cost, err := s.close(ctx, *res, ReservationCommitted, TrackingReservationCommit, "committed", nil)
				if err != nil {
					return err
				}
				if done {
					res.Status, res.CostAmount = string(ReservationCommitted), cost
				} else {
					raced = true
				}
			case ReservationCommitted:
			default:
				closed++
			}
		}
		if len(list) > 0 && closed == len(list) {
			return refuse(ErrReservationsClosed, "", "the reservations of "+r.Reference+" were released or expired; reserve again", nil)
		}
		if raced { // another transaction closed one since the read: take its outcome from the table
			if list, err = s.st.reservations(ctx, r.OrganizerID, r.MerchantID, r.Reference, nil, false); err != nil {
				return err
			}
		}
		for _, res := range list {
			if ReservationStatus(res.Status) != ReservationCommitted {
				continue
			}
			out.Lines = append(out.Lines, CommittedLine{ReservationID: res.ID, VariantID: res.VariantID, LocationID: res.LocationID,
				Quantity: res.Quantity, CostOfGoods: res.CostAmount})
			out.CostOfGoods += res.CostAmount
		}
		return nil
	})
	return out, err
}

// ExpireReservations is the job, scheduled at a reservation's expiry, that releases whatever of
// it is still active.
type ExpireReservations struct {
	ReservationIDs []id.ID `json:"reservationIds"`
}

// Kind is the River job kind.
func (ExpireReservations) Kind() string { return "inventory.expire-reservations" }

// expire releases the listed reservations that are still active and due. A reservation that was
// released or committed meanwhile is left alone, so the job may run any number of times.
func (s *Service) expire(ctx context.Context, ids []id.ID) (n int, later *time.Time, err error) {
	if _, err := auth.Tenancy(ctx); err != nil {
		return 0, nil, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		n, later = 0, nil
		list, err := s.st.activeReservations(ctx, ids)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for _, res := range list {
			done, _, err := s.close(ctx, res, ReservationExpired, TrackingReservationExpired, "expired", &now)
			if err != nil {
				return err
			}
			if done {
				n++
			} else if res.ExpiresAt != nil && res.ExpiresAt.After(now) && (later == nil || res.ExpiresAt.Before(*later)) {
				later = res.ExpiresAt
			}
		}
		return nil
	})
	return n, later, err
}
