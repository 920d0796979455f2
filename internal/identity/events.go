package identity

import (
	"context"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
)

// OrganizerChanged is published, in the writing transaction, on every write to an organizer
// through its table (the /organizers routes), for the search module to index. A new organizer
// comes with SellerRegistered instead.
type OrganizerChanged struct {
	OrganizerID id.ID  `json:"organizerId"`
	Action      string `json:"action" enum:"UPDATED,DELETED"`
}

// EventName implements events.Event.
func (OrganizerChanged) EventName() string { return "OrganizerChanged" }

// EventVersion implements events.Event.
func (OrganizerChanged) EventVersion() int { return 1 }

// organizerHooks publish OrganizerChanged on every change of an organizer's row.
func (m *Module) organizerHooks() query.Hooks[Organizer] {
	publish := func(action string) query.Hook[Organizer] {
		return func(ctx context.Context, before, _ *Organizer) error {
			if m.events == nil || before == nil {
				return nil
			}
			_, err := m.events.Publish(ctx, OrganizerChanged{OrganizerID: before.ID, Action: action})
			return err
		}
	}
	return query.Hooks[Organizer]{Update: publish("UPDATED"), Delete: publish("DELETED"), Restore: publish("UPDATED")}
}
