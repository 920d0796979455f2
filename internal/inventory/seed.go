package inventory

import (
	"context"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// EnsureLocation returns the merchant's location with the code, creating it (the merchant's
// default when it has none) when there is none. Created says which. It is how `bana seed` makes
// the demo café's counter without duplicating it on a second run.
func (m *Module) EnsureLocation(ctx context.Context, organizerID, merchantID id.ID, code, name string) (loc *Location, created bool, err error) {
	ctx = auth.System(ctx)
	err = m.svc.db.InTx(ctx, func(ctx context.Context) error {
		found, err := m.locations.Find(ctx, &query.Filter{Where: map[string]any{"merchantId": merchantID.String(), "code": code}, Limit: 1}, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if len(found) > 0 {
			loc = &found[0]
			return nil
		}
		loc = &Location{OrganizerID: organizerID, MerchantID: merchantID, Code: code, Name: name}
		if err := m.validateLocation(ctx, loc, true); err != nil {
			return err
		}
		created = true
		return m.locations.Create(ctx, loc)
	})
	return loc, created, err
}
