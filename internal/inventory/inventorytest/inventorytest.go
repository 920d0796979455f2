// Package inventorytest helps other modules' tests check the inventory: after any sequence of
// stock operations, every stock item must reconcile with its history.
package inventorytest

import (
	"context"
	"testing"

	"github.com/banapos/bana/internal/inventory"
	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
)

// RequireReconciled fails the test when any stock item of the organizer (0: all) disagrees with
// its tracking rows, open reservations or cost layers, and returns how many items it checked.
// It reads as the system (auth.System): the test, not a caller, asks.
func RequireReconciled(t testing.TB, s *inventory.Service, organizerID id.ID) int {
	t.Helper()
	rep, err := s.Reconcile(auth.System(context.Background()), organizerID, 0)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if !rep.OK {
		for _, d := range rep.Discrepancies {
			t.Errorf("item %s (variant %s at %s): %v", d.ItemID, d.VariantID, d.LocationID, d.Problems)
		}
		t.FailNow()
	}
	return rep.Items
}
