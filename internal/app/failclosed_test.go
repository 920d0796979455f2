package app_test

// Tenancy fails closed in the running application: code that runs without a caller (a job
// worker, an event handler, a seed, the command line) reaches no tenant row unless it says it is
// the system. internal/platform/query's TestTenancyFailsClosed proves it of one table; this test
// proves it of the modules' own write paths, end to end, on the real server and database.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/banapos/bana/internal/app/apptest"
	"github.com/banapos/bana/internal/commerce"
	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/pricing"
	"github.com/banapos/bana/internal/sale"
)

func TestTenancyFailsClosedWithoutTheSystem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		// A seller signs up over HTTP; its first merchant is onboarded by commerce's
		// SellerRegistered handler, a real event handler, which the event bus runs as the
		// system: with it, the handler reaches the new tenant's rows.
		owner, orgID := seller(t, e, "failclosed.owner")
		var merchants []map[string]any
		apptest.Eventually(t, "the seller's merchant, onboarded by the event handler", func() bool {
			e.Must(200, apptest.Request{Method: "GET", Path: "/merchants", Token: owner}).JSON(t, &merchants)
			return len(merchants) == 1
		})
		org, err := id.Parse(orgID)
		if err != nil {
			t.Fatal(err)
		}
		quiet(t, e)

		// A menu and a stock location, made as seeds make them: they say they are the system.
		cat, err := e.App.Commerce.SeedDemo(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		// Cà phê trứng: no modifier group, so a quote of the bare variant is complete.
		merchant, variant := cat.MerchantID, cat.Variants["CF-TRUNG"]
		if variant == 0 {
			t.Fatal("the demo menu has no CF-TRUNG")
		}
		loc, _, err := e.App.Inventory.EnsureLocation(context.Background(), org, merchant, "KHO", "Kho")
		if err != nil {
			t.Fatal(err)
		}
		quiet(t, e)

		// The modules' paths that jobs, event handlers and the command line call, as such code
		// gets them: with a context that carries no caller. Each must be refused and write
		// nothing (with auth.ErrNoPrincipal; a module's own not-found is logged); the same call
		// under auth.System must succeed, and a write must write.
		steps := []struct {
			name  string
			write bool
			run   func(ctx context.Context) error
		}{
			{"commerce: onboarding a merchant (the SellerRegistered handler's work)", true, func(ctx context.Context) error {
				_, err := e.App.Commerce.Onboard(ctx, commerce.OnboardInput{OrganizerID: org, Name: "Chi nhánh 2", Type: commerce.TypeFNB})
				return err
			}},
			{"commerce: a product", true, func(ctx context.Context) error {
				_, err := e.App.Commerce.CreateProduct(ctx, &commerce.ProductInput{MerchantID: merchant, Name: "Bạc xỉu",
					Variants: []commerce.ProductVariantInput{{Price: 29_000}}})
				return err
			}},
			{"inventory: a stock count", true, func(ctx context.Context) error {
				_, err := e.App.Inventory.Service().Count(ctx, inventory.CountRequest{OrganizerID: org, MerchantID: merchant,
					LocationID: loc.ID, Lines: []inventory.StockCountInput{{VariantID: variant, Counted: 7}}})
				return err
			}},
			{"inventory: selling stock (a counter sale's)", true, func(ctx context.Context) error {
				_, err := e.App.Inventory.Service().Sell(ctx, inventory.SellRequest{OrganizerID: org, MerchantID: merchant, LocationID: loc.ID,
					Reference: "order-" + e.App.IDs.Next().String(), Lines: []inventory.StockLine{{VariantID: variant, Quantity: 1}}})
				return err
			}},
			{"inventory: an adjustment (a refund's restock)", true, func(ctx context.Context) error {
				_, err := e.App.Inventory.Service().RequestAdjustment(ctx, inventory.AdjustmentRequest{OrganizerID: org, MerchantID: merchant,
					LocationID: loc.ID, Lines: []inventory.StockAdjustmentLine{{VariantID: variant, Type: inventory.TrackingReturnFromCustomer, Quantity: 1}}})
				return err
			}},
			{"inventory: reconciling the stock", false, func(ctx context.Context) error {
				_, err := e.App.Inventory.Service().Reconcile(ctx, org, merchant)
				return err
			}},
			{"pricing: a quote", false, func(ctx context.Context) error {
				_, err := e.App.Pricing.Quote(ctx, pricing.QuoteInput{MerchantID: merchant, Lines: []pricing.QuoteLine{{VariantID: variant, Quantity: 1}}})
				return err
			}},
			{"identity: an employee", true, func(ctx context.Context) error {
				_, err := e.App.Identity.CreateEmployee(ctx, identity.NewEmployee{OrganizerID: org, DisplayName: "Thu Ngân",
					Code: "NV01", MerchantIDs: []id.ID{merchant}, PIN: "2468"})
				return err
			}},
			{"sale: a shift", true, func(ctx context.Context) error {
				_, err := e.App.Sale.OpenShift(ctx, sale.OpenShiftRequest{MerchantID: merchant, OpeningFloat: 500_000})
				return err
			}},
		}
		noPrincipal := 0
		for _, s := range steps {
			before := rowCounts(t, e)
			err := s.run(context.Background())
			after := rowCounts(t, e)
			// Fails closed: refused, nothing written. The refusal should be auth.ErrNoPrincipal;
			// a module that answers its own not-found instead is logged.
			switch closed := err != nil && maps.Equal(before, after); {
			case !closed:
				t.Errorf("%s without a caller: %v, wrote %q; want auth.ErrNoPrincipal and nothing written", s.name, err, changed(before, after))
			case errors.Is(err, auth.ErrNoPrincipal):
				noPrincipal++
			default:
				t.Logf("%s without a caller is refused with %q, not auth.ErrNoPrincipal", s.name, err)
			}
			if err := s.run(auth.System(context.Background())); err != nil {
				t.Fatalf("%s as the system: %v", s.name, err)
			}
			quiet(t, e)
			if s.write && maps.Equal(after, rowCounts(t, e)) {
				t.Fatalf("%s as the system wrote nothing", s.name)
			}
		}

		// What the system wrote is the tenant's: its owner sees it over HTTP.
		for _, path := range []string{"/merchants", "/products", "/inventory-counts", "/employees", "/shifts"} {
			var rows []map[string]any
			e.Must(200, apptest.Request{Method: "GET", Path: path, Token: owner}).JSON(t, &rows)
			if len(rows) == 0 {
				t.Errorf("the owner sees no row of %s", path)
			}
		}
		if noPrincipal == 0 {
			t.Error("no step was refused with auth.ErrNoPrincipal")
		}
		t.Logf("%d of %d paths refuse a missing caller with auth.ErrNoPrincipal", noPrincipal, len(steps))
	})
}

// quiet waits until no job is due or running: the event handlers of what a step did have run, so
// the next step's row counts are its own.
func quiet(t *testing.T, e *apptest.Env) {
	t.Helper()
	admin := e.AdminToken()
	apptest.Eventually(t, "no job due or running", func() bool {
		for _, state := range []string{"available", "running", "retryable"} {
			var jobs []map[string]any
			e.Must(200, apptest.Request{Method: "GET", Path: "/jobs?state=" + state, Token: admin}).JSON(t, &jobs)
			if len(jobs) > 0 {
				return false
			}
		}
		return true
	})
}

// rowCounts counts the rows of every table but the job queue's own (River's bookkeeping
// changes whenever its workers poll).
func rowCounts(t *testing.T, e *apptest.Env) map[string]int {
	t.Helper()
	ctx := context.Background()
	d := e.App.DB
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d.Dialect == db.Postgres {
		list = `SELECT table_schema || '"."' || table_name FROM information_schema.tables
			WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`
	}
	rows, err := d.Raw(ctx, false).QueryContext(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(name, "river_") {
			tables = append(tables, name)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, name := range tables {
		var n int
		if err := d.Raw(ctx, false).QueryRowContext(ctx, `SELECT count(*) FROM "`+name+`"`).Scan(&n); err != nil {
			t.Fatalf("counting %s: %v", name, err)
		}
		out[name] = n
	}
	if len(out) < 20 {
		t.Fatalf("only %d tables: %v", len(out), tables)
	}
	return out
}

func changed(before, after map[string]int) string {
	var out []string
	for k, n := range after {
		if before[k] != n {
			out = append(out, fmt.Sprintf("%s %d -> %d", k, before[k], n))
		}
	}
	return strings.Join(out, ", ")
}
