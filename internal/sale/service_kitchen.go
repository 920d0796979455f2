package sale

import (
	"context"
	"slices"
	"sort"

	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/memo"
	"github.com/banapos/bana/internal/platform/query"
)

// DefaultStation takes lines whose category names no station.
const DefaultStation = "KITCHEN"

// SendToKitchen routes an FNB order's unsent lines to their stations as tickets (before payment,
// for dine-in).
func (m *Module) SendToKitchen(ctx context.Context, orderID id.ID) (*Order, error) {
	ctx = memo.With(ctx) // the menu and the merchant are read once per operation
	o, err := updateIn(ctx, m.db, m.orders, orderID, func(ctx context.Context, o *Order) error {
		if o.Status != Draft && o.Status != Processing && o.Status != Paid {
			return refusalf(ErrKitchenState, "order is %s and cannot go to the kitchen", o.Status)
		}
		mer, err := m.catalog.Merchant(ctx, o.MerchantID)
		if err != nil {
			return err
		}
		if mer.Type != MerchantFNB {
			return ErrNoKitchen
		}
		_, err = m.sendToKitchen(ctx, o)
		return err
	})
	if err == nil {
		err = m.announce(ctx, EventOrderSentToKitchen, o)
	}
	return o, err
}

// sendToKitchen creates one ticket per station for the lines not yet sent, and reports whether
// any line of the order is now waiting in the kitchen.
func (m *Module) sendToKitchen(ctx context.Context, o *Order) (waiting bool, err error) {
	items, err := m.loadItems(ctx, o.ID)
	if err != nil {
		return false, err
	}
	byStation := map[string][]Item{}
	for _, it := range items {
		switch it.KitchenStatus {
		case KitchenQueued, KitchenPreparing, KitchenReady:
			waiting = true
		}
		if it.KitchenStatus != "" {
			continue
		}
		st := it.StationCode
		if st == "" {
			st = DefaultStation
		}
		byStation[string(st)] = append(byStation[string(st)], it)
	}
	if len(byStation) == 0 {
		return waiting, nil
	}
	stations := make([]string, 0, len(byStation))
	for s := range byStation {
		stations = append(stations, s)
	}
	sort.Strings(stations)
	now := m.now()
	// One statement each for the tickets, their lines and the order lines they came from.
	tickets := make([]KitchenTicket, len(stations))
	var lines []KitchenItem
	var sent []id.ID
	for i, st := range stations {
		tickets[i] = KitchenTicket{ID: m.ids.Next(), OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, OrderID: o.ID,
			OrderNumber: o.Number, StationCode: st, TableCode: o.TableCode, Status: KitchenQueued, CreatedAt: now, UpdatedAt: now}
		for _, it := range byStation[st] {
			ki := KitchenItem{ID: m.ids.Next(), OrganizerID: o.OrganizerID, MerchantID: o.MerchantID, TicketID: tickets[i].ID,
				OrderItemID: it.ID, Name: it.Name, Quantity: it.Quantity, Modifiers: it.Modifiers, Note: it.Note, Status: KitchenQueued,
				UpdatedAt: now}
			lines = append(lines, ki)
			tickets[i].Items = append(tickets[i].Items, ki)
			sent = append(sent, it.ID)
		}
	}
	if err := m.insertTickets(ctx, tickets, lines, sent); err != nil {
		return false, err
	}
	for i := range items {
		if items[i].KitchenStatus == "" {
			items[i].KitchenStatus = KitchenQueued
		}
	}
	remember(ctx, itemsKey{o.ID}, items)
	for _, t := range tickets {
		m.announceTicket(ctx, EventTicketCreated, t)
	}
	if o.SentToKitchen == nil {
		o.SentToKitchen = &now
	}
	return true, nil
}

// SetKitchenStatus moves a kitchen line forward (QUEUED -> PREPARING -> READY -> SERVED, or
// VOIDED before it is ready). The ticket's status follows its least advanced line; a PAID
// order whose lines are all served or voided is completed.
func (m *Module) SetKitchenStatus(ctx context.Context, kitchenItemID id.ID, status string) (*KitchenTicket, error) {
	var out *KitchenTicket
	err := m.db.InTx(ctx, func(ctx context.Context) error {
		var ticketID id.ID
		var orderItem id.ID
		if _, err := updateIn(ctx, m.db, m.kitchen, kitchenItemID, func(ctx context.Context, k *KitchenItem) error {
			if k.Status == status {
				return nil
			}
			if !slices.Contains(kitchenNext[k.Status], status) {
				return refusalf(ErrKitchenState, "kitchen line is %s and cannot become %s", k.Status, status)
			}
			k.Status, k.UpdatedAt = status, m.now()
			ticketID, orderItem = k.TicketID, k.OrderItemID
			return nil
		}); err != nil {
			return err
		}
		if ticketID == 0 {
			t, err := m.ticketOf(ctx, kitchenItemID)
			if err != nil {
				return err
			}
			out = t
			return nil
		}
		if err := m.setItemKitchenStatus(ctx, orderItem, status); err != nil {
			return err
		}
		t, err := updateIn(ctx, m.db, m.tickets, ticketID, func(ctx context.Context, t *KitchenTicket) error {
			items, err := m.kitchen.Find(ctx, &query.Filter{Where: map[string]any{"ticketId": t.ID.String()}, Limit: query.MaxLimit}, query.ExcludeDeleted)
			if err != nil {
				return err
			}
			t.Status = ticketStatus(items)
			t.Items = items
			return nil
		})
		if err != nil {
			return err
		}
		out = t
		m.announceTicket(ctx, EventTicketUpdated, *t)
		waiting, err := m.kitchenWaiting(ctx, t.OrderID)
		if err != nil || waiting {
			return err
		}
		o, err := m.orders.Get(ctx, t.OrderID, query.ExcludeDeleted)
		if err != nil {
			return err
		}
		if o.Status == Paid {
			_, err = m.Complete(ctx, o.ID)
			return err
		}
		return nil
	})
	return out, err
}

func (m *Module) ticketOf(ctx context.Context, kitchenItemID id.ID) (*KitchenTicket, error) {
	k, err := m.kitchen.Get(ctx, kitchenItemID, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	t, err := m.tickets.Get(ctx, k.TicketID, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	t.Items, err = m.kitchen.Find(ctx, &query.Filter{Where: map[string]any{"ticketId": t.ID.String()}, Limit: query.MaxLimit}, query.ExcludeDeleted)
	return t, err
}

// ticketStatus is the least advanced status of the live lines.
func ticketStatus(items []KitchenItem) string {
	rank := map[string]int{KitchenQueued: 0, KitchenPreparing: 1, KitchenReady: 2, KitchenServed: 3}
	best, live := KitchenServed, false
	for _, k := range items {
		if k.Status == KitchenVoided {
			continue
		}
		live = true
		if rank[k.Status] < rank[best] {
			best = k.Status
		}
	}
	if !live {
		return KitchenVoided
	}
	return best
}
