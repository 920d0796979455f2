package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/db"
	"github.com/banapos/bana/internal/platform/db/dbtest"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/idempotency"
	"github.com/banapos/bana/internal/platform/module"
)

// The Idempotency-Key records of the inventory's former table move to the platform's store: a
// retry in the record's scope replays the first response, status included, and does not act
// again. (The records keep the scope they were stored under, the organizer's; the platform now
// scopes keys per caller and operation, so only a retry under that scope finds them.)
func TestIdempotencyRecordsMoveToThePlatform(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ids, _ := id.NewGenerator(1, id.DefaultEpoch)
		idem := idempotency.New(d, nil)
		m := New(Deps{Platform: module.Platform{DB: d, IDs: ids, Idem: idem}})
		mg, err := db.NewMigrator(d, idem.Migrations(), m.Migrations())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mg.Up(ctx); err != nil {
			t.Fatal(err)
		}
		// Back to the schema before the move, with a record as the former store wrote it.
		if names, err := mg.Down(ctx, 2); err != nil || len(names) != 2 || names[1] != "inventory 0003_drop_idempotency" {
			t.Fatalf("down: %v %v", names, err)
		}
		req := map[string]any{"merchantId": "11", "reference": "order-1", "lines": []map[string]any{{"variantId": "5", "quantity": 2}}}
		raw, _ := json.Marshal(req)
		sum := sha256.Sum256(raw)
		want := Reserved{Reference: "order-1", ExpiresAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Lines: []ReservedLine{{VariantID: 5, Quantity: 2, Tracked: true, ReservationID: new(id.ID(77)), LocationID: 3}}}
		body, _ := json.Marshal(want)
		const route = "POST /inventory-reservations"
		if _, err := d.Raw(ctx, true).ExecContext(ctx, d.Rebind(`INSERT INTO inventory_idempotency (scope, idempotency_key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			route+"|organizer:1", "key-1", hex.EncodeToString(sum[:]), 201, string(body), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if _, err := mg.Up(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Raw(ctx, false).ExecContext(ctx, `SELECT 1 FROM inventory_idempotency`); err == nil {
			t.Fatal("inventory_idempotency still exists")
		}
		caller := auth.WithPrincipal(ctx, &auth.Principal{UserID: 2, Roles: []auth.Role{auth.OrganizerOwner}, OrganizerID: 1})
		// In a transaction the key is looked up before the operation runs, so a replay never runs it.
		var out *idempotency.Response[Reserved]
		var replayed bool
		err = d.InTx(caller, func(ctx context.Context) error {
			out, replayed, err = idempotency.Do(ctx, m.idem, route+"|organizer:1", "key-1", req, func(context.Context) (*idempotency.Response[Reserved], error) {
				t.Fatal("a moved record did not replay: the reservation ran again")
				return nil, nil
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != 201 || !replayed || !reflect.DeepEqual(out.Body, want) {
			t.Fatalf("replay: %d %v %+v", out.Status, replayed, out.Body)
		}
	})
}
