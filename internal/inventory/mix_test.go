package inventory_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/inventory/inventorytest"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/clock"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/jobs"
	"github.com/banapos/bana/internal/platform/module"
)

// fixture is the service on a migrated database (jobs are inserted, not worked: tests call the
// workers' functions directly) with one merchant and two locations, on a clock the test moves.
type fixture struct {
	s          *inventory.Service
	m          *inventory.Module
	clock      *clock.Fake
	org, merch id.ID
	locA, locB *inventory.Location
}

// directory answers auth.ActFor's "whose merchant is this?" for the fixture's merchant, as
// commerce does in the application.
type directory map[id.ID]id.ID

func (d directory) MerchantOrganizer(_ context.Context, merchant id.ID) (id.ID, error) {
	if org, ok := d[merchant]; ok {
		return org, nil
	}
	return 0, errs.ErrNotFound
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ids, _ := id.NewGenerator(1, id.DefaultEpoch)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	j := jobs.New(d, jobs.Options{Logger: log})
	bus := events.New(d, j, ids, log)
	idem := idempotency.New(d, nil)
	clk := clock.NewFake(time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
	m := inventory.New(inventory.Deps{Platform: module.Platform{DB: d, IDs: ids, Clock: clk, Jobs: j, Events: bus, Idem: idem, Log: log},
		Catalog: inventory.VariantRange{Merchant: 10, From: 1, To: 1000}})
	mg, err := db.NewMigrator(d, j.Migrations(), bus.Migrations(), idem.Migrations(), m.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mg.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: m.Service(), m: m, clock: clk, org: 1, merch: 10}
	ctx := auth.System(context.Background())
	for i, code := range []string{"A", "B"} {
		l := &inventory.Location{OrganizerID: f.org, MerchantID: f.merch, Code: code, Name: code, Type: inventory.LocationStore,
			Status: inventory.StatusActive, IsDefault: i == 0}
		if err := m.CreateLocation(ctx, l); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.locA = l
		} else {
			f.locB = l
		}
	}
	return f
}

func (f *fixture) item(t *testing.T, loc *inventory.Location, variant id.ID, onHand, unitCost int64) id.ID {
	t.Helper()
	it := &inventory.StockItem{LocationID: loc.ID, VariantID: variant, OrganizerID: f.org, MerchantID: f.merch, QuantityOnHand: onHand, UnitCost: unitCost}
	if err := f.m.CreateItem(auth.System(context.Background()), it); err != nil {
		t.Fatal(err)
	}
	return it.ID
}

// Reconciliation is not vacuous: a stored quantity that drifts from its history is reported.
func TestReconcileFindsDrift(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		itemID := f.item(t, f.locA, 1, 5, 100)
		if n := inventorytest.RequireReconciled(t, f.s, f.org); n != 1 {
			t.Fatalf("%d items checked", n)
		}
		ctx := context.Background()
		if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(`UPDATE inventory_items SET quantity_on_hand = quantity_on_hand + 1 WHERE id = ?`), int64(itemID)); err != nil {
			t.Fatal(err)
		}
		rep, err := f.s.Reconcile(auth.System(ctx), f.org, 0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK || len(rep.Discrepancies) != 1 || len(rep.Discrepancies[0].Problems) != 2 {
			t.Fatalf("drift not found: %+v", rep)
		}
		// The database itself refuses a negative quantity or more reserved than on hand.
		for _, q := range []string{`UPDATE inventory_items SET quantity_on_hand = -1 WHERE id = ?`, `UPDATE inventory_items SET quantity_reserved = 100 WHERE id = ?`} {
			if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(q), int64(itemID)); errs.KindOf(db.Classify(err)) != errs.Rule {
				t.Fatalf("%s: %v", q, err)
			}
		}
	})
}

// Any mix of concurrent reservations, releases, commits, expiries, adjustments, transfers and
// counts leaves every item reconciled with its tracking rows, reservations and cost layers.
func TestConcurrentMixReconciles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const variants = 4
		for v := id.ID(1); v <= variants; v++ {
			f.item(t, f.locA, v, 30, 1000*int64(v))
			f.item(t, f.locB, v, 10, 1500*int64(v))
		}
		const workers, ops = 8, 60
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		counts := make([]map[string]int, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 42))
				ctx := auth.WithPrincipal(context.Background(), (&auth.Principal{UserID: id.ID(100 + w), Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: f.org}).
					WithDirectory(directory{f.merch: f.org}))
				var refs []string
				var ids []id.ID
				counts[w] = map[string]int{}
				loc := func() *inventory.Location {
					if rng.IntN(2) == 0 {
						return f.locA
					}
					return f.locB
				}
				for i := range ops {
					var err error
					op := rng.IntN(9)
					switch op {
					case 0, 1: // reserve 1-2 lines; some expire almost at once
						ref := fmt.Sprintf("w%d-%d", w, i)
						lines := []inventory.StockLine{{VariantID: id.ID(1 + rng.IntN(variants)), Quantity: int64(1 + rng.IntN(4))}}
						if rng.IntN(2) == 0 {
							lines = append(lines, inventory.StockLine{VariantID: id.ID(1 + rng.IntN(variants)), Quantity: int64(1 + rng.IntN(3))})
						}
						exp := time.Time{}
						if rng.IntN(3) == 0 { // due after a few runs of the expiry job, which move the clock
							exp = f.clock.Now().Add(time.Minute)
						}
						var r inventory.Reserved
						r, err = f.s.Reserve(ctx, inventory.ReserveRequest{OrganizerID: f.org, MerchantID: f.merch, LocationID: loc().ID, Lines: lines, Reference: ref, ExpiresAt: exp})
						if err == nil {
							refs = append(refs, ref)
							ids = append(ids, r.IDs()...)
						}
					case 2:
						if len(refs) > 0 {
							_, err = f.s.Release(ctx, inventory.ReleaseRequest{OrganizerID: f.org, Reference: refs[rng.IntN(len(refs))], Reason: "changed"})
						}
					case 3:
						if len(refs) > 0 {
							_, err = f.s.Commit(ctx, inventory.CommitRequest{OrganizerID: f.org, Reference: refs[rng.IntN(len(refs))]})
						}
					case 4: // the expiry job, run for everything this worker reserved, ten seconds later
						f.clock.Advance(10 * time.Second)
						err = f.s.Expire(ctx, ids)
					case 5: // an adjustment, applied as the inventory queue applies it
						typ := []inventory.TrackingType{inventory.TrackingLost, inventory.TrackingStockIn, inventory.TrackingAdjustmentNeutral,
							inventory.TrackingDamaged, inventory.TrackingAdjustmentIn}[rng.IntN(5)]
						qty := int64(1 + rng.IntN(4))
						if typ == inventory.TrackingAdjustmentNeutral && rng.IntN(2) == 0 {
							qty = -qty
						}
						var a *inventory.StockAdjustment
						a, err = f.s.RequestAdjustment(ctx, inventory.AdjustmentRequest{OrganizerID: f.org, MerchantID: f.merch, LocationID: loc().ID,
							Lines: []inventory.StockAdjustmentLine{{VariantID: id.ID(1 + rng.IntN(variants)), Type: typ, Quantity: qty}}})
						if err == nil {
							_, err = f.s.ApplyAdjustment(ctx, a.ID)
						}
					case 6, 7: // a transfer either way, sometimes in transit then received or cancelled
						from, to := f.locA, f.locB
						if rng.IntN(2) == 0 {
							from, to = to, from
						}
						transit := rng.IntN(2) == 0
						var tr *inventory.StockTransfer
						tr, err = f.s.Transfer(ctx, inventory.TransferRequest{OrganizerID: f.org, MerchantID: f.merch, FromLocationID: from.ID, ToLocationID: to.ID,
							InTransit: transit, Lines: []inventory.StockLine{{VariantID: id.ID(1 + rng.IntN(variants)), Quantity: int64(1 + rng.IntN(3))}}})
						if err == nil && transit {
							next := inventory.TransferReceived
							if rng.IntN(2) == 0 {
								next = inventory.TransferCancelled
							}
							_, err = f.s.TransferAction(ctx, tr.ID, next)
						}
					case 8: // a count, now and then
						if rng.IntN(3) == 0 {
							_, err = f.s.Count(ctx, inventory.CountRequest{OrganizerID: f.org, MerchantID: f.merch, LocationID: loc().ID,
								Lines: []inventory.StockCountInput{{VariantID: id.ID(1 + rng.IntN(variants)), Counted: int64(5 + rng.IntN(20))}}})
						}
					}
					switch errs.KindOf(err) {
					case errs.Rule, errs.Conflict:
						counts[w]["refused"]++
						continue
					}
					if err != nil {
						errc <- fmt.Errorf("worker %d op %d (%d): %w", w, i, op, err)
						return
					}
					counts[w]["done"]++
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		done, refused := 0, 0
		for _, c := range counts {
			done, refused = done+c["done"], refused+c["refused"]
		}
		if done < workers*ops/2 {
			t.Fatalf("only %d of %d operations went through (%d refused): the mix tested little", done, workers*ops, refused)
		}
		if n := inventorytest.RequireReconciled(t, f.s, f.org); n != 2*variants {
			t.Fatalf("%d items", n)
		}
		var trackings, commits int
		ctx := context.Background()
		if err := d.Raw(ctx, false).QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN type = 'SALE' THEN 1 ELSE 0 END), 0) FROM inventory_trackings`).Scan(&trackings, &commits); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d operations done, %d refused, %d tracking rows, %d sales", d.Dialect, done, refused, trackings, commits)
		if commits == 0 {
			t.Fatal("no sale was committed: the mix tested little")
		}
	})
}

// Costs follow stock: a transfer carries its FIFO layers to the destination, and a sale there
// costs what the goods cost at the source.
func TestTransferCarriesFIFOCost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := auth.System(context.Background())
		f.item(t, f.locB, 7, 2, 100) // 2 at 100
		cost := int64(300)
		a, err := f.s.RequestAdjustment(ctx, inventory.AdjustmentRequest{OrganizerID: f.org, MerchantID: f.merch, LocationID: f.locB.ID,
			Lines: []inventory.StockAdjustmentLine{{VariantID: 7, Type: inventory.TrackingStockIn, Quantity: 3, UnitCost: &cost}}}) // 3 at 300
		if err != nil {
			t.Fatal(err)
		}
		if st, err := f.s.ApplyAdjustment(ctx, a.ID); err != nil || st != inventory.AdjustmentApplied {
			t.Fatalf("adjustment: %s %v", st, err)
		}
		tr, err := f.s.Transfer(ctx, inventory.TransferRequest{OrganizerID: f.org, MerchantID: f.merch, FromLocationID: f.locB.ID, ToLocationID: f.locA.ID,
			Lines: []inventory.StockLine{{VariantID: 7, Quantity: 4}}})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Lines[0].CostAmount != 2*100+2*300 {
			t.Fatalf("transfer cost %d", tr.Lines[0].CostAmount)
		}
		if _, err := f.s.Reserve(ctx, inventory.ReserveRequest{OrganizerID: f.org, MerchantID: f.merch, Lines: []inventory.StockLine{{VariantID: 7, Quantity: 3}}, Reference: "o"}); err != nil {
			t.Fatal(err)
		}
		c, err := f.s.Commit(ctx, inventory.CommitRequest{OrganizerID: f.org, Reference: "o"})
		if err != nil {
			t.Fatal(err)
		}
		if c.CostOfGoods != 2*100+1*300 || len(c.Lines) != 1 || c.Lines[0].LocationID != f.locA.ID {
			t.Fatalf("commit at the destination: %+v", c)
		}
		// Releasing by id, and committing an order with no reservations (untracked), change nothing.
		if r, err := f.s.Release(ctx, inventory.ReleaseRequest{OrganizerID: f.org, ReservationIDs: []id.ID{c.Lines[0].ReservationID}}); err != nil || r.Released != 0 {
			t.Fatalf("release of a committed reservation: %+v %v", r, err)
		}
		if c, err := f.s.Commit(ctx, inventory.CommitRequest{OrganizerID: f.org, Reference: "nothing-tracked"}); err != nil || len(c.Lines) != 0 {
			t.Fatalf("empty commit: %+v %v", c, err)
		}
		inventorytest.RequireReconciled(t, f.s, f.org)
	})
}
