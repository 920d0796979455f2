package sale

import (
	"context"
	"testing"

	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
)

// TestOptionalTextMigration: a database made before absent text was NULL, with empty strings in its rows,
// reads NULL after the migration, and the order that had a table keeps it.
func TestOptionalTextMigration(t *testing.T) {
	for _, tg := range dbtest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			ctx := context.Background()
			d := dbtest.Open(t, tg)
			old := (&Module{}).Migrations()
			steps := old.Steps
			old.Steps = nil
			m, err := db.NewMigrator(d, old)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO sale_shifts (id, organizer_id, merchant_id, register, status, opened_by, opening_float, opened_at, created_at, updated_at)
				 VALUES (1, 1, 1, 'MAIN', 'OPEN', 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				`INSERT INTO sale_orders (id, organizer_id, merchant_id, shift_id, number, type, table_code, channel, status, note, currency, created_by, created_at, updated_at)
				 VALUES (10, 1, 1, 1, 1, 'TAKE_AWAY', '', 'POS', 'DRAFT', '', 'VND', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				`INSERT INTO sale_orders (id, organizer_id, merchant_id, shift_id, number, type, table_code, channel, status, currency, created_by, created_at, updated_at)
				 VALUES (11, 1, 1, 1, 2, 'DINE_IN', 'T1', 'POS', 'DRAFT', 'VND', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			} {
				if _, err := d.W.DB.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			old.Steps = steps
			if m, err = db.NewMigrator(d, old); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Up(ctx); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				where string
				want  int
			}{
				{"table_code IS NULL AND note IS NULL AND promotion_codes IS NULL AND cancel_reason IS NULL", 1},
				{"table_code = '' OR note = '' OR promotion_codes = '' OR cancel_reason = ''", 0},
				{"table_code = 'T1' AND note IS NULL", 1},
			} {
				var n int
				if err := d.Raw(ctx, false).QueryRowContext(ctx, "SELECT count(*) FROM sale_orders WHERE "+tc.where).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != tc.want {
					t.Errorf("%s: %d rows, want %d", tc.where, n, tc.want)
				}
			}
		})
	}
}
